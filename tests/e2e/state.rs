//! `mdl state` and `mdl graph` end to end: list and show what apply
//! recorded, rename a block without replacing its resource.

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

#[test]
fn state_list_show_and_mv_keep_a_renamed_resource() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    ws.expect("apply", &["--auto-approve"], 0);

    let list = ws.mdl(&["state", "list", "network.moodle"]);
    assert_eq!(list.code, 0, "{}", list.all());
    let line = list
        .stdout
        .lines()
        .find(|l| l.starts_with("security_group.web "))
        .unwrap_or_else(|| panic!("{}", list.stdout));
    let id = line.split_whitespace().last().unwrap().to_string();
    assert!(id.starts_with("sg-"), "{line}");
    assert_eq!(list.stdout.lines().count(), 16, "{}", list.stdout);

    let show = ws.mdl(&["state", "show", "network.moodle", "security_group.web"]);
    assert_eq!(show.code, 0, "{}", show.all());
    assert!(
        show.stdout.contains(&format!("id = \"{id}\"")) && show.stdout.contains("# depends on"),
        "{}",
        show.stdout
    );
    let typo = ws.mdl(&["state", "show", "network.moodle", "security_group.webb"]);
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("did you mean `security_group.web`?"),
        "{}",
        typo.all()
    );

    // Rename the block: without a move the plan would replace it.
    let text = ws
        .read()
        .replace("security_group web {", "security_group app {");
    ws.write(&text);
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(plan.stdout.contains("1 to add"), "{}", plan.all());
    let mv = ws.mdl(&[
        "state",
        "mv",
        "network.moodle",
        "security_group.web",
        "security_group.app",
    ]);
    assert_eq!(mv.code, 0, "{}", mv.all());
    assert!(
        mv.stdout
            .contains("Moved security_group.web to security_group.app")
    );
    // Kept, not replaced: only its mdl:address tag is rewritten.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("~ mdl:address = \"security_group.web\" -> \"security_group.app\"")
            && plan
                .stdout
                .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // The tags now carry the new address: a lost state is rebuilt with it.
    std::fs::remove_file(ws.state_path()).unwrap();
    rebuild(&ws, "network.moodle");
    ws.expect("plan", &["--detailed-exitcode"], 0);
    ws.expect("apply", &["--auto-approve"], 0);
    let show = ws.mdl(&["state", "show", "network.moodle", "security_group.app"]);
    assert!(show.stdout.contains(&id), "{}", show.all());

    // Moving onto an address state already holds is refused.
    let clash = ws.mdl(&[
        "state",
        "mv",
        "network.moodle",
        "security_group.app",
        "security_group.alb",
    ]);
    assert_eq!(clash.code, 1);
    assert!(
        clash
            .stderr
            .contains("state already has `security_group.alb`"),
        "{}",
        clash.all()
    );

    let graph = ws.mdl(&["graph", "network.moodle", "--format", "mermaid"]);
    assert_eq!(graph.code, 0, "{}", graph.all());
    assert!(graph.stdout.starts_with("flowchart LR\n"));
    assert!(graph.stdout.contains("[\"security_group.app\"]"));
}

