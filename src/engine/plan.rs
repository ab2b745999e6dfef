//! A plan: the stack opened (`open`), what exists read from AWS, the
//! changes worked out, and the selection (`--target`, `--replace`)
//! applied. Returns everything the plan found, or `Failed`; never prints.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indexmap::IndexMap;

use super::{Failed, Loaded, command_line_diag, open};
use crate::addr::ResourceAddr;
use crate::diagnostics::Diagnostic;
use crate::plan::{Plan, ReadOptions, diff_with, refresh_with};
use crate::provider::aws::{AwsProvider, Connection};
use crate::state::{State, StateLock, Store};

/// What to plan.
pub struct Request<'a> {
    /// The root file (a local state lives beside it).
    pub file: &'a Path,
    pub conn: Connection,
    /// `--target`: only these and what they depend on.
    pub target: &'a [String],
    /// `--replace`: replace these although nothing forces it.
    pub replace: &'a [String],
    /// Plan the deletion of every resource of the stack.
    pub destroy: bool,
    /// What the lock says it is held for (`plan`, `apply`, ...).
    pub operation: &'a str,
    pub reads: ReadOptions,
}

/// Everything a plan found, held open for the command that asked: the
/// configuration, the state under its lock (`H`, what the caller made of
/// it), the provider and runtime that read AWS, and the plan.
pub struct Prepared<H> {
    pub loaded: Loaded,
    pub state: State,
    pub store: Store,
    pub lock: H,
    pub provider: Arc<AwsProvider>,
    pub plan: Plan,
    pub runtime: tokio::runtime::Runtime,
    pub timings: Timings,
    /// What refresh found tagged with the stack and not recorded in state
    /// (`mdl state rebuild` adopts it).
    pub unrecorded: Vec<(ResourceAddr, crate::provider::LiveResource)>,
    /// What the diff warned of (no errors: they fail the plan).
    pub warnings: Vec<Diagnostic>,
    /// Records a `removed { keep = true }` took out of state: their mdl
    /// tags are removed when the plan is applied.
    pub forgotten: Vec<crate::state::ResourceRecord>,
}

