//! The concurrent executor.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// tokio's clock, so that waits and progress share one time source.
use tokio::time::Instant;

use indexmap::IndexMap;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::lang::{Config, Evaluator, ResourceAddr};
use crate::plan::{Action, Change, Plan};
use crate::provider::{
    ADDRESS_TAG, ApplyRequest, LiveResource, Operation, Provider, ProviderError, STACK_TAG,
};
use crate::state::{ResourceRecord, State, Store, StoreError};
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    Create,
    Update,
    Delete,
}

impl StepKind {
    pub fn progressive(self) -> &'static str {
        match self {
            StepKind::Create => "Creating",
            StepKind::Update => "Modifying",
            StepKind::Delete => "Destroying",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            StepKind::Create => "Creation",
            StepKind::Update => "Modifications",
            StepKind::Delete => "Destruction",
        }
    }
}

/// One unit of work: a change is one step, a replacement two.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    pub addr: ResourceAddr,
    pub kind: StepKind,
}

#[derive(Debug)]
pub enum Outcome {
    Done {
        elapsed: Duration,
        id: Option<String>,
    },
    Failed(ProviderError),
    /// Not run because a step it needs failed (named).
    Skipped {
        because: Step,
    },
    /// Not run because the apply was interrupted.
    Cancelled,
}

/// How many steps run at once, and how often a running step is reported.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub parallelism: usize,
    /// The interval of `Event::StillRunning`.
    pub heartbeat: Duration,
}

impl Pace {
    /// `parallelism` steps at once, a progress line every ten seconds.
    pub fn new(parallelism: usize) -> Pace {
        Pace {
            parallelism,
            heartbeat: Duration::from_secs(10),
        }
    }
}

/// Progress, reported as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    Started(&'a Step),
    StillRunning(&'a Step, Duration),
    Finished(&'a Step, &'a Outcome),
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub outcomes: Vec<(Step, Outcome)>,
    /// Saving state failed at some point: the state may be behind AWS.
    pub store_error: Option<StoreError>,
    /// From the first step started to the last finished.
    pub wall: Duration,
    /// The longest chain of finished steps, each waiting for the one
    /// before, with each step's own time: the least wall time any
    /// schedule could reach with these step times.
    pub critical_path: Vec<(Step, Duration)>,
}

impl ApplyReport {
    /// The sum of the critical path's step times.
    pub fn critical_time(&self) -> Duration {
        self.critical_path.iter().map(|(_, d)| *d).sum()
    }

    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, o)| f(o)).count()
    }

    pub fn ok(&self) -> bool {
        self.store_error.is_none()
            && self
                .outcomes
                .iter()
                .all(|(_, o)| matches!(o, Outcome::Done { .. }))
    }
}

