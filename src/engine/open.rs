//! Opening a stack for a command: its state store (the local file or the
//! S3 backend), the lock, the state, the async runtime and a provider
//! connected to AWS. Every command that reads or changes a stack's state
//! opens it here, so a failure says the same thing whichever command met
//! it. Each step returns a diagnostic on the command line; the caller
//! renders it.

use std::path::Path;

use super::command_line_diag;
use crate::diagnostics::{Diagnostic, SourceMap};
use crate::provider::ProviderError;
use crate::provider::aws::{AwsProvider, Connection};
use crate::state::{State, StateLock, Store};

/// What to do about the held lock of this store.
fn locked_help(store: &Store) -> &'static str {
    if store.local().is_some() {
        "wait for it to finish: a local lock is released when its process ends, however it ends"
    } else {
        "wait for it to finish; if that run is gone, `mdl force-unlock FILE ID` releases it (its lock id is above)"
    }
}

/// What to do about a state file that cannot be read.
pub const UNREADABLE_HELP: &str = "restore the file from a backup, or move it away and run `mdl state rebuild FILE`, which finds the resources by their mdl:* tags";

const LABEL: &str = "while running this command";

/// The state store of `stack`: the local file beside `file`, or the S3
/// backend `--backend` (or MDL_BACKEND) names, reached with the standard
/// AWS settings.
///
/// # Errors
/// `state::backend`: a bad URL, or no region for the bucket.
pub fn store(
    sources: &mut SourceMap,
    file: &Path,
    stack: &str,
    backend: Option<&str>,
    conn: &Connection,
) -> Result<Store, Diagnostic> {
    let opened = match backend.filter(|b| !b.is_empty()) {
        None => Ok(crate::state::LocalStore::for_config(file, stack).into()),
        Some(url) => crate::provider::aws::s3::S3Backend::connect(url, conn)
            .map(|(backend, prefix)| Store::remote(std::sync::Arc::new(backend), &prefix, stack)),
    };
    opened.map_err(|e| {
        command_line_diag(
            sources,
            "state::backend",
            e,
            LABEL,
            "--backend takes s3://BUCKET/PREFIX",
        )
    })
}

/// Where long waits are reported (the CLI: stderr): for the state lock,
/// for AWS to answer the first call.
static WAIT: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

/// Report long waits through `report`.
pub fn on_wait(report: fn(&str)) {
    let _ = WAIT.set(report);
}

fn waiting(line: &str) {
    if let Some(report) = WAIT.get() {
        report(line);
    }
}

/// The lock, waiting up to `wait` while another run holds it: said once,
/// then every 10 s.
fn lock_waiting(
    store: &Store,
    operation: &str,
    wait: std::time::Duration,
) -> Result<StateLock, crate::state::LockError> {
    let started = std::time::Instant::now();
    let mut said = None::<std::time::Instant>;
    // A plan writes no state: plans share the lock, and only a run that
    // writes the state holds it alone.
    let take = || {
        if operation == "plan" {
            store.lock_to_read(operation)
        } else {
            store.lock(operation)
        }
    };
    loop {
        match take() {
            // A signal meanwhile ends the process (cli::signals).
            Err(crate::state::LockError::Held { holder, .. }) if started.elapsed() < wait => {
                if said.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(10)) {
                    waiting(&format!(
                        "Waiting for the state lock, held by {holder}... [{}s of {}s]",
                        started.elapsed().as_secs(),
                        wait.as_secs()
                    ));
                    said = Some(std::time::Instant::now());
                }
                std::thread::sleep(std::time::Duration::from_millis(500).min(wait));
            }
            other => return other,
        }
    }
}