#[test]
fn target_limits_a_plan_and_replace_forces_one() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    ws.expect("apply", &["--auto-approve"], 0);
    let sg_id = |ws: &Workspace, addr: &str| {
        let show = ws.mdl(&["state", "show", "network.moodle", addr]);
        show.stdout
            .lines()
            .find_map(|l| l.strip_prefix("id = "))
            .unwrap_or_default()
            .trim_matches('"')
            .to_string()
    };

    // Two changes; the target takes one of them.
    let text = ws
        .read()
        .replacen(
            "Name = \"onprem\"",
            "Name = \"onprem\"\n    Team = \"vle\"",
            1,
        )
        .replacen(
            "security_group web {\n",
            "security_group web {\n  tags = {\n    Tier = \"web\"\n  }\n",
            1,
        );
    ws.write(&text);
    let plan = ws.expect(
        "plan",
        &["--detailed-exitcode", "--target", "security_group.web"],
        2,
    );
    assert!(
        plan.stdout.contains("covers only the targeted resources")
            && plan
                .stdout
                .contains("# security_group.web will be updated in place")
            && !plan.stdout.contains("# vpc.onprem will be updated")
            && plan
                .stdout
                .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect(
        "apply",
        &["--auto-approve", "-target", "security_group.web"],
        0,
    );
    let rest = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        rest.stdout
            .contains("# vpc.onprem will be updated in place")
            && !rest.stdout.contains("security_group.web will"),
        "{}",
        rest.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);

    // Nothing forces it, yet the group is replaced on request.
    let before = sg_id(&ws, "security_group.web");
    let plan = ws.expect(
        "plan",
        &["--detailed-exitcode", "--replace", "security_group.web"],
        2,
    );
    assert!(
        plan.stdout
            .contains("# security_group.web will be replaced, as requested"),
        "{}",
        plan.all()
    );
    ws.expect(
        "apply",
        &["--auto-approve", "--replace", "security_group.web"],
        0,
    );
    let after = sg_id(&ws, "security_group.web");
    assert!(
        after.starts_with("sg-") && after != before,
        "{before} -> {after}"
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    let typo = ws.expect("plan", &["--target", "security_group.albb"], 1);
    assert!(
        typo.stderr.contains("did you mean `security_group.alb`?"),
        "{}",
        typo.all()
    );
}

#[test]
fn a_saved_plan_applies_exactly_and_refuses_when_things_changed() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    // JSON for tools.
    let json = ws.expect("plan", &["--json"], 0);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan["format_version"], 1);
    assert_eq!(plan["summary"]["add"], 16);
    assert_eq!(plan["changes"][0]["action"], "create");

    // Saved, then applied as it is.
    let saved = ws.expect("plan", &["--out", "plan.json"], 0);
    assert!(
        saved.stdout.contains("Saved the plan to plan.json"),
        "{}",
        saved.all()
    );
    let apply = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply.stdout.contains("Resources: 16 added"),
        "{}",
        apply.all()
    );

    // The file changes after the plan was saved.
    ws.expect("plan", &["--out", "plan.json"], 0);
    let text = ws
        .read()
        .replacen("Name = \"onprem\"", "Name = \"on-prem\"", 1);
    ws.write(&text);
    let stale = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    assert!(
        stale
            .stderr
            .contains("the configuration changed since the plan was saved"),
        "{}",
        stale.all()
    );

    // AWS changes after the plan was saved.
    ws.expect("plan", &["--out", "plan.json"], 0);
    Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let onprem = vpcs
            .vpcs()
            .iter()
            .find(|v| v.tags().iter().any(|t| t.value() == Some("vpc.onprem")))
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string();
        ec2.create_tags()
            .resources(onprem)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Name")
                    .value("changed by hand")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let stale = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    // The change made by hand shows as drift, and the plan puts it back.
    assert!(
        stale.stdout.contains("Changed outside mdl")
            && stale.stdout.contains("# vpc.onprem")
            && stale.stdout.contains("\"changed by hand\""),
        "{}",
        stale.all()
    );
    assert!(
        stale
            .stderr
            .contains("AWS or the state changed since the plan was saved"),
        "{}",
        stale.all()
    );
    // Extra values cannot be mixed into a saved plan.
    let mixed = ws.mdl(&["apply", "plan.json", "--target", "vpc.main"]);
    assert_eq!(mixed.code, 1);
    assert!(
        mixed.stderr.contains("a saved plan carries its own params"),
        "{}",
        mixed.all()
    );
    // refresh records the drift in state, changing nothing in AWS: it is
    // no longer drift, and the plan still puts the tag back.
    let refresh = ws.mdl(&["refresh", "network.moodle"]);
    assert_eq!(refresh.code, 0, "{}", refresh.all());
    assert!(
        refresh.stdout.contains("Changed outside mdl")
            && refresh
                .stdout
                .contains("Refreshed the state of stack `network`: 16 resources"),
        "{}",
        refresh.all()
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        !plan.stdout.contains("Changed outside mdl")
            && plan
                .stdout
                .contains("# vpc.onprem will be updated in place"),
        "{}",
        plan.all()
    );
    // A fresh plan applies.
    ws.expect("plan", &["--out", "plan.json"], 0);
    let apply = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    ws.expect("plan", &["--detailed-exitcode"], 0);
}

