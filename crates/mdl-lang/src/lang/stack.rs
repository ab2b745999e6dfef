//! The `stack` declaration: an estate's identity, written in its root file.
//!
//! ```text
//! stack vle {
//!   account_id = "123456789012"
//!   region     = "eu-west-2"
//!   backend    = "s3://uni-mdl-state/vle"
//! }
//! ```
//!
//! The name is the `mdl:stack` tag of every resource and names the state;
//! `account_id` and `region` pin the AWS account and region a run may
//! change; `backend` is where the team's state is kept. Values are plain
//! strings: the identity must be known before anything is evaluated.
//!
//! Must not import: `graph`, `provider`, `plan`, `apply`, `state`.

use crate::diagnostics::{Diagnostic, Span};
use crate::syntax::ast::{self, ExprKind, StrPart};

/// The block keyword.
pub const KEYWORD: &str = "stack";

/// A value given in the declaration, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    pub value: String,
    pub span: Span,
}

/// What a root file's `stack` block declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackDecl {
    pub name: Pinned,
    pub account_id: Option<Pinned>,
    pub region: Option<Pinned>,
    pub backend: Option<Pinned>,
}

const ATTRIBUTES: &[&str] = &["account_id", "region", "backend"];

/// What `mdl docs stack` prints.
pub const DOCS: &str = "\
stack NAME { ... }

The estate's identity, declared once in the root file (not in a module).
NAME is the stack's name: the mdl:stack tag of every resource, the prefix of
names mdl gives, and the name of the state (`<NAME>.state.json`). Without a
declaration the name is the file's (`--stack` overrides either).

Attributes (plain strings, read before anything is evaluated):
  account_id   the 12-digit AWS account the stack lives in. Every run asks
               STS which account its credentials are for and refuses any
               other before it reads or changes anything.
  region       the region the stack lives in; any other is refused.
  backend      where the state is kept: s3://BUCKET/PREFIX. A --backend (or
               MDL_BACKEND) that says otherwise is refused.

The first apply records the account and region in the state, and later
runs are held to them even without a declaration.

Example:
  stack vle {
    account_id = \"123456789012\"
    region     = \"eu-west-2\"
    backend    = \"s3://uni-mdl-state/vle\"
  }
";

/// The declaration of an already registered root file, for commands that
/// need the stack's identity but not the estate (`mdl state`, `mdl
/// output`): the file is parsed, not evaluated. A file that does not parse
/// gives its parse errors: its identity cannot be trusted.
pub fn of_source(
    sources: &crate::diagnostics::SourceMap,
    id: crate::diagnostics::SourceId,
) -> (Option<StackDecl>, Vec<Diagnostic>) {
    let (file, mut diags) = crate::syntax::parse(id, sources.text(id));
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let decl = declaration(&blocks_of(&file), &mut diags);
    (decl, diags)
}

/// The `stack` blocks of a parsed file.
fn blocks_of(file: &ast::File) -> Vec<&ast::Block> {
    file.items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Block(b) if b.kind.name == KEYWORD => Some(b),
            _ => None,
        })
        .collect()
}

/// Whether `name` can be a stack name: it is a tag value, part of resource
/// names and of the state file's name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The declaration of `blocks` (a root file's), with a diagnostic for each
/// problem: a second declaration, an attribute that is not a plain string,
/// an unknown attribute, a value AWS would not accept.
pub fn declaration(blocks: &[&ast::Block], diags: &mut Vec<Diagnostic>) -> Option<StackDecl> {
    let mut found: Option<StackDecl> = None;
    for b in blocks {
        if let Some(first) = &found {
            diags.push(
                Diagnostic::error(
                    "stack::declared_twice",
                    "the stack is declared twice",
                    b.name.span,
                    "second declaration",
                )
                .with_label(first.name.span, "first declared here")
                .with_help("a root file declares its stack once; remove one of the blocks"),
            );
            continue;
        }
        found = Some(one(b, diags));
    }
    found
}

