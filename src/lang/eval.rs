//! Expression evaluation.

use std::cell::RefCell;

use indexmap::IndexMap;

use super::{Config, META_ATTRIBUTES, Resource, ResourceAddr};
use crate::diagnostics::{Diagnostic, suggest};
use crate::schema::{Presence, Type};
use crate::syntax::ast::{BinOp, Body, Expr, ExprKind, StrPart};
use crate::value::Value;

/// Where values assigned by AWS come from: the state during plan, the
/// results of finished resources during apply.
pub trait Computed {
    /// The value of `attr` of the resource at `addr`, if it is known.
    fn get(&self, addr: &ResourceAddr, attr: &str) -> Option<Value>;
}

/// No resource exists yet: every computed value is unknown.
pub struct NoComputed;

impl Computed for NoComputed {
    fn get(&self, _: &ResourceAddr, _: &str) -> Option<Value> {
        None
    }
}

pub struct Evaluator<'a> {
    config: &'a Config,
    computed: &'a dyn Computed,
    /// Attributes being evaluated, to stop a reference cycle from recursing
    /// forever (the graph reports the cycle itself).
    in_progress: RefCell<Vec<(ResourceAddr, String)>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(config: &'a Config, computed: &'a dyn Computed) -> Evaluator<'a> {
        Evaluator {
            config,
            computed,
            in_progress: RefCell::new(Vec::new()),
        }
    }

    /// Evaluate every attribute of a resource against its schema: defaults
    /// filled in, nested blocks turned into lists of maps. Attributes left
    /// to AWS (computed-optional and unset) are absent from the result.
    pub fn resource(&self, res: &Resource, diags: &mut Vec<Diagnostic>) -> IndexMap<String, Value> {
        self.body(&res.block.body, res.kind.attrs, diags)
    }

    fn body(
        &self,
        body: &Body,
        attrs: &[crate::schema::AttrSchema],
        diags: &mut Vec<Diagnostic>,
    ) -> IndexMap<String, Value> {
        let mut out = IndexMap::new();
        for a in attrs {
            let value = match a.ty {
                Type::Blocks(block) => {
                    let blocks: Vec<_> = body.nested().filter(|n| n.name.name == a.name).collect();
                    if blocks.is_empty() {
                        a.default_value()
                    } else {
                        Some(Value::List(
                            blocks
                                .iter()
                                .map(|n| Value::Map(self.body(&n.body, block.attrs, diags)))
                                .collect(),
                        ))
                    }
                }
                _ => match body.attribute(a.name) {
                    Some(attr) => Some(self.eval(&attr.value, diags)),
                    None => match a.presence {
                        Presence::Default(_) => a.default_value(),
                        Presence::Required | Presence::Computed => None,
                    },
                },
            };
            if let Some(v) = value {
                out.insert(a.name.to_string(), v);
            }
        }
        out
    }

    /// Evaluate one expression. Errors are pushed to `diags` and the value
    /// becomes `Null`.
    pub fn eval(&self, expr: &Expr, diags: &mut Vec<Diagnostic>) -> Value {
        match &expr.kind {
            ExprKind::Null => Value::Null,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Number(n) => Value::Number(*n),
            ExprKind::Str(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StrPart::Lit(l) => s.push_str(l),
                        StrPart::Interp(e) => match self.eval(e, diags) {
                            Value::Unknown => return Value::Unknown,
                            Value::String(v) => s.push_str(&v),
                            v @ (Value::Number(_) | Value::Bool(_)) => s.push_str(&v.to_string()),
                            Value::Null => {}
                            v => {
                                diags.push(
                                    Diagnostic::error(
                                        "lang::type_mismatch",
                                        format!("cannot interpolate a {} into a string", v.type_name()),
                                        e.span,
                                        format!("this is a {}", v.type_name()),
                                    )
                                    .with_help("interpolate strings, numbers or bools; use `join(\",\", list)` for a list"),
                                );
                            }
                        },
                    }
                }
                Value::String(s)
            }
            ExprKind::List(items) => {
                Value::List(items.iter().map(|e| self.eval(e, diags)).collect())
            }
            ExprKind::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|en| (en.key.clone(), self.eval(&en.value, diags)))
                    .collect(),
            ),
            ExprKind::Path(segs) => self.path(expr, segs, diags),
            ExprKind::Index(base, idx) => {
                let base_v = self.eval(base, diags);
                let idx_v = self.eval(idx, diags);
                index(base_v, idx_v, idx.span, diags)
            }
            ExprKind::Call(name, args) => {
                let values: Vec<Value> = args.iter().map(|a| self.eval(a, diags)).collect();
                super::functions::call(name, args, values, expr.span, diags)
            }
            ExprKind::Cond(c, a, b) => match self.eval(c, diags) {
                Value::Bool(true) => self.eval(a, diags),
                Value::Bool(false) => self.eval(b, diags),
                Value::Unknown => Value::Unknown,
                v => {
                    diags.push(Diagnostic::error(
                        "lang::type_mismatch",
                        format!("a condition must be a bool, not a {}", v.type_name()),
                        c.span,
                        "expected true or false",
                    ));
                    Value::Null
                }
            },
            ExprKind::Binary(op, a, b) => {
                let av = self.eval(a, diags);
                let bv = self.eval(b, diags);
                if av == Value::Unknown || bv == Value::Unknown {
                    return Value::Unknown;
                }
                match op {
                    BinOp::Eq => Value::Bool(av == bv),
                    BinOp::Ne => Value::Bool(av != bv),
                    BinOp::And | BinOp::Or => match (av.as_bool(), bv.as_bool()) {
                        (Some(x), Some(y)) => {
                            Value::Bool(if *op == BinOp::And { x && y } else { x || y })
                        }
                        _ => {
                            diags.push(Diagnostic::error(
                                "lang::type_mismatch",
                                format!("`{}` needs two bools", op.symbol()),
                                expr.span,
                                "expected bools on both sides",
                            ));
                            Value::Null
                        }
                    },
                }
            }
            ExprKind::Not(e) => match self.eval(e, diags) {
                Value::Bool(b) => Value::Bool(!b),
                Value::Unknown => Value::Unknown,
                v => {
                    diags.push(Diagnostic::error(
                        "lang::type_mismatch",
                        format!("`!` needs a bool, not a {}", v.type_name()),
                        e.span,
                        "expected true or false",
                    ));
                    Value::Null
                }
            },
        }
    }

    fn path(
        &self,
        expr: &Expr,
        segs: &[crate::syntax::ast::Ident],
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        let head = &segs[0];
        if head.name == "param" {
            let Some(name) = segs.get(1) else {
                diags.push(
                    Diagnostic::error(
                        "lang::unresolved_reference",
                        "`param` needs a name",
                        expr.span,
                        "incomplete reference",
                    )
                    .with_help("write `param.NAME`"),
                );
                return Value::Null;
            };
            let Some((_, v)) = self.config.params.get(&name.name) else {
                let mut d = Diagnostic::error(
                    "lang::unresolved_reference",
                    format!("no param named `{}`", name.name),
                    name.span,
                    "not declared",
                );
                d = match suggest(&name.name, self.config.params.keys().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `param.{s}`?")),
                    None => d.with_help(format!(
                        "declare it: `param {}: string = \"...\"`",
                        name.name
                    )),
                };
                diags.push(d);
                return Value::Null;
            };
            return walk_fields(v.clone(), &segs[2..], diags);
        }
        if segs.len() < 3 {
            let d = if segs.len() == 2
                && self
                    .config
                    .resources
                    .contains_key(&ResourceAddr::new(&segs[0].name, &segs[1].name))
            {
                Diagnostic::error(
                    "lang::unresolved_reference",
                    format!(
                        "`{}.{}` is a resource, not a value",
                        segs[0].name, segs[1].name
                    ),
                    expr.span,
                    "a resource, not one of its attributes",
                )
                .with_help(format!(
                    "reference an attribute, such as `{}.{}.id`",
                    segs[0].name, segs[1].name
                ))
            } else {
                Diagnostic::error(
                    "lang::unresolved_reference",
                    format!("unknown name `{}`", segs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(".")),
                    expr.span,
                    "not a param or resource attribute",
                )
                .with_help("write `param.NAME` for a param or `KIND.NAME.ATTRIBUTE` for a resource attribute")
            };
            diags.push(d);
            return Value::Null;
        }
        let addr = ResourceAddr::new(&segs[0].name, &segs[1].name);
        let Some(res) = self.config.resources.get(&addr) else {
            let mut d = Diagnostic::error(
                "lang::unresolved_reference",
                format!("no resource `{addr}`"),
                segs[0].span.to(segs[1].span),
                "no block declares this",
            );
            let candidates: Vec<String> = self
                .config
                .resources
                .keys()
                .map(ToString::to_string)
                .collect();
            if let Some(s) = suggest(&addr.to_string(), candidates.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else {
                d = d.with_help(format!(
                    "declare it: `{} {} {{ ... }}`",
                    addr.kind, addr.name
                ));
            }
            diags.push(d);
            return Value::Null;
        };
        let attr = &segs[2];
        let value = self.resource_attr(res, &attr.name);
        match value {
            Some(v) => walk_fields(v, &segs[3..], diags),
            None => {
                let mut d = Diagnostic::error(
                    "lang::unresolved_reference",
                    format!("`{}` has no attribute `{}`", res.kind.name, attr.name),
                    attr.span,
                    "unknown attribute",
                );
                if let Some(s) = suggest(&attr.name, res.kind.referenceable()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                } else {
                    d = d.with_help(format!(
                        "`{}` has: {}",
                        res.kind.name,
                        res.kind.referenceable().collect::<Vec<_>>().join(", ")
                    ));
                }
                diags.push(d);
                Value::Null
            }
        }
    }

    /// The value of one attribute of a resource, as a reference sees it:
    /// the configured value for inputs, else what AWS assigned, else
    /// `Unknown`. `None` when the kind has no such attribute.
    pub fn resource_attr(&self, res: &Resource, attr: &str) -> Option<Value> {
        if let Some(schema) = res.kind.attr(attr) {
            if let Some(a) = res.block.body.attribute(attr)
                && !META_ATTRIBUTES.contains(&attr)
            {
                let key = (res.addr.clone(), attr.to_string());
                if self.in_progress.borrow().contains(&key) {
                    return Some(Value::Unknown);
                }
                self.in_progress.borrow_mut().push(key);
                // Errors inside another resource's attribute are reported
                // when that resource itself is evaluated.
                let v = self.eval(&a.value, &mut Vec::new());
                self.in_progress.borrow_mut().pop();
                return Some(v);
            }
            if let Type::Blocks(_) = schema.ty {
                let mut all = self.body(
                    &res.block.body,
                    std::slice::from_ref(schema),
                    &mut Vec::new(),
                );
                return Some(all.swap_remove(attr).unwrap_or(Value::List(Vec::new())));
            }
            return Some(match schema.presence {
                Presence::Default(_) => schema.default_value().unwrap_or(Value::Null),
                Presence::Required | Presence::Computed => {
                    self.computed.get(&res.addr, attr).unwrap_or(Value::Unknown)
                }
            });
        }
        if res.kind.computed(attr).is_some() {
            return Some(self.computed.get(&res.addr, attr).unwrap_or(Value::Unknown));
        }
        None
    }
}