#[test]
fn import_adopts_a_hand_made_resource_and_tags_it() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    ws.expect("apply", &["--auto-approve"], 0);
    // A security group made by hand in the estate's VPC.
    let sg = Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let vpc = vpcs
            .vpcs()
            .iter()
            .find(|v| v.tags().iter().any(|t| t.value() == Some("vpc.main")))
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string();
        ec2.create_security_group()
            .group_name("legacy")
            .description("Made by hand")
            .vpc_id(vpc)
            .send()
            .await
            .unwrap()
            .group_id()
            .unwrap()
            .to_string()
    });
    let text = ws.read()
        + "\nsecurity_group legacy {\n  vpc_id      = vpc.main.id\n  name        = \"legacy\"\n  description = \"Made by hand\"\n}\n";
    ws.write(&text);
    // Without import the plan would make a second one.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("# security_group.legacy will be created"),
        "{}",
        plan.all()
    );

    let wrong = ws.mdl(&["import", "network.moodle", "security_group.legasy", &sg]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stderr
            .contains("did you mean `security_group.legacy`?"),
        "{}",
        wrong.all()
    );
    let missing = ws.mdl(&[
        "import",
        "network.moodle",
        "security_group.legacy",
        "sg-0000000000000000f",
    ]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("AWS has no security_group with the id"),
        "{}",
        missing.all()
    );

    let import = ws.mdl(&["import", "network.moodle", "security_group.legacy", &sg]);
    assert_eq!(import.code, 0, "{}", import.all());
    assert!(
        import
            .stdout
            .contains(&format!("Imported {sg} as `security_group.legacy`."))
    );
    let again = ws.mdl(&["import", "network.moodle", "security_group.legacy", &sg]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("is already in state"),
        "{}",
        again.all()
    );

    // Adopted, not created: the plan only tags it.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("# security_group.legacy will be updated in place")
            && plan
                .stdout
                .contains("+ mdl:address = \"security_group.legacy\"")
            && plan
                .stdout
                .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // Tagged: found again without state, by `mdl state rebuild`.
    std::fs::remove_file(ws.state_path()).unwrap();
    rebuild(&ws, "network.moodle");
    ws.expect("plan", &["--detailed-exitcode"], 0);
    ws.expect("apply", &["--auto-approve"], 0);

    // And let go again: out of state and untagged, still in AWS; with its
    // block gone nothing plans to delete it, with or without state.
    let rm = ws.mdl(&["state", "rm", "network.moodle", "security_group.legacy"]);
    assert_eq!(rm.code, 0, "{}", rm.all());
    assert!(
        rm.stdout.contains("it still exists in AWS")
            && rm
                .stdout
                .contains("mdl:stack and mdl:address tags are removed"),
        "{}",
        rm.all()
    );
    let text = ws.read();
    let cut = text.find("\nsecurity_group legacy {").unwrap();
    ws.write(&text[..cut + 1]);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // A rebuild from tags does not find it either.
    std::fs::remove_file(ws.state_path()).unwrap();
    rebuild(&ws, "network.moodle");
    let show = ws.mdl(&["state", "show", "network.moodle", "security_group.legacy"]);
    assert_eq!(show.code, 1, "{}", show.all());
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let exists = Workspace::runtime().block_on(async {
        ws.moto
            .ec2()
            .describe_security_groups()
            .group_ids(&sg)
            .send()
            .await
            .map(|o| o.security_groups().len())
            .unwrap_or(0)
    });
    assert_eq!(exists, 1, "state rm must not delete it");
}

