//! Applying a plan: the checks before anything changes (a saved plan
//! still current, protected resources allowed), the journaled executor
//! run with state saved after every step, the outputs, and what a failure
//! leaves, as diagnostics. Never prints: progress goes to the caller's
//! reporter.

use std::future::Future;

use super::plan::Prepared;
use super::{Loaded, command_line_diag, open};
use crate::addr::ResourceAddr;
use crate::apply::{ApplyReport, Event, Outcome, Pace};
use crate::diagnostics::Diagnostic;
use crate::plan::Plan;
use crate::state::{State, Store};

/// What an apply did.
pub struct Applied {
    pub loaded: Loaded,
    pub report: ApplyReport,
    /// The state as saved (or, when `saved` is false, as it should be).
    pub state: State,
    /// A diagnostic for each failed step, and one if state could not be
    /// saved.
    pub diags: Vec<Diagnostic>,
    /// State holds every step that finished.
    pub saved: bool,
}

/// `apply::stale_plan` when the saved plan no longer stands: the
/// configuration (`config_digest`) or what the plan would do now
/// (`plan_digest`) differs from when it was saved.
pub fn stale(
    loaded: &mut Loaded,
    plan: &Plan,
    config_digest: &str,
    plan_digest: &str,
) -> Option<Diagnostic> {
    let (message, label) = if super::plan::config_digest(loaded) != config_digest {
        (
            "the configuration changed since the plan was saved",
            "the .moodle file, a module it uses or a param value differs",
        )
    } else if crate::plan::json::digest(plan) != plan_digest {
        (
            "AWS or the state changed since the plan was saved",
            "the plan below is what applying now would do",
        )
    } else {
        return None;
    };
    Some(command_line_diag(
        &mut loaded.sources,
        "apply::stale_plan",
        message,
        label,
        "nothing was changed; make a new plan with `mdl plan --out` and review it",
    ))
}

