//! `moved` and `removed` blocks: refactors reviewed in a plan.
//!
//! ```text
//! moved {
//!   from = vpc.old
//!   to   = vpc.main
//! }
//!
//! removed {
//!   from = dns_zone.legacy
//!   keep = true
//! }
//! ```
//!
//! A `moved` block gives a resource (or a module instance, and all it
//! holds) a new address: the plan renames it in state instead of
//! destroying the old and creating the new. A `removed` block with
//! `keep = true` stops managing a resource without deleting it. Both are
//! written in the root file, and may stay there once applied: a move
//! already made is not made again.

use super::load::Config;
use crate::addr::ResourceAddr;
use crate::diagnostics::{Diagnostic, Span};
use crate::syntax::ast::{self, ExprKind, StrPart};

pub const MOVED: &str = "moved";
pub const REMOVED: &str = "removed";

/// Whether a block's kind is a refactor's.
pub fn is_refactor(kind: &str) -> bool {
    kind == MOVED || kind == REMOVED
}

/// An address a refactor names: a resource, or a module instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Resource(ResourceAddr),
    /// `module.NAME` or `module.NAME["key"]`, nested ones included.
    Module(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Resource(a) => write!(f, "{a}"),
            Target::Module(m) => f.write_str(m),
        }
    }
}

/// One `moved` or `removed` block.
#[derive(Clone, Debug)]
pub enum Refactor {
    Moved {
        from: Target,
        to: Target,
        from_span: Span,
        to_span: Span,
    },
    Removed {
        from: Target,
        keep: bool,
        from_span: Span,
    },
}

/// What `mdl docs moved` prints.
pub const DOCS: &str = "\
moved { from = ADDRESS  to = ADDRESS }
removed { from = ADDRESS  keep = true }

Refactors, written in the root file and reviewed in a plan.

moved: the resource (or module instance, with all it holds) at `from` now
has the address `to`, the block written there. The plan shows
`~ FROM moved to TO` and changes nothing else but the resource's
mdl:address tag; without the block, renaming a block destroys the old
resource and creates a new one. Both addresses have the same kind.

removed: `from` is no longer managed. With `keep = true` it is left in AWS
(its mdl tags removed) and forgotten by the state; with `keep = false` it
is destroyed, as deleting its block would do. There must be no block at
`from`.

Either block may stay in the file after the apply: a move already made, or
a resource already forgotten, is not done again. `mdl state mv` and
`mdl state rm` do the same at once, without a plan.

Examples:
  moved {
    from = vpc.old
    to   = vpc.main
  }

  moved {
    from = module.web
    to   = module.site
  }

  moved {
    from = subnet.app_a
    to   = subnet.app[\"eu-west-2a\"]
  }

  removed {
    from = dns_zone.legacy
    keep = true
  }
";

/// The address an expression writes: `vpc.main`, `module.web["a"]`,
/// `subnet.app["eu-west-2a"]`, or the same in a string.
fn address_text(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Path(ids) => Some(
            ids.iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
        ),
        ExprKind::Str(parts) => match parts.as_slice() {
            [StrPart::Lit(s)] => Some(s.clone()),
            _ => None,
        },
        ExprKind::Index(base, key) => {
            let base = address_text(base)?;
            match &key.kind {
                ExprKind::Str(parts) => match parts.as_slice() {
                    [StrPart::Lit(s)] => Some(format!("{base}[{s:?}]")),
                    _ => None,
                },
                ExprKind::Number(_, text) => Some(format!("{base}[{text}]")),
                _ => None,
            }
        }
        ExprKind::Field(base, id) => Some(format!("{}.{}", address_text(base)?, id.name)),
        _ => None,
    }
}

/// The target an address's text names.
fn target(text: &str) -> Option<Target> {
    if let Some(addr) = ResourceAddr::parse(text) {
        return Some(Target::Resource(addr));
    }
    // A module instance: `module.a` or `module.a["k"].module.b`. It is one
    // when a resource inside it would parse.
    (text.starts_with("module.") && ResourceAddr::parse(&format!("{text}.vpc.x")).is_some())
        .then(|| Target::Module(text.to_string()))
}

const ADDRESS_HELP: &str = "write an address, such as `vpc.main`, `subnet.app[\"eu-west-2a\"]`, `module.web` or `module.web.vpc.main`";

fn address(b: &ast::Block, attr: &str, diags: &mut Vec<Diagnostic>) -> Option<(Target, Span)> {
    let Some(a) = b.body.attribute(attr) else {
        diags.push(
            Diagnostic::error(
                "refactor::invalid",
                format!("a `{}` block needs `{attr}`", b.kind.name),
                b.kind.span,
                format!("no `{attr}` here"),
            )
            .with_help("`mdl docs moved` shows how they are written"),
        );
        return None;
    };
    match address_text(&a.value).and_then(|t| target(&t)) {
        Some(t) => Some((t, a.value.span)),
        None => {
            diags.push(
                Diagnostic::error(
                    "refactor::invalid",
                    format!("`{attr}` of a `{}` block is not an address", b.kind.name),
                    a.value.span,
                    "not a resource or module address",
                )
                .with_help(ADDRESS_HELP),
            );
            None
        }
    }
}