/// Build the apply graph from the plan: steps and what each waits for.
fn steps(plan: &Plan) -> (Vec<Step>, HashMap<Step, Vec<Step>>) {
    let mut steps = Vec::new();
    let by_addr: HashMap<&ResourceAddr, &Change> =
        plan.changes.iter().map(|c| (&c.addr, c)).collect();
    let has = |addr: &ResourceAddr, kind: StepKind| {
        by_addr.get(addr).is_some_and(|c| match kind {
            StepKind::Create => matches!(c.action, Action::Create | Action::Replace),
            StepKind::Update => c.action == Action::Update,
            StepKind::Delete => matches!(c.action, Action::Delete | Action::Replace),
        })
    };
    for c in &plan.changes {
        match c.action {
            Action::NoOp => {}
            Action::Create => steps.push(step(&c.addr, StepKind::Create)),
            Action::Update => steps.push(step(&c.addr, StepKind::Update)),
            Action::Delete => steps.push(step(&c.addr, StepKind::Delete)),
            Action::Replace => {
                steps.push(step(&c.addr, StepKind::Delete));
                steps.push(step(&c.addr, StepKind::Create));
            }
        }
    }
    // Duplicate addresses (extra resources to delete) share one step key;
    // deduplicate.
    let mut seen = HashSet::new();
    steps.retain(|s| seen.insert(s.clone()));
    let mut waits: HashMap<Step, Vec<Step>> = HashMap::new();
    for s in &steps {
        let c = by_addr[&s.addr];
        let w = waits.entry(s.clone()).or_default();
        match s.kind {
            StepKind::Create | StepKind::Update => {
                for dep in &c.dependencies {
                    for k in [StepKind::Create, StepKind::Update] {
                        if has(dep, k) {
                            w.push(step(dep, k));
                        }
                    }
                }
                if s.kind == StepKind::Create && has(&s.addr, StepKind::Delete) {
                    w.push(step(&s.addr, StepKind::Delete));
                }
            }
            StepKind::Delete => {
                // Delete dependents first: those that recorded a dependency
                // on this resource, and any of a higher rank.
                for other in &plan.changes {
                    if other.addr == s.addr || !has(&other.addr, StepKind::Delete) {
                        continue;
                    }
                    let recorded = other.prior_dependencies.contains(&s.addr)
                        || other.dependencies.contains(&s.addr);
                    // Without any recorded dependency on either side (a
                    // state rebuilt from tags), the kinds' layering orders
                    // the deletes. One side alone having none says nothing:
                    // a secret depends on nothing, and a cache that names
                    // it must still go first.
                    let none =
                        |c: &Change| c.prior_dependencies.is_empty() && c.dependencies.is_empty();
                    let unknown = none(other) && none(c);
                    if recorded || (unknown && other.kind.rank > c.kind.rank) {
                        w.push(step(&other.addr, StepKind::Delete));
                    }
                }
            }
        }
        w.dedup();
    }
    (steps, waits)
}

fn step(addr: &ResourceAddr, kind: StepKind) -> Step {
    Step {
        addr: addr.clone(),
        kind,
    }
}

/// Shared between the steps of one apply.
struct Shared {
    state: Mutex<State>,
    store: Option<Store>,
    store_error: Mutex<Option<StoreError>>,
}

impl Shared {
    /// Whether a journal write failed: no step may start after it, since
    /// what it created could not be recorded.
    fn unsaved(&self) -> bool {
        self.store_error.lock().map_or(true, |e| e.is_some())
    }

    fn journal(&self, f: impl FnOnce(&mut State)) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        f(&mut state);
        state.serial += 1;
        if let Some(store) = &self.store
            && let Err(e) = store.save(&state)
            && let Ok(mut slot) = self.store_error.lock()
        {
            slot.get_or_insert(e);
        }
    }
}

