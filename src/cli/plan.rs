//! `mdl plan`, and the preparation shared with apply and destroy: load,
//! lock, read state, refresh, diff.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use super::validate::{Loaded, load};
use super::{AwsArgs, FileArgs, Ui, command_line_diag};
use crate::diagnostics::{Diagnostic, SourceMap};
use crate::engine::open;
use crate::plan::{Plan, ReadOptions, diff_with, refresh_with};
use crate::provider::aws::AwsProvider;
use crate::state::{State, Store};

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub select: super::Selection,
    /// Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Print the plan as JSON (format in docs/plan-json.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Save the plan: `mdl apply FILE` then applies exactly it, and refuses
    /// if the configuration, the state or AWS changed since.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// How many reads of AWS may run at once: each is one batched,
    /// paginated read of a kind (or of one resource with
    /// --per-resource-reads).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Read each resource the state knows with its own call, as tools that
    /// refresh resource by resource do, instead of one batched read per
    /// kind. For comparison only (see BENCHMARKS.md): slower, and it does
    /// not find resources missing from state. Implemented for the network
    /// kinds, SSM parameters, load balancers, target groups and DNS.
    #[arg(long)]
    pub per_resource_reads: bool,
    /// Print where the time went, on stderr: loading the files, reading
    /// AWS (with the slowest reads, by kind) and working out the changes.
    #[arg(long)]
    pub timings: bool,
}

/// The first key of a saved plan file.
pub const SAVED_PLAN_KEY: &str = "mdl_saved_plan";

/// A saved plan: what to load again, and what it must come to.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct SavedPlan {
    pub mdl_saved_plan: u32,
    pub file: std::path::PathBuf,
    pub stack: Option<String>,
    /// The `-p` flags, but for params that hold a secret: those are named
    /// in `withheld` and given again to `mdl apply PLAN`.
    pub params: Vec<String>,
    #[serde(default)]
    pub withheld: Vec<String>,
    pub params_file: Option<std::path::PathBuf>,
    pub target: Vec<String>,
    pub replace: Vec<String>,
    /// Digest of the files read (the configuration and its modules) and
    /// the param values.
    pub config_digest: String,
    /// Digest of every change, secrets included as digests.
    pub plan_digest: String,
    /// The plan, secrets masked, for people and tools.
    pub plan: serde_json::Value,
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
                collect_strings(v, &mut secrets);
            }
        }
    }
    // Every secret counts, however short: an output holding a 3-character
    // password must still be masked (masking too much is the safe side).
    secrets.retain(|s| !s.is_empty());
    secrets
}

