//! `mdl apply` and `mdl destroy`.

use std::io::Write;
use std::sync::Mutex;

use clap::Args;

use super::plan::{Prepared, SAVED_PLAN_KEY, SavedPlan, prepare};
use super::{AwsArgs, FileArgs, Ui, command_line_diag};
use crate::apply::{Event, Outcome, StepKind};
use crate::diagnostics::SourceMap;
use crate::engine;

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub select: super::Selection,
    #[command(flatten)]
    pub run: RunArgs,
    /// Change nothing in AWS: show what changed outside mdl and what no
    /// longer exists, ask, then record it in state (as `mdl plan
    /// --refresh-only` showed). The next plan then puts back only what the
    /// file says.
    #[arg(long, conflicts_with_all = ["target", "replace", "allow_destroy", "json", "timings"])]
    pub refresh_only: bool,
    /// Whether to read AWS first: --refresh=false takes what state
    /// recorded as what exists (faster; blind to changes made outside mdl
    /// and to what no longer exists).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
}

/// How apply and destroy run their steps.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow this protected resource (file system, database, cache) to be
    /// deleted or replaced; repeat for each. A module instance allows every
    /// protected resource in it. Examples: --allow-destroy efs.data,
    /// --allow-destroy module.vle
    #[arg(long, value_name = "ADDRESS")]
    pub allow_destroy: Vec<String>,
    /// How many resources may change at once (and how many reads of AWS
    /// run at once before).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Print where the time went: the wall time of the steps and the
    /// critical path, the longest chain of steps that had to run one after
    /// another (no parallelism can beat it), with each step's time.
    #[arg(long)]
    pub timings: bool,
    /// Print one JSON object a line on stdout for each event: the plan,
    /// each step started, still running, finished, failed, skipped or not
    /// started, and a summary (docs/apply-json.md); what is written for
    /// people goes to stderr. Needs --auto-approve (or, for apply, a saved
    /// plan).
    #[arg(long)]
    pub json: bool,
}

/// `mdl destroy`: what apply takes, but for what selects or replaces.
#[derive(Args, Debug)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Not offered: a destroy deletes the whole stack. Accepted only to
    /// say so, and what to do instead (Terraform's `destroy -target`).
    #[arg(long, hide = true, value_name = "ADDRESS")]
    pub target: Vec<String>,
}

impl DestroyArgs {
    fn as_apply(&self) -> ApplyArgs {
        ApplyArgs {
            file: self.file.clone(),
            aws: self.aws.clone(),
            select: super::Selection {
                target: self.target.clone(),
                replace: Vec::new(),
            },
            run: self.run.clone(),
            refresh_only: false,
            refresh: true,
        }
    }
}

/// `mdl destroy`.
pub fn run_destroy(ui: &Ui, args: &DestroyArgs) -> u8 {
    run(ui, &args.as_apply(), Mode::Destroy)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    Destroy,
}

pub fn run(ui: &Ui, args: &ApplyArgs, mode: Mode) -> u8 {
    if args.refresh_only && !args.refresh {
        return super::refuse_no_refresh(ui);
    }
    if args.refresh_only {
        return super::plan::refresh_only(
            ui,
            &args.file,
            &args.aws,
            super::plan::RefreshMode::Apply {
                auto_approve: args.run.auto_approve,
            },
        );
    }
    if mode == Mode::Apply
        && let Some(saved) = read_saved_plan(&args.file.file)
    {
        return run_saved(ui, args, &saved);
    }
    run_with(ui, args, mode, None)
}

/// A file `mdl plan --out` wrote, if this is one.
pub fn read_saved_plan(path: &std::path::Path) -> Option<SavedPlan> {
    saved_plan(path)?.ok()
}

/// What a file that reads as JSON is as a saved plan: `None` when it is not
/// JSON (a .moodle file, or none), the plan, or why it is not one this mdl
/// reads.
pub fn saved_plan(path: &std::path::Path) -> Option<Result<SavedPlan, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    if !text.trim_start().starts_with('{') {
        return None;
    }
    Some(match serde_json::from_str::<serde_json::Value>(&text) {
        Err(e) => Err(format!("is not valid JSON: {e}")),
        Ok(v) if v.get(SAVED_PLAN_KEY).is_none() => {
            Err("is JSON but not a saved plan (it has no `mdl_saved_plan`)".to_string())
        }
        Ok(v) => serde_json::from_value(v)
            .map_err(|e| format!("is a saved plan this mdl cannot read: {e}")),
    })
}

