//! The engine: what mdl does, as a library. Load, check and graph
//! (`load`), open a stack (`open`), refresh and plan (`plan`), apply
//! (`apply`), returning values and diagnostics and never printing. `cli/` parses arguments, calls the
//! engine and renders what it returns; a language server calls the same
//! functions without the CLI.
//!
//! Must not import: `cli`.

pub mod apply;
pub mod identity;
mod load;
pub mod open;
pub mod plan;

use std::sync::OnceLock;

pub use load::{Loaded, Source, load};

use crate::diagnostics::{Diagnostic, SourceMap, Span};

/// Diagnostics that stopped a step, with the sources they point into.
#[derive(Debug)]
pub struct Failed {
    pub sources: SourceMap,
    pub diags: Vec<Diagnostic>,
    /// The step got as far as checking the configuration (the CLI then
    /// counts the errors for the file).
    pub checked: bool,
}

impl Failed {
    pub fn new(sources: SourceMap, diags: Vec<Diagnostic>) -> Failed {
        Failed {
            sources,
            diags,
            checked: false,
        }
    }

    /// How many of the diagnostics are errors.
    pub fn errors(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }
}

/// The command line as diagnostics about it quote it (secrets masked), set
/// once by the CLI; empty for a caller without one.
static COMMAND_LINE: OnceLock<String> = OnceLock::new();

/// Set the command line diagnostics quote: the process's arguments, with
/// every param value masked.
pub fn set_command_line(args: impl Iterator<Item = String>) {
    let _ = COMMAND_LINE.set(masked_command_line(args));
}

/// The command line, its param values masked (for the log).
pub fn command_line() -> String {
    COMMAND_LINE.get().cloned().unwrap_or_default()
}

/// A diagnostic about the command line itself: its span points into a
/// synthetic source holding the arguments.
pub fn command_line_diag(
    sources: &mut SourceMap,
    code: &'static str,
    message: impl Into<String>,
    label: impl Into<String>,
    help: impl Into<String>,
) -> Diagnostic {
    let text = COMMAND_LINE.get().cloned().unwrap_or_default();
    let len = text.len();
    let id = sources.add("<command line>", None, text);
    Diagnostic::error(code, message, Span::new(id, 0, len), label).with_help(help)
}

/// What a param value is shown as in diagnostics: any may be a secret.
pub const MASKED: &str = "***";

/// `NAME=VALUE` with the value masked.
pub fn mask_param(p: &str) -> String {
    match p.split_once('=') {
        Some((name, _)) => format!("{name}={MASKED}"),
        None => p.to_string(),
    }
}

/// The command line as diagnostics quote it: every `-p NAME=VALUE` (and
/// `--param`, `--param=`, `-pNAME=VALUE`) with its value masked.
pub fn masked_command_line(args: impl Iterator<Item = String>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut value_next = false;
    for (i, a) in args.enumerate() {
        // The program as its name, not the path it was run from.
        if i == 0 {
            let name = std::path::Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().to_string());
            out.push(name.unwrap_or(a));
            continue;
        }
        if value_next {
            out.push(mask_param(&a));
            value_next = false;
            continue;
        }
        let shown = if ["-p", "--param", "-param", "--var", "-var"].contains(&a.as_str()) {
            value_next = true;
            a
        } else if let Some((flag, rest)) = ["--param=", "-param=", "--var=", "-var="]
            .iter()
            .find_map(|f| a.strip_prefix(f).map(|rest| (f, rest)))
        {
            format!("{flag}{}", mask_param(rest))
        } else if let Some(rest) = a.strip_prefix("-p").filter(|r| r.contains('=')) {
            format!("-p{}", mask_param(rest))
        } else {
            a
        };
        out.push(shown);
    }
    out.join(" ")
}
