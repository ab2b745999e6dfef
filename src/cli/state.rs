//! `mdl state`: look at and rearrange what state records, without
//! touching AWS.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Ui, command_line_diag};
use crate::diagnostics::SourceMap;
use crate::engine::open;
use crate::lang::ResourceAddr;
use crate::state::{State, Store};

#[derive(Args, Debug)]
pub struct StateArgs {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List the addresses state records, with their AWS ids.
    #[command(
        after_help = "Examples:\n  mdl state list prod.moodle\n  mdl state list prod.moodle --backend s3://uni-mdl-state/vle | grep aurora"
    )]
    List(StateFile),
    /// Show one resource as state records it: id, attributes, values AWS
    /// assigned, dependencies.
    #[command(
        after_help = "Examples:\n  mdl state show prod.moodle vpc.main\n  mdl state show prod.moodle module.vle.aurora_cluster.main\n\n`mdl show FILE` shows every resource at once."
    )]
    Show {
        #[command(flatten)]
        file: StateFile,
        /// Its address, such as module.vle.aurora_cluster.main.
        address: String,
    },
    /// Rename in state, so that the resource is kept rather than replaced
    /// when its block is renamed or moved into a module: a resource
    /// (`vpc.main module.net.vpc.main`) or everything in a module instance
    /// (`module.old module.new`).
    #[command(
        after_help = "Examples:\n  mdl state mv prod.moodle vpc.main vpc.campus              a renamed block\n  mdl state mv prod.moodle vpc.main module.net.vpc.main     a block moved into a module\n  mdl state mv prod.moodle module.old module.new            a renamed module instance\n\nA `moved { from = ...  to = ... }` block in the file does the same, reviewed in a plan."
    )]
    Mv {
        #[command(flatten)]
        file: StateFile,
        /// The address state records now: a resource (`vpc.main`) or a
        /// module instance (`module.old`).
        from: String,
        /// The address to record it under: the block's new address.
        to: String,
    },
    /// Stop managing a resource without deleting it: drop it from state and
    /// remove its mdl:stack and mdl:address tags in AWS, so that no later
    /// plan finds it (remove or rename its block too, or the next plan
    /// creates another).
    #[command(
        after_help = "Examples:\n  mdl state rm prod.moodle security_group.legacy\n\nA `removed { from = ...  keep = true }` block in the file does the same, reviewed in a plan."
    )]
    Rm {
        #[command(flatten)]
        file: StateFile,
        /// The resource to stop managing, such as security_group.legacy.
        address: String,
        #[command(flatten)]
        aws: super::AwsArgs,
    },
    /// Adopt what AWS holds for this stack but the state does not record:
    /// resources tagged mdl:stack with the stack's name and an mdl:address
    /// (after the state file was lost, say). A plan never changes or
    /// deletes such resources, since another directory may keep a stack of
    /// the same name; this lists them, asks, and records them.
    #[command(
        after_help = "Examples:\n  mdl state rebuild prod.moodle                  list, ask, record\n  mdl state rebuild prod.moodle --auto-approve   in CI, once the list is known"
    )]
    Rebuild(super::rebuild::RebuildArgs),
    /// Print the stack's state as it is kept (JSON), from the local file or
    /// the S3 backend: to keep a copy, or to move it.
    #[command(
        after_help = "Examples:\n  mdl state pull prod.moodle > prod.state.json\n  mdl state pull prod.moodle --backend s3://uni-mdl-state/vle | jq '.resources | length'"
    )]
    Pull(StateFile),
    /// Replace the stack's state with a state file (`-` for stdin), under
    /// the lock: to restore a copy, or to move state to another backend.
    /// Refused when it is another stack's, another account's, or older than
    /// the state it replaces (a lower serial), unless --force.
    #[command(
        after_help = "Examples:\n  mdl state pull prod.moodle > copy.json && mdl state push prod.moodle copy.json --backend s3://uni-mdl-state/vle\n  mdl state push prod.moodle backup.json --force   put an older copy back"
    )]
    Push {
        #[command(flatten)]
        file: StateFile,
        /// The state file to push, or `-` for stdin.
        state: PathBuf,
        /// Push even when it is older, or another stack's or account's.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub struct StateFile {
    /// The .moodle file whose state this is.
    pub file: PathBuf,
    /// The stack name (default: the file's `stack` declaration, else the
    /// file name without `.moodle`).
    #[arg(long)]
    pub stack: Option<String>,
    /// State in S3: `s3://BUCKET/PREFIX` (see `mdl plan --help`).
    #[arg(long, env = "MDL_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
}