/// Apply a saved plan: load what it was made from, plan again, and go on
/// only if both the configuration and the plan are the same.
fn run_saved(ui: &Ui, args: &ApplyArgs, saved: &SavedPlan) -> u8 {
    // Only the params the plan withheld (secrets) are given again.
    let given_again: Vec<&str> = args
        .file
        .params
        .iter()
        .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim()))
        .collect();
    let missing: Vec<&String> = saved
        .withheld
        .iter()
        .filter(|w| !given_again.contains(&w.as_str()))
        .collect();
    if !missing.is_empty() {
        let mut sources = SourceMap::new();
        let d = command_line_diag(
            &mut sources,
            "cli::saved_plan_secrets",
            format!(
                "the saved plan does not hold the secret params {}",
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "in this command",
            format!(
                "pass them as when planning: {}",
                missing
                    .iter()
                    .map(|m| format!("-p {m}=..."))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
        ui.report(&[d], &sources);
        return 1;
    }
    if given_again
        .iter()
        .any(|g| !saved.withheld.iter().any(|w| w == g))
        || args.file.params_file.is_some()
        || !args.select.target.is_empty()
        || !args.select.replace.is_empty()
    {
        let mut sources = SourceMap::new();
        let d = command_line_diag(
            &mut sources,
            "cli::saved_plan_args",
            "a saved plan carries its own params, --target and --replace",
            "given again here",
            "apply the saved plan alone: `mdl apply PLAN`; or make a new plan with the new values",
        );
        ui.report(&[d], &sources);
        return 1;
    }
    let replayed = ApplyArgs {
        file: FileArgs {
            config: super::ConfigArgs {
                file: saved.file.clone(),
                params: saved
                    .params
                    .iter()
                    .chain(&args.file.params)
                    .cloned()
                    .collect(),
                params_file: saved.params_file.clone(),
            },
            stack: saved.stack.clone(),
            backend: args.file.backend.clone(),
        },
        aws: args.aws.clone(),
        select: super::Selection {
            target: saved.target.clone(),
            replace: saved.replace.clone(),
        },
        run: RunArgs {
            auto_approve: true,
            ..args.run.clone()
        },
        refresh_only: false,
        refresh: true,
    };
    let mode = if saved.destroy {
        Mode::Destroy
    } else {
        Mode::Apply
    };
    run_with(ui, &replayed, mode, Some(saved))
}

/// The version of the event stream's format (docs/apply-json.md).
const EVENTS_VERSION: u32 = 1;

/// One event of `--json`: its type, the stream's version, and the fields
/// of every object in `parts`.
fn event<const N: usize>(kind: &str, parts: [serde_json::Value; N]) {
    let mut m = serde_json::Map::new();
    m.insert("mdl_events".into(), EVENTS_VERSION.into());
    m.insert("type".into(), kind.into());
    for part in parts {
        if let serde_json::Value::Object(f) = part {
            m.extend(f);
        }
    }
    super::event(&serde_json::Value::Object(m));
}

/// The step an event is about.
fn step_json(s: &crate::apply::Step) -> serde_json::Value {
    serde_json::json!({
        "address": s.addr.to_string(),
        "action": match s.kind {
            StepKind::Create => "create",
            StepKind::Update => "update",
            StepKind::Delete => "delete",
        },
    })
}

fn run_with(ui: &Ui, args: &ApplyArgs, mode: Mode, saved: Option<&SavedPlan>) -> u8 {
    if args.run.json {
        if !args.run.auto_approve && saved.is_none() {
            let mut sources = crate::diagnostics::SourceMap::new();
            let d = command_line_diag(
                &mut sources,
                "cli::confirmation_required",
                "--json cannot ask for confirmation",
                "--json here",
                "pass --auto-approve, or apply a saved plan (`mdl plan --out PLAN`, then `mdl apply PLAN --json`)",
            );
            ui.report(&[d], &sources);
            return 1;
        }
        super::events_on_stdout();
    }
    let operation = asking(mode).0;
    let mut prepared = match prepare(
        ui,
        &args.file,
        &args.aws,
        &args.select,
        mode == Mode::Destroy,
        operation,
        crate::plan::ReadOptions {
            parallelism: usize::from(args.run.parallelism),
            per_resource: false,
            from_state: !args.refresh,
        },
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let style = ui.style();
    if let Some(saved) = saved
        && let Some(d) = engine::apply::stale(
            &mut prepared.loaded,
            &prepared.plan,
            &saved.config_digest,
            &saved.plan_digest,
        )
    {
        out!("{}", crate::plan::render::render(&prepared.plan, style));
        ui.report(&[d], &prepared.loaded.sources);
        return 1;
    }
    // Each allowed address names a resource or a module instance exactly.
    let allowed = match engine::plan::resolve_selection(
        &mut prepared.loaded,
        &prepared.state,
        &args.run.allow_destroy,
        true,
    ) {
        Ok(a) => a,
        Err(diags) => {
            ui.report(&diags, &prepared.loaded.sources);
            outln!("\nNothing was changed.");
            return 1;
        }
    };
    out!("{}", crate::plan::render::render(&prepared.plan, style));
    if args.run.json {
        event(
            "plan",
            [serde_json::json!({ "plan": crate::plan::json::to_json(&prepared.plan) })],
        );
    }
    if !prepared.plan.has_changes() || only_refactors(&prepared.plan) {
        if !prepared.forgotten.is_empty() && !args.run.auto_approve {
            let (command, question, _) = asking(mode);
            match super::ask_yes(command, question) {
                Ok(true) => {}
                _ => {
                    outln!("\nApply cancelled.");
                    return 1;
                }
            }
        }
        if let Err(code) = forget(ui, &mut prepared) {
            return code;
        }
        let Prepared {
            mut loaded,
            state,
            store,
            provider,
            plan,
            runtime,
            ..
        } = prepared;
        let before = state.outputs.clone();
        let mut new_state =
            engine::plan::record_live(&runtime, &plan, &loaded.config, provider, state);
        engine::apply::set_outputs(&loaded.config, &mut new_state, mode == Mode::Destroy);
        if let Err(code) = super::plan::save_state(ui, &mut loaded, &store, &new_state) {
            return code;
        }
        // Outputs that changed without a resource changing (a new output,
        // a lookup's new answer) are shown, as an apply shows them.
        if mode == Mode::Apply && new_state.outputs != before {
            print_outputs(&new_state);
        }
        if args.run.json {
            summary(true, [0; 6], &new_state);
        }
        return 0;
    }
    if let Err(diags) = engine::apply::protection(&mut prepared.loaded, &prepared.plan, &allowed) {
        ui.report(&diags, &prepared.loaded.sources);
        outln!("\nNothing was changed.");
        return 1;
    }
    if !args.run.auto_approve {
        let (command, question, declined) = asking(mode);
        let help = format!("pass --auto-approve to {command} without asking");
        let ask = super::Ask {
            command,
            question,
            declined,
            label: "this command needs a yes",
            help: &help,
        };
        if let Err(code) = super::approve(ui, &mut prepared.loaded.sources, &ask) {
            return code;
        }
    }
    if let Err(code) = forget(ui, &mut prepared) {
        return code;
    }
    outln!();
    let out = Mutex::new(std::io::stdout());
    let reporter = |e: Event<'_>| {
        let line = match e {
            Event::Started(s) => format!("{}: {}...", s.addr, s.kind.progressive()),
            Event::StillRunning(s, t) => format!(
                "{}: Still {}... [{}s elapsed]",
                s.addr,
                s.kind.progressive().to_lowercase(),
                t.as_secs()
            ),
            Event::Finished(s, Outcome::Done { elapsed, id }) => {
                let id = id
                    .as_ref()
                    .map(|i| format!(" [id={i}]"))
                    .unwrap_or_default();
                format!(
                    "{}: {} complete after {}s{id}",
                    s.addr,
                    s.kind.noun(),
                    elapsed.as_secs()
                )
            }
            Event::Finished(s, Outcome::Failed(_)) => {
                format!("{}: {} failed", s.addr, s.kind.noun())
            }
            Event::Finished(s, Outcome::Skipped { because }) => format!(
                "{}: skipped, because {} did not succeed",
                s.addr, because.addr
            ),
            Event::Finished(s, Outcome::Cancelled) => {
                format!("{}: not started (interrupted)", s.addr)
            }
        };
        tracing::info!("{line}");
        if args.run.json {
            match e {
                Event::Started(s) => event("started", [step_json(s)]),
                Event::StillRunning(s, t) => event(
                    "progress",
                    [
                        step_json(s),
                        serde_json::json!({ "elapsed_s": t.as_secs() }),
                    ],
                ),
                Event::Finished(s, Outcome::Done { elapsed, id }) => event(
                    "finished",
                    [
                        step_json(s),
                        serde_json::json!({ "elapsed_s": elapsed.as_secs(), "id": id }),
                    ],
                ),
                Event::Finished(s, Outcome::Failed(err)) => event(
                    "failed",
                    [
                        step_json(s),
                        serde_json::json!({
                            "service": err.service,
                            "operation": err.operation,
                            "code": err.code,
                            "message": err.message,
                        }),
                    ],
                ),
                Event::Finished(s, Outcome::Skipped { because }) => event(
                    "skipped",
                    [
                        step_json(s),
                        serde_json::json!({ "because": because.addr.to_string() }),
                    ],
                ),
                Event::Finished(s, Outcome::Cancelled) => event("not_started", [step_json(s)]),
            }
            return;
        }
        if let Ok(mut o) = out.lock() {
            let _ = writeln!(o, "{line}");
        }
    };
    // First SIGINT or SIGTERM (Ctrl-C, a CI cancel): start nothing new,
    // let the calls in flight finish, save state. A second one exits at
    // once, the lock released; state is saved after every step.
    let graceful = super::signals::graceful();
    let applied = engine::apply::execute(
        prepared,
        mode == Mode::Destroy,
        crate::apply::Pace::new(usize::from(args.run.parallelism)),
        &reporter,
        super::signals::cancelled(),
    );
    drop(graceful);
    let engine::apply::Applied {
        loaded,
        report,
        state: new_state,
        diags,
        saved,
    } = match applied {
        Ok(a) => a,
        Err(failed) => {
            ui.report(&failed.diags, &failed.sources);
            return 1;
        }
    };
    let done = |k: StepKind| {
        report
            .outcomes
            .iter()
            .filter(|(s, o)| s.kind == k && matches!(o, Outcome::Done { .. }))
            .count()
    };
    let failed = report.count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = report.count(|o| matches!(o, Outcome::Skipped { .. }));
    let cancelled = report.count(|o| matches!(o, Outcome::Cancelled));
    outln!();
    if args.run.timings {
        print_timings(&report);
    }
    let ok = diags.is_empty() && failed == 0 && skipped == 0 && cancelled == 0;
    if args.run.json {
        summary(
            ok,
            [
                done(StepKind::Create),
                done(StepKind::Update),
                done(StepKind::Delete),
                failed,
                skipped,
                cancelled,
            ],
            &new_state,
        );
    }
    if ok {
        if mode == Mode::Apply {
            outln!(
                "{}Apply complete!{} Resources: {} added, {} changed, {} destroyed.",
                style.bold,
                style.reset,
                done(StepKind::Create),
                done(StepKind::Update),
                done(StepKind::Delete)
            );
            print_outputs(&new_state);
        } else {
            outln!(
                "{}Destroy complete!{} Resources: {} destroyed.",
                style.bold,
                style.reset,
                done(StepKind::Delete)
            );
        }
        return 0;
    }
    ui.report(&diags, &loaded.sources);
    outln!(
        "{} incomplete: {} added, {} changed, {} destroyed; {failed} failed, {skipped} skipped, {cancelled} not started.",
        if mode == Mode::Apply {
            "Apply"
        } else {
            "Destroy"
        },
        done(StepKind::Create),
        done(StepKind::Update),
        done(StepKind::Delete)
    );
    for (s, o) in &report.outcomes {
        match o {
            Outcome::Failed(_) => {
                outln!("  failed:  {} ({})", s.addr, s.kind.noun().to_lowercase())
            }
            Outcome::Skipped { because } => {
                outln!("  skipped: {} (needs {})", s.addr, because.addr)
            }
            Outcome::Cancelled => outln!("  not started: {}", s.addr),
            Outcome::Done { .. } => {}
        }
    }
    if saved {
        outln!("State holds every step that finished; run `mdl plan` to see what remains.");
    } else {
        outln!(
            "The state could not be saved: see the error above for what it lacks and where a copy is."
        );
    }
    1
}

/// The last event of `--json`: counts, whether it all went through, and
/// the outputs (secret ones as "(sensitive)").
fn summary(ok: bool, counts: [usize; 6], state: &crate::state::State) {
    let [added, changed, destroyed, failed, skipped, not_started] = counts;
    event(
        "summary",
        [serde_json::json!({
            "ok": ok,
            "added": added,
            "changed": changed,
            "destroyed": destroyed,
            "failed": failed,
            "skipped": skipped,
            "not_started": not_started,
            "outputs": state.outputs_json(),
        })],
    );
}

/// `--timings`: wall time against the critical path, and its steps.
fn print_timings(report: &crate::apply::ApplyReport) {
    let secs = |d: std::time::Duration| d.as_secs_f64();
    let critical = report.critical_time();
    let ratio = if critical.is_zero() {
        String::new()
    } else {
        format!(
            " ({:.2}× the critical path)",
            secs(report.wall) / secs(critical)
        )
    };
    outln!(
        "Timings: {:.2} s from the first step to the last{ratio}; critical path {:.2} s in {} steps:",
        secs(report.wall),
        secs(critical),
        report.critical_path.len()
    );
    for (s, took) in &report.critical_path {
        outln!(
            "  {:>7.2} s  {} {}",
            secs(*took),
            s.kind.noun().to_lowercase(),
            s.addr
        );
    }
    outln!();
}

/// What apply and destroy ask (the command, the question), and say when
/// the answer is no.
fn asking(mode: Mode) -> (&'static str, &'static str, &'static str) {
    match mode {
        Mode::Apply => ("apply", "perform these actions", "\nApply cancelled."),
        Mode::Destroy => (
            "destroy",
            "destroy all resources of this stack",
            "\nDestroy cancelled.",
        ),
    }
}

/// Whether the plan only renames or forgets: nothing to do in AWS
/// besides untagging.
fn only_refactors(plan: &crate::plan::Plan) -> bool {
    !plan
        .changes
        .iter()
        .any(|c| c.action != crate::plan::Action::NoOp)
}

/// Remove the mdl tags of what `removed { keep = true }` blocks forget,
/// before anything else is changed: a failure stops the apply with state
/// as it was.
fn forget(ui: &Ui, prepared: &mut super::plan::Prepared) -> Result<(), u8> {
    for record in std::mem::take(&mut prepared.forgotten) {
        let untagged = prepared.runtime.block_on(super::state::untag(
            &prepared.provider,
            &record,
            &prepared.loaded.config.stack,
        ));
        match untagged {
            Ok(_) => outln!("{}: forgotten, left in AWS ({})", record.addr, record.id),
            Err(e) => {
                let d = command_line_diag(
                    &mut prepared.loaded.sources,
                    "cli::untag_failed",
                    format!("{}: {e}", record.addr),
                    "while running this command",
                    "nothing else was changed; the resource is still in state",
                );
                ui.report(&[d], &prepared.loaded.sources);
                return Err(1);
            }
        }
    }
    Ok(())
}

fn print_outputs(state: &crate::state::State) {
    if state.outputs.is_empty() {
        return;
    }
    outln!("\nOutputs:\n");
    for (k, v) in &state.outputs {
        outln!("{k} = {v}");
    }
}
