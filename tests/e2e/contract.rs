//! The contract every kind keeps, driven by the registry (`mdl::kinds`):
//! a kind gets this test by existing. For each kind's fixture, against one
//! emulator (each kind its own stack): create, re-plan empty, change an
//! attribute AWS changes in place and see an in-place update, change one
//! that forces a replacement and see one, re-plan empty after each, destroy,
//! and find nothing left tagged with the stack. The kind's docs render and
//! its block exports to CloudFormation. Where moto lacks a call the kind
//! declares it, and the test expects the diagnostic that names it.
//!
//! A kind without a fixture does not compile: `Kind::fixture` is not
//! optional.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use mdl::kinds::Step;

use crate::harness::{Moto, Workspace};

/// Kinds checked at once, on one emulator.
const AT_ONCE: usize = 4;

#[test]
fn every_kind_keeps_its_contract() {
    // `MDL_CONTRACT_ONLY=alarm,scaling_policy` checks only those kinds.
    let only = std::env::var("MDL_CONTRACT_ONLY").unwrap_or_default();
    let with: Vec<_> = mdl::kinds::all()
        .iter()
        .filter(|k| only.is_empty() || only.split(',').any(|o| o.trim() == k.schema.name))
        .collect();
    assert!(!with.is_empty(), "MDL_CONTRACT_ONLY={only} names no kind");
    let mut wrong: Vec<String> = Vec::new();
    let moto = Arc::new(Moto::lease());
    let failures = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..AT_ONCE {
            s.spawn(|| {
                while let Some(kind) = with.get(next.fetch_add(1, Ordering::SeqCst)) {
                    if let Err(e) = contract(&moto, kind) {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {e}", kind.schema.name));
                    }
                }
            });
        }
    });
    wrong.extend(failures.into_inner().unwrap());
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n\n"));
}

/// One kind's contract; the first broken step, with mdl's output.
fn contract(moto: &Arc<Moto>, kind: &mdl::kinds::Kind) -> Result<(), String> {
    let fixture = kind.fixture;
    let name = kind.schema.name;
    let stack = format!("contract-{}", name.replace('_', "-"));
    let file = format!("{stack}.moodle");
    let ws = Workspace::sharing(moto, &file, fixture.create);
    let addr = format!("{name}.contract");
    // `args` with the file after the command's words (`state rebuild`).
    let with_file = |args: &[&str]| -> Vec<String> {
        let words = if args[0] == "state" { 2 } else { 1 };
        let mut all: Vec<String> = args[..words].iter().map(ToString::to_string).collect();
        all.push(file.clone());
        all.extend(args[words..].iter().map(ToString::to_string));
        all
    };
    let mdl = |all: &[String]| ws.mdl(&all.iter().map(String::as_str).collect::<Vec<_>>());
    let run = |args: &[&str], code: i32, what: &str| -> Result<String, String> {
        let all = with_file(args);
        let r = mdl(&all);
        if r.code == code {
            Ok(r.stdout)
        } else {
            Err(format!(
                "{what}: `mdl {}` exited {}, not {code}\n{}",
                all.join(" "),
                r.code,
                r.all()
            ))
        }
    };
    let empty = |what: &str| run(&["plan", "--detailed-exitcode"], 0, what);

    // Docs and export need no AWS.
    let docs = ws.mdl(&["docs", name]);
    if docs.code != 0 || !docs.stdout.contains(kind.schema.summary) {
        return Err(format!(
            "`mdl docs {name}` does not render it\n{}",
            docs.all()
        ));
    }
    let template = ws.dir.path().join("template.json");
    let template_arg = template.display().to_string();
    run(
        &["export", "--cloudformation", "--out", &template_arg],
        0,
        "export",
    )?;
    let json = std::fs::read_to_string(&template).map_err(|e| format!("no template: {e}"))?;
    let mapped = kind.cloudformation;
    if !std::iter::once(mapped.type_name)
        .chain(mapped.adopts.iter().copied())
        .any(|ty| json.contains(&format!("\"Type\": \"{ty}\"")))
    {
        return Err(format!(
            "export wrote no {} for the block:\n{json}",
            mapped.type_name
        ));
    }

    // At the step that makes a call moto lacks, the failure names it and
    // the contract ends there.
    let lacks = |step: Step, args: &[&str]| -> Option<Result<(), String>> {
        let lack = fixture.emulator_lacks.filter(|l| l.at == step)?;
        let all = with_file(args);
        let r = mdl(&all);
        Some(if r.code != 0 && r.stderr.contains(lack.call) {
            Ok(())
        } else {
            Err(format!(
                "moto lacks {}: `mdl {}` should fail naming it\n{}",
                lack.call,
                all.join(" "),
                r.all()
            ))
        })
    };
    let apply = ["apply", "--auto-approve"];

    if let Some(end) = lacks(Step::Create, &apply) {
        return end;
    }
    let created = run(&apply, 0, "create")?;
    if !created.contains(&format!("{addr}: Creation complete")) {
        return Err(format!("the create did not create {addr}:\n{created}"));
    }
    empty("after the create")?;

    ws.write(fixture.update);
    let planned = run(&["plan", "--detailed-exitcode"], 2, "plan of the update")?;
    if !planned.contains(&format!("{addr} will be updated in place")) {
        return Err(format!("the update is not planned in place:\n{planned}"));
    }
    if let Some(end) = lacks(Step::Update, &apply) {
        return end;
    }
    run(&apply, 0, "update")?;
    empty("after the update")?;

    if let Some(replace) = fixture.replace {
        ws.write(replace);
        let planned = run(
            &["plan", "--detailed-exitcode"],
            2,
            "plan of the replacement",
        )?;
        if !planned.contains(&format!("{addr} must be replaced")) {
            return Err(format!("the replacement is not planned:\n{planned}"));
        }
        if let Some(end) = lacks(Step::Replace, &apply) {
            return end;
        }
        run(&apply, 0, "replacement")?;
        empty("after the replacement")?;
    }

    if let Some(end) = lacks(Step::Destroy, &["destroy", "--auto-approve"]) {
        return end;
    }
    run(&["destroy", "--auto-approve"], 0, "destroy")?;
    let left = run(
        &["state", "rebuild", "--auto-approve"],
        0,
        "looking for what is left",
    )?;
    if !left.contains("Nothing to rebuild") {
        return Err(format!("resources are left tagged with the stack:\n{left}"));
    }
    Ok(())
}
