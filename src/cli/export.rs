//! `mdl export --cloudformation`: the estate as a CloudFormation template.

use clap::Args;

use super::{ConfigArgs, Ui, command_line_diag};
use crate::diagnostics::Diagnostic;

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub file: ConfigArgs,
    /// The stack name the template's description gives (default: the
    /// file's `stack` declaration, else the file name without `.moodle`).
    #[arg(long)]
    pub stack: Option<String>,
    /// Render a CloudFormation template (JSON). Every kind exports; a
    /// value CloudFormation cannot give (a certificate's validation
    /// records) leaves its output out, and says so.
    #[arg(long, required = true)]
    pub cloudformation: bool,
    /// Write it to this file instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

pub fn run(ui: &Ui, args: &ExportArgs) -> u8 {
    let Ok(mut loaded) = super::validate::load(ui, &args.file.file_args(args.stack.clone())) else {
        return 1;
    };
    let name = args.file.file.display().to_string();
    match crate::export::cloudformation(&loaded.config, &name) {
        Ok(template) => {
            let text = serde_json::to_string_pretty(&template).unwrap_or_default() + "\n";
            if let Some(params) = template.get("Parameters").and_then(|p| p.as_object()) {
                let names: Vec<&str> = params.keys().map(String::as_str).collect();
                eprintln!(
                    "The template leaves secret values out: pass {} when creating the stack (NoEcho parameters).",
                    names.join(", ")
                );
            }
            let mdl_meta = template.get("Metadata").and_then(|m| m.get("mdl"));
            if let Some(outside) = mdl_meta
                .and_then(|m| m.get("created_outside"))
                .and_then(|o| o.as_array())
            {
                for o in outside {
                    eprintln!(
                        "Not in the template: {} ({}), a SecureString parameter, which CloudFormation cannot create; create it first with `aws ssm put-parameter --type SecureString`.",
                        o.get("address")
                            .and_then(|a| a.as_str())
                            .unwrap_or_default(),
                        o.get("name").map(ToString::to_string).unwrap_or_default(),
                    );
                }
            }
            if let Some(left) = mdl_meta
                .and_then(|m| m.get("secret_outputs_left_out"))
                .and_then(|o| o.as_array())
            {
                let names: Vec<String> = left
                    .iter()
                    .filter_map(|n| n.as_str().map(|n| format!("`{n}`")))
                    .collect();
                eprintln!(
                    "Outputs left out because they hold a secret (CloudFormation shows outputs in clear): {}.",
                    names.join(", ")
                );
            }
            match &args.out {
                None => out!("{text}"),
                Some(out) => {
                    // Readable by its owner only, like state: it names
                    // every resource of the estate.
                    if let Err(e) = crate::state::write_private(out, &text) {
                        let d = command_line_diag(
                            &mut loaded.sources,
                            "cli::cannot_write",
                            format!("cannot write `{}`: {e}", out.display()),
                            "--out",
                            "check that the directory exists and is writable",
                        );
                        ui.report(&[d], &loaded.sources);
                        return 1;
                    }
                    outln!("Wrote {}.", out.display());
                }
            }
            0
        }
        Err(unsupported) => {
            let diags: Vec<Diagnostic> = unsupported
                .iter()
                .map(|u| {
                    let span = loaded.config.resources[&u.addr].block.kind.span;
                    if u.needs.is_empty() {
                        Diagnostic::error(
                            "export::unsupported_kind",
                            format!(
                                "CloudFormation export does not cover `{}` yet ({})",
                                u.kind, u.addr
                            ),
                            span,
                            "not exported yet",
                        )
                        .with_help(
                            "every kind is meant to export: this one is a gap in mdl's exporter, to report",
                        )
                    } else {
                        Diagnostic::error(
                            "export::unavailable_value",
                            format!(
                                "{} refers to {}, which a CloudFormation template cannot name",
                                u.addr,
                                u.needs.join(", ")
                            ),
                            span,
                            "cannot be exported",
                        )
                        .with_help(
                            "CloudFormation has no attribute for that value: refer to another one (an id, an ARN), or write the value itself",
                        )
                    }
                })
                .collect();
            ui.report(&diags, &loaded.sources);
            1
        }
    }
}
