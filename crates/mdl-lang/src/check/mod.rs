//! Checking a loaded configuration against the schema: unknown attributes,
//! missing required ones, wrong types, values outside an enumeration,
//! dangling `depends_on`. Also surfaces every evaluation error once.
//!
//! Must not import: `graph`, `provider`, `plan`, `apply`, `state`.

pub mod exposure;
mod moodle;

use crate::diagnostics::{Diagnostic, Span, suggest};
use crate::lang::{Config, Evaluator, META_ATTRIBUTES, ModuleInstance, NoComputed, Scope};
use crate::schema::{AttrSchema, BlockSchema, Presence, Type};
use crate::syntax::ast::{self, Body};
use crate::value::Value;

/// Check every resource, module instance, param and output of a
/// configuration. A block with `for_each` is checked once per instance;
/// a diagnostic they share is reported once.
pub fn check(config: &Config) -> Vec<Diagnostic> {
    check_with(config, &NoComputed)
}

/// `check`, with the values `computed` knows (what lookups answered, at
/// plan time): a rule that could not be decided while they were unknown
/// is decided now, at the same span.
pub fn check_with(config: &Config, computed: &dyn crate::lang::Computed) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let eval = Evaluator::new(config, computed);
    // Module instances first: where one was given a wrong value, what goes
    // wrong inside the module because of it is not reported again.
    let mut failed: Vec<&str> = Vec::new();
    for inst in config.modules.values() {
        let before = diags.len();
        check_module_instance(inst, &eval, &mut diags);
        if diags.len() > before {
            failed.push(&inst.path);
        }
    }
    let inside_failed = |module: &str| {
        failed
            .iter()
            .any(|f| module == *f || module.starts_with(&format!("{f}.")))
    };
    for res in config.resources.values().chain(config.lookups.values()) {
        if inside_failed(&res.addr.module) {
            continue;
        }
        let scope = Scope::of(res);
        if let Some(expr) = res.protect_expr() {
            match eval.eval_in(expr, scope, &mut diags) {
                Value::Bool(_) | Value::Unknown | Value::NotNull => {}
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
            scope,
            &mut diags,
        );
        for (dep, span) in &res.depends_on {
            if !config.resources.contains_key(dep) {
                diags.push(
                    Diagnostic::error(
                        "check::unresolved_reference",
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
    for (name, (decl, _)) in &config.params {
        let span = config
            .param_spans
            .get(name)
            .copied()
            .unwrap_or(decl.name.span);
        check_rules(decl, Scope::ROOT, span, &eval, &mut diags);
    }
    let mut bodies_seen = Vec::new();
    for inst in config.modules.values() {
        if !bodies_seen.contains(&inst.def.source) {
            bodies_seen.push(inst.def.source);
            for decl in inst.def.params.values() {
                check_param_body(decl, &mut diags);
            }
        }
    }
    for (decl, _) in config.params.values() {
        check_param_body(decl, &mut diags);
    }
    moodle::subnets_in_their_vpc(config, &eval, &mut diags);
    // A region the file declares: its zones must be in it.
    if let Some(region) = config.identity.as_ref().and_then(|d| d.region.as_ref()) {
        diags.extend(exposure::zones_in_region(
            config,
            &region.value,
            "check::zone_outside_region",
        ));
    }
    if !diags.iter().any(Diagnostic::is_error) {
        let found = moodle::check(config, &eval);
        exposure::open_ports(config, &eval, &found, &mut diags);
        diags.extend(found);
    }
    let mut unique: Vec<Diagnostic> = Vec::new();
    for d in diags {
        if !unique.iter().any(|u| {
            u.code == d.code
                && u.message == d.message
                && u.labels.first().map(|l| l.span) == d.labels.first().map(|l| l.span)
        }) {
            unique.push(d);
        }
    }
    unique
}

/// A module instance: its values name declared params, have the declared
/// types and pass the params' rules; required params are given.
fn check_module_instance(inst: &ModuleInstance, eval: &Evaluator<'_>, diags: &mut Vec<Diagnostic>) {
    let def = &inst.def;
    let parent = Scope {
        module: &inst.parent,
        each: inst.each.as_ref(),
    };
    for a in inst.block.body.attributes() {
        let name = a.name.name.as_str();
        if matches!(name, "for_each" | "when") {
            continue;
        }
        if matches!(name, "depends_on" | "protect") {
            diags.push(
                Diagnostic::error(
                    "check::unknown_attribute",
                    format!("`{name}` is not supported on a module instance"),
                    a.name.span,
                    "on a module instance",
                )
                .with_help(format!("set `{name}` on the resources inside the module")),
            );
            continue;
        }
        let Some(decl) = def.params.get(name) else {
            let d = Diagnostic::error(
                "check::unknown_attribute",
                format!("module `{}` has no param `{name}`", def.name),
                a.name.span,
                "unknown param",
            );
            diags.push(match suggest(name, def.params.keys().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!(
                    "`{}` takes: {}",
                    def.name,
                    def.params.keys().cloned().collect::<Vec<_>>().join(", ")
                )),
            });
            continue;
        };
        let value = eval.eval_in(&a.value, parent, diags);
        if let Some(t) = &decl.ty
            && !crate::lang::type_matches(t, &value)
        {
            diags.push(
                Diagnostic::error(
                    "check::type_mismatch",
                    format!(
                        "`{name}` expects {}, got {}",
                        crate::lang::type_text(t),
                        value.type_name()
                    ),
                    a.value.span,
                    format!("this is a {}", value.type_name()),
                )
                .with_label(t.span, "declared type")
                .with_help(format!(
                    "give `{name}` a value of type {}",
                    crate::lang::type_text(t)
                )),
            );
            continue;
        }
        check_rules(decl, Scope::module(&inst.path), a.value.span, eval, diags);
    }
    for (name, decl) in &def.params {
        let given = inst.block.body.attribute(name).is_some();
        if !given && decl.default.is_none() {
            diags.push(
                Diagnostic::error(
                    "check::missing_attribute",
                    format!("module `{}` needs `{name}`", def.name),
                    inst.block.name.span,
                    format!("`{name}` is not set"),
                )
                .with_label(decl.name.span, "declared here without a default")
                .with_help(format!(
                    "add `{name} = ...`{}",
                    param_doc(decl)
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                )),
            );
        } else if !given {
            check_rules(
                decl,
                Scope::module(&inst.path),
                inst.block.name.span,
                eval,
                diags,
            );
        }
    }
}

/// The `doc` of a param, if it has one.
fn param_doc(decl: &ast::ParamDecl) -> Option<String> {
    let attr = decl.body.as_ref()?.attribute("doc")?;
    match &attr.value.kind {
        ast::ExprKind::Str(parts) => Some(
            parts
                .iter()
                .filter_map(|p| match p {
                    ast::StrPart::Lit(l) => Some(l.as_str()),
                    ast::StrPart::Interp(_) => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Run a param's `check { condition = ..., message = "..." }` rules; a
/// failed rule points at `span`, where the value was given.
fn check_rules(
    decl: &ast::ParamDecl,
    scope: Scope<'_>,
    span: Span,
    eval: &Evaluator<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(body) = &decl.body else { return };
    for rule in body.nested().filter(|n| n.name.name == "check") {
        let Some(cond) = rule.body.attribute("condition") else {
            continue;
        };
        if eval.eval_in(&cond.value, scope, &mut Vec::new()) != Value::Bool(false) {
            continue;
        }
        let message = match rule
            .body
            .attribute("message")
            .map(|m| eval.eval_in(&m.value, scope, &mut Vec::new()))
        {
            Some(Value::String(m)) => m,
            _ => format!("`{}` breaks a rule of its param", decl.name.name),
        };
        let warning = matches!(
            rule.body.attribute("severity").map(|m| eval.eval_in(&m.value, scope, &mut Vec::new())),
            Some(Value::String(ref w)) if w == "warning"
        );
        let make = if warning {
            Diagnostic::warning
        } else {
            Diagnostic::error
        };
        diags.push(
            make(
                if warning {
                    "check::param_rule_warning"
                } else {
                    "check::param_rule_failed"
                },
                message,
                span,
                format!("this value of `{}`", decl.name.name),
            )
            .with_label(cond.value.span, "the rule")
            .with_help(
                param_doc(decl).unwrap_or_else(|| {
                    format!("give `{}` a value the rule accepts", decl.name.name)
                }),
            ),
        );
    }
}

/// What a param's `{ ... }` may hold: `doc`, and `check` blocks with a
/// `condition` and a `message`.
fn check_param_body(decl: &ast::ParamDecl, diags: &mut Vec<Diagnostic>) {
    let Some(body) = &decl.body else { return };
    for a in body.attributes() {
        if a.name.name != "doc" {
            diags.push(
                Diagnostic::error(
                    "check::unknown_attribute",
                    format!("a param has no `{}`", a.name.name),
                    a.name.span,
                    "unknown in a param",
                )
                .with_help("a param's block holds `doc = \"...\"` and `check { condition = ..., message = \"...\" }` blocks"),
            );
        }
    }
    for n in body.nested() {
        if n.name.name != "check" {
            diags.push(
                Diagnostic::error(
                    "check::unknown_attribute",
                    format!("a param has no `{}` block", n.name.name),
                    n.name.span,
                    "unknown in a param",
                )
                .with_help("write `check { condition = ..., message = \"...\" }`"),
            );
            continue;
        }
        for a in n.body.attributes() {
            if !matches!(a.name.name.as_str(), "condition" | "message" | "severity") {
                diags.push(
                    Diagnostic::error(
                        "check::unknown_attribute",
                        format!("a `check` has no `{}`", a.name.name),
                        a.name.span,
                        "unknown in a check",
                    )
                    .with_help("a `check` holds `condition`, `message` and, for a warning, `severity = \"warning\"`"),
                );
            }
        }
        for key in ["condition", "message"] {
            if n.body.attribute(key).is_none() {
                diags.push(
                    Diagnostic::error(
                        "check::missing_attribute",
                        format!("a `check` needs `{key}`"),
                        n.name.span,
                        format!("`{key}` is not set"),
                    )
                    .with_help("write `check { condition = param.azs >= 1, message = \"at least one AZ\" }`"),
                );
            }
        }
    }
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
    scope: Scope<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let names = || attrs.iter().map(|a| a.name);
    // A nested block's own `for_each` is checked once, with an `each`
    // whose value is not known yet.
    let placeholder = crate::lang::Each {
        key: String::new(),
        value: Value::Unknown,
        index: 0,
    };
    let scope = if !top && body.attribute("for_each").is_some() {
        Scope {
            module: scope.module,
            each: Some(&placeholder),
        }
    } else {
        scope
    };
    let mut seen: Vec<&crate::syntax::ast::Attribute> = Vec::new();
    // The port range as evaluated below, with where each end is written.
    let mut from_port: Option<(f64, Span)> = None;
    let mut to_port: Option<(f64, Span)> = None;
    for a in body.attributes() {
        if let Some(first) = seen.iter().find(|f| f.name.name == a.name.name) {
            diags.push(
                Diagnostic::error(
                    "check::duplicate_attribute",
                    format!("`{}` is set twice", a.name.name),
                    a.name.span,
                    "set again here",
                )
                .with_label(first.name.span, "first set here")
                .with_help("keep one of them; for maps, merge the entries into one"),
            );
            continue;
        }
        seen.push(a);
        let meta = if top {
            META_ATTRIBUTES.contains(&a.name.name.as_str())
        } else {
            matches!(a.name.name.as_str(), "for_each" | "when")
        };
        if meta {
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
            // `egress = []`: none at all, where the default has some.
            let none = matches!(&a.value.kind, crate::syntax::ast::ExprKind::List(items) if items.is_empty());
            let blocks = body.nested().any(|n| n.name.name == schema.name);
            if none && !blocks {
                continue;
            }
            let help = if none {
                format!(
                    "`{0} = []` says there are none: remove it, or the `{0}` blocks",
                    schema.name
                )
            } else {
                format!(
                    "write one `{0} {{ ... }}` block per entry, or `{0} = []` for none",
                    schema.name
                )
            };
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
                .with_help(help),
            );
            continue;
        }
        let before = diags.len();
        let value = eval.eval_in(&a.value, scope, diags);
        // A value whose evaluation failed is reported there, not checked
        // again: what it became follows from that error.
        if diags[before..].iter().any(Diagnostic::is_error) {
            continue;
        }
        check_type(&value, &schema.ty, a.value.span, schema.name, diags);
        if let Value::Number(n) = value {
            match schema.name {
                "from_port" => from_port = Some((n, a.value.span)),
                "to_port" => to_port = Some((n, a.value.span)),
                _ => {}
            }
        }
        // Allowed values are written as text; a number is compared as it
        // is written (`30`, not `30.0`).
        // Only attributes with allowed values pay for the text.
        let shown: Option<std::borrow::Cow<'_, str>> = if schema.allowed.is_empty() {
            None
        } else {
            match &value {
                Value::String(s) => Some(s.as_str().into()),
                Value::Number(n) => Some(Value::Number(*n).to_string().into()),
                _ => None,
            }
        };
        if let Some(s) = &shown
            && !schema.allowed.contains(&s.as_ref())
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
            // A number is near the allowed number closest to it; a word
            // is near the one it is spelt like.
            let near = match &value {
                Value::Number(n) => schema
                    .allowed
                    .iter()
                    .filter_map(|a| a.parse::<f64>().ok().map(|v| (a, (v - n).abs())))
                    .min_by(|x, y| x.1.total_cmp(&y.1))
                    .map(|(a, _)| (*a).to_string()),
                // `TCP`: the same word in another case is the one meant.
                _ => schema
                    .allowed
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(s))
                    .copied()
                    .or_else(|| suggest(s, schema.allowed.iter().copied()))
                    .map(ToString::to_string),
            };
            if let Some(s) = near {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
        }
        if let Some(validate) = schema.validate {
            // A string, or each string of a list.
            let strings: Vec<&str> = match &value {
                Value::String(s) => vec![s.as_str()],
                Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if let Some(why) = strings.into_iter().find_map(|s| validate(s).err()) {
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
        if let (Some((lo, hi)), Value::Number(n)) = (schema.range, &value)
            && (*n < lo || *n > hi)
        {
            diags.push(
                Diagnostic::error(
                    "check::invalid_value",
                    format!(
                        "`{}` must be from {} to {}",
                        schema.name,
                        Value::Number(lo),
                        Value::Number(hi)
                    ),
                    a.value.span,
                    format!("{} is out of range", Value::Number(*n)),
                )
                .with_help(schema.doc),
            );
        }
    }
    // A port range runs upwards.
    if let (Some((f, from_span)), Some((t, to_span))) = (from_port, to_port)
        && f > t
    {
        diags.push(
            Diagnostic::error(
                "check::invalid_value",
                format!(
                    "`from_port` {} is above `to_port` {}",
                    Value::Number(f),
                    Value::Number(t)
                ),
                from_span,
                "the range starts here",
            )
            .with_label(to_span, "and ends below it here")
            .with_help("a range runs from the lower port to the higher: swap them"),
        );
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
                scope,
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
        // An attribute written, or blocks of that name (`step { ... }`).
        let written = |n: &str| {
            body.attribute(n).map(|a| a.name.span).or_else(|| {
                body.nested()
                    .find(|b| b.name.name == n)
                    .map(|b| b.name.span)
            })
        };
        let set: Vec<_> = exactly_one_of
            .iter()
            .filter(|n| written(n).is_some())
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
                if let Some(span) = written(n) {
                    d = d.with_label(span, "also set here");
                }
            }
            diags.push(d);
        }
    }
}

fn check_type(value: &Value, ty: &Type, span: Span, name: &str, diags: &mut Vec<Diagnostic>) {
    let ok = match (ty, value) {
        (_, Value::Unknown | Value::NotNull) | (_, Value::Null) => true,
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

/// The codes of an error in a value given to a module instance, reported
/// at the caller.
const GIVEN_WRONG: &[&str] = &[
    "check::type_mismatch",
    "check::param_rule_failed",
    "check::missing_attribute",
    "check::unknown_attribute",
    "check::invalid_value",
];

/// One error, one report: an error that follows from one already reported
/// is counted on it, not printed. What follows from a parse error (a
/// reference to a block the parser could not read), and whatever goes
/// wrong inside a module given a wrong value (its `for_each` over a string
/// that should have been a list, and so on), are left out; the error they
/// follow from says how many.
pub fn one_report(config: &Config, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let parse_error = diags
        .iter()
        .position(|d| d.is_error() && d.code.starts_with("parse::"));
    let within = |d: &Diagnostic, outer: Span| {
        let s = d.primary_span();
        s.source == outer.source && s.start >= outer.start && s.end <= outer.end
    };
    // Module instances given a wrong value, and those inside them.
    let failed: Vec<&str> = config
        .modules
        .values()
        .filter(|inst| {
            diags.iter().any(|d| {
                d.is_error() && GIVEN_WRONG.contains(&d.code) && within(d, inst.block.span)
            })
        })
        .map(|inst| inst.path.as_str())
        .collect();
    let under_failed = |path: &str| {
        failed
            .iter()
            .any(|f| path == *f || path.starts_with(&format!("{f}.")))
    };
    // Module files every instance of which is under a failed one: what is
    // reported inside them follows from the wrong value.
    let doomed: Vec<crate::diagnostics::SourceId> = config
        .modules
        .values()
        .map(|i| i.def.source)
        .filter(|src| {
            config
                .modules
                .values()
                .filter(|i| i.def.source == *src)
                .all(|i| under_failed(&i.path))
        })
        .collect();
    // The error a module's failures are counted on: the first one given
    // at a failed instance that is not inside another failed one.
    let root_cause = diags.iter().position(|d| {
        d.is_error()
            && GIVEN_WRONG.contains(&d.code)
            && !doomed.contains(&d.primary_span().source)
            && config
                .modules
                .values()
                .any(|inst| failed.contains(&inst.path.as_str()) && within(d, inst.block.span))
    });
    let mut counted: Vec<(usize, usize)> = Vec::new();
    let mut count_on = |i: Option<usize>, error: bool| {
        if let (Some(i), true) = (i, error) {
            match counted.iter_mut().find(|(at, _)| *at == i) {
                Some((_, n)) => *n += 1,
                None => counted.push((i, 1)),
            }
        }
    };
    let mut keep = vec![true; diags.len()];
    for (i, d) in diags.iter().enumerate() {
        if Some(i) == parse_error || Some(i) == root_cause {
            continue;
        }
        if parse_error.is_some() && d.code.ends_with("::unresolved_reference") {
            keep[i] = false;
            count_on(parse_error, d.is_error());
        } else if root_cause.is_some() && doomed.contains(&d.primary_span().source) {
            keep[i] = false;
            count_on(root_cause, d.is_error());
        }
    }
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    for (i, mut d) in diags.into_iter().enumerate() {
        if !keep[i] {
            continue;
        }
        if let Some((_, n)) = counted.iter().find(|(at, _)| *at == i) {
            let more = format!(
                "{n} more error{} that follow{} from this one {} not shown",
                if *n == 1 { "" } else { "s" },
                if *n == 1 { "s" } else { "" },
                if *n == 1 { "is" } else { "are" },
            );
            d.help = Some(match d.help.take() {
                Some(h) => format!("{h}\n{more}"),
                None => more,
            });
        }
        out.push(d);
    }
    out
}