/// `mdl state rebuild FILE --auto-approve`, expected to record something.
fn rebuild(ws: &Workspace, file: &str) {
    let run = ws.mdl(&["state", "rebuild", file, "--auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Recorded "), "{}", run.all());
}

const TWO: &str = r#"
vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet a {
  vpc_id     = vpc.main.id
  cidr_block = "10.0.1.0/24"
}
"#;

/// A `.mdl` directory others can write is refused; links planted where
/// the state, its temporary file or the lock go are never followed.
#[test]
fn a_state_directory_others_can_write_or_planted_links_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new("site.moodle", TWO);
    let dot = ws.dir.path().join(".mdl");
    std::fs::create_dir(&dot).unwrap();
    std::fs::set_permissions(&dot, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = ws.expect("plan", &[], 1);
    assert!(
        run.stderr.contains("writable by other users") && run.stderr.contains("chmod go-w"),
        "{}",
        run.all()
    );
    std::fs::set_permissions(&dot, std::fs::Permissions::from_mode(0o700)).unwrap();

    // A link where the temporary file goes: replaced, not written through.
    let victim = ws.dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&victim, dot.join("site.state.json.tmp")).unwrap();
    ws.expect("apply", &["--auto-approve"], 0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
    assert_eq!(
        std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
        0o644
    );

    // A link as the state file, or as the lock: refused, the target kept.
    let state = ws.state_path();
    let saved = std::fs::read_to_string(&state).unwrap();
    std::fs::remove_file(&state).unwrap();
    std::os::unix::fs::symlink(&victim, &state).unwrap();
    let run = ws.expect("plan", &[], 1);
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.all());
    std::fs::remove_file(&state).unwrap();
    std::fs::write(&state, saved).unwrap();
    let lock = state.with_extension("lock");
    let _ = std::fs::remove_file(&lock);
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let run = ws.expect("apply", &["--auto-approve"], 1);
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.all());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
}

/// State that cannot be written stops mdl before it changes AWS; if it
/// stops being writable during an apply, no step starts after that, and
/// mdl names what AWS holds beyond the saved state and keeps a copy of the
/// state it could not save.
#[test]
fn state_that_cannot_be_written_stops_the_apply_and_loses_nothing() {
    let three = format!(
        "{TWO}\nsubnet b {{\n  vpc_id     = vpc.main.id\n  cidr_block = \"10.0.2.0/24\"\n}}\n\nsubnet c {{\n  vpc_id     = vpc.main.id\n  cidr_block = \"10.0.3.0/24\"\n}}\n"
    );
    let ws = Workspace::new("site.moodle", &three);
    let state = ws.state_path();
    // mdl writes state through a temporary file beside it; a directory
    // there (root ignores permissions) makes every write fail.
    let blocker = state.with_file_name("site.state.json.tmp");
    std::fs::create_dir_all(blocker.join("in-the-way")).unwrap();
    let run = ws.expect("apply", &["--auto-approve"], 1);
    assert!(
        run.stderr.contains("state::unwritable") && run.stderr.contains("nothing was"),
        "{}",
        run.all()
    );
    assert_eq!(ws.moto.vpcs(), 0, "AWS was changed");
    std::fs::remove_dir_all(&blocker).unwrap();

    // During the apply: once the three subnets have started, state can no
    // longer be written.
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            latency: std::time::Duration::from_millis(300),
            ..Faults::default()
        },
    );
    let child = ws
        .command(&proxy.endpoint, &["apply", "site.moodle", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&state)
        .unwrap_or_default()
        .matches("\"subnet.")
        .count()
        < 3
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "no subnet started"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    std::fs::create_dir_all(blocker.join("in-the-way")).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("state::write_failed")
            && stderr.contains("no further")
            && stderr.contains("AWS holds what the saved state does not record")
            && stderr.contains("subnet.a = subnet-")
            && stderr.contains("subnet.c = subnet-"),
        "{stderr}"
    );
    assert!(!stdout.contains("State holds every step"), "{stdout}");
    // The copy it kept, put back, is the state: the next apply goes on
    // from it and duplicates nothing.
    let copy = std::fs::read_dir(state.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains(".recovered-"))
        .expect("a recovery copy");
    assert!(stderr.contains("site.state.json.recovered-"), "{stderr}");
    std::fs::remove_dir_all(&blocker).unwrap();
    std::fs::rename(&copy, &state).unwrap();
    drop(proxy);
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    assert_eq!(ws.moto.vpcs(), 1);
    let subnets = Workspace::runtime().block_on(async {
        ws.moto
            .ec2()
            .describe_subnets()
            .send()
            .await
            .unwrap()
            .subnets()
            .iter()
            .filter(|s| !s.default_for_az().unwrap_or(false))
            .count()
    });
    assert_eq!(subnets, 3);
}