fn one(b: &ast::Block, diags: &mut Vec<Diagnostic>) -> StackDecl {
    if !valid_name(&b.name.name) {
        diags.push(
            Diagnostic::error(
                "stack::invalid_name",
                format!("`{}` is not a usable stack name", b.name.name),
                b.name.span,
                "this name",
            )
            .with_help("stack names are at most 64 letters, digits, `-` and `_`"),
        );
    }
    let mut decl = StackDecl {
        name: Pinned {
            value: b.name.name.clone(),
            span: b.name.span,
        },
        account_id: None,
        region: None,
        backend: None,
    };
    for nested in b.body.nested() {
        diags.push(
            Diagnostic::error(
                "stack::unknown_attribute",
                format!("a stack has no `{}` block", nested.name.name),
                nested.name.span,
                "not part of a stack declaration",
            )
            .with_help(format!("a stack declares {}", ATTRIBUTES.join(", "))),
        );
    }
    for attr in b.body.attributes() {
        let name = attr.name.name.as_str();
        let slot = match name {
            "account_id" => &mut decl.account_id,
            "region" => &mut decl.region,
            "backend" => &mut decl.backend,
            _ => {
                let help = crate::diagnostics::suggest(name, ATTRIBUTES.iter().copied())
                    .map_or_else(
                        || format!("a stack declares {}", ATTRIBUTES.join(", ")),
                        |s| format!("did you mean `{s}`?"),
                    );
                diags.push(
                    Diagnostic::error(
                        "stack::unknown_attribute",
                        format!("a stack has no attribute `{name}`"),
                        attr.name.span,
                        "unknown here",
                    )
                    .with_help(help),
                );
                continue;
            }
        };
        let Some(value) = literal(&attr.value) else {
            diags.push(
                Diagnostic::error(
                    "stack::not_literal",
                    format!("`{name}` must be a plain string"),
                    attr.value.span,
                    "not a plain string",
                )
                .with_help(
                    "the stack's identity is read before anything is evaluated: write the value itself, such as \"eu-west-2\"",
                ),
            );
            continue;
        };
        if let Some(problem) = refused(name, &value) {
            diags.push(
                Diagnostic::error(
                    "stack::invalid_value",
                    format!("`{value}` is not a valid `{name}`"),
                    attr.value.span,
                    problem,
                )
                .with_help(help_for(name)),
            );
            continue;
        }
        *slot = Some(Pinned {
            value,
            span: attr.value.span,
        });
    }
    decl
}

/// A string written as it is, with no interpolation.
fn literal(expr: &ast::Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Str(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    StrPart::Lit(s) => out.push_str(s),
                    StrPart::Interp(_) => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Why AWS (or mdl) would not take `value` for `name`.
fn refused(name: &str, value: &str) -> Option<&'static str> {
    match name {
        "account_id" if value.len() != 12 || !value.bytes().all(|b| b.is_ascii_digit()) => {
            Some("an account id is 12 digits")
        }
        "region"
            if value.is_empty()
                || value.split('-').count() < 3
                || !value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Some("not a region name")
        }
        "backend" if !value.starts_with("s3://") || value.len() <= "s3://".len() => {
            Some("not an s3:// URL")
        }
        _ => None,
    }
}

fn help_for(name: &str) -> &'static str {
    match name {
        "account_id" => {
            "write the 12-digit id, such as \"123456789012\" (`aws sts get-caller-identity` shows it)"
        }
        "region" => "write a region name such as \"eu-west-2\"",
        _ => "write s3://BUCKET/PREFIX",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    fn declared(text: &str) -> (Option<StackDecl>, Vec<&'static str>) {
        let mut sources = SourceMap::new();
        let id = sources.add("t.moodle", None, text.to_string());
        let (file, parse) = crate::syntax::parse(id, sources.text(id));
        assert!(parse.is_empty(), "{parse:?}");
        let mut diags = Vec::new();
        let decl = declaration(&blocks_of(&file), &mut diags);
        (decl, diags.iter().map(|d| d.code).collect())
    }

    #[test]
    fn a_declaration_gives_name_account_region_and_backend() {
        let (decl, diags) = declared(
            "stack vle {\n  account_id = \"123456789012\"\n  region = \"eu-west-2\"\n  backend = \"s3://b/p\"\n}\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let decl = decl.unwrap();
        assert_eq!(decl.name.value, "vle");
        assert_eq!(decl.account_id.unwrap().value, "123456789012");
        assert_eq!(decl.region.unwrap().value, "eu-west-2");
        assert_eq!(decl.backend.unwrap().value, "s3://b/p");
    }

    #[test]
    fn bad_declarations_are_refused_one_diagnostic_each() {
        let cases: &[(&str, &str)] = &[
            ("stack a {}\nstack b {}\n", "stack::declared_twice"),
            (
                "stack a { acount_id = \"123456789012\" }\n",
                "stack::unknown_attribute",
            ),
            (
                "stack a { account_id = \"12345\" }\n",
                "stack::invalid_value",
            ),
            (
                "stack a { account_id = 123456789012 }\n",
                "stack::not_literal",
            ),
            ("stack a { region = \"${x}\" }\n", "stack::not_literal"),
            ("stack a { region = \"London\" }\n", "stack::invalid_value"),
            (
                "stack a { backend = \"/tmp/state\" }\n",
                "stack::invalid_value",
            ),
            ("stack a { lock { } }\n", "stack::unknown_attribute"),
        ];
        for (text, code) in cases {
            let (_, diags) = declared(text);
            assert_eq!(diags, vec![*code], "{text}");
        }
    }
}