/// Carry out `plan`. `config` supplies the expressions re-evaluated with the
/// values of finished steps; `state` is journaled to `store` after every
/// step. `cancel` stops new steps from starting when it resolves.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    plan: &Plan,
    config: &Config,
    provider: Arc<dyn Provider>,
    state: State,
    store: Option<Store>,
    pace: Pace,
    report_event: &(dyn Fn(Event<'_>) + Sync),
    cancel: impl std::future::Future<Output = ()>,
) -> (ApplyReport, State) {
    let (steps, waits) = steps(plan);
    let began = Instant::now();
    let changes: HashMap<ResourceAddr, Change> = plan
        .changes
        .iter()
        .map(|c| (c.addr.clone(), c.clone()))
        .collect();
    let mut state = state;
    for gone in &plan.vanished {
        state.resources.shift_remove(gone);
    }
    // Resources that need no change are recorded as they are live: this
    // rebuilds a lost state from the tags, and keeps ids current.
    for c in plan.changes.iter().filter(|c| c.action == Action::NoOp) {
        if let Some(live) = &c.prior {
            record(
                &mut state,
                &step(&c.addr, StepKind::Update),
                c,
                Some(live.clone()),
                config,
            );
        }
    }
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        store,
        store_error: Mutex::new(None),
    });
    let semaphore = Arc::new(Semaphore::new(pace.parallelism.max(1)));
    let mut pending: Vec<Step> = steps.clone();
    let mut outcomes: IndexMap<Step, Outcome> = IndexMap::new();
    let mut running: HashMap<Step, Instant> = HashMap::new();
    let mut tasks: JoinSet<(Step, Result<Option<LiveResource>, ProviderError>, Duration)> =
        JoinSet::new();
    let mut cancelled = false;
    let mut ticker = tokio::time::interval(pace.heartbeat.max(Duration::from_millis(1)));
    ticker.tick().await;
    tokio::pin!(cancel);

    loop {
        // A state that cannot be written stops the apply like a Ctrl-C.
        if !cancelled && shared.unsaved() {
            cancelled = true;
        }
        // Skip steps whose prerequisites failed; start those that are ready.
        if !cancelled {
            let mut i = 0;
            while i < pending.len() {
                let s = pending[i].clone();
                let needs = waits.get(&s).map(Vec::as_slice).unwrap_or_default();
                if let Some(bad) = needs.iter().find(|n| {
                    matches!(
                        outcomes.get(*n),
                        Some(Outcome::Failed(_) | Outcome::Skipped { .. } | Outcome::Cancelled)
                    )
                }) {
                    let because = match outcomes.get(bad) {
                        Some(Outcome::Skipped { because }) => because.clone(),
                        _ => bad.clone(),
                    };
                    pending.remove(i);
                    let outcome = Outcome::Skipped { because };
                    report_event(Event::Finished(&s, &outcome));
                    outcomes.insert(s, outcome);
                    continue;
                }
                if needs
                    .iter()
                    .all(|n| matches!(outcomes.get(n), Some(Outcome::Done { .. })))
                {
                    pending.remove(i);
                    report_event(Event::Started(&s));
                    running.insert(s.clone(), Instant::now());
                    let change = changes[&s.addr].clone();
                    let attrs = if matches!(s.kind, StepKind::Create | StepKind::Update) {
                        // Evaluated against the state as it is now (under
                        // its lock: copying it per step is quadratic).
                        let res = config.resources.get(&s.addr);
                        match (res, shared.state.lock()) {
                            (Some(res), Ok(computed)) => {
                                let eval = Evaluator::new(config, &*computed);
                                Some(eval.resource(res, &mut Vec::new()))
                            }
                            (Some(res), Err(_)) => {
                                let nothing = State::default();
                                let eval = Evaluator::new(config, &nothing);
                                Some(eval.resource(res, &mut Vec::new()))
                            }
                            (None, _) => None,
                        }
                    } else {
                        None
                    };
                    // The intent first: if mdl dies during the create, the
                    // next run knows what it asked for (and, where the
                    // attributes determine it, the id to look for). A
                    // delete is journaled too: the next run finishes it even
                    // when the resource is gone by then (what it held may
                    // not be).
                    let journaled = match (s.kind, &attrs, &change.prior) {
                        (StepKind::Create, Some(a), _) => {
                            shared.journal(|st| record_intent(st, &plan.stack, &s, &change, a));
                            true
                        }
                        (StepKind::Delete, _, Some(prior)) => {
                            shared.journal(|st| mark_deleting(st, &s.addr, &prior.id));
                            true
                        }
                        _ => false,
                    };
                    if journaled && shared.unsaved() {
                        // Not recorded: what the step made or left might
                        // never be found again.
                        running.remove(&s);
                        let outcome = Outcome::Cancelled;
                        report_event(Event::Finished(&s, &outcome));
                        outcomes.insert(s, outcome);
                        cancelled = true;
                        break;
                    }
                    let provider = provider.clone();
                    let semaphore = semaphore.clone();
                    let stack = plan.stack.clone();
                    tasks.spawn(async move {
                        let _permit = semaphore.acquire_owned().await;
                        // The step's own time, not its wait for a permit.
                        let start = Instant::now();
                        let result = run_step(&*provider, &stack, &s, &change, attrs).await;
                        (s, result, start.elapsed())
                    });
                    continue;
                }
                i += 1;
            }
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            joined = tasks.join_next() => {
                let Some(joined) = joined else { break };
                let Ok((s, result, elapsed)) = joined else { continue };
                running.remove(&s);
                let outcome = match result {
                    Ok(live) => {
                        let change = &changes[&s.addr];
                        let id = live.as_ref().map(|l| l.id.clone());
                        shared.journal(|st| record(st, &s, change, live, config));
                        Outcome::Done { elapsed, id }
                    }
                    Err(e) => {
                        if s.kind == StepKind::Create && e.is_name_taken() {
                            // AWS says another resource holds the name: this
                            // create made nothing, and the intent must not
                            // lead the next refresh to that resource.
                            shared.journal(|st| drop_intent(st, &s.addr));
                        }
                        Outcome::Failed(e)
                    }
                };
                report_event(Event::Finished(&s, &outcome));
                outcomes.insert(s, outcome);
            }
            _ = ticker.tick() => {
                let mut now: Vec<(&Step, &Instant)> = running.iter().collect();
                now.sort_by_key(|(s, _)| s.addr.to_string());
                for (s, t) in now {
                    report_event(Event::StillRunning(s, t.elapsed()));
                }
            }
            () = &mut cancel, if !cancelled => {
                cancelled = true;
            }
        }
    }
    // Steps left over without an interruption wait on each other: a cycle
    // in the order of changes. Each fails saying what it waited for, not
    // "interrupted", which no one did.
    for s in pending {
        let outcome = if cancelled {
            Outcome::Cancelled
        } else {
            let waited: Vec<String> = waits
                .get(&s)
                .into_iter()
                .flatten()
                .filter(|n| !matches!(outcomes.get(*n), Some(Outcome::Done { .. })))
                .map(|n| format!("{} ({})", n.addr, n.kind.noun().to_lowercase()))
                .collect();
            Outcome::Failed(ProviderError::new(
                "mdl",
                "apply",
                format!(
                    "not started: it waits for {}, which never became ready (the changes wait on each other in a cycle; this is a fault in mdl, please report it)",
                    waited.join(", ")
                ),
            ))
        };
        report_event(Event::Finished(&s, &outcome));
        outcomes.insert(s, outcome);
    }
    let shared = Arc::try_unwrap(shared).unwrap_or_else(|arc| Shared {
        state: Mutex::new(arc.state.lock().map(|s| s.clone()).unwrap_or_default()),
        store: None,
        store_error: Mutex::new(None),
    });
    let state = shared.state.into_inner().unwrap_or_default();
    let store_error = shared.store_error.into_inner().unwrap_or_default();
    let wall = began.elapsed();
    let critical_path = critical_path(&steps, &waits, &outcomes);
    // Keep the plan's step order in the report.
    let mut ordered = Vec::new();
    for s in steps {
        if let Some(o) = outcomes.swap_remove(&s) {
            ordered.push((s, o));
        }
    }
    (
        ApplyReport {
            outcomes: ordered,
            store_error,
            wall,
            critical_path,
        },
        state,
    )
}

