//! `mdl validate`: every check that does not need AWS.

use clap::Args;

use super::{ConfigArgs, FileArgs, Ui};
pub use crate::engine::Loaded;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub file: ConfigArgs,
    /// Print the result as one JSON object on stdout (docs/validate-json.md):
    /// `valid`, the counts, and each diagnostic with its code, file, line,
    /// column and help. The exit code is still 1 when there are errors.
    #[arg(long)]
    pub json: bool,
}

/// Load, evaluate, check and graph a file, printing every diagnostic.
/// `Err` carries the exit code when there were errors.
pub fn load(ui: &Ui, args: &FileArgs) -> Result<Loaded, u8> {
    match crate::engine::load(&args.source()) {
        Ok((loaded, warnings)) => {
            ui.report(&warnings, &loaded.sources);
            Ok(loaded)
        }
        Err(failed) => {
            ui.report(&failed.diags, &failed.sources);
            let errors = failed.errors();
            if failed.checked {
                eprintln!(
                    "mdl: {errors} error{} in {}",
                    if errors == 1 { "" } else { "s" },
                    args.file.display()
                );
            }
            Err(1)
        }
    }
}

pub fn run(ui: &Ui, args: &ValidateArgs) -> u8 {
    let file = args.file.file_args(None);
    if args.json {
        return run_json(&file);
    }
    match load(ui, &file) {
        Ok(loaded) => {
            outln!("{}", summary(&file, &loaded));
            0
        }
        Err(code) => code,
    }
}

/// "FILE is valid: N resources, ..."
fn summary(args: &FileArgs, loaded: &Loaded) -> String {
    let lookups = match loaded.config.lookups.len() {
        0 => String::new(),
        n => format!(", {n} lookup{}", plural(n)),
    };
    format!(
        "{} is valid: {} resource{}{lookups}, {} param{}, {} output{}.",
        args.file.display(),
        loaded.config.resources.len(),
        plural(loaded.config.resources.len()),
        loaded.config.params.len(),
        plural(loaded.config.params.len()),
        loaded.config.outputs.len(),
        plural(loaded.config.outputs.len()),
    )
}

/// `--json`: one object, whatever the outcome.
fn run_json(args: &FileArgs) -> u8 {
    let (diags, sources, counts) = match crate::engine::load(&args.source()) {
        Ok((loaded, warnings)) => {
            let c = &loaded.config;
            let counts = serde_json::json!({
                "resources": c.resources.len(),
                "lookups": c.lookups.len(),
                "params": c.params.len(),
                "outputs": c.outputs.len(),
            });
            (warnings, loaded.sources, counts)
        }
        Err(failed) => (failed.diags, failed.sources, serde_json::Value::Null),
    };
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let value = serde_json::json!({
        "format_version": 1,
        "file": args.file.display().to_string(),
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": diags.len() - errors,
        "counts": counts,
        "diagnostics": diags.iter().map(|d| d.to_json(&sources)).collect::<Vec<_>>(),
    });
    outln!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
    u8::from(errors > 0)
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
