//! `mdl fmt`: rewrite files in canonical form.

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::diagnostics::SourceMap;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files to format.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing; exit 3 if a file is not formatted (for CI).
    #[arg(long)]
    pub check: bool,
}

pub fn run(ui: &Ui, args: &FmtArgs) -> u8 {
    let mut status = 0;
    for path in &args.files {
        let mut sources = SourceMap::new();
        // Under the same rules as every file mdl reads: a regular file of
        // at most 64 MiB, nothing from /proc, /sys or /dev.
        let text = match crate::lang::files::read_given(path) {
            Ok(t) => t,
            Err(e) => {
                let d = super::command_line_diag(
                    &mut sources,
                    "cli::unreadable_file",
                    format!("cannot read `{}`: {e}", path.display()),
                    "this file",
                    "check the path",
                );
                ui.report(&[d], &sources);
                status = 1;
                continue;
            }
        };
        let id = sources.add(path.display().to_string(), Some(path), text.clone());
        let (file, diags) = crate::syntax::parse(id, &text);
        if !diags.is_empty() {
            ui.report(&diags, &sources);
            eprintln!("mdl: not formatting {}: it does not parse", path.display());
            status = 1;
            continue;
        }
        let formatted = crate::syntax::fmt::format(&file, &text);
        if formatted == text {
            continue;
        }
        if args.check {
            outln!("{} is not formatted", path.display());
            if status == 0 {
                status = 3;
            }
        } else if let Err(e) = std::fs::write(path, formatted) {
            let d = super::command_line_diag(
                &mut sources,
                "cli::unwritable_file",
                format!("cannot write `{}`: {e}", path.display()),
                "this file",
                "check permissions",
            );
            ui.report(&[d], &sources);
            status = 1;
        } else {
            outln!("formatted {}", path.display());
        }
    }
    status
}
