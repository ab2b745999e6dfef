//! Loading: from source text to a `Config` with params resolved, modules
//! read, and `when` and `for_each` expanded into instances.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::ResourceAddr;
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

/// The `for_each` binding of one instance: `each.key`, `each.value`,
/// `each.index`.
#[derive(Clone, Debug, PartialEq)]
pub struct Each {
    pub key: String,
    pub value: Value,
    pub index: usize,
}

/// One resource instance of the configuration.
#[derive(Clone, Debug)]
pub struct Resource {
    pub addr: ResourceAddr,
    pub kind: &'static KindSchema,
    pub block: ast::Block,
    /// Explicit `depends_on` entries.
    pub depends_on: Vec<(ResourceAddr, Span)>,
    /// Its `for_each` binding.
    pub each: Option<Each>,
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

/// A module file, parsed once however often it is used.
#[derive(Debug)]
pub struct ModuleDef {
    /// What `use` calls it: the file name without `.moodle`, or the alias.
    pub name: String,
    pub source: SourceId,
    pub params: IndexMap<String, ast::ParamDecl>,
    pub outputs: IndexMap<String, ast::OutputDecl>,
    pub blocks: Vec<ast::Block>,
    /// The modules it uses itself, by name.
    pub uses: IndexMap<String, Arc<ModuleDef>>,
}

/// One instance of a module: `NAME INSTANCE { params... }` in its parent.
#[derive(Clone, Debug)]
pub struct ModuleInstance {
    /// `module.INSTANCE` or `module.INSTANCE["key"]`, after the parent's.
    pub path: String,
    /// The module instance holding the block (empty at the root).
    pub parent: String,
    pub def: Arc<ModuleDef>,
    /// The block in the parent: its attributes are the param values.
    pub block: ast::Block,
    /// The block's `for_each` binding, seen by its param values.
    pub each: Option<Each>,
}

/// What one block declared, for references: keyed by (module path, kind,
/// name), with `module` as the kind of module instances.
#[derive(Clone, Debug)]
pub struct Declared {
    /// Has `for_each`: instances are addressed by key.
    pub keyed: bool,
    /// The keys of its instances, in order (one empty key when unkeyed and
    /// enabled, none when `when` is false).
    pub keys: Vec<Option<String>>,
    pub span: Span,
}

/// A loaded configuration: what the files say should exist.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub stack: String,
    pub params: IndexMap<String, (ast::ParamDecl, Value)>,
    pub resources: IndexMap<ResourceAddr, Resource>,
    /// Blocks of lookup kinds (`caller me {}`): what exists, read at plan
    /// time; their values are referred to like a resource's.
    pub lookups: IndexMap<ResourceAddr, Resource>,
    pub outputs: IndexMap<String, ast::OutputDecl>,
    pub modules: IndexMap<String, ModuleInstance>,
    pub declared: IndexMap<(String, String, String), Declared>,
    /// Where each root param's value was given (`-p`, a params file), for
    /// diagnostics about the value.
    pub param_spans: IndexMap<String, Span>,
    /// The root file's `stack` declaration.
    pub identity: Option<super::stack::StackDecl>,
    /// The root file's `moved` and `removed` blocks.
    pub refactors: Vec<super::refactor::Refactor>,
    /// The kinds this load knew (`load_source`'s).
    pub kinds: &'static schema::Kinds,
}

