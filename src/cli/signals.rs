//! SIGINT and SIGTERM, handled alike: CI systems cancel a job with SIGINT,
//! then SIGTERM, then SIGKILL (GitHub Actions: 7.5 s, then 2.5 s).
//!
//! While an apply's steps run, the first signal stops new steps from
//! starting (the calls in flight finish, each finished step is journaled);
//! a second stops mdl at once, its state lock released. At any other time
//! one signal is enough: the lock is released and mdl exits 130, so that
//! no remote lock outlives an interrupted `mdl plan`.
//!
//! One thread listens for both signals from the start of the process, so
//! that no signal arrives before a handler exists.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::state::StateLock;

/// The state lock this process holds, to release before exiting on a
/// signal.
static HELD: Mutex<Option<StateLock>> = Mutex::new(None);

/// Set while an apply's steps run: the first signal only cancels.
static GRACEFUL: AtomicBool = AtomicBool::new(false);

/// How many signals have arrived.
static COUNT: OnceLock<tokio::sync::watch::Sender<u32>> = OnceLock::new();

fn count() -> &'static tokio::sync::watch::Sender<u32> {
    COUNT.get_or_init(|| tokio::sync::watch::Sender::new(0))
}

/// Start listening for SIGINT and SIGTERM; returns once both are handled.
pub fn listen() {
    let (ready, registered) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("mdl-signals".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
            else {
                let _ = ready.send(());
                return;
            };
            let streams = {
                let _guard = runtime.enter();
                use tokio::signal::unix::{SignalKind, signal};
                signal(SignalKind::interrupt())
                    .and_then(|int| signal(SignalKind::terminate()).map(|term| (int, term)))
            };
            let _ = ready.send(());
            let Ok((mut int, mut term)) = streams else {
                return;
            };
            loop {
                let name = runtime.block_on(async {
                    tokio::select! {
                        _ = int.recv() => "SIGINT",
                        _ = term.recv() => "SIGTERM",
                    }
                });
                on_signal(name);
            }
        });
    if spawned.is_ok() {
        let _ = registered.recv();
    }
}

/// What a signal does: cancel a running apply the first time, else stop.
fn on_signal(name: &str) {
    let mut n = 0;
    count().send_modify(|c| {
        *c += 1;
        n = *c;
    });
    if GRACEFUL.load(Ordering::SeqCst) && n == 1 {
        eprintln!(
            "\nmdl: interrupted ({name}); finishing the calls in flight and saving state (Ctrl-C again to stop at once)"
        );
        return;
    }
    // Not inside the lock's guard: releasing a remote lock is a call.
    let held = HELD.lock().ok().and_then(|mut h| h.take());
    let released = held.is_some();
    drop(held);
    if GRACEFUL.load(Ordering::SeqCst) {
        eprintln!("mdl: stopped ({name}); state holds every step that finished");
    } else if released {
        eprintln!(
            "\nmdl: interrupted ({name}); nothing was changed, and the state lock is released"
        );
    } else {
        eprintln!("\nmdl: interrupted ({name})");
    }
    std::process::exit(130);
}

/// A state lock held by this process: released when dropped, or by a
/// signal before mdl exits.
pub struct Held(());

/// Hold `lock` so that a signal releases it.
pub fn hold(lock: StateLock) -> Held {
    if let Ok(mut slot) = HELD.lock() {
        *slot = Some(lock);
    }
    Held(())
}

impl Drop for Held {
    fn drop(&mut self) {
        let lock = HELD.lock().ok().and_then(|mut h| h.take());
        drop(lock);
    }
}

/// While this lives, the first signal cancels instead of stopping.
pub struct Graceful(());

pub fn graceful() -> Graceful {
    GRACEFUL.store(true, Ordering::SeqCst);
    Graceful(())
}

impl Drop for Graceful {
    fn drop(&mut self) {
        GRACEFUL.store(false, Ordering::SeqCst);
    }
}

/// Resolves once a signal has arrived.
pub async fn cancelled() {
    let mut rx = count().subscribe();
    let _ = rx.wait_for(|n| *n > 0).await;
}