/// The refactors of the root file's `moved` and `removed` blocks.
pub fn declarations(blocks: &[ast::Block], diags: &mut Vec<Diagnostic>) -> Vec<Refactor> {
    let mut out = Vec::new();
    for b in blocks {
        if !b.name.name.is_empty() {
            diags.push(
                Diagnostic::error(
                    "refactor::invalid",
                    format!("a `{}` block has no name", b.kind.name),
                    b.name.span,
                    "a name here",
                )
                .with_help(format!("write `{} {{ from = ... }}`", b.kind.name)),
            );
            continue;
        }
        let allowed: &[&str] = if b.kind.name == MOVED {
            &["from", "to"]
        } else {
            &["from", "keep"]
        };
        for a in b.body.attributes() {
            if !allowed.contains(&a.name.name.as_str()) {
                diags.push(
                    Diagnostic::error(
                        "refactor::invalid",
                        format!("a `{}` block has no `{}`", b.kind.name, a.name.name),
                        a.name.span,
                        "not an argument of this block",
                    )
                    .with_help(format!("it takes {}", allowed.join(" and "))),
                );
            }
        }
        let Some((from, from_span)) = address(b, "from", diags) else {
            continue;
        };
        if b.kind.name == MOVED {
            let Some((to, to_span)) = address(b, "to", diags) else {
                continue;
            };
            let same_kind = match (&from, &to) {
                (Target::Resource(f), Target::Resource(t)) => f.kind == t.kind,
                (Target::Module(_), Target::Module(_)) => true,
                _ => false,
            };
            if !same_kind {
                diags.push(
                    Diagnostic::error(
                        "refactor::invalid",
                        format!("`{from}` cannot move to `{to}`: they are not the same kind"),
                        to_span,
                        "another kind",
                    )
                    .with_help("a resource keeps its kind, and a module instance moves to a module instance; only names, keys and modules change"),
                );
                continue;
            }
            if from == to {
                diags.push(
                    Diagnostic::error(
                        "refactor::invalid",
                        format!("`{from}` moves to itself"),
                        to_span,
                        "the same address as `from`",
                    )
                    .with_help("`to` is the block's new address; delete this `moved` if nothing was renamed"),
                );
                continue;
            }
            out.push(Refactor::Moved {
                from,
                to,
                from_span,
                to_span,
            });
        } else {
            let keep = match b.body.attribute("keep").map(|a| &a.value.kind) {
                Some(ExprKind::Bool(k)) => *k,
                None => {
                    diags.push(
                        Diagnostic::error(
                            "refactor::invalid",
                            "a `removed` block needs `keep`",
                            b.kind.span,
                            "no `keep` here",
                        )
                        .with_help("`keep = true` leaves it in AWS; `keep = false` destroys it"),
                    );
                    continue;
                }
                Some(_) => {
                    diags.push(
                        Diagnostic::error(
                            "refactor::invalid",
                            "`keep` is `true` or `false`",
                            b.body
                                .attribute("keep")
                                .map_or(b.kind.span, |a| a.value.span),
                            "not a literal true or false",
                        )
                        .with_help("`keep = true` leaves it in AWS; `keep = false` destroys it"),
                    );
                    continue;
                }
            };
            out.push(Refactor::Removed {
                from,
                keep,
                from_span,
            });
        }
    }
    out
}

/// Whether the configuration has a block (or module instance) at `t`.
fn declared(config: &Config, t: &Target) -> bool {
    match t {
        Target::Resource(a) => config.resources.contains_key(a) || config.lookups.contains_key(a),
        Target::Module(m) => config.modules.contains_key(m),
    }
}

/// A refactor's `from` that the file still declares.
fn still_declared(from: &Target, span: Span, help: &str) -> Diagnostic {
    Diagnostic::error(
        "refactor::invalid",
        format!("`{from}` still has a block"),
        span,
        "declared in the file too",
    )
    .with_help(help)
}

/// Refactors that contradict the configuration: a `to` with no block, a
/// `from` that still has one.
pub fn check(config: &Config, diags: &mut Vec<Diagnostic>) {
    for r in &config.refactors {
        match r {
            Refactor::Moved {
                from,
                to,
                from_span,
                to_span,
            } => {
                if !declared(config, to) {
                    let known: Vec<String> = config
                        .resources
                        .keys()
                        .map(ToString::to_string)
                        .chain(config.modules.keys().cloned())
                        .collect();
                    let help = match crate::diagnostics::suggest(
                        &to.to_string(),
                        known.iter().map(String::as_str),
                    ) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "`to` is the new address: the block written there (check its name, key and module)".to_string(),
                    };
                    diags.push(
                        Diagnostic::error(
                            "refactor::invalid",
                            format!("nothing is declared at `{to}`"),
                            *to_span,
                            "no block has this address",
                        )
                        .with_help(help),
                    );
                }
                if declared(config, from) {
                    diags.push(still_declared(
                        from,
                        *from_span,
                        "a moved resource's old block goes: rename the block, and keep this `moved` to say so",
                    ));
                }
            }
            Refactor::Removed {
                from, from_span, ..
            } => {
                if declared(config, from) {
                    diags.push(still_declared(
                        from,
                        *from_span,
                        "delete the block as well: `removed` says what becomes of it",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_resources_or_module_instances() {
        assert_eq!(
            target("vpc.main"),
            Some(Target::Resource(ResourceAddr::parse("vpc.main").unwrap()))
        );
        assert_eq!(
            target("module.web[\"a\"]"),
            Some(Target::Module("module.web[\"a\"]".into()))
        );
        assert_eq!(
            target("module.web.module.db"),
            Some(Target::Module("module.web.module.db".into()))
        );
        assert_eq!(target("vpc"), None);
        assert_eq!(
            target("var.x"),
            Some(Target::Resource(ResourceAddr::parse("var.x").unwrap()))
        );
    }
}
