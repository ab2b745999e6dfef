//! `mdl fmt`: rewrite files in canonical form.

use std::path::{Path, PathBuf};

use clap::Args;

use super::Ui;
use crate::diagnostics::SourceMap;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  mdl fmt prod.moodle               rewrite one file
  mdl fmt                           every .moodle file in this directory
  mdl fmt --recursive estates/      and in the directories below
  mdl fmt --check --diff .          in CI: change nothing, show what would change, exit 3
  mdl fmt - < prod.moodle           from stdin to stdout (for editors)")]
pub struct FmtArgs {
    /// Files or directories to format (default: the current directory); a
    /// directory's .moodle files, and with --recursive its subdirectories'
    /// too; `-` reads stdin and writes the result to stdout.
    pub files: Vec<PathBuf>,
    /// Change nothing; exit 3 if a file is not formatted (for CI).
    #[arg(long)]
    pub check: bool,
    /// Print what changes, as a unified diff.
    #[arg(long)]
    pub diff: bool,
    /// Also format the .moodle files of subdirectories (not .mdl/, hidden
    /// directories or target/).
    #[arg(long, short = 'r')]
    pub recursive: bool,
}

/// The .moodle files a path stands for: itself, or a directory's.
fn files_of(path: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if entry.is_dir() {
            if recursive && !name.starts_with('.') && name != "target" {
                files_of(&entry, true, out)?;
            }
        } else if name.ends_with(".moodle") {
            out.push(entry);
        }
    }
    Ok(())
}

/// The file's text formatted, with the file's own line endings: CRLF when
/// most of its lines end so. `None` when it does not parse (reported).
fn formatted(ui: &Ui, name: &str, path: Option<&Path>, text: &str) -> Option<(String, bool)> {
    let crlf = text.matches("\r\n").count();
    // Formatted as LF text (a comment keeps no `\r`), then given the
    // file's endings back.
    let plain = text.replace("\r\n", "\n");
    let mut sources = SourceMap::new();
    let id = sources.add(name.to_string(), path, plain.clone());
    let (file, diags) = crate::syntax::parse(id, &plain);
    if !diags.is_empty() {
        ui.report(&diags, &sources);
        eprintln!("mdl: not formatting {name}: it does not parse");
        return None;
    }
    let out = crate::syntax::fmt::format(&file, &plain);
    let lf = text.matches('\n').count();
    let windows = crlf * 2 > lf;
    // Endings of both kinds in one file are made one kind: said so.
    let mixed = crlf > 0 && crlf < lf;
    let out = if windows {
        out.replace('\n', "\r\n")
    } else {
        out
    };
    Some((out, mixed))
}

fn unified(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .to_string()
}

pub fn run(ui: &Ui, args: &FmtArgs) -> u8 {
    let mut status = 0;
    let given = if args.files.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.files.clone()
    };
    let mut paths = Vec::new();
    for path in &given {
        if path.as_os_str() == "-" {
            paths.push(path.clone());
            continue;
        }
        if let Err(e) = files_of(path, args.recursive, &mut paths) {
            eprintln!("mdl: cannot read the directory {}: {e}", path.display());
            status = 1;
        }
    }
    if paths.is_empty() && status == 0 {
        eprintln!(
            "mdl: no .moodle files in {}{}",
            given
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            if args.recursive {
                ""
            } else {
                " (--recursive looks in subdirectories)"
            }
        );
        return 1;
    }
    for path in &paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                eprintln!("mdl: cannot read stdin: {e}");
                status = 1;
                continue;
            }
            let Some((out, _)) = formatted(ui, "<stdin>", None, &text) else {
                status = 1;
                continue;
            };
            if args.diff {
                out!("{}", unified("<stdin>", &text, &out));
            }
            if args.check {
                if out != text && status == 0 {
                    status = 3;
                }
            } else if !args.diff {
                out!("{out}");
            }
            continue;
        }
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
        let name = path.display().to_string();
        let Some((out, mixed)) = formatted(ui, &name, Some(path), &text) else {
            status = 1;
            continue;
        };
        if out == text {
            continue;
        }
        if args.diff {
            out!("{}", unified(&name, &text, &out));
        }
        let endings = if mixed {
            " (its lines ended both in CRLF and LF: now all the same)"
        } else {
            ""
        };
        if args.check {
            outln!("{name} is not formatted{endings}");
            if status == 0 {
                status = 3;
            }
        } else if let Err(e) = std::fs::write(path, out) {
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
            outln!("formatted {name}{endings}");
        }
    }
    status
}