#[derive(Args, Debug)]
pub struct ForceUnlockArgs {
    #[command(flatten)]
    pub file: StateFile,
    /// The lock's id, as the "locked" error shows it.
    pub id: String,
}

pub fn force_unlock(ui: &Ui, args: &ForceUnlockArgs) -> u8 {
    let mut sources = SourceMap::new();
    let mut fail = |code: &'static str, message: String, help: &str| {
        let d = command_line_diag(&mut sources, code, message, "in this command", help);
        ui.report(&[d], &sources);
        1u8
    };
    let (store, _) = match args.file.store() {
        Ok(x) => x,
        Err((sources, diags)) => {
            ui.report(&diags, &sources);
            return 1;
        }
    };
    match store.force_unlock(&args.id) {
        Ok(holder) => {
            outln!(
                "Released the lock of {} held by {holder}.",
                store.describe()
            );
            0
        }
        Err(e) => fail(
            "cli::unlock_refused",
            e,
            "pass the id the \"locked\" error shows, with the same --backend",
        ),
    }
}

/// Why state could not be opened: the diagnostics, with their sources.
pub type OpenError = (SourceMap, Vec<crate::diagnostics::Diagnostic>);

impl StateFile {
    /// The store and state, under the lock, for a command that changes it.
    fn locked(
        &self,
        operation: &str,
        wait: std::time::Duration,
    ) -> Result<(Store, String, super::signals::Held, State), OpenError> {
        let (store, stack) = self.store()?;
        let mut sources = SourceMap::new();
        let opened = open::lock(&mut sources, &store, operation, wait, super::signals::hold)
            .and_then(|lock| {
                open::state(&mut sources, &store, &stack, "run `mdl apply` first")
                    .map(|state| (lock, state))
            });
        match opened {
            Ok((lock, state)) => Ok((store, stack, lock, state)),
            Err(d) => Err((sources, vec![d])),
        }
    }

    /// The stack's state as kept (empty when none was saved), read without
    /// the lock; what went wrong is reported, and `Err` is the exit code.
    pub fn read(&self, ui: &Ui) -> Result<(String, State), u8> {
        let (store, stack) = self.store().map_err(|(sources, diags)| {
            ui.report(&diags, &sources);
            1u8
        })?;
        let mut here = SourceMap::new();
        match open::state(&mut here, &store, &stack, "run `mdl apply` first") {
            Ok(state) => Ok((stack, state)),
            Err(d) => {
                ui.report(&[d], &here);
                Err(1)
            }
        }
    }

    /// The store of the stack the file declares (or the flags name).
    pub fn store(&self) -> Result<(Store, String), OpenError> {
        let mut sources = SourceMap::new();
        let identity = match crate::engine::identity::of_file(
            &mut sources,
            &self.file,
            self.stack.as_deref(),
            self.backend.as_deref(),
        ) {
            Ok(i) => i,
            Err(diags) => return Err((sources, diags)),
        };
        match open::store(
            &mut sources,
            &self.file,
            &identity.stack,
            identity.backend.as_deref(),
            &crate::provider::aws::Connection::default(),
        ) {
            Ok(store) => Ok((store, identity.stack)),
            Err(d) => Err((sources, vec![d])),
        }
    }
}

