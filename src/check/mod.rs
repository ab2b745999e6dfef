//! Checking a loaded configuration against the schema: unknown attributes,
//! missing required ones, wrong types, values outside an enumeration,
//! dangling `depends_on`. Also surfaces every evaluation error once.
//!
//! Must not import: `graph`, `provider`, `plan`, `apply`, `state`.

use crate::diagnostics::{Diagnostic, Span, suggest};
use crate::lang::{Config, Evaluator, META_ATTRIBUTES, NoComputed};
use crate::schema::{AttrSchema, BlockSchema, Presence, Type};
use crate::syntax::ast::Body;
use crate::value::Value;

/// Check every resource and output of a configuration.
pub fn check(config: &Config) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let eval = Evaluator::new(config, &NoComputed);
    for res in config.resources.values() {
        if let Some(expr) = res.protect_expr() {
            match eval.eval(expr, &mut diags) {
                Value::Bool(_) | Value::Unknown => {}
                v => diags.push(
                    Diagnostic::error(
                        "check::type_mismatch",
                        format!("`protect` must be true or false, not a {}", v.type_name()),
                        expr.span,
                        "expected a bool",
                    )
                    .with_help(
                        "write `protect = false` to allow deleting or replacing this resource",
                    ),
                ),
            }
        }
        check_body(
            &res.block.body,
            res.kind.attrs,
            res.kind.exactly_one_of,
            res.kind.name,
            res.block.name.span,
            true,
            &eval,
            &mut diags,
        );
        for (dep, span) in &res.depends_on {
            if !config.resources.contains_key(dep) {
                diags.push(
                    Diagnostic::error(
                        "lang::unresolved_reference",
                        format!("no resource `{dep}`"),
                        *span,
                        "`depends_on` names a resource that is not declared",
                    )
                    .with_help("list resources declared in this file, as `KIND.NAME`"),
                );
            }
        }
    }
    for out in config.outputs.values() {
        eval.eval(&out.value, &mut diags);
    }
    diags
}

