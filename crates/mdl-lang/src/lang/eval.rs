//! Expression evaluation.

use std::cell::RefCell;

use indexmap::IndexMap;

use super::load::Each;
use super::{Config, META_ATTRIBUTES, Resource, ResourceAddr};
use crate::diagnostics::{Diagnostic, Span, suggest};
use crate::schema::{Presence, Type};
use crate::syntax::ast::{BinOp, Body, Expr, ExprKind, Ident, StrPart};
use crate::value::Value;

/// Where an expression is evaluated: the module instance whose params and
/// resources its names mean, and the `for_each` binding of its block.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'s> {
    pub module: &'s str,
    pub each: Option<&'s Each>,
}

impl<'s> Scope<'s> {
    pub const ROOT: Scope<'static> = Scope {
        module: "",
        each: None,
    };

    pub fn module(module: &'s str) -> Scope<'s> {
        Scope { module, each: None }
    }

    /// The scope of a resource's own attributes.
    pub fn of(res: &'s Resource) -> Scope<'s> {
        Scope {
            module: &res.addr.module,
            each: res.each.as_ref(),
        }
    }
}

/// One step after the first name of a reference: `.name` or `[index]`.
#[derive(Clone, Copy)]
enum Access<'e> {
    Name(&'e Ident),
    Index(&'e Expr),
}

/// A reference chain: its first name and the steps after it. `None` when
/// the expression is not a reference (a call, a literal, ...).
fn chain(expr: &Expr) -> Option<(&Ident, Vec<Access<'_>>)> {
    match &expr.kind {
        ExprKind::Path(segs) => Some((&segs[0], segs[1..].iter().map(Access::Name).collect())),
        ExprKind::Index(base, idx) => {
            let (head, mut acc) = chain(base)?;
            acc.push(Access::Index(idx));
            Some((head, acc))
        }
        ExprKind::Field(base, name) => {
            let (head, mut acc) = chain(base)?;
            acc.push(Access::Name(name));
            Some((head, acc))
        }
        _ => None,
    }
}

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
    /// Attributes, params and outputs being evaluated, to stop a reference
    /// cycle from recursing forever (the graph reports the cycle itself).
    in_progress: RefCell<Vec<String>>,
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
        self.body(&res.block.body, res.kind.attrs, Scope::of(res), diags)
    }

    fn body(
        &self,
        body: &Body,
        attrs: &[crate::schema::AttrSchema],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> IndexMap<String, Value> {
        let mut out = IndexMap::new();
        for a in attrs {
            let value = match a.ty {
                Type::Blocks(block) => {
                    let blocks: Vec<_> = body.nested().filter(|n| n.name.name == a.name).collect();
                    if blocks.is_empty() {
                        // `NAME = []` (the only form check lets through):
                        // none, where the default has some.
                        match body.attribute(a.name) {
                            Some(_) => Some(Value::List(Vec::new())),
                            None => a.default_value(),
                        }
                    } else {
                        let mut items = Vec::new();
                        for n in blocks {
                            self.nested_instances(&n.body, block.attrs, scope, diags, &mut items);
                        }
                        Some(Value::List(items))
                    }
                }
                _ => match body.attribute(a.name) {
                    Some(attr) => Some(self.eval_in(&attr.value, scope, diags)),
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

    /// One nested block, or one per entry of its own `for_each`, each
    /// only when its `when` holds.
    fn nested_instances(
        &self,
        body: &Body,
        attrs: &[crate::schema::AttrSchema],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
        out: &mut Vec<Value>,
    ) {
        let entries: Vec<Each> = match body.attribute("for_each") {
            None => {
                if self.nested_when(body, scope, diags) {
                    out.push(Value::Map(self.body(body, attrs, scope, diags)));
                }
                return;
            }
            Some(fe) => match self.eval_in(&fe.value, scope, diags) {
                Value::List(items) => items
                    .into_iter()
                    .enumerate()
                    .map(|(index, v)| Each {
                        key: v
                            .as_str()
                            .map_or_else(|| v.to_string(), ToString::to_string),
                        value: v,
                        index,
                    })
                    .collect(),
                Value::Map(m) => m
                    .into_iter()
                    .enumerate()
                    .map(|(index, (key, value))| Each { key, value, index })
                    .collect(),
                Value::Unknown | Value::NotNull => {
                    diags.push(
                        Diagnostic::error(
                            "lang::unknown_at_plan",
                            "`for_each` depends on a value AWS assigns",
                            fe.value.span,
                            "not known before apply",
                        )
                        .with_help("`for_each` may use params and literals only"),
                    );
                    return;
                }
                v => {
                    diags.push(
                        Diagnostic::error(
                            "lang::type_mismatch",
                            format!(
                                "`for_each` must be a list or a map, not a {}",
                                v.type_name()
                            ),
                            fe.value.span,
                            "cannot iterate over this",
                        )
                        .with_help("write `for_each = param.cidrs` (a list) or a map"),
                    );
                    return;
                }
            },
        };
        for each in &entries {
            let inner = Scope {
                module: scope.module,
                each: Some(each),
            };
            if self.nested_when(body, inner, diags) {
                out.push(Value::Map(self.body(body, attrs, inner, diags)));
            }
        }
    }

    fn nested_when(&self, body: &Body, scope: Scope<'_>, diags: &mut Vec<Diagnostic>) -> bool {
        match body.attribute("when") {
            None => true,
            Some(w) => match self.eval_in(&w.value, scope, diags) {
                Value::Bool(b) => b,
                Value::Unknown | Value::NotNull => true,
                v => {
                    diags.push(
                        Diagnostic::error(
                            "lang::type_mismatch",
                            format!("`when` must be a bool, not a {}", v.type_name()),
                            w.value.span,
                            "expected true or false",
                        )
                        .with_help("write `when = param.peer_cidr != null` or another condition"),
                    );
                    false
                }
            },
        }
    }

    /// The value of a module instance's output, such as
    /// (`module.vle`, `database_endpoint`); `None` when it has no such
    /// output.
    pub fn module_output_value(&self, path: &str, name: &str) -> Option<Value> {
        let inst = self.config.modules.get(path)?;
        let decl = inst.def.outputs.get(name)?;
        Some(self.eval_in(&decl.value, Scope::module(path), &mut Vec::new()))
    }

    /// Evaluate an expression at the root of the configuration.
    pub fn eval(&self, expr: &Expr, diags: &mut Vec<Diagnostic>) -> Value {
        self.eval_in(expr, Scope::ROOT, diags)
    }

    /// Evaluate one expression in a scope. Errors are pushed to `diags` and
    /// the value becomes `Null`.
    pub fn eval_in(&self, expr: &Expr, scope: Scope<'_>, diags: &mut Vec<Diagnostic>) -> Value {
        if let Some((head, acc)) = chain(expr) {
            return self.reference(expr, head, &acc, scope, diags);
        }
        match &expr.kind {
            ExprKind::Null => Value::Null,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Number(n, _) => Value::Number(*n),
            ExprKind::Str(parts) => {
                let mut s = String::new();
                // A string with a part AWS assigns is unknown, but it is a
                // string: never null.
                let mut refined = false;
                for p in parts {
                    match p {
                        StrPart::Lit(l) => s.push_str(l),
                        StrPart::Interp(e) => match self.eval_in(e, scope, diags) {
                            Value::Unknown => return Value::Unknown,
                            Value::NotNull => refined = true,
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
                if refined {
                    return Value::NotNull;
                }
                Value::String(s)
            }
            ExprKind::List(items) => Value::List(
                items
                    .iter()
                    .map(|e| self.eval_in(e, scope, diags))
                    .collect(),
            ),
            ExprKind::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|en| (en.key.clone(), self.eval_in(&en.value, scope, diags)))
                    .collect(),
            ),
            ExprKind::Path(_) => Value::Null,
            ExprKind::Index(base, idx) => {
                let base_v = self.eval_in(base, scope, diags);
                let idx_v = self.eval_in(idx, scope, diags);
                index(base_v, idx_v, idx.span, diags)
            }
            ExprKind::Field(base, name) => {
                let base_v = self.eval_in(base, scope, diags);
                walk_fields(base_v, std::slice::from_ref(name), diags)
            }
            ExprKind::Call(name, args) => {
                let values: Vec<Value> =
                    args.iter().map(|a| self.eval_in(a, scope, diags)).collect();
                super::functions::call(name, args, values, expr.span, diags)
            }
            ExprKind::Cond(c, a, b) => match self.eval_in(c, scope, diags) {
                Value::Bool(true) => self.eval_in(a, scope, diags),
                Value::Bool(false) => self.eval_in(b, scope, diags),
                Value::Unknown | Value::NotNull => Value::Unknown,
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
                let av = self.eval_in(a, scope, diags);
                let bv = self.eval_in(b, scope, diags);
                // What AWS assigns is not null: `x != null` decides.
                match (op, &av, &bv) {
                    (BinOp::Eq | BinOp::Ne, Value::NotNull, Value::Null)
                    | (BinOp::Eq | BinOp::Ne, Value::Null, Value::NotNull) => {
                        return Value::Bool(*op == BinOp::Ne);
                    }
                    _ => {}
                }
                if av.is_unknown() || bv.is_unknown() {
                    return Value::Unknown;
                }
                binary(*op, av, bv, expr.span, diags)
            }
            ExprKind::Not(e) => match self.eval_in(e, scope, diags) {
                Value::Bool(b) => Value::Bool(!b),
                Value::Unknown | Value::NotNull => Value::Unknown,
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

    /// Resolve a reference chain: `param.X`, `each.key`, `module.M.OUT`,
    /// `KIND.NAME.ATTR`, `KIND.NAME["key"].ATTR`, followed by fields and
    /// indexes.
    fn reference(
        &self,
        expr: &Expr,
        head: &Ident,
        acc: &[Access<'_>],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        match head.name.as_str() {
            "param" => {
                let Some(Access::Name(name)) = acc.first() else {
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
                let v = self.param(scope, name, diags);
                self.access(v, &acc[1..], scope, diags)
            }
            "each" => {
                let Some(each) = scope.each else {
                    diags.push(
                        Diagnostic::error(
                            "lang::unresolved_reference",
                            "`each` is only known in a block with `for_each`",
                            head.span,
                            "no `for_each` here",
                        )
                        .with_help("add `for_each = ...` to the block, or use a param"),
                    );
                    return Value::Null;
                };
                let v = match acc.first() {
                    Some(Access::Name(n)) if n.name == "key" => Value::String(each.key.clone()),
                    Some(Access::Name(n)) if n.name == "value" => each.value.clone(),
                    Some(Access::Name(n)) if n.name == "index" => Value::Number(each.index as f64),
                    _ => {
                        diags.push(
                            Diagnostic::error(
                                "lang::unresolved_reference",
                                "`each` has `key`, `value` and `index`",
                                expr.span,
                                "not one of them",
                            )
                            .with_help("write `each.key`, `each.value` or `each.index`"),
                        );
                        return Value::Null;
                    }
                };
                self.access(v, &acc[1..], scope, diags)
            }
            "module" => self.module_reference(expr, acc, scope, diags),
            _ => self.resource_reference(expr, head, acc, scope, diags),
        }
    }

    /// Apply `.name` and `[index]` steps to a value.
    fn access(
        &self,
        mut v: Value,
        acc: &[Access<'_>],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        for a in acc {
            v = match a {
                Access::Name(n) => walk_fields(v, std::slice::from_ref(*n), diags),
                Access::Index(e) => {
                    let i = self.eval_in(e, scope, diags);
                    index(v, i, e.span, diags)
                }
            };
        }
        v
    }

    /// Guard against evaluating something that is already being evaluated
    /// (a cycle): `Unknown` then.
    fn guarded(&self, key: String, f: impl FnOnce() -> Value) -> Value {
        if self.in_progress.borrow().contains(&key) {
            return Value::Unknown;
        }
        self.in_progress.borrow_mut().push(key);
        let v = f();
        self.in_progress.borrow_mut().pop();
        v
    }

    /// A param's value as seen in a scope: a root param, or the value a
    /// module instance was given (evaluated where it was written), or the
    /// module's default.
    fn param(&self, scope: Scope<'_>, name: &Ident, diags: &mut Vec<Diagnostic>) -> Value {
        if scope.module.is_empty() {
            let Some((_, v)) = self.config.params.get(&name.name) else {
                diags.push(self.no_param(name, self.config.params.keys().map(String::as_str)));
                return Value::Null;
            };
            return v.clone();
        }
        let Some(inst) = self.config.modules.get(scope.module) else {
            return Value::Unknown;
        };
        let Some(decl) = inst.def.params.get(&name.name) else {
            diags.push(self.no_param(name, inst.def.params.keys().map(String::as_str)));
            return Value::Null;
        };
        let key = format!("{}:param:{}", scope.module, name.name);
        if let Some(arg) = inst.block.body.attribute(&name.name) {
            let parent = Scope {
                module: &inst.parent,
                each: inst.each.as_ref(),
            };
            // Errors in the value are reported where it is written.
            return self.guarded(key, || self.eval_in(&arg.value, parent, &mut Vec::new()));
        }
        match &decl.default {
            Some(d) => self.guarded(key, || {
                self.eval_in(d, Scope::module(&inst.path), &mut Vec::new())
            }),
            // A missing value is reported at the instance.
            None => Value::Null,
        }
    }

    fn no_param<'n>(&self, name: &Ident, known: impl Iterator<Item = &'n str>) -> Diagnostic {
        let known: Vec<&str> = known.collect();
        let d = Diagnostic::error(
            "lang::unresolved_reference",
            format!("no param named `{}`", name.name),
            name.span,
            "not declared",
        );
        // `param.n-1`: a name may hold `-`, so this is not a subtraction.
        if let Some((before, after)) = name.name.split_once('-')
            && known.contains(&before)
        {
            return d.with_help(format!(
                "a name may hold `-`, so this reads as the param `{}`; to subtract, put spaces around it: `param.{before} - {after}`",
                name.name
            ));
        }
        match suggest(&name.name, known.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `param.{s}`?")),
            None => d.with_help(format!(
                "declare it: `param {}: string = \"...\"`",
                name.name
            )),
        }
    }

    /// `module.NAME.OUTPUT`, `module.NAME["key"].OUTPUT`; without a key on
    /// a module with `for_each`, a list over its instances.
    fn module_reference(
        &self,
        expr: &Expr,
        acc: &[Access<'_>],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        let Some(Access::Name(name)) = acc.first() else {
            diags.push(
                Diagnostic::error(
                    "lang::unresolved_reference",
                    "`module` needs an instance name",
                    expr.span,
                    "incomplete reference",
                )
                .with_help("write `module.NAME.OUTPUT`"),
            );
            return Value::Null;
        };
        let decl_key = (
            scope.module.to_string(),
            "module".to_string(),
            name.name.clone(),
        );
        let Some(decl) = self.config.declared.get(&decl_key) else {
            let here: Vec<&str> = self
                .config
                .declared
                .keys()
                .filter(|(m, k, _)| m == scope.module && k == "module")
                .map(|(_, _, n)| n.as_str())
                .collect();
            let d = Diagnostic::error(
                "lang::unresolved_reference",
                format!("no module instance `module.{}`", name.name),
                name.span,
                "no block declares this",
            );
            diags.push(match suggest(&name.name, here.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `module.{s}`?")),
                None => d.with_help(
                    "instantiate a module first: `use \"std/ha\"` then `ha NAME { ... }`",
                ),
            });
            return Value::Null;
        };
        let path = |key: Option<&str>| {
            let own = format!("module.{}{}", name.name, super::key_suffix(key));
            if scope.module.is_empty() {
                own
            } else {
                format!("{}.{own}", scope.module)
            }
        };
        self.over_instances(decl, &acc[1..], scope, diags, |key, rest, diags| {
            self.module_output(&path(key), rest, scope, expr, diags)
        })
    }

    fn module_output(
        &self,
        path: &str,
        acc: &[Access<'_>],
        scope: Scope<'_>,
        expr: &Expr,
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        let Some(inst) = self.config.modules.get(path) else {
            return Value::Unknown;
        };
        let Some(Access::Name(out)) = acc.first() else {
            diags.push(
                Diagnostic::error(
                    "lang::unresolved_reference",
                    format!("`{path}` is a module instance, not a value"),
                    expr.span,
                    "a module, not one of its outputs",
                )
                .with_help(format!(
                    "reference an output: {}",
                    inst.def
                        .outputs
                        .keys()
                        .map(|o| format!("`{path}.{o}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return Value::Null;
        };
        let Some(decl) = inst.def.outputs.get(&out.name) else {
            let d = Diagnostic::error(
                "lang::unresolved_reference",
                format!("module `{}` has no output `{}`", inst.def.name, out.name),
                out.span,
                "unknown output",
            );
            diags.push(
                match suggest(&out.name, inst.def.outputs.keys().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!(
                        "its outputs are: {}",
                        inst.def
                            .outputs
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                },
            );
            return Value::Null;
        };
        let v = self.guarded(format!("{path}:output:{}", out.name), || {
            self.eval_in(&decl.value, Scope::module(path), &mut Vec::new())
        });
        self.access(v, &acc[1..], scope, diags)
    }

    /// `KIND.NAME.ATTR`, `KIND.NAME["key"].ATTR`; without a key on a block
    /// with `for_each`, a list over its instances; null for a block whose
    /// `when` is false.
    fn resource_reference(
        &self,
        expr: &Expr,
        head: &Ident,
        acc: &[Access<'_>],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        let Some(Access::Name(name)) = acc.first() else {
            diags.push(
                Diagnostic::error(
                    "lang::unresolved_reference",
                    format!("unknown name `{}`", head.name),
                    expr.span,
                    "not a param or resource attribute",
                )
                .with_help("write `param.NAME` for a param or `KIND.NAME.ATTRIBUTE` for a resource attribute"),
            );
            return Value::Null;
        };
        let local = format!("{}.{}", head.name, name.name);
        let decl_key = (
            scope.module.to_string(),
            head.name.clone(),
            name.name.clone(),
        );
        let Some(decl) = self.config.declared.get(&decl_key) else {
            let span = head.span.to(name.span);
            let known = self.config.kinds.kind(&head.name).is_some();
            let mut d = Diagnostic::error(
                "lang::unresolved_reference",
                if known {
                    format!("no resource `{local}`")
                } else {
                    format!("unknown name `{local}`")
                },
                span,
                if known {
                    "no block declares this"
                } else {
                    "not a param or resource attribute"
                },
            );
            let candidates: Vec<String> = self
                .config
                .declared
                .keys()
                .filter(|(m, k, _)| m == scope.module && k != "module")
                .map(|(_, k, n)| format!("{k}.{n}"))
                .collect();
            d = if let Some(help) = crate::syntax::terraform::reference_help(&head.name, &name.name)
            {
                d.with_help(help)
            } else {
                match suggest(&local, candidates.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None if known => d.with_help(format!(
                        "declare it: `{} {} {{ ... }}`",
                        head.name, name.name
                    )),
                    None => d.with_help("write `param.NAME` for a param or `KIND.NAME.ATTRIBUTE` for a resource attribute"),
                }
            };
            diags.push(d);
            return Value::Null;
        };
        let addr_for = |key: Option<&str>| {
            ResourceAddr::new(&head.name, &name.name)
                .in_module(scope.module)
                .with_key(key.map(ToString::to_string))
        };
        self.over_instances(decl, &acc[1..], scope, diags, |key, rest, diags| {
            self.instance_attr(&addr_for(key), &local, expr, rest, scope, diags)
        })
    }

    /// The instances a reference names: none when `when` is false (null);
    /// with `for_each`, `[key]` picks one and no key means all of them (a
    /// list); `one` gives the value for one instance and the steps after.
    fn over_instances(
        &self,
        decl: &super::load::Declared,
        acc: &[Access<'_>],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
        mut one: impl FnMut(Option<&str>, &[Access<'_>], &mut Vec<Diagnostic>) -> Value,
    ) -> Value {
        if decl.keys.is_empty() {
            return Value::Null;
        }
        if !decl.keyed {
            return one(None, acc, diags);
        }
        if let Some(Access::Index(k)) = acc.first() {
            let key = match self.eval_in(k, scope, diags) {
                Value::String(s) => s,
                Value::Unknown | Value::NotNull => return Value::Unknown,
                other => other.to_string(),
            };
            if !decl.keys.contains(&Some(key.clone())) {
                diags.push(no_key(&key, k.span, &decl.keys));
                return Value::Null;
            }
            return one(Some(&key), &acc[1..], diags);
        }
        Value::List(
            decl.keys
                .iter()
                .map(|k| one(k.as_deref(), acc, diags))
                .collect(),
        )
    }

    fn instance_attr(
        &self,
        addr: &ResourceAddr,
        local: &str,
        expr: &Expr,
        acc: &[Access<'_>],
        scope: Scope<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        let Some(res) = self
            .config
            .resources
            .get(addr)
            .or_else(|| self.config.lookups.get(addr))
        else {
            return Value::Unknown;
        };
        let Some(Access::Name(attr)) = acc.first() else {
            diags.push(
                Diagnostic::error(
                    "lang::unresolved_reference",
                    format!("`{local}` is a resource, not a value"),
                    expr.span,
                    "a resource, not one of its attributes",
                )
                .with_help(format!("reference an attribute, such as `{local}.id`")),
            );
            return Value::Null;
        };
        match self.resource_attr(res, &attr.name) {
            Some(v) => self.access(v, &acc[1..], scope, diags),
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
        // A lookup's answer of the same name as an argument (`existing_vpc`'s
        // `id`, `ami`'s `architecture`) is what it found, not what it was
        // asked.
        let lookup_answer = !self.config.lookups.is_empty()
            && self.config.lookups.contains_key(&res.addr)
            && res.kind.computed(attr).is_some();
        if let Some(schema) = res.kind.attr(attr).filter(|_| !lookup_answer) {
            if let Some(a) = res.block.body.attribute(attr)
                && !META_ATTRIBUTES.contains(&attr)
                && !matches!(schema.ty, Type::Blocks(_))
            {
                // Errors inside another resource's attribute are reported
                // when that resource itself is evaluated.
                return Some(self.guarded(format!("{}:{attr}", res.addr), || {
                    self.eval_in(&a.value, Scope::of(res), &mut Vec::new())
                }));
            }
            if let Type::Blocks(_) = schema.ty {
                let mut all = self.body(
                    &res.block.body,
                    std::slice::from_ref(schema),
                    Scope::of(res),
                    &mut Vec::new(),
                );
                return Some(all.swap_remove(attr).unwrap_or(Value::List(Vec::new())));
            }
            return Some(match schema.presence {
                Presence::Default(_) => schema.default_value().unwrap_or(Value::Null),
                Presence::Required | Presence::Computed => self
                    .computed
                    .get(&res.addr, attr)
                    .unwrap_or_else(|| assigned(attr)),
            });
        }
        if res.kind.computed(attr).is_some() {
            return Some(
                self.computed
                    .get(&res.addr, attr)
                    .unwrap_or_else(|| assigned(attr)),
            );
        }
        None
    }

    /// The resources one attribute of `res` refers to (through params and
    /// module outputs).
    pub fn attr_references(&self, res: &Resource, attr: &str) -> Vec<ResourceAddr> {
        let mut out = Vec::new();
        if let Some(a) = res.block.body.attribute(attr) {
            self.refs_in(&a.value, Scope::of(res), &mut out, &mut Vec::new());
        }
        out.into_iter().map(|(addr, _)| addr).collect()
    }

    /// The resources a module instance's output refers to.
    pub fn output_references(&self, path: &str, name: &str) -> Vec<ResourceAddr> {
        let mut out = Vec::new();
        if let Some(decl) = self
            .config
            .modules
            .get(path)
            .and_then(|m| m.def.outputs.get(name))
        {
            self.refs_in(&decl.value, Scope::module(path), &mut out, &mut Vec::new());
        }
        out.into_iter().map(|(addr, _)| addr).collect()
    }

    /// The resources an expression of `res` refers to, through params,
    /// module outputs and `for_each` keys, each with the span of the
    /// reference written in `res` (or in the module it passes through).
    pub fn references(&self, res: &Resource) -> Vec<(ResourceAddr, Span)> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for entry in &res.block.body.entries {
            if let crate::syntax::ast::BodyEntry::Attribute(a) = entry
                && matches!(a.name.name.as_str(), "depends_on" | "for_each" | "when")
            {
                continue;
            }
            let mut exprs = Vec::new();
            match entry {
                crate::syntax::ast::BodyEntry::Attribute(a) => exprs.push(&a.value),
                crate::syntax::ast::BodyEntry::Nested(n) => {
                    n.body.walk_exprs(&mut |e| exprs.push(e))
                }
            }
            for e in exprs {
                self.refs_in(e, Scope::of(res), &mut out, &mut seen);
            }
        }
        out
    }

    fn refs_in(
        &self,
        expr: &Expr,
        scope: Scope<'_>,
        out: &mut Vec<(ResourceAddr, Span)>,
        seen: &mut Vec<String>,
    ) {
        let Some((head, acc)) = chain(expr) else {
            match &expr.kind {
                ExprKind::Str(parts) => {
                    for p in parts {
                        if let StrPart::Interp(e) = p {
                            self.refs_in(e, scope, out, seen);
                        }
                    }
                }
                ExprKind::List(items) | ExprKind::Call(_, items) => {
                    items.iter().for_each(|e| self.refs_in(e, scope, out, seen));
                }
                ExprKind::Map(entries) => {
                    entries
                        .iter()
                        .for_each(|e| self.refs_in(&e.value, scope, out, seen));
                }
                ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                    self.refs_in(a, scope, out, seen);
                    self.refs_in(b, scope, out, seen);
                }
                ExprKind::Cond(c, a, b) => {
                    self.refs_in(c, scope, out, seen);
                    self.refs_in(a, scope, out, seen);
                    self.refs_in(b, scope, out, seen);
                }
                ExprKind::Not(e) | ExprKind::Field(e, _) => self.refs_in(e, scope, out, seen),
                _ => {}
            }
            return;
        };
        for a in &acc {
            if let Access::Index(e) = a {
                self.refs_in(e, scope, out, seen);
            }
        }
        let name = match acc.first() {
            Some(Access::Name(n)) => n,
            _ => return,
        };
        // The key of a keyed reference, when it can be known now.
        let key_of =
            |decl: &super::load::Declared, next: Option<&Access<'_>>| -> Vec<Option<String>> {
                if !decl.keyed {
                    return decl.keys.clone();
                }
                if let Some(Access::Index(k)) = next
                    && let Value::String(key) = self.eval_in(k, scope, &mut Vec::new())
                {
                    // A key that names no instance is reported where it
                    // is evaluated; it depends on nothing.
                    return decl
                        .keys
                        .iter()
                        .filter(|k| k.as_deref() == Some(key.as_str()))
                        .cloned()
                        .collect();
                }
                decl.keys.clone()
            };
        match head.name.as_str() {
            "each" => {}
            "param" => {
                if scope.module.is_empty() {
                    return;
                }
                let mark = format!("{}:param:{}", scope.module, name.name);
                if seen.contains(&mark) {
                    return;
                }
                seen.push(mark);
                let Some(inst) = self.config.modules.get(scope.module) else {
                    return;
                };
                if let Some(arg) = inst.block.body.attribute(&name.name) {
                    let parent = Scope {
                        module: &inst.parent,
                        each: inst.each.as_ref(),
                    };
                    self.refs_in(&arg.value, parent, out, seen);
                } else if let Some(d) = inst
                    .def
                    .params
                    .get(&name.name)
                    .and_then(|p| p.default.as_ref())
                {
                    self.refs_in(d, Scope::module(&inst.path), out, seen);
                }
            }
            "module" => {
                let decl_key = (
                    scope.module.to_string(),
                    "module".to_string(),
                    name.name.clone(),
                );
                let Some(decl) = self.config.declared.get(&decl_key) else {
                    return;
                };
                let keys = key_of(decl, acc.get(1));
                let out_name = acc[1..].iter().find_map(|a| match a {
                    Access::Name(n) => Some(n.name.clone()),
                    Access::Index(_) => None,
                });
                for key in keys {
                    let own = format!("module.{}{}", name.name, super::key_suffix(key.as_deref()));
                    let path = if scope.module.is_empty() {
                        own
                    } else {
                        format!("{}.{own}", scope.module)
                    };
                    let Some(inst) = self.config.modules.get(&path) else {
                        continue;
                    };
                    for (o, decl) in &inst.def.outputs {
                        if out_name.as_ref().is_some_and(|n| n != o) {
                            continue;
                        }
                        let mark = format!("{path}:output:{o}");
                        if seen.contains(&mark) {
                            continue;
                        }
                        seen.push(mark);
                        self.refs_in(&decl.value, Scope::module(&inst.path), out, seen);
                    }
                }
            }
            kind => {
                let decl_key = (
                    scope.module.to_string(),
                    kind.to_string(),
                    name.name.clone(),
                );
                let Some(decl) = self.config.declared.get(&decl_key) else {
                    return;
                };
                for key in key_of(decl, acc.get(1)) {
                    out.push((
                        ResourceAddr::new(kind, &name.name)
                            .in_module(scope.module)
                            .with_key(key),
                        expr.span,
                    ));
                }
            }
        }
    }
}

fn no_key(key: &str, span: Span, keys: &[Option<String>]) -> Diagnostic {
    Diagnostic::error(
        "lang::unresolved_reference",
        format!("no instance with the key \"{key}\""),
        span,
        "not one of the `for_each` keys",
    )
    .with_help(format!(
        "the keys are: {}",
        keys.iter()
            .flatten()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// What a reference to a value AWS has not yet assigned gives: an id, an
/// ARN or a DNS name is never null once the resource exists.
fn assigned(attr: &str) -> Value {
    if matches!(attr, "id" | "arn" | "dns_name") {
        Value::NotNull
    } else {
        Value::Unknown
    }
}

/// `a OP b` for known values.
fn binary(op: BinOp, a: Value, b: Value, span: Span, diags: &mut Vec<Diagnostic>) -> Value {
    let fail = |diags: &mut Vec<Diagnostic>, what: &str| {
        diags.push(
            Diagnostic::error(
                "lang::type_mismatch",
                format!("`{}` needs {what}", op.symbol()),
                span,
                format!("here: a {} and a {}", a.type_name(), b.type_name()),
            )
            .with_help(match op {
                BinOp::Add => "`+` adds numbers; join strings with \"${a}${b}\"",
                BinOp::And | BinOp::Or => "combine conditions that are true or false",
                _ => "compare and compute with numbers",
            }),
        );
        Value::Null
    };
    match op {
        BinOp::Eq => Value::Bool(a == b),
        BinOp::Ne => Value::Bool(a != b),
        BinOp::And | BinOp::Or => match (a.as_bool(), b.as_bool()) {
            (Some(x), Some(y)) => Value::Bool(if op == BinOp::And { x && y } else { x || y }),
            _ => fail(diags, "two bools"),
        },
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match (&a, &b) {
            (Value::Number(x), Value::Number(y)) => Value::Bool(match op {
                BinOp::Lt => x < y,
                BinOp::Le => x <= y,
                BinOp::Gt => x > y,
                _ => x >= y,
            }),
            _ => fail(diags, "two numbers"),
        },
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => match (&a, &b) {
            (Value::Number(x), Value::Number(y)) => {
                if matches!(op, BinOp::Div | BinOp::Rem) && *y == 0.0 {
                    diags.push(
                        Diagnostic::error(
                            "lang::division_by_zero",
                            "division by zero",
                            span,
                            "the right side is 0",
                        )
                        .with_help("guard it with a condition: `n == 0 ? 0 : x / n`"),
                    );
                    return Value::Null;
                }
                let n = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    _ => x % y,
                };
                // Whole numbers stay exact up to 2^53; past that (or past
                // what a number holds at all) the result would be wrong.
                let whole = x.fract() == 0.0 && y.fract() == 0.0 && n.fract() == 0.0;
                if !n.is_finite() || (whole && n.abs() > crate::value::MAX_EXACT) {
                    diags.push(
                        Diagnostic::error(
                            "lang::number_out_of_range",
                            format!("{x} {} {y} is too large to compute exactly", op.symbol()),
                            span,
                            "out of range",
                        )
                        .with_help("numbers are exact up to 9007199254740992 (2^53)"),
                    );
                    return Value::Null;
                }
                Value::Number(n)
            }
            _ => fail(diags, "two numbers"),
        },
    }
}

fn walk_fields(
    mut v: Value,
    rest: &[crate::syntax::ast::Ident],
    diags: &mut Vec<Diagnostic>,
) -> Value {
    for seg in rest {
        v = match v {
            Value::Unknown | Value::NotNull => return Value::Unknown,
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
        (Value::Unknown | Value::NotNull, _) | (_, Value::Unknown | Value::NotNull) => {
            Value::Unknown
        }
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
