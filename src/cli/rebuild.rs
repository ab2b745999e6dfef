//! `mdl state rebuild`: the explicit step that adopts resources found only
//! by their `mdl:stack` and `mdl:address` tags. A plan never changes or
//! deletes such resources (they may be another directory's copy of the
//! stack); this command shows them, asks, and records them in state.

use clap::Args;
use indexmap::IndexMap;

use super::plan::{Prepared, prepare};
use super::{AwsArgs, FileArgs, Ui};
use crate::lang::ResourceAddr;
use crate::plan::{Action, Change, Plan, ReadOptions};
use crate::provider::LiveResource;

#[derive(Args, Debug)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Record what was found without asking.
    #[arg(long)]
    pub auto_approve: bool,
}

/// What was found, sorted out: to record, and to leave alone.
struct Found {
    adopt: Vec<(ResourceAddr, LiveResource)>,
    /// Found at an address the state records with another id, or at one
    /// address twice: which is this estate's cannot be told from tags.
    left: Vec<(ResourceAddr, String, String)>,
}

fn sort_out(state: &crate::state::State, found: Vec<(ResourceAddr, LiveResource)>) -> Found {
    let mut by_addr: IndexMap<ResourceAddr, Vec<LiveResource>> = IndexMap::new();
    for (addr, r) in found {
        by_addr.entry(addr).or_default().push(r);
    }
    let mut out = Found {
        adopt: Vec::new(),
        left: Vec::new(),
    };
    for (addr, mut rs) in by_addr {
        if let Some(rec) = state.resources.get(&addr).filter(|r| !r.pending) {
            for r in rs {
                out.left.push((
                    addr.clone(),
                    r.id,
                    format!("the state records `{addr}` as {}", rec.id),
                ));
            }
        } else if rs.len() > 1 {
            let ids: Vec<String> = rs.iter().map(|r| r.id.clone()).collect();
            for r in rs {
                out.left.push((
                    addr.clone(),
                    r.id,
                    format!(
                        "{} resources carry this address: {}",
                        ids.len(),
                        ids.join(", ")
                    ),
                ));
            }
        } else if let Some(r) = rs.pop() {
            out.adopt.push((addr, r));
        }
    }
    out
}

pub fn run(ui: &Ui, args: &RebuildArgs) -> u8 {
    let Prepared {
        mut loaded,
        state,
        store,
        lock,
        provider,
        plan,
        runtime,
        unrecorded,
        ..
    } = match prepare(
        ui,
        &args.file,
        &args.aws,
        &super::Selection::default(),
        false,
        "state rebuild",
        ReadOptions::default(),
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let stack = loaded.config.stack.clone();
    let found = sort_out(&state, unrecorded);
    if found.adopt.is_empty() && found.left.is_empty() {
        outln!(
            "Nothing to rebuild: every resource in AWS tagged mdl:stack = \"{stack}\" is recorded in its state."
        );
        return 0;
    }
    if !found.adopt.is_empty() {
        outln!(
            "Found {} resource{} tagged mdl:stack = \"{stack}\" that the state does not record:",
            found.adopt.len(),
            super::validate::plural(found.adopt.len())
        );
        for (addr, r) in &found.adopt {
            let configured = if loaded.config.resources.contains_key(addr) {
                ""
            } else {
                "  (no longer in the configuration: the next plan deletes it)"
            };
            outln!("  {addr}  {}{configured}", r.id);
        }
    }
    if !found.left.is_empty() {
        outln!("\nLeft alone, since which one is this estate's cannot be told from the tags:");
        for (addr, id, why) in &found.left {
            outln!("  {addr}  {id}: {why}");
        }
    }
    if found.adopt.is_empty() {
        return 0;
    }
    if !args.auto_approve {
        let question = format!(
            "record these in the state of stack `{stack}`, so that mdl manages (and may delete) them"
        );
        let ask = super::Ask {
            command: "state rebuild",
            question: &question,
            declined: "Nothing was recorded.",
            label: "in this command",
            help: "check the list above, then pass --auto-approve",
        };
        if let Err(code) = super::approve(ui, &mut loaded.sources, &ask) {
            return code;
        }
    }
    let n = found.adopt.len();
    let record = Plan {
        stack: stack.clone(),
        changes: found
            .adopt
            .into_iter()
            .filter_map(|(addr, live)| noop(&plan, addr, live))
            .collect(),
        ..Plan::default()
    };
    let new_state =
        crate::engine::plan::record_live(&runtime, &record, &loaded.config, provider, state);
    if let Err(code) = super::plan::save_state(ui, &mut loaded, &store, &new_state) {
        return code;
    }
    drop(lock);
    outln!(
        "Recorded {n} resource{} in the state of stack `{stack}` ({}). `mdl plan` now manages {}.",
        super::validate::plural(n),
        store.describe(),
        if n == 1 { "it" } else { "them" }
    );
    0
}

/// A change that records `live` at `addr` as it is. Refresh found it as
/// a resource of the kind its address names, so the kind is known.
fn noop(plan: &Plan, addr: ResourceAddr, live: LiveResource) -> Option<Change> {
    // The planned change of a configured block (a create, since the state
    // did not know it) carries its dependencies and protection.
    let planned = plan.changes.iter().find(|c| c.addr == addr);
    let kind = crate::kinds::schema(&addr.kind)?;
    Some(Change {
        kind,
        action: Action::NoOp,
        after: IndexMap::new(),
        changes: Vec::new(),
        span: None,
        dependencies: planned.map(|c| c.dependencies.clone()).unwrap_or_default(),
        prior_dependencies: Vec::new(),
        protected: planned.map_or(kind.protected, |c| c.protected),
        addr,
        prior: Some(live),
        adopt: false,
    })
}