/// The longest chain of finished steps through `waits`, weighted by each
/// step's own time.
fn critical_path(
    steps: &[Step],
    waits: &HashMap<Step, Vec<Step>>,
    outcomes: &IndexMap<Step, Outcome>,
) -> Vec<(Step, Duration)> {
    let took = |s: &Step| match outcomes.get(s) {
        Some(Outcome::Done { elapsed, .. }) => Some(*elapsed),
        _ => None,
    };
    // Longest finish time of each step and the step before it on that
    // path, in an order where every step comes after those it waits for.
    let mut best: HashMap<&Step, (Duration, Option<&Step>)> = HashMap::new();
    let mut order: Vec<&Step> = Vec::new();
    let mut placed: HashSet<&Step> = HashSet::new();
    while order.len() < steps.len() {
        let before = order.len();
        for s in steps {
            let needs = waits.get(s).map(Vec::as_slice).unwrap_or_default();
            if !placed.contains(s) && needs.iter().all(|n| placed.contains(n)) {
                placed.insert(s);
                order.push(s);
            }
        }
        if order.len() == before {
            break;
        }
    }
    for s in order {
        let Some(own) = took(s) else { continue };
        let needs = waits.get(s).map(Vec::as_slice).unwrap_or_default();
        let prior = needs
            .iter()
            .filter_map(|n| best.get(n).map(|(t, _)| (*t, n)))
            .max_by_key(|(t, _)| *t);
        let (start, from) = prior.map_or((Duration::ZERO, None), |(t, n)| (t, Some(n)));
        best.insert(s, (start + own, from));
    }
    let mut end = best.iter().max_by_key(|(_, (t, _))| *t).map(|(s, _)| *s);
    let mut path = Vec::new();
    while let Some(s) = end {
        path.push((s.clone(), took(s).unwrap_or_default()));
        end = best.get(s).and_then(|(_, from)| *from);
    }
    path.reverse();
    path
}

