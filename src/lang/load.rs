//! Loading: from source text to a `Config` with params resolved.

use std::path::Path;

use indexmap::IndexMap;

use super::{META_ATTRIBUTES, ResourceAddr};
use crate::diagnostics::{Diagnostic, SourceId, SourceMap, Span, suggest};
use crate::schema::{self, KindSchema};
use crate::syntax::ast::{self, ExprKind, Item};
use crate::value::Value;

/// A param value given on the command line or in a params file, with the
/// span (in a synthetic source) that diagnostics point at.
#[derive(Clone, Debug)]
pub struct ParamValue {
    pub name: String,
    pub raw: ParamRaw,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ParamRaw {
    /// `-p name=value`: text, interpreted according to the param's type.
    Text(String),
    /// From a JSON params file.
    Json(serde_json::Value),
}

impl ParamValue {
    pub fn text(name: impl Into<String>, text: impl Into<String>, span: Span) -> ParamValue {
        ParamValue {
            name: name.into(),
            raw: ParamRaw::Text(text.into()),
            span,
        }
    }

    pub fn json(name: impl Into<String>, json: serde_json::Value, span: Span) -> ParamValue {
        ParamValue {
            name: name.into(),
            raw: ParamRaw::Json(json),
            span,
        }
    }
}

/// One resource block of the configuration.
#[derive(Clone, Debug)]
pub struct Resource {
    pub addr: ResourceAddr,
    pub kind: &'static KindSchema,
    pub block: ast::Block,
    /// Explicit `depends_on` entries.
    pub depends_on: Vec<(ResourceAddr, Span)>,
}

impl Resource {
    pub fn span(&self) -> Span {
        self.block.span
    }

    /// The `protect` meta attribute, if written.
    pub fn protect_expr(&self) -> Option<&ast::Expr> {
        self.block.body.attribute("protect").map(|a| &a.value)
    }

    /// The span of an attribute's value, or of the block when unset.
    pub fn attr_span(&self, name: &str) -> Span {
        self.block
            .body
            .attribute(name)
            .map_or(self.block.name.span, |a| a.value.span)
    }
}

/// A loaded configuration: what the files say should exist.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub stack: String,
    pub params: IndexMap<String, (ast::ParamDecl, Value)>,
    pub resources: IndexMap<ResourceAddr, Resource>,
    pub outputs: IndexMap<String, ast::OutputDecl>,
}

/// Read, parse and load a file.
///
/// # Errors
/// Returns the diagnostics of every phase up to loading; an unreadable file
/// is an `Err` with a plain message.
pub fn load_file(
    sources: &mut SourceMap,
    path: &Path,
    stack: &str,
    params: &[ParamValue],
) -> Result<(Config, Vec<Diagnostic>), std::io::Error> {
    let text = std::fs::read_to_string(path)?;
    let id = sources.add(path.display().to_string(), Some(path), text);
    Ok(load_source(sources, id, stack, params))
}