#[allow(clippy::too_many_arguments)]
fn check_body(
    body: &Body,
    attrs: &[AttrSchema],
    exactly_one_of: &[&str],
    what: &str,
    name_span: Span,
    top: bool,
    eval: &Evaluator<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let names = || attrs.iter().map(|a| a.name);
    for a in body.attributes() {
        if top && META_ATTRIBUTES.contains(&a.name.name.as_str()) {
            continue;
        }
        let Some(schema) = attrs.iter().find(|s| s.name == a.name.name) else {
            let mut d = Diagnostic::error(
                "check::unknown_attribute",
                format!("`{what}` has no attribute `{}`", a.name.name),
                a.name.span,
                "unknown attribute",
            );
            d = match suggest(&a.name.name, names()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!(
                    "`{what}` takes: {}",
                    names().collect::<Vec<_>>().join(", ")
                )),
            };
            diags.push(d);
            continue;
        };
        if let Type::Blocks(_) = schema.ty {
            diags.push(
                Diagnostic::error(
                    "check::type_mismatch",
                    format!(
                        "`{}` is written as blocks, not as an attribute",
                        schema.name
                    ),
                    a.span,
                    "written as `name = value`",
                )
                .with_help(format!(
                    "write one `{} {{ ... }}` block per entry",
                    schema.name
                )),
            );
            continue;
        }
        let value = eval.eval(&a.value, diags);
        check_type(&value, &schema.ty, a.value.span, schema.name, diags);
        if !schema.allowed.is_empty()
            && let Value::String(s) = &value
            && !schema.allowed.contains(&s.as_str())
        {
            let mut d = Diagnostic::error(
                "check::invalid_value",
                format!(
                    "`{}` must be one of {}",
                    schema.name,
                    schema.allowed.join(", ")
                ),
                a.value.span,
                format!("`{s}` is not allowed"),
            );
            if let Some(s) = suggest(s, schema.allowed.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
        }
        if let Some(validate) = schema.validate
            && let Value::String(s) = &value
            && let Err(why) = validate(s)
        {
            diags.push(
                Diagnostic::error(
                    "check::invalid_value",
                    format!("`{}` {why}", schema.name),
                    a.value.span,
                    "written here",
                )
                .with_help(schema.doc),
            );
        }
    }
    for n in body.nested() {
        match attrs.iter().find(|s| s.name == n.name.name) {
            Some(AttrSchema {
                ty:
                    Type::Blocks(BlockSchema {
                        attrs: inner,
                        exactly_one_of,
                    }),
                ..
            }) => check_body(
                &n.body,
                inner,
                exactly_one_of,
                &n.name.name,
                n.name.span,
                false,
                eval,
                diags,
            ),
            Some(schema) => diags.push(
                Diagnostic::error(
                    "check::type_mismatch",
                    format!("`{}` is an attribute, not a block", schema.name),
                    n.name.span,
                    "written as a block",
                )
                .with_help(format!("write `{} = ...`", schema.name)),
            ),
            None => {
                let mut d = Diagnostic::error(
                    "check::unknown_attribute",
                    format!("`{what}` has no block `{}`", n.name.name),
                    n.name.span,
                    "unknown block",
                );
                d = match suggest(&n.name.name, names()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!(
                        "`{what}` takes: {}",
                        names().collect::<Vec<_>>().join(", ")
                    )),
                };
                diags.push(d);
            }
        }
    }
    for a in attrs {
        if matches!(a.presence, Presence::Required) && body.attribute(a.name).is_none() {
            diags.push(
                Diagnostic::error(
                    "check::missing_attribute",
                    format!("`{what}` needs `{}`", a.name),
                    name_span,
                    format!("`{}` is not set", a.name),
                )
                .with_help(format!("add `{} = ...`: {}", a.name, a.doc)),
            );
        }
    }
    if !exactly_one_of.is_empty() {
        let set: Vec<_> = exactly_one_of
            .iter()
            .filter(|n| body.attribute(n).is_some())
            .collect();
        if set.len() != 1 {
            let mut d = Diagnostic::error(
                "check::conflicting_attributes",
                format!(
                    "`{what}` needs exactly one of {}",
                    exactly_one_of
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                name_span,
                if set.is_empty() {
                    "none is set".to_string()
                } else {
                    format!("{} are set", set.len())
                },
            )
            .with_help(format!(
                "use one: {}",
                exactly_one_of
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
            for n in set.iter().skip(1) {
                if let Some(a) = body.attribute(n) {
                    d = d.with_label(a.name.span, "also set here");
                }
            }
            diags.push(d);
        }
    }
}

fn check_type(value: &Value, ty: &Type, span: Span, name: &str, diags: &mut Vec<Diagnostic>) {
    let ok = match (ty, value) {
        (_, Value::Unknown) | (_, Value::Null) => true,
        (Type::String, Value::String(_))
        | (Type::Number, Value::Number(_))
        | (Type::Bool, Value::Bool(_)) => true,
        (Type::List(inner) | Type::Set(inner), Value::List(items)) => {
            for item in items {
                check_type(item, inner, span, name, diags);
            }
            true
        }
        (Type::Map(inner), Value::Map(m)) => {
            for v in m.values() {
                check_type(v, inner, span, name, diags);
            }
            true
        }
        _ => false,
    };
    if !ok {
        diags.push(
            Diagnostic::error(
                "check::type_mismatch",
                format!(
                    "`{name}` expects {}, got {}",
                    ty.describe(),
                    value.type_name()
                ),
                span,
                format!("this is a {}", value.type_name()),
            )
            .with_help(type_help(ty)),
        );
    }
}

fn type_help(ty: &Type) -> String {
    match ty {
        Type::String => "quote it: \"...\"".to_string(),
        Type::Number => "write a number without quotes, such as 443".to_string(),
        Type::Bool => "write true or false, without quotes".to_string(),
        Type::List(_) | Type::Set(_) => "write a list: [\"a\", \"b\"]".to_string(),
        Type::Map(_) => "write a map: { key = \"value\" }".to_string(),
        Type::Blocks(_) => "write blocks".to_string(),
    }
}