pub fn collect_strings(v: &crate::value::Value, out: &mut Vec<String>) {
    use crate::value::Value;
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::List(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Value::Map(m) => m.values().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
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

pub struct Prepared {
    pub loaded: Loaded,
    pub state: State,
    pub store: Store,
    pub lock: super::signals::Held,
    pub provider: Arc<AwsProvider>,
    pub plan: Plan,
    pub runtime: tokio::runtime::Runtime,
    pub timings: Timings,
    /// What refresh found tagged with the stack and not recorded in state
    /// (`mdl state rebuild` adopts it).
    pub unrecorded: Vec<(crate::lang::ResourceAddr, crate::provider::LiveResource)>,
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
    fn slowest(&self, n: usize) -> Vec<(&'static str, Duration, usize)> {
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
    fn report(&self) -> String {
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

/// Everything up to a plan. With `destroy`, the plan deletes every resource
/// of the stack.
pub fn prepare(
    ui: &Ui,
    file: &FileArgs,
    aws: &AwsArgs,
    select: &super::Selection,
    destroy: bool,
    operation: &str,
    reads: ReadOptions,
) -> Result<Prepared, u8> {
    let started = Instant::now();
    let mut loaded = load(ui, file)?;
    let loaded_at = Instant::now();
    let report = |loaded: &Loaded, d: Diagnostic| {
        ui.report(&[d], &loaded.sources);
        1u8
    };
    let conn = aws.connection();
    let stack = loaded.config.stack.clone();
    let store = open::store(
        &mut loaded.sources,
        &file.file,
        &stack,
        loaded.identity.backend.as_deref(),
        &conn,
    )
    .map_err(|d| report(&loaded, d))?;
    let lock = open::lock(&mut loaded.sources, &store, operation, super::signals::hold)
        .map_err(|d| report(&loaded, d))?;
    let mut state = open::state(&mut loaded.sources, &store, &stack, open::UNREADABLE_HELP)
        .map_err(|d| report(&loaded, d))?;
    let (runtime, provider) = open::connect_to(
        &mut loaded.sources,
        &conn,
        &loaded.identity.clone(),
        &mut state,
    )
    .map_err(|d| report(&loaded, d))?;
    let provider = Arc::new(provider);
    let kinds: Vec<_> = loaded.config.resources.values().map(|r| r.kind).collect();
    let connected_at = Instant::now();
    let mut live = match runtime.block_on(refresh_with(
        &*provider,
        &loaded.config.stack,
        &kinds,
        &state,
        reads,
    )) {
        Ok(l) => l,
        Err(e) => {
            let d = open::read_failed(&mut loaded, &e, None);
            ui.report(&[d], &loaded.sources);
            return Err(1);
        }
    };
    let replace = match resolve_selection(&mut loaded, &state, &select.replace, false) {
        Ok(r) => r,
        Err(d) => {
            ui.report(&d, &loaded.sources);
            return Err(1);
        }
    };
    if destroy && !select.target.is_empty() {
        let d = command_line_diag(
            &mut loaded.sources,
            "cli::target_destroy",
            "--target cannot limit a destroy",
            "while running this command",
            "to delete one resource, remove its block and apply; `mdl apply --target ADDRESS` limits an apply",
        );
        return Err(report(&loaded, d));
    }
    let targets = match resolve_selection(&mut loaded, &state, &select.target, true) {
        Ok(t) => t,
        Err(d) => {
            ui.report(&d, &loaded.sources);
            return Err(1);
        }
    };
    let mut config = loaded.config.clone();
    if destroy {
        config.resources.clear();
    }
    let empty_graph;
    let graph = if destroy {
        empty_graph = crate::graph::Graph::build(&config);
        &empty_graph
    } else {
        &loaded.graph
    };
    let options = crate::plan::Options { replace };
    let read_at = Instant::now();
    let (mut plan, diags) = diff_with(&config, graph, &state, &live, &options);
    let unrecorded = std::mem::take(&mut live.unrecorded);
    let timings = Timings {
        load: loaded_at - started,
        state: connected_at - loaded_at,
        read: read_at - connected_at,
        reads: live.read_times.clone(),
        diff: read_at.elapsed(),
    };
    if !diags.is_empty() {
        ui.report(&diags, &loaded.sources);
        if diags.iter().any(Diagnostic::is_error) {
            return Err(1);
        }
    }
    if !targets.is_empty() {
        // The targets and everything they depend on, transitively.
        let mut keep: Vec<crate::lang::ResourceAddr> = targets;
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
    })
}

pub fn run(ui: &Ui, args: &PlanArgs) -> u8 {
    let reads = ReadOptions {
        parallelism: usize::from(args.parallelism),
        per_resource: args.per_resource_reads,
    };
    let prepared = match prepare(
        ui,
        &args.file,
        &args.aws,
        &args.select,
        false,
        "plan",
        reads,
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&crate::plan::json::to_json(&prepared.plan))
                .unwrap_or_default()
        );
    } else {
        out!(
            "{}",
            crate::plan::render::render(&prepared.plan, ui.style())
        );
    }
    if let Some(out) = &args.out {
        // Params that carry a secret are not written into the plan.
        let secrets = secret_values(&prepared.loaded.config, &prepared.state);
        let (withheld, params): (Vec<String>, Vec<String>) =
            args.file.params.iter().cloned().partition(|p| {
                p.split_once('=').is_some_and(|(name, _)| {
                    prepared
                        .loaded
                        .config
                        .params
                        .get(name.trim())
                        .is_some_and(|(_, v)| {
                            let mut held = Vec::new();
                            collect_strings(v, &mut held);
                            held.iter().any(|h| {
                                secrets
                                    .iter()
                                    .any(|s| s == h || (h.len() >= 4 && s.contains(h.as_str())))
                            })
                        })
                })
            });
        let withheld: Vec<String> = withheld
            .iter()
            .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim().to_string()))
            .collect();
        let saved = SavedPlan {
            mdl_saved_plan: 1,
            file: std::fs::canonicalize(&args.file.file).unwrap_or_else(|_| args.file.file.clone()),
            stack: args.file.stack.clone(),
            params,
            withheld: withheld.clone(),
            params_file: args
                .file
                .params_file
                .as_ref()
                .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())),
            target: args.select.target.clone(),
            replace: args.select.replace.clone(),
            config_digest: config_digest(&prepared.loaded),
            plan_digest: crate::plan::json::digest(&prepared.plan),
            plan: crate::plan::json::to_json(&prepared.plan),
        };
        let text = serde_json::to_string_pretty(&saved).unwrap_or_default();
        if let Err(e) = crate::state::write_private(out, &(text + "\n")) {
            let mut sources = SourceMap::new();
            let d = command_line_diag(
                &mut sources,
                "cli::cannot_write",
                format!("cannot write the plan to `{}`: {e}", out.display()),
                "--out",
                "check that the directory exists and is writable",
            );
            ui.report(&[d], &sources);
            return 1;
        }
        if !args.json {
            outln!(
                "\nSaved the plan to {}. `mdl apply {}` applies exactly this plan.",
                out.display(),
                out.display()
            );
            if !withheld.is_empty() {
                outln!(
                    "Secrets are not saved in it: pass {} again to apply it.",
                    withheld
                        .iter()
                        .map(|n| format!("-p {n}=..."))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
        }
    }
    drop(prepared.lock);
    if args.timings {
        eprint!("{}", prepared.timings.report());
    }
    if args.detailed_exitcode && prepared.plan.has_changes() {
        2
    } else {
        0
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
) -> Result<Vec<crate::lang::ResourceAddr>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let all: Vec<&crate::lang::ResourceAddr> = loaded
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
        let found: Vec<crate::lang::ResourceAddr> = match crate::lang::ResourceAddr::parse(text) {
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
                "cli::unknown_address",
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

#[derive(Args, Debug)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `mdl refresh`: record in state what exists in AWS now, changing
/// nothing in AWS. Drift is shown first; afterwards it is no longer drift,
/// and the plan still puts back what the configuration says.
pub fn run_refresh(ui: &Ui, args: &RefreshArgs) -> u8 {
    let prepared = match prepare(
        ui,
        &args.file,
        &args.aws,
        &super::Selection::default(),
        false,
        "refresh",
        ReadOptions::default(),
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Prepared {
        mut loaded,
        state,
        store,
        lock,
        provider,
        mut plan,
        runtime,
        ..
    } = prepared;
    let drift = std::mem::take(&mut plan.drift);
    // Everything live is recorded as it is; nothing is created or deleted.
    plan.changes.retain(|c| c.prior.is_some());
    for c in &mut plan.changes {
        c.action = crate::plan::Action::NoOp;
    }
    let recorded = plan.changes.len();
    let vanished = plan.vanished.len();
    let new_state = record_live(&runtime, &plan, &loaded.config, provider, state);
    if let Err(code) = save_state(ui, &mut loaded, &store, &new_state) {
        return code;
    }
    drop(lock);
    if !drift.is_empty() {
        let shown = Plan {
            stack: plan.stack.clone(),
            drift,
            ..Plan::default()
        };
        let text = crate::plan::render::render(&shown, ui.style());
        // Only the drift section: the empty plan's "No changes." line is
        // not what refresh means.
        for line in text.lines().take_while(|l| !l.contains("No changes.")) {
            outln!("{line}");
        }
    }
    outln!(
        "Refreshed the state of stack `{}`: {recorded} resource{} recorded as they are in AWS{}. AWS was not changed.",
        plan.stack,
        super::validate::plural(recorded),
        if vanished > 0 {
            format!(", {vanished} that no longer exist dropped")
        } else {
            String::new()
        }
    );
    0
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

/// Save state, reporting a failure as a diagnostic.
pub fn save_state(ui: &Ui, loaded: &mut Loaded, store: &Store, state: &State) -> Result<(), u8> {
    open::save(
        &mut loaded.sources,
        store,
        state,
        "check the permissions of the .mdl directory",
    )
    .map_err(|d| {
        ui.report(&[d], &loaded.sources);
        1
    })
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
