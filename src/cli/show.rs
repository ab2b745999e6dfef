//! `mdl show`: a saved plan rendered as `mdl plan` showed it, or the state
//! of a file's stack rendered as the estate it records.

use std::path::PathBuf;

use clap::Args;

use super::{Ui, command_line_diag};
use crate::diagnostics::SourceMap;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// A saved plan (`mdl plan FILE --out PLAN`), or a .moodle file whose
    /// stack's state to show.
    #[arg(value_name = "PLAN|FILE")]
    pub file: PathBuf,
    /// Print JSON: a saved plan's plan (docs/plan-json.md), or the state's
    /// resources and outputs, secrets as "(sensitive)".
    #[arg(long)]
    pub json: bool,
    /// For a .moodle file: the stack name (default: the file's `stack`
    /// declaration, else the file name without `.moodle`).
    #[arg(long)]
    pub stack: Option<String>,
    /// For a .moodle file: read the state from S3 (`s3://BUCKET/PREFIX`).
    #[arg(long, env = "MDL_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
}

pub fn run(ui: &Ui, args: &ShowArgs) -> u8 {
    let mut sources = SourceMap::new();
    let mut fail = |code: &'static str, message: String, help: &str| {
        let d = command_line_diag(&mut sources, code, message, "in this command", help);
        ui.report(&[d], &sources);
        1u8
    };
    match super::apply::saved_plan(&args.file) {
        Some(Ok(saved)) => return show_plan(ui, args, &saved, &mut fail),
        Some(Err(why)) => {
            return fail(
                "cli::invalid_saved_plan",
                format!("{} {why}", args.file.display()),
                "give a file `mdl plan FILE --out PLAN` wrote (by this version of mdl), or a .moodle file to show its state",
            );
        }
        None => {}
    }
    let file = super::state::StateFile {
        file: args.file.clone(),
        stack: args.stack.clone(),
        backend: args.backend.clone(),
    };
    let (stack, state) = match file.read(ui) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if args.json {
        let resources: Vec<serde_json::Value> = state
            .resources
            .values()
            .map(|r| {
                let map = |m: &indexmap::IndexMap<String, crate::value::Value>| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), super::state::shown(v).to_json()))
                        .collect::<serde_json::Map<_, _>>()
                };
                serde_json::json!({
                    "address": r.addr.to_string(),
                    "kind": r.addr.kind,
                    "id": r.id,
                    "attributes": map(&r.attrs),
                    "computed": map(&r.computed),
                    "dependencies": r.dependencies.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "protected": r.protected,
                    "pending": r.pending,
                })
            })
            .collect();
        let value = serde_json::json!({
            "format_version": 1,
            "stack": state.stack,
            "account_id": state.account_id,
            "region": state.region,
            "serial": state.serial,
            "resources": resources,
            "outputs": state.outputs_json(),
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return 0;
    }
    if state.resources.is_empty() && state.outputs.is_empty() {
        if !args.file.exists() {
            let mut here = SourceMap::new();
            let d = command_line_diag(
                &mut here,
                "cli::unreadable_file",
                format!(
                    "{} does not exist, and stack `{stack}` has no state",
                    args.file.display()
                ),
                "in this command",
                "give a saved plan (`mdl plan FILE --out PLAN`) or the .moodle file of an applied stack",
            );
            ui.report(&[d], &here);
            return 1;
        }
        outln!(
            "Stack {stack} has nothing in state: `mdl apply {}` creates it.",
            args.file.display()
        );
        return 0;
    }
    outln!(
        "# stack {stack}: {} resource{}, account {}, region {} (state serial {})\n",
        state.resources.len(),
        super::validate::plural(state.resources.len()),
        state.account_id.as_deref().unwrap_or("(not yet recorded)"),
        state.region.as_deref().unwrap_or("(not yet recorded)"),
        state.serial
    );
    for r in state.resources.values() {
        outln!("{}", super::state::record_text(r));
    }
    if !state.outputs.is_empty() {
        outln!("Outputs:\n");
        for (k, v) in &state.outputs {
            outln!("{k} = {v}");
        }
    }
    0
}

/// A saved plan, as the plan showed it (`--json`: its plan).
fn show_plan(
    ui: &Ui,
    args: &ShowArgs,
    saved: &super::plan::SavedPlan,
    fail: &mut impl FnMut(&'static str, String, &str) -> u8,
) -> u8 {
    if args.stack.is_some() {
        return fail(
            "cli::saved_plan_args",
            "a saved plan carries its own stack".into(),
            "show the saved plan alone: `mdl show PLAN`",
        );
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&saved.plan).unwrap_or_default()
        );
        return 0;
    }
    match crate::plan::json::from_json(&saved.plan) {
        Ok(plan) => {
            outln!(
                "Saved plan of {}{}, made from {}.\n",
                saved.plan["stack"].as_str().unwrap_or("the file's stack"),
                if saved.destroy { " (destroy)" } else { "" },
                saved.file.display()
            );
            out!("{}", crate::plan::render::render(&plan, ui.style()));
            outln!(
                "\n`mdl apply {}` applies exactly this plan, if nothing changed since.",
                args.file.display()
            );
            0
        }
        Err(e) => fail(
            "cli::invalid_saved_plan",
            format!(
                "{} is not a plan this mdl can read: {e}",
                args.file.display()
            ),
            "make it again with this mdl: `mdl plan FILE --out PLAN`",
        ),
    }
}
