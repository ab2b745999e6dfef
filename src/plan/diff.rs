//! The diff: configuration against live state, attribute by attribute.

use std::collections::HashSet;

use indexmap::IndexMap;
use petgraph::algo::toposort;

use super::refresh::Live;
use crate::diagnostics::{Diagnostic, Span};
use crate::graph::Graph;
use crate::lang::{Computed, Config, Evaluator, ResourceAddr};
use crate::provider::LiveResource;
use crate::schema::normalize::{normalize, normalize_one};
use crate::schema::{KindSchema, Presence, Type};
use crate::state::State;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    NoOp,
    Create,
    Update,
    Replace,
    Delete,
}

/// One attribute that changes.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrChange {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub forces_replacement: bool,
}

#[derive(Clone, Debug)]
pub struct Change {
    pub addr: ResourceAddr,
    pub kind: &'static KindSchema,
    pub action: Action,
    /// The live resource, for updates, replacements and deletes.
    pub prior: Option<LiveResource>,
    /// The desired attributes as far as known at plan time.
    pub after: IndexMap<String, Value>,
    pub changes: Vec<AttrChange>,
    /// The block in the configuration; `None` for resources no longer in it.
    pub span: Option<Span>,
    /// What this resource depends on in the configuration (create/update
    /// order).
    pub dependencies: Vec<ResourceAddr>,
    /// What it depended on when last applied (delete order).
    pub prior_dependencies: Vec<ResourceAddr>,
    /// Deleting or replacing it needs an explicit opt-in.
    pub protected: bool,
    /// Adopted by `mdl import` and not tagged yet: the update tags it.
    pub adopt: bool,
}

impl Change {
    /// Whether this change would delete or replace a protected resource.
    pub fn destroys_protected(&self) -> bool {
        self.protected && matches!(self.action, Action::Delete | Action::Replace)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub stack: String,
    pub changes: Vec<Change>,
    /// Resources in state that no longer exist in AWS: dropped from state.
    pub vanished: Vec<ResourceAddr>,
    /// Of `vanished`, those whose create never finished (an apply failed
    /// or was stopped in it): they never existed.
    pub never_created: Vec<ResourceAddr>,
    /// Only some resources were planned (`--target`).
    pub partial: bool,
    /// What changed in AWS outside mdl since the last apply, attribute by
    /// attribute: `before` as state recorded it, `after` as it is now.
    pub drift: Vec<(ResourceAddr, Vec<AttrChange>)>,
    /// Resources tagged with this stack that the state does not record,
    /// with their AWS ids: left alone (`Live::unrecorded`).
    pub unrecorded: Vec<(ResourceAddr, String)>,
    /// Lookups whose answer differs from the one state recorded: the
    /// lookup, the value's name, and before and after.
    pub lookups_changed: Vec<(ResourceAddr, String, Option<Value>, Value)>,
    /// Resources a `moved` block renamed in state: old and new address.
    pub moved: Vec<(ResourceAddr, ResourceAddr)>,
    /// Resources a `removed { keep = true }` block stops managing: left in
    /// AWS, forgotten by state.
    pub forgotten: Vec<ResourceAddr>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// Whether applying it changes AWS or state: a change, a move or a
    /// resource forgotten.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
            || !self.moved.is_empty()
            || !self.forgotten.is_empty()
    }
}

/// Computed values during plan: from live resources, except for resources
/// that this plan creates or replaces, whose values are unknown.
pub struct PlanComputed<'a> {
    pub live: &'a Live,
    pub pending: HashSet<ResourceAddr>,
}

impl Computed for PlanComputed<'_> {
    fn get(&self, addr: &ResourceAddr, attr: &str) -> Option<Value> {
        if let Some(answer) = self.live.lookups.get(addr) {
            return answer.get(attr).cloned().filter(|v| *v != Value::Null);
        }
        if self.pending.contains(addr) {
            return None;
        }
        let r = self.live.resources.get(addr)?;
        r.computed
            .get(attr)
            .or_else(|| r.attrs.get(attr))
            .cloned()
            .filter(|v| *v != Value::Null)
    }
}

/// What a plan is asked to do besides converging.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Replace these even though nothing forces it (`--replace`).
    pub replace: Vec<ResourceAddr>,
}

/// Diff the configuration against what is live.
pub fn diff(config: &Config, graph: &Graph, state: &State, live: &Live) -> (Plan, Vec<Diagnostic>) {
    diff_with(config, graph, state, live, &Options::default())
}