/// A resource whose `mdl:address` or `mdl:stack` tag names another
/// address or stack (after `mdl state mv`): the tags to rewrite ride along
/// with the user's tags, so every provider's tag update sets them.
fn retagged(
    change: &Change,
    mut prior: LiveResource,
    mut attrs: IndexMap<String, Value>,
    stack: &str,
    addr: &ResourceAddr,
) -> (LiveResource, IndexMap<String, Value>) {
    if !change.kind.taggable {
        return (prior, attrs);
    }
    let mut pairs = Vec::new();
    if change.adopt {
        // Adopted by `mdl import`: the tags are new.
        for (key, value) in [
            (ADDRESS_TAG, addr.to_string()),
            (STACK_TAG, stack.to_string()),
        ] {
            if let Value::Map(tags) = attrs
                .entry("tags".to_string())
                .or_insert_with(|| Value::Map(IndexMap::new()))
            {
                tags.insert(key.to_string(), Value::String(value));
            }
        }
        return (prior, attrs);
    }
    if let Some(old) = prior.addr.clone().filter(|a| a != addr) {
        pairs.push((ADDRESS_TAG, old.to_string(), addr.to_string()));
    }
    if let Some(old) = prior.stack.clone().filter(|s| s != stack) {
        pairs.push((STACK_TAG, old, stack.to_string()));
    }
    for (key, old, new) in pairs {
        for (map, value) in [(&mut prior.attrs, old), (&mut attrs, new)] {
            if let Value::Map(tags) = map
                .entry("tags".to_string())
                .or_insert_with(|| Value::Map(IndexMap::new()))
            {
                tags.insert(key.to_string(), Value::String(value));
            }
        }
    }
    (prior, attrs)
}

async fn run_step(
    provider: &dyn Provider,
    stack: &str,
    s: &Step,
    change: &Change,
    attrs: Option<IndexMap<String, Value>>,
) -> Result<Option<LiveResource>, ProviderError> {
    let op = match s.kind {
        StepKind::Create | StepKind::Update => {
            let attrs = attrs.ok_or_else(|| {
                ProviderError::new(
                    "mdl",
                    "apply",
                    "the resource is no longer in the configuration",
                )
            })?;
            if let Some((k, _)) = attrs.iter().find(|(_, v)| v.has_unknown()) {
                return Err(ProviderError::new(
                    "mdl",
                    "apply",
                    format!("`{k}` is still unknown after its dependencies were applied"),
                )
                .for_addr(&s.addr));
            }
            match (s.kind, &change.prior) {
                (StepKind::Update, Some(prior)) => {
                    let (prior, attrs) = retagged(change, prior.clone(), attrs, stack, &s.addr);
                    Operation::Update { prior, attrs }
                }
                _ => Operation::Create { attrs },
            }
        }
        StepKind::Delete => {
            let prior = change
                .prior
                .clone()
                .ok_or_else(|| ProviderError::new("mdl", "apply", "nothing to delete"))?;
            Operation::Delete { prior }
        }
    };
    let deleting = s.kind == StepKind::Delete;
    let resp = match provider
        .apply(ApplyRequest {
            addr: &s.addr,
            kind: change.kind,
            stack,
            op,
            protected: change.protected,
        })
        .await
    {
        // Already gone (an interrupted delete went through): what a delete
        // wants.
        Err(e) if deleting && e.is_not_found() => return Ok(None),
        other => other?,
    };
    // The ownership tags are not the user's: a provider that records the
    // tags as applied must not keep them.
    Ok(resp.live.map(|mut live| {
        if let Some(Value::Map(tags)) = live.attrs.get_mut("tags") {
            tags.retain(|k, _| !k.starts_with("mdl:"));
        }
        live
    }))
}

