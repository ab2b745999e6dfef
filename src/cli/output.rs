//! `mdl output`: the outputs recorded by the last apply.

use clap::Args;

use super::{FileArgs, Ui, command_line_diag};
use crate::diagnostics::SourceMap;

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// The .moodle file whose stack's outputs to print.
    #[arg(value_name = "FILE")]
    pub path: std::path::PathBuf,
    /// The stack name (default: the file's `stack` declaration, else the
    /// file name without `.moodle`).
    #[arg(long)]
    pub stack: Option<String>,
    /// Read the state from S3 (`s3://BUCKET/PREFIX`) rather than .mdl/
    /// beside the file; a `backend` in the file's `stack` declaration does
    /// the same.
    #[arg(long, env = "MDL_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
    /// With --moodle-config, set a param of the file (`-p name=value`,
    /// repeatable; also `-var`).
    #[arg(
        short = 'p',
        long = "param",
        visible_alias = "var",
        value_name = "NAME=VALUE",
        requires = "moodle_config"
    )]
    pub params: Vec<String>,
    /// With --moodle-config, a JSON file of param values (also `-var-file`).
    #[arg(
        long,
        visible_alias = "var-file",
        value_name = "FILE",
        requires = "moodle_config"
    )]
    pub params_file: Option<std::path::PathBuf>,
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

impl OutputArgs {
    fn file_args(&self) -> FileArgs {
        FileArgs {
            config: super::ConfigArgs {
                file: self.path.clone(),
                params: self.params.clone(),
                params_file: self.params_file.clone(),
            },
            stack: self.stack.clone(),
            backend: self.backend.clone(),
        }
    }
}

pub fn run(ui: &Ui, args: &OutputArgs) -> u8 {
    let file = args.file_args();
    let mut sources = SourceMap::new();
    let identity = match crate::engine::identity::of_file(
        &mut sources,
        &file.file,
        file.stack.as_deref(),
        file.backend.as_deref(),
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
        &file.file,
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
        let Ok(loaded) = super::validate::load(ui, &file) else {
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
        outln!(
            "{}",
            serde_json::to_string_pretty(&state.outputs_json()).unwrap_or_default()
        );
    } else {
        for (k, v) in &state.outputs {
            outln!("{k} = {v}");
        }
    }
    0
}
