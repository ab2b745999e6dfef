//! `mdl validate`: every check that does not need AWS.

use super::{FileArgs, Ui};
pub use crate::engine::Loaded;

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

pub fn run(ui: &Ui, args: &FileArgs) -> u8 {
    match load(ui, args) {
        Ok(loaded) => {
            let lookups = match loaded.config.lookups.len() {
                0 => String::new(),
                n => format!(", {n} lookup{}", plural(n)),
            };
            outln!(
                "{} is valid: {} resource{}{lookups}, {} param{}, {} output{}.",
                args.file.display(),
                loaded.config.resources.len(),
                plural(loaded.config.resources.len()),
                loaded.config.params.len(),
                plural(loaded.config.params.len()),
                loaded.config.outputs.len(),
                plural(loaded.config.outputs.len()),
            );
            0
        }
        Err(code) => code,
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