pub fn run(ui: &Ui, args: &StateArgs) -> u8 {
    let mut sources = SourceMap::new();
    let mut fail = |code: &'static str, message: String, help: &str| {
        let d = command_line_diag(&mut sources, code, message, "in this command", help);
        ui.report(&[d], &sources);
        1u8
    };
    match &args.command {
        StateCommand::Rebuild(rebuild) => super::rebuild::run(ui, rebuild),
        StateCommand::Pull(file) => match file.read(ui) {
            Ok((_, state)) => {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&state.to_file()).unwrap_or_default()
                );
                0
            }
            Err(code) => code,
        },
        StateCommand::Push { file, state, force } => push(ui, file, state, *force),
        StateCommand::List(file) => {
            match file.read(ui) {
                Ok((_, state)) => {
                    let width = state
                        .resources
                        .keys()
                        .map(|a| a.to_string().len())
                        .max()
                        .unwrap_or(0);
                    for (addr, r) in &state.resources {
                        if r.pending {
                            // An intent from an interrupted or failed create.
                            let id = if r.id.is_empty() { "-" } else { &r.id };
                            outln!(
                                "{:<width$}  {id} (creation not confirmed; the next plan looks for it)",
                                addr.to_string()
                            );
                        } else {
                            outln!("{:<width$}  {}", addr.to_string(), r.id);
                        }
                    }
                    0
                }
                Err(code) => code,
            }
        }
        StateCommand::Show { file, address } => {
            let state = match file.read(ui) {
                Ok((_, state)) => state,
                Err(code) => return code,
            };
            let Some(r) = ResourceAddr::parse(address).and_then(|a| state.resources.get(&a)) else {
                let known: Vec<String> = state.resources.keys().map(ToString::to_string).collect();
                let hint = crate::diagnostics::suggest(address, known.iter().map(String::as_str))
                    .map_or_else(
                        || "`mdl state list` shows the addresses".to_string(),
                        |s| format!("did you mean `{s}`?"),
                    );
                return fail(
                    "cli::no_such_resource",
                    format!("state has no `{address}`"),
                    &hint,
                );
            };
            out!("{}", record_text(r));
            0
        }
        StateCommand::Rm { file, address, aws } => {
            let (store, stack, _lock, mut state) =
                match file.locked("state rm", aws.connection().lock_timeout) {
                    Ok(x) => x,
                    Err((sources, diags)) => {
                        ui.report(&diags, &sources);
                        return 1;
                    }
                };
            let Some(record) = ResourceAddr::parse(address)
                .and_then(|a| state.resources.get(&a))
                .cloned()
            else {
                let known: Vec<String> = state.resources.keys().map(ToString::to_string).collect();
                let hint = crate::diagnostics::suggest(address, known.iter().map(String::as_str))
                    .map_or_else(
                        || "`mdl state list` shows the addresses".to_string(),
                        |s| format!("did you mean `{s}`?"),
                    );
                return fail(
                    "cli::no_such_resource",
                    format!("state has no `{address}`"),
                    &hint,
                );
            };
            // Untagging changes AWS: only in the stack's own account and
            // region (and a resource missing from another account must
            // not be dropped from state as gone).
            let mut here = SourceMap::new();
            let checked = crate::engine::identity::of_file(
                &mut here,
                &file.file,
                file.stack.as_deref(),
                file.backend.as_deref(),
            )
            .and_then(|identity| {
                open::connect_to(&mut here, &aws.connection(), &identity, &mut state)
                    .map_err(|d| vec![d])
            });
            let (runtime, provider) = match checked {
                Ok(x) => x,
                Err(diags) => {
                    ui.report(&diags, &here);
                    return 1;
                }
            };
            let untagged = match runtime.block_on(untag(&provider, &record, &stack)) {
                Ok(u) => u,
                Err(e) => {
                    return fail(
                        "cli::untag_failed",
                        format!("{}: {e}", record.addr),
                        "nothing was changed; the resource is still managed",
                    );
                }
            };
            state.resources.shift_remove(&record.addr);
            state.serial += 1;
            if let Err(d) = open::save(
                &mut here,
                &store,
                &state,
                "its tags are already removed: restore them, or drop it from the state file by hand",
            ) {
                ui.report(&[d], &here);
                return 1;
            }
            outln!(
                "Removed {} ({}) from state; it still exists in AWS.",
                record.addr,
                record.id
            );
            match untagged {
                Untag::Done => outln!("Its mdl:stack and mdl:address tags are removed."),
                Untag::Gone => outln!("It no longer exists in AWS."),
                Untag::NotTagged => outln!(
                    "It carries no mdl tags that mdl can see here; if it has them, remove them by hand or the next plan finds it again."
                ),
            }
            0
        }
        StateCommand::Mv { file, from, to } => {
            let (store, _, _lock, mut state) =
                match file.locked("state mv", std::time::Duration::ZERO) {
                    Ok(x) => x,
                    Err((sources, diags)) => {
                        ui.report(&diags, &sources);
                        return 1;
                    }
                };
            let moves = match crate::state::moves::plan(&state, from, to) {
                Ok(m) => m,
                Err((message, help)) => return fail("cli::cannot_move", message, &help),
            };
            crate::state::moves::apply(&mut state, &moves);
            state.serial += 1;
            let mut here = SourceMap::new();
            if let Err(d) = open::save(
                &mut here,
                &store,
                &state,
                "nothing was changed; check the permissions of the .mdl directory",
            ) {
                ui.report(&[d], &here);
                return 1;
            }
            for (old, new) in &moves {
                outln!("Moved {old} to {new}");
            }
            outln!(
                "{} resource{} moved. Their mdl:address tags in AWS still name the old addresses: the next plan shows them, and apply rewrites them.",
                moves.len(),
                super::validate::plural(moves.len())
            );
            0
        }
    }
}