/// Diff with options: resources to replace although nothing forces it.
pub fn diff_with(
    config: &Config,
    graph: &Graph,
    state: &State,
    live: &Live,
    options: &Options,
) -> (Plan, Vec<Diagnostic>) {
    // A configured resource whose deletion was interrupted (a replace) is
    // deleted again before it is created.
    let with_unfinished;
    let options = if live.unfinished.is_empty() {
        options
    } else {
        let mut o = options.clone();
        o.replace.extend(live.unfinished.iter().cloned());
        with_unfinished = o;
        &with_unfinished
    };
    let mut diags = Vec::new();
    let mut plan = Plan {
        stack: config.stack.clone(),
        ..Plan::default()
    };
    let order: Vec<ResourceAddr> = match toposort(&graph.graph, None) {
        Ok(nodes) => nodes.into_iter().map(|n| graph.graph[n].clone()).collect(),
        Err(_) => config.resources.keys().cloned().collect(),
    };
    // First every resource at once, on all cores, as if nothing were to be
    // created; then, in dependency order, again those that read a value of
    // a resource to be created or replaced (that value is unknown).
    let first = {
        let nothing_pending = PlanComputed {
            live,
            pending: HashSet::new(),
        };
        plan_all(
            config,
            graph,
            state,
            live,
            options,
            &nothing_pending,
            &order,
        )
    };
    let mut computed = PlanComputed {
        live,
        pending: HashSet::new(),
    };
    let mut changes: IndexMap<ResourceAddr, Change> = IndexMap::new();
    let mut pending_hashes: HashSet<u64> = HashSet::new();
    for (addr, (planned, asked)) in order.iter().zip(first) {
        let planned =
            if !pending_hashes.is_empty() && asked.iter().any(|a| pending_hashes.contains(a)) {
                plan_one(config, graph, state, live, options, &computed, addr)
            } else {
                planned
            };
        diags.extend(planned.diags);
        if let Some(d) = planned.drift {
            plan.drift.push((addr.clone(), d));
        }
        if matches!(planned.change.action, Action::Create | Action::Replace) {
            computed.pending.insert(addr.clone());
            pending_hashes.insert(addr_hash(addr));
        }
        changes.insert(addr.clone(), planned.change);
    }
    // Keep the configuration's order for display; apply orders by graph.
    for addr in config.resources.keys() {
        if let Some(c) = changes.swap_remove(addr) {
            plan.changes.push(c);
        }
    }
    let mut deletes: Vec<Change> = Vec::new();
    let doomed = live
        .resources
        .iter()
        .filter(|(addr, _)| !config.resources.contains_key(*addr))
        .map(|(a, r)| (a.clone(), r.clone()))
        .chain(live.duplicates.iter().cloned());
    for (addr, prior) in doomed {
        let Some(kind) = crate::kinds::schema(&addr.kind) else {
            continue;
        };
        deletes.push(Change {
            kind,
            action: Action::Delete,
            after: IndexMap::new(),
            changes: Vec::new(),
            span: None,
            dependencies: Vec::new(),
            prior_dependencies: state
                .resources
                .get(&addr)
                .map(|r| r.dependencies.clone())
                .unwrap_or_default(),
            // Without a record of `protect = false`, the kind's default.
            protected: state
                .resources
                .get(&addr)
                .map_or(kind.protected, |r| r.protected),
            addr,
            prior: Some(prior),
            adopt: false,
        });
    }
    deletes.sort_by(|a, b| {
        b.kind
            .rank
            .cmp(&a.kind.rank)
            .then_with(|| a.addr.cmp(&b.addr))
    });
    plan.changes.extend(deletes);
    plan.unrecorded = live
        .unrecorded
        .iter()
        .map(|(addr, r)| (addr.clone(), r.id.clone()))
        .collect();
    plan.vanished = state
        .resources
        .keys()
        .filter(|a| !live.resources.contains_key(*a))
        .cloned()
        .collect();
    plan.never_created = plan
        .vanished
        .iter()
        .filter(|a| state.resources.get(*a).is_some_and(|r| r.pending))
        .cloned()
        .collect();
    (plan, diags)
}

