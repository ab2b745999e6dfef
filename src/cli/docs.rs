//! `mdl docs`: the schema, for people.

use clap::Args;

#[derive(Args, Debug)]
pub struct DocsArgs {
    /// A resource kind or lookup, a stdlib module such as std/ha,
    /// `language`, `functions`, `moved` or `stack`; without one, list them
    /// all.
    pub kind: Option<String>,
}

/// The language's tour: docs/language.md, which the README links.
pub const LANGUAGE: &str = include_str!("../../docs/language.md");

pub fn run(args: &DocsArgs) -> u8 {
    match &args.kind {
        None => {
            let kinds = crate::kinds::schemas().all();
            let width = kinds.iter().map(|k| k.name.len()).max().unwrap_or(0);
            for k in kinds {
                outln!("{:<width$}  {}", k.name, k.summary);
            }
            outln!(
                "\nLookups (read what exists, at plan time; `KIND.NAME.VALUE` like a resource's):"
            );
            for k in crate::kinds::schemas().lookups() {
                outln!(
                    "  {:<width$}  {}",
                    k.name,
                    k.summary.trim_start_matches("Lookup: ")
                );
            }
            outln!(
                "\nStdlib modules (`use \"std/NAME\"`; `mdl docs std/NAME` lists their params):"
            );
            for name in crate::stdlib::names() {
                outln!("  std/{name}");
            }
            outln!(
                "\nThe stack's identity (`stack NAME {{ account_id, region, backend }}`): `mdl docs stack`."
            );
            outln!(
                "The language (syntax, params, references, for_each, when, modules, lookups): `mdl docs language`; functions: `mdl docs functions`; refactors: `mdl docs moved`."
            );
            0
        }
        Some(name) if name.starts_with("std/") => {
            match crate::stdlib::module(&name["std/".len()..]) {
                Some(text) => {
                    out!("{}", module_docs(name, text));
                    0
                }
                None => {
                    eprintln!(
                        "mdl docs: no stdlib module `{name}`; the modules are: {}",
                        crate::stdlib::names()
                            .map(|n| format!("std/{n}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    1
                }
            }
        }
        Some(name) if name == "language" => {
            out!("{}", LANGUAGE);
            0
        }
        Some(name) if name == "functions" => {
            out!("{}", crate::lang::functions::docs());
            0
        }
        Some(name) if crate::lang::refactor::is_refactor(name) => {
            out!("{}", crate::lang::refactor::DOCS);
            0
        }
        Some(name) if name == crate::lang::stack::KEYWORD => {
            out!("{}", crate::lang::stack::DOCS);
            0
        }
        Some(name) => match crate::kinds::schemas().kind(name) {
            Some(k) if crate::kinds::schemas().is_lookup(name) => {
                out!("{}", crate::schema::lookup_docs(k));
                0
            }
            Some(k) => {
                out!("{}", crate::schema::docs(k));
                0
            }
            None => {
                let hint = crate::diagnostics::suggest(name, crate::kinds::schemas().names())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                eprintln!("mdl docs: no resource kind `{name}`{hint}; `mdl docs` lists them");
                1
            }
        },
    }
}

/// A module's documentation: its leading comment, params (type, default,
/// doc, rules) and outputs.
fn module_docs(name: &str, text: &str) -> String {
    use crate::syntax::ast::{ExprKind, Item, StrPart};
    use crate::syntax::fmt::expr;
    let mut sources = crate::diagnostics::SourceMap::new();
    let id = sources.add(name, None, text.to_string());
    let (file, _) = crate::syntax::parse(id, text);
    let mut out = String::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        out.push_str(line.trim_start_matches('#').strip_prefix(' ').unwrap_or(""));
        out.push('\n');
    }
    let literal = |e: &crate::syntax::ast::Expr| match &e.kind {
        ExprKind::Str(parts) => parts
            .iter()
            .map(|p| match p {
                StrPart::Lit(l) => l.clone(),
                StrPart::Interp(i) => format!("${{{}}}", expr(i, 0)),
            })
            .collect(),
        _ => expr(e, 0),
    };
    out.push_str("\nParams:\n");
    for item in &file.items {
        let Item::Param(p) = item else { continue };
        let ty =
            p.ty.as_ref()
                .map_or("any".to_string(), crate::lang::type_text);
        let presence = p.default.as_ref().map_or("required".to_string(), |d| {
            format!("default {}", expr(d, 0))
        });
        out.push_str(&format!("  {} ({ty}; {presence})\n", p.name.name));
        if let Some(body) = &p.body {
            if let Some(doc) = body.attribute("doc") {
                out.push_str(&format!("      {}\n", literal(&doc.value)));
            }
            for rule in body.nested().filter(|n| n.name.name == "check") {
                if let Some(m) = rule.body.attribute("message") {
                    let warning = rule.body.attribute("severity").is_some();
                    out.push_str(&format!(
                        "      {}: {}\n",
                        if warning { "warns" } else { "refuses" },
                        literal(&m.value)
                    ));
                }
            }
        }
    }
    out.push_str("\nOutputs:\n");
    for item in &file.items {
        if let Item::Output(o) = item {
            out.push_str(&format!("  {}\n", o.name.name));
        }
    }
    out
}