/// `--lock-timeout`: a run waits for the lock another holds, saying so,
/// and goes on once it is released; without it (or when the wait runs
/// out) it fails naming the holder.
#[test]
fn a_run_waits_for_the_lock_up_to_its_lock_timeout() {
    let ws = Workspace::new(
        "waits.moodle",
        "vpc main { cidr_block = \"10.64.0.0/16\" }\n",
    );
    let lock_path = ws.dir.path().join(".mdl/waits.state.lock");
    let held = mdl::state::Lock::acquire(&lock_path, "apply").unwrap();
    let now = ws.expect("plan", &[], 1);
    assert!(
        now.stderr.contains("the state is locked by `mdl apply`")
            && now.stderr.contains("--lock-timeout"),
        "{}",
        now.all()
    );
    let short = ws.expect("plan", &["-lock-timeout=1s"], 1);
    assert!(
        short
            .stderr
            .contains("Waiting for the state lock, held by `mdl apply`")
            && short.stderr.contains("still held after 1s"),
        "{}",
        short.all()
    );
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(2));
        drop(held);
    });
    let waited = ws.expect("plan", &["--lock-timeout", "2m"], 0);
    release.join().unwrap();
    assert!(
        waited.stderr.contains("Waiting for the state lock")
            && waited.stdout.contains("Plan: 1 to add"),
        "{}",
        waited.all()
    );
    let bad = ws.mdl(&["plan", "waits.moodle", "--lock-timeout", "soon"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("write 30s, 5m, 1h or 1m30s"),
        "{}",
        bad.all()
    );
    // A plan writes no state, so plans share the lock: one running (here
    // this test, reading) holds up no other plan, but does hold up an
    // apply, and an apply holds up plans (above).
    let reading = mdl::state::Lock::acquire_shared(&lock_path, "plan").unwrap();
    let beside = ws.expect("plan", &[], 0);
    assert!(beside.stdout.contains("Plan: 1 to add"), "{}", beside.all());
    let apply = ws.expect("apply", &["--auto-approve"], 1);
    assert!(
        apply
            .stderr
            .contains("locked by `mdl plan` (one or more plans"),
        "{}",
        apply.all()
    );
    drop(reading);
    ws.expect("apply", &["--auto-approve"], 0);
}