/// `changes` and the `mdl:address` tag set to `addr` (from `old`, or new):
/// a resource with nothing else to change becomes an update.
fn retagged(
    action: Action,
    mut changes: Vec<AttrChange>,
    old: Option<&ResourceAddr>,
    addr: &ResourceAddr,
) -> (Action, Vec<AttrChange>) {
    changes.push(AttrChange {
        name: crate::provider::ADDRESS_TAG.to_string(),
        before: old.map(|o| Value::String(o.to_string())),
        after: Some(Value::String(addr.to_string())),
        forces_replacement: false,
    });
    let action = if action == Action::NoOp {
        Action::Update
    } else {
        action
    };
    (action, changes)
}

/// One resource planned: its change, its drift, what its evaluation said.
struct Planned {
    change: Change,
    drift: Option<Vec<AttrChange>>,
    diags: Vec<Diagnostic>,
}

/// Plan one resource against `computed`.
fn plan_one(
    config: &Config,
    graph: &Graph,
    state: &State,
    live: &Live,
    options: &Options,
    computed: &dyn Computed,
    addr: &ResourceAddr,
) -> Planned {
    let res = &config.resources[addr];
    let mut diags = Vec::new();
    let mut drift_of = None;
    let eval = Evaluator::new(config, computed);
    let desired = normalize(res.kind, &eval.resource(res, &mut diags), &state.salt);
    let prior = live.resources.get(addr).cloned();
    let recorded = state.resources.get(addr);
    let before = prior
        .as_ref()
        .map(|p| normalize(res.kind, &p.attrs, &state.salt));
    let (action, attr_changes) = match &before {
        None => (
            Action::Create,
            desired
                .iter()
                .map(|(k, v)| AttrChange {
                    name: k.clone(),
                    before: None,
                    after: Some(v.clone()),
                    forces_replacement: false,
                })
                .collect(),
        ),
        Some(before) => {
            let mut out = Vec::new();
            for schema in res.kind.attrs.iter().filter(|a| !a.create_only) {
                let Some(want) = desired.get(schema.name) else {
                    continue;
                };
                if let Some(other) = schema.ignored_when
                    && desired.get(other).is_some_and(|v| *v != Value::Null)
                {
                    continue;
                }
                // Live values are normalized above; recorded ones here.
                let have = match before.get(schema.name) {
                    Some(v) => Some(v.clone()),
                    None => recorded
                        .and_then(|r| r.attrs.get(schema.name))
                        .map(|h| normalize_one(res.kind, schema.name, h, &state.salt)),
                };
                if have.as_ref() == Some(want) && !want.has_unknown() {
                    continue;
                }
                if schema.version
                    && let (Some(Value::String(h)), Value::String(w)) = (&have, want)
                    && crate::schema::version_matches(w, h)
                {
                    continue;
                }
                if have.is_none() && *want == Value::Null {
                    continue;
                }
                // An optional attribute set to null means "leave it".
                if *want == Value::Null && matches!(schema.presence, Presence::Computed) {
                    continue;
                }
                out.push(AttrChange {
                    name: schema.name.to_string(),
                    before: have,
                    after: Some(
                        if want.has_unknown()
                            && !matches!(schema.ty, Type::Blocks(_) | Type::Set(_))
                        {
                            Value::Unknown
                        } else {
                            want.clone()
                        },
                    ),
                    forces_replacement: schema.force_new,
                });
            }
            let action =
                if out.iter().any(|c| c.forces_replacement) || options.replace.contains(addr) {
                    Action::Replace
                } else if out.is_empty() {
                    Action::NoOp
                } else if out.iter().any(|c| c.forces_replacement) {
                    Action::Replace
                } else {
                    Action::Update
                };
            (action, out)
        }
    };
    let adopt = res.kind.taggable && prior.is_some() && recorded.is_some_and(|r| r.adopted);
    let (action, attr_changes) = if adopt {
        retagged(action, attr_changes, None, addr)
    } else {
        (action, attr_changes)
    };
    // A resource tagged with another address (after `mdl state mv`) is
    // retagged.
    let (action, attr_changes) = match prior
        .as_ref()
        .and_then(|p| p.addr.as_ref())
        .filter(|a| res.kind.taggable && *a != addr)
    {
        Some(old) => retagged(action, attr_changes, Some(old), addr),
        None => (action, attr_changes),
    };
    // An intent records what was asked for, not what was applied.
    if let (Some(before), Some(p), Some(r)) = (&before, &prior, recorded.filter(|r| !r.pending)) {
        let drifted = drift(res.kind, &r.attrs, &p.attrs, before, &desired);
        if !drifted.is_empty() {
            drift_of = Some(drifted);
        }
    }
    let protected = match res
        .protect_expr()
        .map(|e| eval.eval_in(e, crate::lang::Scope::of(res), &mut diags))
    {
        Some(Value::Bool(b)) => b,
        _ => res.kind.protected,
    };
    let change = Change {
        addr: addr.clone(),
        kind: res.kind,
        action,
        prior,
        after: desired,
        changes: attr_changes,
        span: Some(res.span()),
        adopt,
        dependencies: graph.dependencies(addr),
        prior_dependencies: recorded.map(|r| r.dependencies.clone()).unwrap_or_default(),
        protected,
    };
    Planned {
        change,
        drift: drift_of,
        diags,
    }
}

