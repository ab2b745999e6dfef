//! `mdl output`: the outputs recorded by the last apply.

use clap::Args;

use super::{FileArgs, Ui, command_line_diag};
use crate::diagnostics::SourceMap;

#[derive(Args, Debug)]
pub struct OutputArgs {
    #[command(flatten)]
    pub file: FileArgs,
    /// Print as a JSON object.
    #[arg(long)]
    pub json: bool,
    /// Print the config.php settings of each Moodle estate in the file
    /// (database and read replica, dataroot, session and cache stores) from
    /// the deployed endpoints.
    #[arg(long, conflicts_with_all = ["json", "name"])]
    pub moodle_config: bool,
    /// Print only this output, raw.
    pub name: Option<String>,
}

pub fn run(ui: &Ui, args: &OutputArgs) -> u8 {
    let mut sources = SourceMap::new();
    let identity = match crate::engine::identity::of_file(
        &mut sources,
        &args.file.file,
        args.file.stack.as_deref(),
        args.file.backend.as_deref(),
    ) {
        Ok(i) => i,
        Err(diags) => {
            ui.report(&diags, &sources);
            return 1;
        }
    };
    let stack = identity.stack;
    let opened = crate::engine::open::store(
        &mut sources,
        &args.file.file,
        &stack,
        identity.backend.as_deref(),
        &crate::provider::aws::Connection::default(),
    )
    .and_then(|store| {
        crate::engine::open::state(&mut sources, &store, &stack, "run `mdl apply` first")
    });
    let state = match opened {
        Ok(s) => s,
        Err(d) => {
            ui.report(&[d], &sources);
            return 1;
        }
    };
    if args.moodle_config {
        let Ok(loaded) = super::validate::load(ui, &args.file) else {
            return 1;
        };
        return match super::moodle_config::render(&loaded.config, &state) {
            Ok(text) => {
                out!("{text}");
                0
            }
            Err(e) => {
                let d = command_line_diag(
                    &mut sources,
                    "cli::no_moodle_config",
                    e,
                    "for this file",
                    "an estate is an instance of std/ha, std/single_node or std/ecs_preview; its endpoints are known once `mdl apply` has created it",
                );
                ui.report(&[d], &sources);
                1
            }
        };
    }
    if let Some(name) = &args.name {
        return match state.outputs.get(name) {
            Some(v) => {
                match v.as_str() {
                    Some(s) => outln!("{s}"),
                    None => outln!("{v}"),
                }
                0
            }
            None => {
                let known = state.outputs.keys().cloned().collect::<Vec<_>>().join(", ");
                let d = command_line_diag(
                    &mut sources,
                    "cli::unknown_output",
                    format!("no output `{name}` in the state of stack `{stack}`"),
                    "asked for here",
                    if known.is_empty() {
                        "run `mdl apply` first".to_string()
                    } else {
                        format!("the outputs are: {known}")
                    },
                );
                ui.report(&[d], &sources);
                1
            }
        };
    }
    if args.json {
        let obj: serde_json::Map<String, serde_json::Value> = state
            .outputs
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        outln!("{}", serde_json::to_string_pretty(&obj).unwrap_or_default());
    } else {
        for (k, v) in &state.outputs {
            outln!("{k} = {v}");
        }
    }
    0
}