/// The stack's lock, for `operation`, held by what `hold` makes of it (the
/// CLI releases it on a signal); another run's lock is waited for up to
/// `wait` (`--lock-timeout`).
///
/// # Errors
/// `state::locked`: another run holds it.
pub fn lock<H>(
    sources: &mut SourceMap,
    store: &Store,
    operation: &str,
    wait: std::time::Duration,
    hold: impl FnOnce(StateLock) -> H,
) -> Result<H, Diagnostic> {
    lock_waiting(store, operation, wait).map(hold).map_err(|e| {
        let help = match &e {
            crate::state::LockError::Foreign { path } => format!(
                "an object is where mdl keeps the lock, and mdl did not write it: if no other tool uses the state, delete it (`aws s3 rm {}`) and run again",
                path.display()
            ),
            _ if !wait.is_zero() => format!(
                "it was still held after {}s (--lock-timeout); {}",
                wait.as_secs(),
                locked_help(store)
            ),
            _ => format!("{}; --lock-timeout 5m waits for it", locked_help(store)),
        };
        command_line_diag(sources, "state::locked", e.to_string(), LABEL, help)
    })
}

/// The stack's state (empty when none was saved yet).
///
/// # Errors
/// `state::unreadable`, with `help`.
pub fn state(
    sources: &mut SourceMap,
    store: &Store,
    stack: &str,
    help: &str,
) -> Result<State, Diagnostic> {
    store
        .load(stack)
        .map_err(|e| command_line_diag(sources, "state::unreadable", e.to_string(), LABEL, help))
}

/// Save `state`.
///
/// # Errors
/// `state::write_failed`, with `help` (what was at stake).
pub fn save(
    sources: &mut SourceMap,
    store: &Store,
    state: &State,
    help: &str,
) -> Result<(), Diagnostic> {
    store
        .save(state)
        .map_err(|e| write_failed(sources, e.to_string(), help))
}

/// `state::write_failed`: state could not be saved, `message` says what
/// that leaves.
pub fn write_failed(
    sources: &mut SourceMap,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Diagnostic {
    command_line_diag(
        sources,
        "state::write_failed",
        message,
        "while saving state",
        help,
    )
}

/// Save `state` as it is before changing AWS: mdl saves state after every
/// step and changes nothing it could not record.
///
/// # Errors
/// `state::unwritable`.
pub fn writable(sources: &mut SourceMap, store: &Store, state: &State) -> Result<(), Diagnostic> {
    store.save(state).map_err(|e| {
        command_line_diag(
            sources,
            "state::unwritable",
            format!("{e}; nothing was changed"),
            "while checking that state can be saved",
            "mdl saves state after every step and will not change AWS without it: fix the permissions or the backend, then run again",
        )
    })
}

/// The async runtime a command's AWS calls run on.
///
/// # Errors
/// `engine::runtime`: the operating system refused its threads.
pub fn runtime(sources: &mut SourceMap) -> Result<tokio::runtime::Runtime, Diagnostic> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Steps evaluate expressions once their dependencies are known.
        .thread_stack_size(16 * 1024 * 1024)
        .enable_all()
        .build()
        .map_err(|e| {
            command_line_diag(
                sources,
                "engine::runtime",
                format!("cannot start the async runtime: {e}"),
                LABEL,
                "the operating system refused mdl its threads; check the process limits (`ulimit -u`)",
            )
        })
}

/// A provider for `conn`. Its clients are built as the run needs them.
///
/// # Errors
/// `aws::config`: no region.
pub fn connect(
    sources: &mut SourceMap,
    runtime: &tokio::runtime::Runtime,
    conn: &Connection,
) -> Result<AwsProvider, Diagnostic> {
    runtime
        .block_on(AwsProvider::connect(conn))
        .map_err(|e| no_configuration(sources, &e))
}

/// `aws::config`: the SDK could not be set up.
pub fn no_configuration(sources: &mut SourceMap, e: &ProviderError) -> Diagnostic {
    command_line_diag(
        sources,
        "aws::config",
        e.message.clone(),
        LABEL,
        "set AWS_REGION=eu-west-2 (for example) or pass --region",
    )
}