use crate::value::Value;

/// `mdl state push FILE STATE`.
fn push(ui: &Ui, file: &StateFile, path: &std::path::Path, force: bool) -> u8 {
    let mut sources = SourceMap::new();
    let mut fail = |code: &'static str, message: String, help: &str| {
        let d = command_line_diag(&mut sources, code, message, "in this command", help);
        ui.report(&[d], &sources);
        1u8
    };
    let text = if path.as_os_str() == "-" {
        let mut text = Vec::new();
        match std::io::Read::read_to_end(&mut std::io::stdin(), &mut text) {
            Ok(_) => text,
            Err(e) => {
                return fail(
                    "cli::unreadable_file",
                    format!("cannot read stdin: {e}"),
                    "pipe a state file in",
                );
            }
        }
    } else {
        match crate::lang::files::read_given(path) {
            Ok(t) => t.into_bytes(),
            Err(e) => {
                return fail(
                    "cli::unreadable_file",
                    format!("cannot read `{}`: {e}", path.display()),
                    "give a state file written by `mdl state pull`",
                );
            }
        }
    };
    let mut pushed = match State::parse(&text) {
        Ok(s) => s,
        Err(e) => {
            return fail(
                "cli::invalid_state",
                format!("`{}` is not a state file: {e}", path.display()),
                "give a state file written by `mdl state pull` (or kept in .mdl/)",
            );
        }
    };
    let (store, stack, _lock, current) = match file.locked("state push", std::time::Duration::ZERO)
    {
        Ok(x) => x,
        Err((sources, diags)) => {
            ui.report(&diags, &sources);
            return 1;
        }
    };
    let mut refusals = Vec::new();
    if pushed.stack != stack {
        refusals.push(format!(
            "it is the state of the stack `{}`, not `{stack}`",
            pushed.stack
        ));
    }
    if let (Some(a), Some(b)) = (&pushed.account_id, &current.account_id)
        && a != b
    {
        refusals.push(format!(
            "it is in the account {a}, and the stack's state in {b}"
        ));
    }
    if pushed.serial < current.serial {
        refusals.push(format!(
            "it is older than the state it would replace (serial {} against {})",
            pushed.serial, current.serial
        ));
    }
    if !refusals.is_empty() && !force {
        return fail(
            "cli::push_refused",
            format!("not pushing `{}`: {}", path.display(), refusals.join("; ")),
            "check that it is the right file; --force pushes it anyway",
        );
    }
    pushed.stack = stack;
    pushed.serial = pushed.serial.max(current.serial) + 1;
    let mut here = SourceMap::new();
    if let Err(d) = open::save(&mut here, &store, &pushed, "the state was left as it was") {
        ui.report(&[d], &here);
        return 1;
    }
    outln!(
        "Pushed {} resources to {} (serial {}).",
        pushed.resources.len(),
        store.describe(),
        pushed.serial
    );
    0
}

