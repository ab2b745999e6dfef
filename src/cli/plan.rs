//! `mdl plan`, and the preparation shared with apply and destroy: load,
//! lock, read state, refresh, diff.

use std::time::Instant;

use clap::Args;

use super::validate::{Loaded, load};
use super::{AwsArgs, FileArgs, Ui, command_line_diag};
use crate::diagnostics::SourceMap;
use crate::engine::open;
use crate::plan::{Plan, ReadOptions};
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
    /// Plan the deletion of everything the stack made, to review it; with
    /// --out, `mdl apply PLAN` then deletes exactly that.
    #[arg(long)]
    pub destroy: bool,
    /// Plan no change to AWS: only what changed outside mdl and what no
    /// longer exists, which `mdl apply --refresh-only` records in state.
    /// With --detailed-exitcode, 2 means there is something to record.
    #[arg(long, conflicts_with_all = ["destroy", "out", "target", "replace", "per_resource_reads"])]
    pub refresh_only: bool,
    /// Whether to read AWS first: --refresh=false takes what state
    /// recorded as what exists (faster; blind to changes made outside mdl
    /// and to what no longer exists).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
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
    /// A plan of the stack's deletion (`mdl plan --destroy --out`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub destroy: bool,
    /// Digest of the files read (the configuration and its modules) and
    /// the param values.
    pub config_digest: String,
    /// Digest of every change, secrets included as digests.
    pub plan_digest: String,
    /// The plan, secrets masked, for people and tools.
    pub plan: serde_json::Value,
}

/// What a plan found, under the lock the CLI releases on a signal.
pub type Prepared = crate::engine::plan::Prepared<super::signals::Held>;

/// Everything up to a plan, its diagnostics rendered. With `destroy`, the
/// plan deletes every resource of the stack.
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
    let loaded = load(ui, file)?;
    let load_took = started.elapsed();
    let request = crate::engine::plan::Request {
        file: &file.file,
        conn: aws.connection(),
        target: &select.target,
        replace: &select.replace,
        destroy,
        operation,
        reads,
    };
    match crate::engine::plan::prepare(loaded, &request, super::signals::hold) {
        Ok(mut prepared) => {
            prepared.timings.load = load_took;
            if !prepared.warnings.is_empty() {
                ui.report(&prepared.warnings, &prepared.loaded.sources);
            }
            Ok(prepared)
        }
        Err(failed) => {
            ui.report(&failed.diags, &failed.sources);
            Err(1)
        }
    }
}

pub fn run(ui: &Ui, args: &PlanArgs) -> u8 {
    if args.refresh_only && !args.refresh {
        return super::refuse_no_refresh(ui);
    }
    if args.refresh_only {
        return refresh_only(
            ui,
            &args.file,
            &args.aws,
            RefreshMode::Plan {
                json: args.json,
                detailed_exitcode: args.detailed_exitcode,
            },
        );
    }
    let reads = ReadOptions {
        parallelism: usize::from(args.parallelism),
        per_resource: args.per_resource_reads,
        from_state: !args.refresh,
    };
    let prepared = match prepare(
        ui,
        &args.file,
        &args.aws,
        &args.select,
        args.destroy,
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
        let secrets = crate::engine::plan::secret_values(&prepared.loaded.config, &prepared.state);
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
                            v.collect_strings(&mut held);
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
            destroy: args.destroy,
            config_digest: crate::engine::plan::config_digest(&prepared.loaded),
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

#[derive(Args, Debug)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `mdl refresh`: record in state what exists in AWS now, changing
/// nothing in AWS, without asking. Drift is shown first; afterwards it is
/// no longer drift, and the plan still puts back what the configuration
/// says.
pub fn run_refresh(ui: &Ui, args: &RefreshArgs) -> u8 {
    refresh_only(ui, &args.file, &args.aws, RefreshMode::Now)
}

/// What a refresh-only run does with what it found.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RefreshMode {
    /// `mdl plan --refresh-only`: show it, write nothing.
    Plan { json: bool, detailed_exitcode: bool },
    /// `mdl apply --refresh-only`: show it, ask, record it.
    Apply { auto_approve: bool },
    /// `mdl refresh`: record it, then say what it was.
    Now,
}

/// Refresh only: what changed outside mdl and what no longer exists,
/// shown as a plan whose only effect is on state.
pub fn refresh_only(ui: &Ui, file: &FileArgs, aws: &AwsArgs, mode: RefreshMode) -> u8 {
    let operation = match mode {
        RefreshMode::Plan { .. } => "plan",
        RefreshMode::Apply { .. } | RefreshMode::Now => "refresh",
    };
    let prepared = match prepare(
        ui,
        file,
        aws,
        &super::Selection::default(),
        false,
        operation,
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
    // What a refresh records: AWS as it is. Nothing is created, changed or
    // deleted.
    let shown = Plan {
        stack: plan.stack.clone(),
        drift: std::mem::take(&mut plan.drift),
        vanished: plan.vanished.clone(),
        never_created: plan.never_created.clone(),
        ..Plan::default()
    };
    plan.changes.retain(|c| c.prior.is_some());
    for c in &mut plan.changes {
        c.action = crate::plan::Action::NoOp;
    }
    let recorded = plan.changes.len();
    let news = shown.drift.len() + shown.vanished.len();
    let summary = if news == 0 {
        "No changes: the state matches what is in AWS.".to_string()
    } else {
        format!(
            "Refresh only: {} resource{} changed outside mdl, {} no longer in AWS. Applying records them in state; AWS is not changed.",
            shown.drift.len(),
            super::validate::plural(shown.drift.len()),
            shown.vanished.len()
        )
    };
    let render = || {
        let text = crate::plan::render::render(&shown, ui.style());
        // The sections only: the empty plan's "No changes." line is not
        // what a refresh means.
        for line in text.lines().take_while(|l| !l.contains("No changes.")) {
            outln!("{line}");
        }
    };
    match mode {
        RefreshMode::Plan {
            json,
            detailed_exitcode,
        } => {
            if json {
                let mut j = crate::plan::json::to_json(&shown);
                j["refresh_only"] = true.into();
                outln!("{}", serde_json::to_string_pretty(&j).unwrap_or_default());
            } else {
                render();
                outln!("{summary}");
                if news > 0 {
                    outln!(
                        "\n`mdl apply {} --refresh-only` records this in state.",
                        file.file.display()
                    );
                }
            }
            return if detailed_exitcode && news > 0 { 2 } else { 0 };
        }
        RefreshMode::Apply { auto_approve } => {
            render();
            outln!("{summary}");
            if news == 0 {
                return 0;
            }
            let ask = super::Ask {
                command: "apply --refresh-only",
                question: "record these in state",
                declined: "\nApply cancelled: the state was not changed.",
                label: "while running this command",
                help: "pass --auto-approve to record without asking",
            };
            if !auto_approve && let Err(code) = super::approve(ui, &mut loaded.sources, &ask) {
                return code;
            }
        }
        RefreshMode::Now => {}
    }
    let vanished = plan.vanished.len();
    let new_state =
        crate::engine::plan::record_live(&runtime, &plan, &loaded.config, provider, state);
    if let Err(code) = save_state(ui, &mut loaded, &store, &new_state) {
        return code;
    }
    drop(lock);
    if mode == RefreshMode::Now {
        render();
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