/// Carry out the plan `prepare` made: state written once as it is (it
/// must be writable before AWS changes), then every step, at most
/// `pace.parallelism` at once, each reported to `reporter` and journaled;
/// `cancel` resolving starts nothing new. The lock is released at the end.
///
/// # Errors
/// `state::unwritable`: nothing was changed.
pub fn execute<H>(
    prepared: Prepared<H>,
    destroy: bool,
    pace: Pace,
    reporter: &(dyn Fn(Event<'_>) + Sync),
    cancel: impl Future<Output = ()>,
) -> Result<Applied, super::Failed> {
    let Prepared {
        mut loaded,
        state,
        store,
        lock,
        provider,
        plan,
        runtime,
        ..
    } = prepared;
    if let Err(d) = open::writable(&mut loaded.sources, &store, &state) {
        return Err(super::Failed::new(loaded.sources, vec![d]));
    }
    let (mut report, mut new_state) = runtime.block_on(crate::apply::apply(
        &plan,
        &loaded.config,
        provider,
        state,
        Some(store.clone()),
        pace,
        reporter,
        cancel,
    ));
    set_outputs(&loaded.config, &mut new_state, destroy);
    let save_error = store.save(&new_state).err().or(report.store_error.take());
    drop(lock);
    let mut diags: Vec<Diagnostic> = Vec::new();
    for (s, o) in &report.outcomes {
        if let Outcome::Failed(e) = o {
            diags.push(open::aws_failure(
                &mut loaded,
                "apply::failed",
                e,
                Some(&s.addr),
            ));
        }
    }
    let saved = save_error.is_none();
    if let Some(e) = save_error {
        let missing = unrecorded_changes(&store, &new_state);
        let kept = match store.recovery_copy(&new_state) {
            Ok(path) => format!(
                "a full copy of the state as it should be is in {}: once {} can be written, put it back there (for a local state, `mv` it over the state file)",
                path.display(),
                store.describe()
            ),
            Err(copy_error) => format!(
                "no copy of the state could be written either ({copy_error}); `mdl state rebuild FILE` finds them again by their tags"
            ),
        };
        diags.push(open::write_failed(
            &mut loaded.sources,
            format!(
                "{e}; no further step was started.\nAWS holds what the saved state does not record:\n{}",
                if missing.is_empty() {
                    "  (nothing: every finished step was saved)".to_string()
                } else {
                    missing.join("\n")
                }
            ),
            kept,
        ));
    }
    Ok(Applied {
        loaded,
        report,
        state: new_state,
        diags,
        saved,
    })
}

/// Refuse a plan that destroys a protected resource the user has not named.
pub fn protection(
    loaded: &mut Loaded,
    plan: &crate::plan::Plan,
    allowed: &[ResourceAddr],
) -> Result<(), Vec<Diagnostic>> {
    let mut diags = Vec::new();
    for c in plan.changes.iter().filter(|c| c.destroys_protected()) {
        if allowed.contains(&c.addr) {
            continue;
        }
        let what = if c.action == crate::plan::Action::Replace {
            "replace"
        } else {
            "destroy"
        };
        let message = format!(
            "refusing to {what} `{}`: it is protected and holds data",
            c.addr
        );
        // A block inside a module is not the user's to edit: the refusal
        // is on the module instance in the user's file, and says what
        // works there.
        let instance = top_instance(&c.addr.module).and_then(|path| {
            loaded
                .config
                .modules
                .get(&path)
                .map(|m| (path, m.block.name.span))
        });
        let help = match &instance {
            Some((path, _)) => format!(
                "if losing its data is intended, pass --allow-destroy {addr} (or --allow-destroy {path} for every protected resource of the module); a block inside a module takes `protect` only from the module's params",
                addr = c.addr
            ),
            None => format!(
                "if losing its data is intended, pass --allow-destroy {addr}, or set `protect = false` in the block and apply that first",
                addr = c.addr
            ),
        };
        let block = loaded.config.resources.get(&c.addr);
        diags.push(match (block, &instance) {
            (Some(r), Some((_, span))) => Diagnostic::error(
                "apply::protected_resource",
                message,
                *span,
                format!(
                    "its module instance; `{}` would be {}",
                    c.addr.local(),
                    if what == "replace" {
                        "replaced"
                    } else {
                        "destroyed"
                    }
                ),
            )
            .with_label(r.block.name.span, "the protected block, in the module")
            .with_help(help),
            (Some(r), None) => Diagnostic::error(
                "apply::protected_resource",
                message,
                r.block.name.span,
                format!(
                    "this would be {}",
                    if what == "replace" {
                        "replaced"
                    } else {
                        "destroyed"
                    }
                ),
            )
            .with_help(help),
            (None, _) => command_line_diag(
                &mut loaded.sources,
                "apply::protected_resource",
                message,
                "no longer in the file, so it would be destroyed",
                help,
            ),
        });
    }
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}

/// The module instance at the root of a module path (`module.vle` of
/// `module.vle.module.net`): the block the user wrote.
fn top_instance(module: &str) -> Option<String> {
    let rest = module.strip_prefix("module.")?;
    let mut depth = 0usize;
    let mut end = rest.len();
    for (i, ch) in rest.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    Some(format!("module.{}", &rest[..end]))
}

/// Evaluate the outputs against the new state.
pub fn set_outputs(config: &crate::lang::Config, state: &mut State, destroy: bool) {
    if destroy {
        state.outputs.clear();
        return;
    }
    let snapshot = state.clone();
    let eval = crate::lang::Evaluator::new(config, &snapshot);
    // An output that holds a secret value (alone or inside a longer
    // string) is recorded and shown as `(sensitive)`, never in clear.
    let secrets = super::plan::secret_values(config, &snapshot);
    state.outputs = config
        .outputs
        .iter()
        .map(|(name, o)| (name.clone(), eval.eval(&o.value, &mut Vec::new())))
        .filter(|(_, v)| !v.has_unknown())
        .map(|(name, v)| {
            if v.holds_any(&secrets) {
                (name, crate::value::Value::Sensitive)
            } else {
                (name, v)
            }
        })
        .collect();
}

/// What `state` records that the state in `store` does not, one line
/// each: resources created or changed (and their ids), and resources
/// deleted that the store still lists.
fn unrecorded_changes(store: &Store, state: &State) -> Vec<String> {
    let saved = store.load(&state.stack).unwrap_or_default();
    let mut lines = Vec::new();
    for (addr, r) in &state.resources {
        match saved.resources.get(addr) {
            Some(old) if old.id == r.id && old.pending == r.pending => {}
            _ if r.id.is_empty() => lines.push(format!("  {addr}: creation started, id not known")),
            _ => lines.push(format!("  {addr} = {}", r.id)),
        }
    }
    for (addr, r) in &saved.resources {
        if !state.resources.contains_key(addr) {
            lines.push(format!(
                "  {addr} ({}): deleted in AWS, still in the saved state",
                r.id
            ));
        }
    }
    lines
}