/// [`plan_one`] for every address, in order, on all cores, each with the
/// addresses its evaluation asked `computed` about.
fn plan_all(
    config: &Config,
    graph: &Graph,
    state: &State,
    live: &Live,
    options: &Options,
    computed: &PlanComputed<'_>,
    order: &[ResourceAddr],
) -> Vec<(Planned, Vec<u64>)> {
    let one = |addr: &ResourceAddr| {
        let asking = Asking {
            inner: computed,
            asked: std::cell::RefCell::new(Vec::new()),
        };
        let planned = plan_one(config, graph, state, live, options, &asking, addr);
        (planned, asking.asked.into_inner())
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || order.len() < PARALLEL_RESOURCES {
        return order.iter().map(one).collect();
    }
    let chunk = order.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = order
            .chunks(chunk)
            .map(|part| {
                std::thread::Builder::new()
                    // Expressions evaluate recursively, as on the main thread.
                    .stack_size(16 * 1024 * 1024)
                    .spawn_scoped(scope, move || part.iter().map(one).collect::<Vec<_>>())
            })
            .collect();
        let mut all = Vec::with_capacity(order.len());
        for (h, part) in handles.into_iter().zip(order.chunks(chunk)) {
            match h.ok().map(std::thread::ScopedJoinHandle::join) {
                Some(Ok(planned)) => all.extend(planned),
                // A thread that could not start, or failed: plan here.
                _ => all.extend(part.iter().map(one)),
            }
        }
        all
    })
}

/// Estates at least this large are planned on several threads.
const PARALLEL_RESOURCES: usize = 256;

/// Computed values, noting every resource asked about (by a hash of its
/// address: a collision only costs planning a resource twice).
struct Asking<'a> {
    inner: &'a PlanComputed<'a>,
    asked: std::cell::RefCell<Vec<u64>>,
}

impl Computed for Asking<'_> {
    fn get(&self, addr: &ResourceAddr, attr: &str) -> Option<Value> {
        self.asked.borrow_mut().push(addr_hash(addr));
        self.inner.get(addr, attr)
    }
}

fn addr_hash(addr: &ResourceAddr) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(addr)
}

/// Attributes whose live value differs from what the last apply recorded
/// (`raw` as read, `live` normalized).
/// Secrets, creation-time settings and attributes left to a scaler are
/// not compared.
fn drift(
    kind: &KindSchema,
    recorded: &IndexMap<String, Value>,
    raw: &IndexMap<String, Value>,
    live: &IndexMap<String, Value>,
    desired: &IndexMap<String, Value>,
) -> Vec<AttrChange> {
    let mut out = Vec::new();
    for schema in kind.attrs {
        if schema.create_only || kind.is_sensitive(schema.name, recorded) {
            continue;
        }
        if let Some(other) = schema.ignored_when
            && desired.get(other).is_some_and(|v| *v != Value::Null)
        {
            continue;
        }
        let (Some(was), Some(now)) = (recorded.get(schema.name), live.get(schema.name)) else {
            continue;
        };
        // As recorded and as read, before any normalising: the same.
        if raw.get(schema.name) == Some(was) {
            continue;
        }
        // Secrets are skipped above: no salt is needed.
        let was = normalize_one(kind, schema.name, was, "");
        let now = now.clone();
        if was == now || was.has_unknown() {
            continue;
        }
        if schema.version
            && let (Value::String(w), Value::String(n)) = (&was, &now)
            && (crate::schema::version_matches(w, n) || crate::schema::version_matches(n, w))
        {
            continue;
        }
        out.push(AttrChange {
            name: schema.name.to_string(),
            before: Some(was),
            after: Some(now),
            forces_replacement: false,
        });
    }
    out
}