/// Parse and load an already registered source.
pub fn load_source(
    sources: &SourceMap,
    id: SourceId,
    stack: &str,
    params: &[ParamValue],
) -> (Config, Vec<Diagnostic>) {
    let (file, mut diags) = crate::syntax::parse(id, sources.text(id));
    let mut config = Config {
        stack: stack.to_string(),
        ..Config::default()
    };
    let mut param_decls: IndexMap<String, ast::ParamDecl> = IndexMap::new();
    for item in file.items {
        match item {
            Item::Param(p) => {
                if let Some(prev) = param_decls.get(&p.name.name) {
                    diags.push(duplicate(
                        "param",
                        &p.name.name,
                        p.name.span,
                        prev.name.span,
                    ));
                    continue;
                }
                param_decls.insert(p.name.name.clone(), p);
            }
            Item::Output(o) => {
                if let Some(prev) = config.outputs.get(&o.name.name) {
                    diags.push(duplicate(
                        "output",
                        &o.name.name,
                        o.name.span,
                        prev.name.span,
                    ));
                    continue;
                }
                config.outputs.insert(o.name.name.clone(), o);
            }
            Item::Block(b) => {
                let Some(kind) = schema::kind(&b.kind.name) else {
                    let mut d = Diagnostic::error(
                        "check::unknown_kind",
                        format!("unknown resource kind `{}`", b.kind.name),
                        b.kind.span,
                        "not a resource kind",
                    );
                    d = match suggest(&b.kind.name, schema::kinds().iter().map(|k| k.name)) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(format!(
                            "the kinds are: {}",
                            schema::kinds()
                                .iter()
                                .map(|k| k.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    diags.push(d);
                    continue;
                };
                let addr = ResourceAddr::new(&b.kind.name, &b.name.name);
                if let Some(prev) = config.resources.get(&addr) {
                    diags.push(duplicate(
                        &b.kind.name,
                        &addr.to_string(),
                        b.name.span,
                        prev.block.name.span,
                    ));
                    continue;
                }
                let depends_on = depends_on(&b, &mut diags);
                config.resources.insert(
                    addr.clone(),
                    Resource {
                        addr,
                        kind,
                        block: b,
                        depends_on,
                    },
                );
            }
        }
    }
    resolve_params(&mut config, param_decls, params, &mut diags);
    (config, diags)
}

fn duplicate(what: &str, name: &str, span: Span, prev: Span) -> Diagnostic {
    Diagnostic::error(
        "check::duplicate_name",
        format!("`{name}` is declared twice"),
        span,
        format!("this {what} is a second `{name}`"),
    )
    .with_label(prev, "first declared here")
    .with_help("rename one of them; names are unique per kind")
}

fn depends_on(block: &ast::Block, diags: &mut Vec<Diagnostic>) -> Vec<(ResourceAddr, Span)> {
    let Some(attr) = block.body.attribute(META_ATTRIBUTES[0]) else {
        return Vec::new();
    };
    let ExprKind::List(items) = &attr.value.kind else {
        diags.push(
            Diagnostic::error(
                "check::type_mismatch",
                "`depends_on` must be a list of resources",
                attr.value.span,
                "expected a list",
            )
            .with_help("write `depends_on = [vpc.main, subnet.app_a]`"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match &item.kind {
            ExprKind::Path(segs) if segs.len() == 2 => {
                out.push((ResourceAddr::new(&segs[0].name, &segs[1].name), item.span))
            }
            _ => diags.push(
                Diagnostic::error(
                    "check::type_mismatch",
                    "`depends_on` entries must be resource addresses",
                    item.span,
                    "expected `KIND.NAME`",
                )
                .with_help("write `depends_on = [vpc.main, subnet.app_a]`"),
            ),
        }
    }
    out
}

fn resolve_params(
    config: &mut Config,
    decls: IndexMap<String, ast::ParamDecl>,
    given: &[ParamValue],
    diags: &mut Vec<Diagnostic>,
) {
    for g in given {
        if !decls.contains_key(&g.name) {
            let mut d = Diagnostic::error(
                "param::unknown",
                format!("no param named `{}`", g.name),
                g.span,
                "not declared in the file",
            );
            d = match suggest(&g.name, decls.keys().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("declare it with `param NAME: TYPE = DEFAULT` in the file"),
            };
            diags.push(d);
        }
    }
    let empty = Config::default();
    let eval = super::Evaluator::new(&empty, &super::NoComputed);
    for (name, decl) in decls {
        let ty = decl.ty.as_ref().map_or("any", |t| t.name.as_str());
        let value = match given.iter().rev().find(|g| g.name == name) {
            Some(g) => match &g.raw {
                super::load::ParamRaw::Json(j) => Value::from_json(j),
                super::load::ParamRaw::Text(t) if ty == "string" => Value::String(t.clone()),
                super::load::ParamRaw::Text(t) => match parse_param_text(g.span, t, &eval) {
                    Ok(v) => v,
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                },
            },
            None => match &decl.default {
                Some(e) => {
                    let mut local = Vec::new();
                    let v = eval.eval(e, &mut local);
                    diags.extend(local);
                    v
                }
                None => {
                    diags.push(
                        Diagnostic::error("param::missing", format!("param `{name}` has no value"), decl.name.span, "declared without a default")
                            .with_help(format!("pass `-p {name}=VALUE` or give it a default: `param {name}: {ty} = ...`")),
                    );
                    continue;
                }
            },
        };
        if let Some(t) = &decl.ty
            && !type_matches(t, &value)
        {
            let span = given.iter().rev().find(|g| g.name == name).map_or_else(
                || decl.default.as_ref().map_or(decl.span, |d| d.span),
                |g| g.span,
            );
            diags.push(
                Diagnostic::error(
                    "check::type_mismatch",
                    format!(
                        "param `{name}` expects {}, got {}",
                        type_text(t),
                        value.type_name()
                    ),
                    span,
                    format!("this is a {}", value.type_name()),
                )
                .with_label(t.span, "declared type")
                .with_help(format!("give `{name}` a value of type {}", type_text(t))),
            );
            continue;
        }
        config.params.insert(name, (decl, value));
    }
}

/// A non-string param given as text is read as an expression of the
/// language: `-p azs='["a", "b"]'`, `-p count=3`.
fn parse_param_text(
    span: Span,
    text: &str,
    eval: &super::Evaluator<'_>,
) -> Result<Value, Diagnostic> {
    let wrapped = format!("output x = {text}");
    let (file, diags) = crate::syntax::parse(span.source, &wrapped);
    let bad = || {
        Diagnostic::error("param::invalid_value", format!("cannot read `{text}` as a value"), span, "not a literal value")
            .with_help("numbers, true/false, lists like [\"a\", \"b\"] and maps like { k = \"v\" } are accepted")
    };
    if !diags.is_empty() {
        return Err(bad());
    }
    match file.items.first() {
        Some(Item::Output(o)) => {
            let mut local = Vec::new();
            let v = eval.eval(&o.value, &mut local);
            if local.is_empty() { Ok(v) } else { Err(bad()) }
        }
        _ => Err(bad()),
    }
}

fn type_text(t: &ast::TypeExpr) -> String {
    match &t.inner {
        Some(i) => format!("{}({})", t.name, type_text(i)),
        None => t.name.clone(),
    }
}

fn type_matches(t: &ast::TypeExpr, v: &Value) -> bool {
    let inner_ok = |v: &Value| t.inner.as_ref().is_none_or(|i| type_matches(i, v));
    match (t.name.as_str(), v) {
        ("any", _) | (_, Value::Unknown) | (_, Value::Null) => true,
        ("string", Value::String(_)) | ("number", Value::Number(_)) | ("bool", Value::Bool(_)) => {
            true
        }
        ("list", Value::List(items)) => items.iter().all(inner_ok),
        ("map", Value::Map(m)) => m.values().all(inner_ok),
        _ => false,
    }
}