fn walk_fields(
    mut v: Value,
    rest: &[crate::syntax::ast::Ident],
    diags: &mut Vec<Diagnostic>,
) -> Value {
    for seg in rest {
        v = match v {
            Value::Unknown => return Value::Unknown,
            Value::Map(mut m) => match m.swap_remove(&seg.name) {
                Some(x) => x,
                None => {
                    diags.push(
                        Diagnostic::error(
                            "lang::unresolved_reference",
                            format!("no key `{}` in this map", seg.name),
                            seg.span,
                            "missing key",
                        )
                        .with_help(format!(
                            "the keys are: {}",
                            m.keys().cloned().collect::<Vec<_>>().join(", ")
                        )),
                    );
                    return Value::Null;
                }
            },
            other => {
                diags.push(Diagnostic::error(
                    "lang::type_mismatch",
                    format!("cannot take `.{}` of a {}", seg.name, other.type_name()),
                    seg.span,
                    "only maps have fields",
                ));
                return Value::Null;
            }
        };
    }
    v
}

fn index(
    base: Value,
    idx: Value,
    span: crate::diagnostics::Span,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    match (base, idx) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        (Value::List(l), Value::Number(n)) => {
            if n >= 0.0 && n.fract() == 0.0 && (n as usize) < l.len() {
                l[n as usize].clone()
            } else {
                diags.push(Diagnostic::error(
                    "lang::index_out_of_range",
                    format!("index {n} is out of range for a list of {}", l.len()),
                    span,
                    "no such element",
                ));
                Value::Null
            }
        }
        (Value::Map(mut m), Value::String(k)) => match m.swap_remove(&k) {
            Some(v) => v,
            None => {
                diags.push(Diagnostic::error(
                    "lang::unresolved_reference",
                    format!("no key `{k}` in this map"),
                    span,
                    "missing key",
                ));
                Value::Null
            }
        },
        (b, i) => {
            diags.push(Diagnostic::error(
                "lang::type_mismatch",
                format!("cannot index a {} with a {}", b.type_name(), i.type_name()),
                span,
                "wrong index type",
            ));
            Value::Null
        }
    }
}