pub(super) enum Untag {
    Done,
    Gone,
    NotTagged,
}

/// Remove the resource's mdl:stack and mdl:address tags: an update whose
/// only difference is those tags.
pub(super) async fn untag(
    provider: &crate::provider::aws::AwsProvider,
    record: &crate::state::ResourceRecord,
    stack: &str,
) -> Result<Untag, crate::provider::ProviderError> {
    use crate::provider::{ApplyRequest, Operation, Provider, ReadRequest};
    let Some(kind) = crate::kinds::schema(&record.addr.kind) else {
        return Ok(Untag::NotTagged);
    };
    if !kind.taggable {
        return Ok(Untag::NotTagged);
    }
    {
        let found = provider
            .read(ReadRequest {
                kind,
                stack,
                known_ids: vec![record.id.clone()],
                // Its tags as they are in AWS, not as state last saw them:
                // some readers take a known resource's tags from state.
                full: true,
                ids_only: false,
                share: &crate::provider::ReadShare::default(),
            })
            .await?
            .resources
            .into_iter()
            .find(|r| r.id == record.id);
        let Some(live) = found else {
            return Ok(Untag::Gone);
        };
        if live.addr.is_none() && live.stack.is_none() {
            return Ok(Untag::NotTagged);
        }
        let mut prior = live.clone();
        let attrs = live.attrs.clone();
        if let Value::Map(tags) = prior
            .attrs
            .entry("tags".to_string())
            .or_insert_with(|| Value::Map(Default::default()))
        {
            if let Some(a) = &live.addr {
                tags.insert(
                    crate::provider::ADDRESS_TAG.into(),
                    Value::String(a.to_string()),
                );
            }
            if let Some(s) = &live.stack {
                tags.insert(crate::provider::STACK_TAG.into(), Value::String(s.clone()));
            }
        }
        provider
            .apply(ApplyRequest {
                addr: &record.addr,
                kind,
                stack,
                op: Operation::Update { prior, attrs },
                protected: record.protected,
            })
            .await?;
        Ok(Untag::Done)
    }
}

/// A secret as state keeps it (a digest map) shown as what it is.
pub fn shown(v: &Value) -> Value {
    match v {
        Value::Map(m) if m.len() == 1 && m.contains_key(crate::schema::DIGEST_KEY) => {
            Value::Sensitive
        }
        other => other.clone(),
    }
}

/// One resource as state records it: id, attributes, values AWS assigned,
/// dependencies, protection.
pub fn record_text(r: &crate::state::ResourceRecord) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "# {}", r.addr);
    let _ = writeln!(o, "id = {}", Value::str(&r.id));
    for (k, v) in &r.attrs {
        let _ = writeln!(o, "{k} = {}", shown(v));
    }
    if !r.computed.is_empty() {
        let _ = writeln!(o, "\n# assigned by AWS");
        for (k, v) in &r.computed {
            let _ = writeln!(o, "{k} = {}", shown(v));
        }
    }
    if !r.dependencies.is_empty() {
        let _ = writeln!(o, "\n# depends on");
        for d in &r.dependencies {
            let _ = writeln!(o, "{d}");
        }
    }
    if r.protected {
        let _ = writeln!(
            o,
            "\n# protected: deleting or replacing it needs --allow-destroy"
        );
    }
    if r.pending {
        let _ = writeln!(
            o,
            "\n# its creation was started and not seen to finish: the next plan looks for it"
        );
    }
    o
}