/// How long each stage of a plan took.
pub struct Timings {
    /// Reading, parsing, evaluating and checking the files, and the graph.
    pub load: Duration,
    /// Opening and reading the state, connecting to AWS.
    pub state: Duration,
    /// All reads of AWS, at once up to the parallelism.
    pub read: Duration,
    /// Each read, by kind.
    pub reads: Vec<(&'static str, Duration)>,
    /// Working out the changes.
    pub diff: Duration,
}

impl Timings {
    /// Kinds whose reads took longest (a kind read per resource counts its
    /// longest read), at most `n`.
    pub fn slowest(&self, n: usize) -> Vec<(&'static str, Duration, usize)> {
        let mut by_kind: Vec<(&'static str, Duration, usize)> = Vec::new();
        for (kind, took) in &self.reads {
            match by_kind.iter_mut().find(|(k, _, _)| k == kind) {
                Some(entry) => {
                    entry.1 = entry.1.max(*took);
                    entry.2 += 1;
                }
                None => by_kind.push((kind, *took, 1)),
            }
        }
        by_kind.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        by_kind.truncate(n);
        by_kind
    }

    /// The `--timings` report.
    pub fn report(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut out = format!(
            "Timings: {:.0} ms in all: load {:.0} ms, state and connection {:.0} ms, reading AWS {:.0} ms ({} reads), changes {:.0} ms\n",
            ms(self.load + self.state + self.read + self.diff),
            ms(self.load),
            ms(self.state),
            ms(self.read),
            self.reads.len(),
            ms(self.diff),
        );
        if !self.reads.is_empty() {
            out.push_str("Slowest reads:\n");
        }
        for (kind, took, count) in self.slowest(5) {
            let times = if count > 1 {
                format!("  (longest of {count} reads)")
            } else {
                String::new()
            };
            out.push_str(&format!("  {:>7.0} ms  {kind}{times}\n", ms(took)));
        }
        out
    }
}
/// Everything up to a plan, for a loaded configuration. `hold` makes of
/// the state lock what the caller keeps (the CLI releases it on a signal).
/// `Timings::load` is the caller's to set: loading came before.
///
/// # Errors
/// Every diagnostic that stopped it, with the sources.
pub fn prepare<H>(
    mut loaded: Loaded,
    request: &Request,
    hold: impl FnOnce(StateLock) -> H,
) -> Result<Prepared<H>, Failed> {
    let opened_at = Instant::now();
    macro_rules! fail {
        ($diags:expr) => {
            return Err(Failed::new(loaded.sources, $diags))
        };
    }
    // Refused before anything is opened or asked of AWS.
    if request.destroy && !request.target.is_empty() {
        let d = command_line_diag(
            &mut loaded.sources,
            "plan::target_destroy",
            "--target cannot limit a destroy",
            "while running this command",
            "to delete one resource, remove its block and apply; `mdl apply --target ADDRESS` limits an apply",
        );
        fail!(vec![d]);
    }
    let stack = loaded.config.stack.clone();
    let store = match open::store(
        &mut loaded.sources,
        request.file,
        &stack,
        loaded.identity.backend.as_deref(),
        &request.conn,
    ) {
        Ok(s) => s,
        Err(d) => fail!(vec![d]),
    };
    let lock = match open::lock(
        &mut loaded.sources,
        &store,
        request.operation,
        request.conn.lock_timeout,
        hold,
    ) {
        Ok(l) => l,
        Err(d) => fail!(vec![d]),
    };
    let mut state = match open::state(&mut loaded.sources, &store, &stack, open::UNREADABLE_HELP) {
        Ok(s) => s,
        Err(d) => fail!(vec![d]),
    };
    // Refused before AWS is asked anything.
    if request.reads.from_state
        && let Some(r) = state.resources.values().find(|r| r.pending || r.deleting)
    {
        let d = command_line_diag(
            &mut loaded.sources,
            "plan::refresh_needed",
            format!(
                "state records that the {} of `{}` was started and not seen to finish",
                if r.pending { "creation" } else { "deletion" },
                r.addr
            ),
            "--refresh=false here",
            "only AWS can say how it ended: plan without --refresh=false once, and the state records it",
        );
        fail!(vec![d]);
    }
    let (moved, forgotten) = match refactor(&loaded.config, &mut state) {
        Ok(r) => r,
        Err(d) => fail!(d),
    };
    let identity = loaded.identity.clone();
    let (runtime, provider) =
        match open::connect_to(&mut loaded.sources, &request.conn, &identity, &mut state) {
            Ok(x) => x,
            Err(d) => fail!(vec![d]),
        };
    let provider = Arc::new(provider);
    let kinds: Vec<_> = loaded.config.resources.values().map(|r| r.kind).collect();
    let connected_at = Instant::now();
    // Lookups are read beside the refresh, once the account and region are
    // confirmed; their answers are values like any resource's for the diff.
    let region = state
        .region
        .clone()
        .unwrap_or_else(|| provider.region.clone());
    let account_id = state.account_id.clone().unwrap_or_default();
    // The zones must be in the region the run is in (validate checked
    // them against a region the file declares).
    if loaded
        .config
        .identity
        .as_ref()
        .is_none_or(|d| d.region.is_none())
    {
        let wrong = crate::check::exposure::zones_in_region(
            &loaded.config,
            &region,
            "plan::zone_outside_region",
        );
        if !wrong.is_empty() {
            fail!(wrong);
        }
    }
    let dir = request
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let cx = crate::lookups::Context {
        provider: &provider,
        account_id: &account_id,
        region: &region,
        dir,
    };
    let read_lookups = !request.destroy && !loaded.config.lookups.is_empty();
    let (refreshed, looked_up) = runtime.block_on(async {
        futures_util::future::join(
            async {
                if request.reads.from_state {
                    Ok(crate::plan::Live::from_state(&state))
                } else {
                    refresh_with(&*provider, &stack, &kinds, &state, request.reads).await
                }
            },
            async {
                if read_lookups {
                    crate::lookups::read_all(&loaded.config, &cx).await
                } else {
                    Ok(IndexMap::new())
                }
            },
        )
        .await
    });
    let mut live = match refreshed {
        Ok(l) => l,
        Err(e) => {
            let d = open::read_failed(&mut loaded, &e, None);
            fail!(vec![d]);
        }
    };
    match looked_up {
        Ok(answers) => {
            // What validate could not decide while the answers were
            // unknown (a subnet carved from a looked-up VPC's range) is
            // decided now.
            let late = late_errors(&loaded.config, &answers);
            if !late.is_empty() {
                fail!(late);
            }
            live.lookups = answers;
        }
        Err(crate::lookups::Failure::Invalid(d)) => fail!(d),
        Err(crate::lookups::Failure::Read(e)) => {
            let d = open::read_failed(&mut loaded, &e, None);
            fail!(vec![d]);
        }
    }
    let replace = match resolve_selection(&mut loaded, &state, request.replace, false) {
        Ok(r) => r,
        Err(d) => fail!(d),
    };
    let targets = match resolve_selection(&mut loaded, &state, request.target, true) {
        Ok(t) => t,
        Err(d) => fail!(d),
    };
    let mut config = loaded.config.clone();
    if request.destroy {
        config.resources.clear();
    }
    let empty_graph;
    let graph = if request.destroy {
        empty_graph = crate::graph::Graph::build(&config);
        &empty_graph
    } else {
        &loaded.graph
    };
    let options = crate::plan::Options { replace };
    let read_at = Instant::now();
    tracing::info!(
        %stack,
        resources = live.resources.len(),
        lookups = live.lookups.len(),
        read_ms = read_at.duration_since(connected_at).as_millis() as u64,
        "read what exists in AWS"
    );
    let (mut plan, warnings) = diff_with(&config, graph, &state, &live, &options);
    // What the lookups answered, beside what the last apply recorded; the
    // apply evaluates with these answers and records them.
    for (addr, answer) in &live.lookups {
        let before = state.lookups.get(addr);
        for (attr, now) in answer {
            let was = before.and_then(|b| b.get(attr));
            if before.is_some() && was != Some(now) {
                plan.lookups_changed
                    .push((addr.clone(), attr.clone(), was.cloned(), now.clone()));
            }
        }
    }
    if !request.destroy {
        state.lookups = std::mem::take(&mut live.lookups);
    }
    plan.moved = moved;
    plan.forgotten = forgotten.iter().map(|r| r.addr.clone()).collect();
    // A destroy deletes blocks that are still in the file: they point there
    // (and are not "no longer in the configuration").
    if request.destroy {
        for c in &mut plan.changes {
            if c.span.is_none() {
                c.span = loaded.config.resources.get(&c.addr).map(|r| r.span());
            }
        }
    }
    // What was forgotten is still tagged with the stack until the apply
    // untags it: not news.
    live.unrecorded
        .retain(|(_, r)| !forgotten.iter().any(|f| f.id == r.id));
    plan.unrecorded
        .retain(|(_, id)| !forgotten.iter().any(|f| &f.id == id));
    let unrecorded = std::mem::take(&mut live.unrecorded);
    tracing::info!(
        create = plan.count(crate::plan::Action::Create),
        update = plan.count(crate::plan::Action::Update),
        replace = plan.count(crate::plan::Action::Replace),
        delete = plan.count(crate::plan::Action::Delete),
        moved = plan.moved.len(),
        "planned"
    );
    let timings = Timings {
        load: Duration::ZERO,
        state: connected_at - opened_at,
        read: read_at - connected_at,
        reads: live.read_times.clone(),
        diff: read_at.elapsed(),
    };
    if warnings.iter().any(Diagnostic::is_error) {
        fail!(warnings);
    }
    if !targets.is_empty() {
        // The targets and everything they depend on, transitively.
        let mut keep: Vec<ResourceAddr> = targets;
        let mut i = 0;
        while i < keep.len() {
            for dep in graph.dependencies(&keep[i]) {
                if !keep.contains(&dep) {
                    keep.push(dep);
                }
            }
            i += 1;
        }
        plan.changes.retain(|c| keep.contains(&c.addr));
        plan.partial = true;
    }
    Ok(Prepared {
        loaded,
        state,
        store,
        lock,
        provider,
        plan,
        runtime,
        timings,
        unrecorded,
        warnings,
        forgotten,
    })
}

/// The errors the checks find once lookups have answered that they did
/// not find without the answers.
fn late_errors(
    config: &crate::lang::Config,
    answers: &IndexMap<ResourceAddr, crate::lookups::Answer>,
) -> Vec<Diagnostic> {
    if answers.is_empty() {
        return Vec::new();
    }
    let before = crate::check::check(config);
    crate::check::check_with(config, &crate::lookups::Answered(answers))
        .into_iter()
        .filter(Diagnostic::is_error)
        .filter(|d| {
            !before.iter().any(|b| {
                b.code == d.code
                    && b.message == d.message
                    && b.labels.first().map(|l| l.span) == d.labels.first().map(|l| l.span)
            })
        })
        .collect()
}

/// The addresses in state a refactor's target covers: the resource, or
/// every resource of the module instance.
fn covered(state: &State, target: &crate::lang::refactor::Target) -> Vec<ResourceAddr> {
    use crate::lang::refactor::Target;
    match target {
        Target::Resource(a) => state
            .resources
            .contains_key(a)
            .then(|| a.clone())
            .into_iter()
            .collect(),
        Target::Module(m) => state
            .resources
            .keys()
            .filter(|a| a.is_within(m))
            .cloned()
            .collect(),
    }
}

/// The file's `moved` and `removed` blocks, applied to state before
/// anything is read: the renames made, and the records forgotten. A move
/// already made (nothing at `from`) is not made again.
///
/// # Errors
/// `plan::move_conflict`: both addresses hold resources in state.
fn refactor(
    config: &crate::lang::Config,
    state: &mut State,
) -> Result<
    (
        crate::state::moves::Moves,
        Vec<crate::state::ResourceRecord>,
    ),
    Vec<Diagnostic>,
> {
    use crate::lang::refactor::Refactor;
    let mut moved = Vec::new();
    let mut forgotten = Vec::new();
    let mut diags = Vec::new();
    for r in &config.refactors {
        match r {
            Refactor::Moved {
                from,
                to,
                from_span,
                ..
            } => {
                if covered(state, from).is_empty() {
                    continue;
                }
                if !covered(state, to).is_empty() {
                    diags.push(
                        Diagnostic::error(
                            "plan::move_conflict",
                            format!("state holds resources at both `{from}` and `{to}`"),
                            *from_span,
                            "still in state",
                        )
                        .with_help(format!(
                            "one of them is left from an earlier run: `mdl state rm {to}` forgets the new one, or remove this `moved` block to keep both"
                        )),
                    );
                    continue;
                }
                match crate::state::moves::plan(state, &from.to_string(), &to.to_string()) {
                    Ok(moves) => {
                        crate::state::moves::apply(state, &moves);
                        moved.extend(moves);
                    }
                    Err((message, help)) => diags.push(
                        Diagnostic::error("plan::move_conflict", message, *from_span, "this move")
                            .with_help(help),
                    ),
                }
            }
            Refactor::Removed { from, keep, .. } => {
                if *keep {
                    for addr in covered(state, from) {
                        if let Some(record) = state.resources.shift_remove(&addr) {
                            forgotten.push(record);
                        }
                    }
                }
            }
        }
    }
    if diags.is_empty() {
        Ok((moved, forgotten))
    } else {
        Err(diags)
    }
}

/// The addresses `--target`, `--replace` or `--allow-destroy` name: a
/// resource in the configuration or in state, or (with `modules`) every
/// resource of a module instance, nested ones included. An address
/// matches exactly: `module.vle.cache` names no module instance, so it
/// does not stand for `module.vle.cache.session`.
pub fn resolve_selection(
    loaded: &mut Loaded,
    state: &State,
    given: &[String],
    modules: bool,
) -> Result<Vec<ResourceAddr>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let all: Vec<&ResourceAddr> = loaded
        .config
        .resources
        .keys()
        .chain(
            state
                .resources
                .keys()
                .filter(|a| !loaded.config.resources.contains_key(*a)),
        )
        .collect();
    for text in given {
        let found: Vec<ResourceAddr> = match ResourceAddr::parse(text) {
            Some(a) if all.contains(&&a) => vec![a],
            None if modules && text.starts_with("module.") => all
                .iter()
                .filter(|a| a.is_within(text))
                .map(|a| (*a).clone())
                .collect(),
            _ => Vec::new(),
        };
        if found.is_empty() {
            let mut known: Vec<String> = all.iter().map(ToString::to_string).collect();
            if modules {
                known.extend(loaded.config.modules.keys().cloned());
            }
            let hint = crate::diagnostics::suggest(text, known.iter().map(String::as_str))
                .map_or_else(
                    || "`mdl state list` and `mdl validate` show the addresses".to_string(),
                    |s| format!("did you mean `{s}`?"),
                );
            let what = if modules {
                "no resource or module instance"
            } else {
                "no resource"
            };
            diags.push(command_line_diag(
                &mut loaded.sources,
                "plan::unknown_address",
                format!("{what} `{text}` in the configuration or the state"),
                "named here",
                hint,
            ));
        }
        out.extend(found);
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}
/// The secret values the configuration sets (values of sensitive
/// attributes), for keeping them out of outputs and saved plans.
pub fn secret_values(
    config: &crate::lang::Config,
    computed: &dyn crate::lang::Computed,
) -> Vec<String> {
    let eval = crate::lang::Evaluator::new(config, computed);
    let mut secrets: Vec<String> = Vec::new();
    for res in config.resources.values() {
        let attrs = eval.resource(res, &mut Vec::new());
        for (name, v) in &attrs {
            if res.kind.is_sensitive(name, &attrs) {
                v.collect_strings(&mut secrets);
            }
        }
    }
    // Every secret counts, however short: an output holding a 3-character
    // password must still be masked (masking too much is the safe side).
    secrets.retain(|s| !s.is_empty());
    secrets
}

/// What the configuration is, for a saved plan: the files and the params.
pub fn config_digest(loaded: &Loaded) -> String {
    let params: Vec<String> = loaded
        .config
        .params
        .iter()
        .map(|(k, (_, v))| format!("{k}={v}"))
        .collect();
    crate::schema::digest(&format!(
        "{}\n{}",
        loaded.sources.files_digest(),
        params.join("\n")
    ))
}

/// Carry out a plan of changes that change nothing: state records each
/// resource as it is live (ids and values AWS assigned stay current).
pub fn record_live(
    runtime: &tokio::runtime::Runtime,
    plan: &Plan,
    config: &crate::lang::Config,
    provider: Arc<AwsProvider>,
    state: State,
) -> State {
    let (_, recorded) = runtime.block_on(crate::apply::apply(
        plan,
        config,
        provider,
        state,
        None,
        crate::apply::Pace::new(1),
        &|_| {},
        std::future::pending(),
    ));
    recorded
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Timings;

    #[test]
    fn timings_name_the_slowest_kinds_with_their_longest_read() {
        let ms = Duration::from_millis;
        let timings = Timings {
            load: ms(12),
            state: ms(3),
            read: ms(900),
            // Per-resource reads: several reads of one kind.
            reads: vec![
                ("vpc", ms(40)),
                ("ssm_parameter", ms(300)),
                ("subnet", ms(80)),
                ("ssm_parameter", ms(850)),
                ("subnet", ms(20)),
            ],
            diff: ms(5),
        };
        let slowest = timings.slowest(2);
        assert_eq!(
            slowest,
            vec![("ssm_parameter", ms(850), 2), ("subnet", ms(80), 2)]
        );
        let report = timings.report();
        let expected = [
            "Timings: 920 ms in all: load 12 ms, state and connection 3 ms, reading AWS 900 ms (5 reads), changes 5 ms",
            "Slowest reads:",
            "      850 ms  ssm_parameter  (longest of 2 reads)",
            "       80 ms  subnet  (longest of 2 reads)",
            "       40 ms  vpc",
        ];
        assert_eq!(report, expected.join("\n") + "\n");
    }
}