/// `mdl plan --destroy --out PLAN`: the deletion reviewed, saved, and
/// applied exactly by `mdl apply PLAN`.
#[test]
fn a_destroy_is_planned_saved_and_applied_from_the_plan() {
    let ws = Workspace::new(
        "gone.moodle",
        "vpc main { cidr_block = \"10.65.0.0/16\" }\n\nsecurity_group web {\n  vpc_id      = vpc.main.id\n  description = \"web\"\n}\n",
    );
    ws.expect("apply", &["--auto-approve"], 0);
    let plan = ws.expect("plan", &["--destroy", "--out", "gone.plan"], 0);
    assert!(
        plan.stdout.contains("will be destroyed")
            && plan
                .stdout
                .contains("Plan: 0 to add, 0 to change, 2 to destroy.")
            && plan
                .stdout
                .contains("`mdl apply gone.plan` applies exactly this plan"),
        "{}",
        plan.all()
    );
    // Nothing was deleted by the plan.
    assert_eq!(ws.moto.vpcs(), 1);
    let apply = ws.mdl(&["apply", "gone.plan"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply
            .stdout
            .contains("Destroy complete! Resources: 2 destroyed."),
        "{}",
        apply.all()
    );
    assert_eq!(ws.moto.vpcs(), 0);
    // Applied once: the same plan again is stale.
    let again = ws.mdl(&["apply", "gone.plan"]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again.stderr.contains("apply::stale_plan"),
        "{}",
        again.all()
    );
    // A destroy cannot be limited.
    let limited = ws.expect("plan", &["--destroy", "--target", "vpc.main"], 1);
    assert!(
        limited.stderr.contains("plan::target_destroy"),
        "{}",
        limited.all()
    );
}

/// `mdl show PLAN` renders a saved plan as the plan showed it; `mdl show
/// FILE` renders the stack's state as the estate it records.
#[test]
fn show_renders_a_saved_plan_and_the_state() {
    let ws = Workspace::new(
        "shown.moodle",
        "vpc main {\n  cidr_block = \"10.68.0.0/16\"\n  tags       = { team = \"web\" }\n}\n\noutput vpc = vpc.main.id\n",
    );
    let empty = ws.expect("show", &[], 0);
    assert!(
        empty.stdout.contains("has nothing in state"),
        "{}",
        empty.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.edit("team = \"web\"", "team = \"learning\"");
    let plan = ws.expect("plan", &["--out", "tags.plan"], 0);
    let shown = ws.mdl(&["show", "tags.plan"]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    // The same change blocks and summary as the plan printed.
    let blocks = |text: &str| -> String {
        text.lines()
            .skip_while(|l| !l.contains("will be updated in place"))
            .take_while(|l| !l.starts_with("Plan:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(!blocks(&plan.stdout).is_empty(), "{}", plan.all());
    assert_eq!(
        blocks(&shown.stdout),
        blocks(&plan.stdout),
        "{}",
        shown.all()
    );
    assert!(
        shown
            .stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy.")
            && shown.stdout.contains("`mdl apply tags.plan`"),
        "{}",
        shown.all()
    );
    let json = ws.mdl(&["show", "tags.plan", "--json"]);
    let plan_json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan_json["summary"]["change"], 1, "{}", json.all());
    // The state, as the estate it records.
    let state = ws.expect("show", &[], 0);
    assert!(
        state.stdout.contains("# stack shown: 1 resource")
            && state.stdout.contains("# vpc.main")
            && state.stdout.contains("id = \"vpc-")
            && state.stdout.contains("cidr_block = \"10.68.0.0/16\"")
            && state.stdout.contains("Outputs:"),
        "{}",
        state.all()
    );
    let state_json = ws.expect("show", &["--json"], 0);
    let v: serde_json::Value = serde_json::from_str(&state_json.stdout).unwrap();
    assert_eq!(v["resources"][0]["address"], "vpc.main");
    assert_eq!(v["resources"][0]["attributes"]["tags"]["team"], "web");
    // JSON that is not a saved plan is refused for what it is.
    std::fs::write(ws.dir.path().join("other.json"), "{\"a\": 1}").unwrap();
    let other = ws.mdl(&["show", "other.json"]);
    assert_eq!(other.code, 1, "{}", other.all());
    assert!(
        other.stderr.contains("cli::invalid_saved_plan"),
        "{}",
        other.all()
    );
}

/// `mdl plan --refresh-only` shows what changed outside mdl as a plan
/// that changes only state; `mdl apply --refresh-only` records it, after
/// asking; the next plan then puts back only what the file says.
#[test]
fn a_refresh_only_plan_shows_drift_and_its_apply_records_it() {
    let ws = Workspace::new(
        "drifted.moodle",
        "vpc main {\n  cidr_block = \"10.69.0.0/16\"\n  tags       = { team = \"web\" }\n}\n",
    );
    ws.expect("apply", &["--auto-approve"], 0);
    let quiet = ws.expect("plan", &["--refresh-only", "--detailed-exitcode"], 0);
    assert!(
        quiet.stdout.contains("No changes: the state matches"),
        "{}",
        quiet.all()
    );
    Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let id = vpcs
            .vpcs()
            .iter()
            .find(|v| v.tags().iter().any(|t| t.value() == Some("vpc.main")))
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string();
        ec2.create_tags()
            .resources(id)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("team")
                    .value("changed by hand")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let before = std::fs::read_to_string(ws.state_path()).unwrap();
    let plan = ws.expect("plan", &["--refresh-only", "--detailed-exitcode"], 2);
    assert!(
        plan.stdout.contains("Changed outside mdl")
            && plan.stdout.contains("\"changed by hand\"")
            && plan
                .stdout
                .contains("Refresh only: 1 resource changed outside mdl, 0 no longer in AWS")
            && plan
                .stdout
                .contains("`mdl apply drifted.moodle --refresh-only`"),
        "{}",
        plan.all()
    );
    let json = ws.expect("plan", &["--refresh-only", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(j["refresh_only"], true);
    assert_eq!(j["changes"].as_array().map(Vec::len), Some(0));
    assert_eq!(j["drift"][0]["address"], "vpc.main");
    // The plan wrote nothing; without a terminal the apply must be approved.
    assert_eq!(std::fs::read_to_string(ws.state_path()).unwrap(), before);
    let asks = ws.expect("apply", &["--refresh-only"], 1);
    assert!(
        asks.stderr.contains("cli::confirmation_required"),
        "{}",
        asks.all()
    );
    assert_eq!(std::fs::read_to_string(ws.state_path()).unwrap(), before);
    // A refresh-only apply cannot be mixed with what changes AWS.
    let mixed = ws.mdl(&[
        "apply",
        "drifted.moodle",
        "--refresh-only",
        "--target",
        "vpc.main",
    ]);
    assert_eq!(mixed.code, 2, "{}", mixed.all());
    let applied = ws.expect("apply", &["--refresh-only", "--auto-approve"], 0);
    assert!(
        applied
            .stdout
            .contains("Refreshed the state of stack `drifted`: 1 resource recorded"),
        "{}",
        applied.all()
    );
    ws.expect("plan", &["--refresh-only", "--detailed-exitcode"], 0);
    // No longer drift: the plan puts back the file's value as an update.
    let back = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        !back.stdout.contains("Changed outside mdl")
            && back.stdout.contains("\"changed by hand\" -> \"web\""),
        "{}",
        back.all()
    );
}

/// `--refresh=false` takes state as what exists: no read of AWS, so what
/// was deleted by hand goes unseen, until a plan that reads.
#[test]
fn refresh_false_plans_from_state_alone() {
    let ws = Workspace::new(
        "blind.moodle",
        "vpc main { cidr_block = \"10.70.0.0/16\" }\n",
    );
    ws.expect("apply", &["--auto-approve"], 0);
    Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let id = vpcs
            .vpcs()
            .iter()
            .find(|v| v.tags().iter().any(|t| t.value() == Some("vpc.main")))
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string();
        ec2.delete_vpc().vpc_id(id).send().await.unwrap();
    });
    let blind = ws.expect("plan", &["-refresh=false", "--detailed-exitcode"], 0);
    assert!(blind.stdout.contains("No changes"), "{}", blind.all());
    let seen = ws.expect("plan", &["--refresh=true", "--detailed-exitcode"], 2);
    assert!(
        seen.stdout
            .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        seen.all()
    );
    let contradiction = ws.expect("plan", &["--refresh-only", "--refresh=false"], 1);
    assert!(
        contradiction.stderr.contains("cli::invalid_flags"),
        "{}",
        contradiction.all()
    );
}