/// Record that the deletion of the resource `id` at `addr` starts.
fn mark_deleting(state: &mut State, addr: &ResourceAddr, id: &str) {
    if let Some(r) = state.resources.get_mut(addr).filter(|r| r.id == id) {
        r.deleting = true;
    }
}

/// Forget the intent of a create that AWS refused.
fn drop_intent(state: &mut State, addr: &ResourceAddr) {
    if state.resources.get(addr).is_some_and(|r| r.pending) {
        state.resources.shift_remove(addr);
    }
}

/// Record that the creation of `s` starts, with the attributes asked for.
fn record_intent(
    state: &mut State,
    stack: &str,
    s: &Step,
    change: &Change,
    attrs: &IndexMap<String, Value>,
) {
    if state.resources.get(&s.addr).is_some_and(|r| !r.pending) {
        return;
    }
    let mut attrs: IndexMap<String, Value> = attrs
        .iter()
        .filter(|(_, v)| !v.has_unknown())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let id = crate::kinds::derived_id(change.kind, stack, &s.addr, &attrs).unwrap_or_default();
    crate::schema::redact(change.kind, &mut attrs, &state.salt);
    state.resources.insert(
        s.addr.clone(),
        ResourceRecord {
            addr: s.addr.clone(),
            id,
            attrs,
            computed: IndexMap::new(),
            dependencies: change.dependencies.clone(),
            protected: change.protected,
            adopted: false,
            pending: true,
            deleting: false,
        },
    );
}

fn record(
    state: &mut State,
    s: &Step,
    change: &Change,
    live: Option<LiveResource>,
    config: &Config,
) {
    match (s.kind, live) {
        (StepKind::Delete, _) => {
            // A duplicate's delete must not drop the record of the resource
            // that keeps the address.
            if state
                .resources
                .get(&s.addr)
                .is_none_or(|r| change.prior.as_ref().is_some_and(|p| p.id == r.id))
            {
                state.resources.shift_remove(&s.addr);
            }
        }
        (_, Some(live)) => {
            let mut attrs = live.attrs.clone();
            if let Some(res) = config.resources.get(&s.addr) {
                let desired = Evaluator::new(config, &*state).resource(res, &mut Vec::new());
                for (k, v) in desired {
                    attrs.entry(k).or_insert(v);
                }
            }
            // Secrets are kept only as digests.
            crate::schema::redact(change.kind, &mut attrs, &state.salt);
            // Still untagged unless this step tagged it.
            let adopted = change.action == Action::NoOp
                && state.resources.get(&s.addr).is_some_and(|r| r.adopted);
            state.resources.insert(
                s.addr.clone(),
                ResourceRecord {
                    addr: s.addr.clone(),
                    id: live.id.clone(),
                    attrs,
                    computed: live.computed.clone(),
                    dependencies: change.dependencies.clone(),
                    protected: change.protected,
                    adopted,
                    pending: false,
                    deleting: false,
                },
            );
        }
        (_, None) => {}
    }
}