impl Config {
    /// The instances of a declared block, as resource addresses.
    pub fn instances(&self, module: &str, kind: &str, name: &str) -> Vec<ResourceAddr> {
        self.declared
            .get(&(module.to_string(), kind.to_string(), name.to_string()))
            .map(|d| {
                d.keys
                    .iter()
                    .map(|k| {
                        ResourceAddr::new(kind, name)
                            .in_module(module)
                            .with_key(k.clone())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Read, parse and load a file.
///
/// # Errors
/// Returns the diagnostics of every phase up to loading; a file that
/// cannot or may not be read (`files::read_given`) is an `Err`.
pub fn load_file(
    sources: &mut SourceMap,
    path: &Path,
    stack: &str,
    params: &[ParamValue],
    kinds: &'static schema::Kinds,
) -> Result<(Config, Vec<Diagnostic>), super::files::ReadError> {
    let text = super::files::read_given(path)?;
    let id = sources.add(path.display().to_string(), Some(path), text);
    Ok(load_source(sources, id, stack, params, kinds))
}

/// Modules deeper than this are refused (a module using itself).
const MAX_MODULE_DEPTH: usize = 16;

/// Parse and load an already registered source, with the modules it uses.
/// A block is a resource when `kinds` has its kind.
pub fn load_source(
    sources: &mut SourceMap,
    id: SourceId,
    stack: &str,
    params: &[ParamValue],
    kinds: &'static schema::Kinds,
) -> (Config, Vec<Diagnostic>) {
    let (file, diags) = crate::syntax::parse(id, sources.text(id));
    let root = super::files::tree_of(sources.path(id));
    let mut loader = Loader {
        root,
        sources,
        diags,
        cache: IndexMap::new(),
        loading: Vec::new(),
        unusable: Vec::new(),
        config: Config {
            stack: stack.to_string(),
            kinds,
            ..Config::default()
        },
    };
    let mut param_decls: IndexMap<String, ast::ParamDecl> = IndexMap::new();
    let mut blocks = Vec::new();
    let mut uses = IndexMap::new();
    for item in file.items {
        match item {
            Item::Use(u) => loader.use_module(&u, id, &mut uses),
            Item::Param(p) => {
                if let Some(prev) = param_decls.get(&p.name.name) {
                    loader.diags.push(duplicate(
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
                if let Some(prev) = loader.config.outputs.get(&o.name.name) {
                    loader.diags.push(duplicate(
                        "output",
                        &o.name.name,
                        o.name.span,
                        prev.name.span,
                    ));
                    continue;
                }
                loader.config.outputs.insert(o.name.name.clone(), o);
            }
            Item::Block(b) => blocks.push(b),
        }
    }
    let (declared, blocks): (Vec<ast::Block>, Vec<ast::Block>) = blocks
        .into_iter()
        .partition(|b| b.kind.name == super::stack::KEYWORD);
    let declared: Vec<&ast::Block> = declared.iter().collect();
    loader.config.identity = super::stack::declaration(&declared, &mut loader.diags);
    let (refactors, blocks): (Vec<ast::Block>, Vec<ast::Block>) = blocks
        .into_iter()
        .partition(|b| super::refactor::is_refactor(&b.kind.name));
    loader.config.refactors = super::refactor::declarations(&refactors, &mut loader.diags);
    resolve_params(&mut loader.config, param_decls, params, &mut loader.diags);
    loader.expand("", &blocks, &uses, 0);
    loader.resolve_depends_on();
    super::refactor::check(&loader.config, &mut loader.diags);
    (loader.config, loader.diags)
}

struct Loader<'a> {
    /// The root file's directory, canonical: modules must lie inside it.
    root: PathBuf,
    sources: &'a mut SourceMap,
    diags: Vec<Diagnostic>,
    /// Parsed modules by where they came from (`std/ha`, a file path).
    cache: IndexMap<String, Arc<ModuleDef>>,
    /// Modules being parsed, to refuse one that uses itself.
    loading: Vec<String>,
    config: Config,
    /// The names of modules whose `use` failed (already reported): their
    /// instances are not reported again as unknown kinds.
    unusable: Vec<String>,
}

impl Loader<'_> {
    fn base_dir(&self, id: SourceId) -> PathBuf {
        self.sources
            .path(id)
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Load the module a `use` names and record it under its name.
    fn use_module(
        &mut self,
        u: &ast::UseDecl,
        from: SourceId,
        uses: &mut IndexMap<String, Arc<ModuleDef>>,
    ) {
        let base = self.base_dir(from);
        let (key, name, text, path) = if let Some(std) = u.path.strip_prefix("std/") {
            let Some(text) = crate::stdlib::module(std) else {
                let help = match suggest(std, crate::stdlib::names()) {
                    Some(s) => format!("did you mean `std/{s}`?"),
                    None => format!(
                        "the stdlib modules are: {}",
                        crate::stdlib::names()
                            .map(|n| format!("std/{n}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.diags.push(
                    Diagnostic::error(
                        "module::not_found",
                        format!("no stdlib module `{}`", u.path),
                        u.path_span,
                        "not in the stdlib",
                    )
                    .with_help(help),
                );
                self.unusable
                    .push(u.alias.as_ref().map_or(std.to_string(), |a| a.name.clone()));
                return;
            };
            (u.path.clone(), std.to_string(), text.to_string(), None)
        } else {
            let module = match super::files::read_module(&self.root, &base, &u.path) {
                Ok(found) => found,
                Err(e) => {
                    let (code, help) = match &e {
                        super::files::UseError::Read(super::files::ReadError::Io(_)) => (
                            "module::not_found",
                            "a module path is relative to the file that uses it; stdlib modules are written \"std/NAME\"",
                        ),
                        _ => (
                            "module::refused",
                            "a module is a .moodle file inside the root file's directory (or std/NAME); mdl reads no other file",
                        ),
                    };
                    self.diags.push(
                        Diagnostic::error(
                            code,
                            format!("cannot use `{}`: {e}", u.path),
                            u.path_span,
                            "this module file",
                        )
                        .with_help(help),
                    );
                    let stem = Path::new(&u.path)
                        .file_stem()
                        .map(|s| s.to_string_lossy().replace('.', "_"))
                        .unwrap_or_default();
                    self.unusable
                        .push(u.alias.as_ref().map_or(stem, |a| a.name.clone()));
                    return;
                }
            };
            let stem = module
                .shown
                .file_stem()
                .map(|s| s.to_string_lossy().replace('.', "_"))
                .unwrap_or_default();
            (
                module.real.display().to_string(),
                stem,
                module.text,
                Some(module.shown),
            )
        };
        let name = u.alias.as_ref().map_or(name, |a| a.name.clone());
        if self.config.kinds.kind(&name).is_some() || name == "module" {
            self.diags.push(
                Diagnostic::error(
                    "module::name_taken",
                    format!("a module cannot be called `{name}`: that name is taken"),
                    u.alias.as_ref().map_or(u.path_span, |a| a.span),
                    "this name",
                )
                .with_help(format!(
                    "give it another name: `use \"{}\" as NAME`",
                    u.path
                )),
            );
            return;
        }
        if let Some(def) = self.cache.get(&key) {
            uses.insert(name, def.clone());
            return;
        }
        if self.loading.contains(&key) {
            self.diags.push(
                Diagnostic::error(
                    "module::cycle",
                    format!("module `{}` uses itself", u.path),
                    u.path_span,
                    "used again while it is being loaded",
                )
                .with_help("a module cannot use itself, directly or through another module"),
            );
            return;
        }
        let source_name = if key.starts_with("std/") {
            format!("{key}.moodle")
        } else {
            display_path(self.sources.name(from), &u.path)
        };
        let id = self.sources.add(source_name, path.as_deref(), text);
        let (file, diags) = crate::syntax::parse(id, self.sources.text(id));
        self.diags.extend(diags);
        self.loading.push(key.clone());
        let mut def = ModuleDef {
            name: name.clone(),
            source: id,
            params: IndexMap::new(),
            outputs: IndexMap::new(),
            blocks: Vec::new(),
            uses: IndexMap::new(),
        };
        for item in file.items {
            match item {
                Item::Use(inner) => {
                    let mut uses = std::mem::take(&mut def.uses);
                    self.use_module(&inner, id, &mut uses);
                    def.uses = uses;
                }
                Item::Param(p) => {
                    if let Some(prev) = def.params.get(&p.name.name) {
                        self.diags.push(duplicate(
                            "param",
                            &p.name.name,
                            p.name.span,
                            prev.name.span,
                        ));
                    } else {
                        def.params.insert(p.name.name.clone(), p);
                    }
                }
                Item::Output(o) => {
                    if let Some(prev) = def.outputs.get(&o.name.name) {
                        self.diags.push(duplicate(
                            "output",
                            &o.name.name,
                            o.name.span,
                            prev.name.span,
                        ));
                    } else {
                        def.outputs.insert(o.name.name.clone(), o);
                    }
                }
                Item::Block(b) if super::refactor::is_refactor(&b.kind.name) => {
                    self.diags.push(
                        Diagnostic::error(
                            "refactor::invalid",
                            format!("a `{}` block in a module", b.kind.name),
                            b.kind.span,
                            "written in a module",
                        )
                        .with_help("refactors are written in the root file, with full addresses such as `module.web.vpc.main`"),
                    );
                }
                Item::Block(b) => def.blocks.push(b),
            }
        }
        self.loading.pop();
        let def = Arc::new(def);
        self.cache.insert(key, def.clone());
        uses.insert(name, def);
    }

    /// Inside a module, a `when` or `for_each` that cannot be decided
    /// because of a value its caller passed: the diagnostic is on the
    /// caller's line (the file the user can edit), with the module's line
    /// beside it. `None` when no param given by a caller is unknown.
    fn unknown_in_module(&self, module: &str, expr: &ast::Expr, what: &str) -> Option<Diagnostic> {
        let mut path = module.to_string();
        let mut names = params_in(expr);
        let mut module_span = expr.span;
        let eval = super::Evaluator::new(&self.config, &super::NoComputed);
        loop {
            let inst = self.config.modules.get(&path)?;
            let (name, given) = names.iter().find_map(|n| {
                let given = inst.block.body.attribute(n)?;
                let scope = super::Scope {
                    module: &inst.parent,
                    each: inst.each.as_ref(),
                };
                eval.eval_in(&given.value, scope, &mut Vec::new())
                    .has_unknown()
                    .then(|| (n.clone(), given.clone()))
            })?;
            // Passed on from the caller's own param: follow it up.
            let inner = params_in(&given.value);
            if !inst.parent.is_empty()
                && let Some(parent) = self.config.modules.get(&inst.parent)
                && inner
                    .iter()
                    .any(|p| parent.block.body.attribute(p).is_some())
            {
                path = inst.parent.clone();
                names = inner;
                module_span = given.value.span;
                continue;
            }
            return Some(
                Diagnostic::error(
                    "lang::unknown_at_plan",
                    format!(
                        "`{name}` is not known before the apply, and module `{}` needs it to decide `{what}`",
                        inst.def.name
                    ),
                    given.value.span,
                    "AWS assigns this during the apply, and may leave it null",
                )
                .with_label(module_span, format!("`{what}` decides on `param.{name}` here"))
                .with_help(format!(
                    "give `{name}` a value known before the apply: a literal, a param (`-p`), or an id or ARN (never null); or apply the resource it comes from first, in a stack of its own, and pass its value with `mdl output`"
                )),
            );
        }
    }

    /// Evaluate a load-time meta attribute (`when`, `for_each`): it must be
    /// known before anything is read from AWS.
    fn meta_value(
        &mut self,
        module: &str,
        each: Option<&Each>,
        expr: &ast::Expr,
        what: &str,
    ) -> Option<Value> {
        let mut local = Vec::new();
        let value = {
            let eval = super::Evaluator::new(&self.config, &super::NoComputed);
            eval.eval_in(expr, super::Scope { module, each }, &mut local)
        };
        let failed = !local.is_empty();
        self.diags.extend(local);
        if failed {
            return None;
        }
        if value.is_unknown() && self.diags.iter().any(Diagnostic::is_error) {
            // Most likely a param already reported as wrong.
            return None;
        }
        if value.is_unknown() {
            let d = self.unknown_in_module(module, expr, what).unwrap_or_else(|| {
                Diagnostic::error(
                    "lang::unknown_at_plan",
                    format!("`{what}` depends on a value AWS assigns"),
                    expr.span,
                    "not known before apply",
                )
                .with_help(format!(
                    "`{what}` decides which resources exist, so it may use params, literals and ids or ARNs (which are never null); a value AWS may leave null is known only after the apply"
                ))
            });
            self.diags.push(d);
            return None;
        }
        Some(value)
    }

    /// The instances one block stands for: `[None]` for a plain block, one
    /// per key with `for_each`, none when `when` is false.
    fn instances_of(&mut self, module: &str, b: &ast::Block) -> Vec<Option<Each>> {
        let all = self.keyed_instances(module, b);
        let Some(when) = b.body.attribute("when") else {
            return all;
        };
        // `when` is asked of each instance: with `for_each` it may look at
        // `each.value`.
        let mut out = Vec::new();
        for each in all {
            match self.meta_value(module, each.as_ref(), &when.value, "when") {
                Some(Value::Bool(true)) => out.push(each),
                Some(Value::Bool(false)) => {}
                Some(v) => {
                    self.diags.push(
                        Diagnostic::error(
                            "lang::type_mismatch",
                            format!("`when` must be a bool, not a {}", v.type_name()),
                            when.value.span,
                            "expected true or false",
                        )
                        .with_help("write `when = param.cloudfront` or another condition"),
                    );
                    return Vec::new();
                }
                None => return Vec::new(),
            }
        }
        out
    }

    /// The instances `for_each` asks for: `[None]` without it.
    fn keyed_instances(&mut self, module: &str, b: &ast::Block) -> Vec<Option<Each>> {
        let Some(fe) = b.body.attribute("for_each") else {
            return vec![None];
        };
        let entries: Vec<(String, Value)> = match self
            .meta_value(module, None, &fe.value, "for_each")
        {
            None => return Vec::new(),
            Some(Value::List(items)) => {
                let mut out = Vec::new();
                for item in items {
                    let key = match &item {
                        Value::String(s) => s.clone(),
                        Value::Number(_) | Value::Bool(_) => item.to_string(),
                        other => {
                            self.diags.push(
                                Diagnostic::error(
                                    "lang::type_mismatch",
                                    format!("`for_each` over a list needs strings, not a {}", other.type_name()),
                                    fe.value.span,
                                    "a list of non-strings",
                                )
                                .with_help("iterate over a map to name each instance: `for_each = { a = {...}, b = {...} }`"),
                            );
                            return Vec::new();
                        }
                    };
                    out.push((key, item));
                }
                out
            }
            Some(Value::Map(m)) => m.into_iter().collect(),
            Some(v) => {
                self.diags.push(
                    Diagnostic::error(
                        "lang::type_mismatch",
                        format!(
                            "`for_each` must be a list or a map, not a {}",
                            v.type_name()
                        ),
                        fe.value.span,
                        "cannot iterate over this",
                    )
                    .with_help(
                        "write `for_each = param.azs` (a list of strings) or a map of settings",
                    ),
                );
                return Vec::new();
            }
        };
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (index, (key, value)) in entries.into_iter().enumerate() {
            if !seen.insert(key.clone()) {
                self.diags.push(
                    Diagnostic::error(
                        "lang::duplicate_name",
                        format!("`for_each` has the key \"{key}\" twice"),
                        fe.value.span,
                        "keys name instances and must be unique",
                    )
                    .with_help("remove the repeated entry"),
                );
                continue;
            }
            out.push(Some(Each { key, value, index }));
        }
        out
    }

    /// Turn the blocks of one module instance (or the root) into resource
    /// instances and module instances.
    fn expand(
        &mut self,
        module: &str,
        blocks: &[ast::Block],
        uses: &IndexMap<String, Arc<ModuleDef>>,
        depth: usize,
    ) {
        for b in blocks {
            if b.kind.name == super::stack::KEYWORD {
                self.diags.push(
                    Diagnostic::error(
                        "stack::in_module",
                        "a module cannot declare the stack",
                        b.kind.span,
                        "declared inside a module",
                    )
                    .with_help(
                        "declare `stack NAME { ... }` in the root file, the one given to mdl",
                    ),
                );
                continue;
            }
            let def = uses.get(&b.kind.name).cloned();
            let kind_schema = self.config.kinds.kind(&b.kind.name);
            if def.is_none() && kind_schema.is_none() {
                // An instance of a module whose `use` failed: that failure
                // is the one report.
                if !self.unusable.contains(&b.kind.name) {
                    self.diags.push(unknown_kind(b, uses, self.config.kinds));
                }
                continue;
            }
            if b.name.name.is_empty() {
                let what = if def.is_some() {
                    "module instance"
                } else {
                    "block"
                };
                self.diags.push(
                    Diagnostic::error(
                        "lang::unnamed_block",
                        format!("a `{}` {what} needs a name", b.kind.name),
                        b.kind.span,
                        "no name after the kind",
                    )
                    .with_help(format!(
                        "write `{} NAME {{ ... }}`; the name makes its address, `{}.NAME`",
                        b.kind.name, b.kind.name
                    )),
                );
                continue;
            }
            let decl_kind = if def.is_some() {
                "module"
            } else {
                b.kind.name.as_str()
            };
            let decl_key = (
                module.to_string(),
                decl_kind.to_string(),
                b.name.name.clone(),
            );
            if let Some(prev) = self.config.declared.get(&decl_key) {
                let shown = if def.is_some() {
                    format!("module.{}", b.name.name)
                } else {
                    format!("{}.{}", b.kind.name, b.name.name)
                };
                self.diags
                    .push(duplicate(&b.kind.name, &shown, b.name.span, prev.span));
                continue;
            }
            let instances = self.instances_of(module, b);
            let keyed = b.body.attribute("for_each").is_some();
            self.config.declared.insert(
                decl_key,
                Declared {
                    keyed,
                    keys: instances
                        .iter()
                        .map(|e| e.as_ref().map(|e| e.key.clone()))
                        .collect(),
                    span: b.name.span,
                },
            );
            for each in instances {
                let key = each.as_ref().map(|e| e.key.clone());
                match (&def, kind_schema) {
                    (Some(def), _) => {
                        if depth >= MAX_MODULE_DEPTH {
                            self.diags.push(
                                Diagnostic::error(
                                    "module::too_deep",
                                    format!("modules are nested more than {MAX_MODULE_DEPTH} deep"),
                                    b.kind.span,
                                    "this instance is too deep",
                                )
                                .with_help("a module may use other modules, but not without end"),
                            );
                            return;
                        }
                        let own = format!(
                            "module.{}{}",
                            b.name.name,
                            super::key_suffix(key.as_deref())
                        );
                        let path = if module.is_empty() {
                            own
                        } else {
                            format!("{module}.{own}")
                        };
                        self.config.modules.insert(
                            path.clone(),
                            ModuleInstance {
                                path: path.clone(),
                                parent: module.to_string(),
                                def: def.clone(),
                                block: b.clone(),
                                each,
                            },
                        );
                        let inner = def.blocks.clone();
                        self.expand(&path, &inner, &def.uses, depth + 1);
                    }
                    (None, Some(kind)) => {
                        let addr = ResourceAddr::new(&b.kind.name, &b.name.name)
                            .in_module(module)
                            .with_key(key);
                        let into = if self.config.kinds.is_lookup(kind.name) {
                            &mut self.config.lookups
                        } else {
                            &mut self.config.resources
                        };
                        into.insert(
                            addr.clone(),
                            Resource {
                                addr,
                                kind,
                                block: b.clone(),
                                depends_on: Vec::new(),
                                each,
                            },
                        );
                    }
                    (None, None) => {}
                }
            }
        }
    }

    /// `depends_on = [KIND.NAME, ...]`: every instance of each, in the
    /// resource's own module.
    fn resolve_depends_on(&mut self) {
        let addrs: Vec<ResourceAddr> = self.config.resources.keys().cloned().collect();
        for addr in addrs {
            let block = self.config.resources[&addr].block.clone();
            let mut deps = Vec::new();
            for (kind, name, span) in depends_on(&block, &mut self.diags) {
                let key = (addr.module.clone(), kind.clone(), name.clone());
                if self.config.declared.contains_key(&key) {
                    for dep in self.config.instances(&addr.module, &kind, &name) {
                        deps.push((dep, span));
                    }
                } else {
                    deps.push((ResourceAddr::new(kind, name).in_module(&addr.module), span));
                }
            }
            if let Some(res) = self.config.resources.get_mut(&addr) {
                res.depends_on = deps;
            }
        }
    }
}

/// The params an expression reads (`param.NAME`), in order, once each.
fn params_in(expr: &ast::Expr) -> Vec<String> {
    fn walk(e: &ast::Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Path(segs) => {
                if segs.len() >= 2 && segs[0].name == "param" && !out.contains(&segs[1].name) {
                    out.push(segs[1].name.clone());
                }
            }
            ExprKind::Str(parts) => {
                for p in parts {
                    if let ast::StrPart::Interp(i) = p {
                        walk(i, out);
                    }
                }
            }
            ExprKind::List(items) => items.iter().for_each(|i| walk(i, out)),
            ExprKind::Map(entries) => entries.iter().for_each(|en| walk(&en.value, out)),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            ExprKind::Field(a, _) | ExprKind::Not(a) => walk(a, out),
            ExprKind::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
            ExprKind::Cond(c, a, b) => {
                walk(c, out);
                walk(a, out);
                walk(b, out);
            }
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(..) => {}
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out);
    out
}

/// How a module file is named in diagnostics: its path as written, next to
/// the file that uses it, with `dir/..` folded away.
fn display_path(from: &str, written: &str) -> String {
    let joined = Path::new(from)
        .parent()
        .unwrap_or(Path::new(""))
        .join(written);
    let mut parts: Vec<String> = Vec::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().to_string()),
        }
    }
    parts.join("/")
}

fn unknown_kind(
    b: &ast::Block,
    uses: &IndexMap<String, Arc<ModuleDef>>,
    kinds: &schema::Kinds,
) -> Diagnostic {
    let d = Diagnostic::error(
        "lang::unknown_kind",
        format!("unknown resource kind `{}`", b.kind.name),
        b.kind.span,
        "not a resource kind or a module",
    );
    let names: Vec<&str> = kinds
        .all()
        .iter()
        .map(|k| -> &str { k.name })
        .chain(uses.keys().map(String::as_str))
        .collect();
    if let Some(help) = crate::syntax::terraform::kind_help(&b.kind.name) {
        return d.with_help(help);
    }
    match suggest(&b.kind.name, names.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help(format!(
            "the kinds are: {}; a module needs `use \"std/NAME\"` or `use \"PATH\"` first",
            kinds.names().collect::<Vec<_>>().join(", ")
        )),
    }
}

fn duplicate(what: &str, name: &str, span: Span, prev: Span) -> Diagnostic {
    Diagnostic::error(
        "lang::duplicate_name",
        format!("`{name}` is declared twice"),
        span,
        format!("this {what} is a second `{name}`"),
    )
    .with_label(prev, "first declared here")
    .with_help("rename one of them; names are unique per kind")
}

fn depends_on(block: &ast::Block, diags: &mut Vec<Diagnostic>) -> Vec<(String, String, Span)> {
    let Some(attr) = block.body.attribute("depends_on") else {
        return Vec::new();
    };
    let ExprKind::List(items) = &attr.value.kind else {
        diags.push(
            Diagnostic::error(
                "lang::type_mismatch",
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
                out.push((segs[0].name.clone(), segs[1].name.clone(), item.span));
            }
            _ => diags.push(
                Diagnostic::error(
                    "lang::type_mismatch",
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
                        // Say what the param takes, with an example.
                        let d = match decl.ty.as_ref() {
                            Some(t) => {
                                let example = match t.name.as_str() {
                                    "number" => "2",
                                    "bool" => "true",
                                    "list" => "'[\"a\", \"b\"]'",
                                    "map" => "'{ a = \"x\" }'",
                                    _ => "...",
                                };
                                Diagnostic {
                                    message: format!(
                                        "param `{name}` is a {}: `{t_given}` is not one",
                                        type_text(t),
                                        t_given = t_text(&g.raw)
                                    ),
                                    help: Some(format!(
                                        "write `-p {name}={example}`; a string needs no quotes, other values are written as in a .moodle file"
                                    )),
                                    ..d
                                }
                                .with_label(t.span, "declared type")
                            }
                            None => d,
                        };
                        diags.push(d);
                        // Known to be wrong: reported once, not again where it is used.
                        config.params.insert(name, (decl, Value::Unknown));
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
                    // Known to be wrong: reported once, not again where it is used.
                    config.params.insert(name, (decl, Value::Unknown));
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
                    "lang::type_mismatch",
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
            // Known to be wrong: reported once, not again where it is used.
            config.params.insert(name, (decl, Value::Unknown));
            continue;
        }
        if let Some(g) = given.iter().rev().find(|g| g.name == name) {
            config.param_spans.insert(name.clone(), g.span);
        } else if let Some(d) = &decl.default {
            config.param_spans.insert(name.clone(), d.span);
        }
        config.params.insert(name, (decl, value));
    }
}

/// The text of a param given on the command line.
fn t_text(raw: &super::load::ParamRaw) -> String {
    match raw {
        super::load::ParamRaw::Text(t) => t.clone(),
        super::load::ParamRaw::Json(j) => j.to_string(),
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

pub fn type_text(t: &ast::TypeExpr) -> String {
    match &t.inner {
        Some(i) => format!("{}({})", t.name, type_text(i)),
        None => t.name.clone(),
    }
}

pub fn type_matches(t: &ast::TypeExpr, v: &Value) -> bool {
    let inner_ok = |v: &Value| t.inner.as_ref().is_none_or(|i| type_matches(i, v));
    match (t.name.as_str(), v) {
        ("any", _) | (_, Value::Unknown | Value::NotNull) | (_, Value::Null) => true,
        ("string", Value::String(_)) | ("number", Value::Number(_)) | ("bool", Value::Bool(_)) => {
            true
        }
        ("list", Value::List(items)) => items.iter().all(inner_ok),
        ("map", Value::Map(m)) => m.values().all(inner_ok),
        _ => false,
    }
}