/// A runtime and a provider in the account and region the stack names
/// (`identity::confirm_where`, which records them in `state` the first
/// time).
///
/// # Errors
/// `engine::runtime`, `aws::config`, or the identity's refusal.
pub fn connect_to(
    sources: &mut SourceMap,
    conn: &Connection,
    identity: &super::identity::Identity,
    state: &mut State,
) -> Result<(tokio::runtime::Runtime, AwsProvider), Diagnostic> {
    let runtime = runtime(sources)?;
    let provider = connect(sources, &runtime, conn)?;
    // The first call is where an endpoint that does not answer shows: said
    // after 3 s, then every 5 s, until it answers or fails.
    let done = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let watcher = {
        let done = std::sync::Arc::clone(&done);
        let endpoint = conn
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .unwrap_or_else(|| format!("AWS in {}", provider.region));
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let (lock, cvar) = &*done;
            let mut finished = lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut pause = std::time::Duration::from_secs(3);
            while !*finished {
                let (guard, timeout) = cvar
                    .wait_timeout(finished, pause)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                finished = guard;
                if timeout.timed_out() && !*finished {
                    waiting(&format!(
                        "Still connecting to {endpoint}... [{}s elapsed]",
                        started.elapsed().as_secs()
                    ));
                    pause = std::time::Duration::from_secs(5);
                }
            }
        })
    };
    let confirmed = super::identity::confirm_where(&runtime, &provider, sources, identity, state);
    {
        let (lock, cvar) = &*done;
        *lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        cvar.notify_all();
    }
    let _ = watcher.join();
    confirmed?;
    Ok((runtime, provider))
}

/// An AWS failure as a diagnostic on the block of the resource involved,
/// else on the command line.
pub fn aws_failure(
    loaded: &mut super::Loaded,
    code: &'static str,
    e: &ProviderError,
    addr: Option<&crate::addr::ResourceAddr>,
) -> Diagnostic {
    let help = aws_help(e);
    let addr = addr.or(e.addr.as_deref());
    let message = match addr {
        Some(a) => format!("{a}: {e}"),
        None => e.to_string(),
    };
    match addr.and_then(|a| {
        loaded
            .config
            .resources
            .get(a)
            .or_else(|| loaded.config.lookups.get(a))
    }) {
        Some(r) => Diagnostic::error(
            code,
            message,
            r.block.name.span,
            "AWS refused this resource",
        )
        .with_help(help),
        None => command_line_diag(&mut loaded.sources, code, message, LABEL, help),
    }
}

/// `aws::read_failed` for the resources of a CloudFormation stack.
pub fn stack_unread(sources: &mut SourceMap, e: &ProviderError) -> Diagnostic {
    command_line_diag(
        sources,
        "aws::read_failed",
        e.to_string(),
        LABEL,
        "nothing was written; check the credentials' read permissions",
    )
}

/// `aws::read_failed`: reading what exists failed.
pub fn read_failed(
    loaded: &mut super::Loaded,
    e: &ProviderError,
    addr: Option<&crate::addr::ResourceAddr>,
) -> Diagnostic {
    aws_failure(loaded, "aws::read_failed", e, addr)
}

pub(super) fn aws_help(e: &ProviderError) -> String {
    match e.code.as_deref() {
        Some("NoCredentials") => {
            "set AWS_PROFILE (after `aws sso login` for an SSO profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into()
        }
        Some("Unreachable" | "ConnectTimeout") => {
            "check the network, and AWS_ENDPOINT_URL or --endpoint-url if set; --connect-timeout bounds each attempt".into()
        }
        Some(c) if c.contains("Conflict") || c.contains("InvalidSubnet.Range") => {
            "a CIDR block overlaps or lies outside its VPC: check cidr_block values".into()
        }
        Some(c) if c.contains("DependencyViolation") => {
            "something outside this stack still uses the resource; remove that first".into()
        }
        Some(c)
            if c.contains("UnauthorizedOperation")
                || c.contains("AuthFailure")
                || c.contains("AccessDenied") =>
        {
            "the credentials in use may not do this; check the IAM policy of the profile or role"
                .into()
        }
        Some(c) if c.contains("NotFound") => {
            "it was changed outside mdl; run `mdl plan` again to see the current state".into()
        }
        Some(c) if c.contains("LimitExceeded") => {
            "an account quota is reached; ask AWS for a higher limit or remove unused resources"
                .into()
        }
        _ => "the AWS message above says what was wrong; `mdl plan` shows the current state".into(),
    }
}
