//! SIGINT and SIGTERM, as Ctrl-C and CI systems send them. SIGTERM acts
//! like SIGINT: the first stops new steps and lets the calls in flight
//! finish. GitHub Actions cancels with SIGINT, then SIGTERM 7.5 s later,
//! then SIGKILL 2.5 s after that: mdl stops before the SIGKILL, releases
//! its lock, and the next apply converges. A plan interrupted on the S3
//! backend leaves no lock behind.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::crash::{inventory, state_ids};
use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

const PROD: &str = include_str!("../../examples/prod.moodle");

fn send(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Wait for `child` to exit, at most `limit`.
fn exited_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut text);
    }
    text
}

/// Start `mdl apply` of prod through `proxy` and wait until it has
/// recorded its first step.
fn apply_started(ws: &Workspace, proxy: &Proxy) -> Child {
    let child = ws
        .command(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while state_ids(ws)
        .values()
        .all(|ids| ids.iter().all(String::is_empty))
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the apply never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

/// After an interrupted apply: the next one converges, the plan after it
/// is empty, and AWS holds exactly what state records.
fn converges(ws: &Workspace) {
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let mut held = inventory(ws);
    held.remove("elastic_ip");
    let mut recorded = state_ids(ws);
    recorded.retain(|_, ids| !ids.is_empty());
    assert_eq!(held, recorded);
}

fn lock_file_released(ws: &Workspace) -> bool {
    let lock = ws.state_path().with_extension("lock");
    std::fs::read_to_string(lock).map_or(true, |t| t.is_empty())
}

#[test]
fn sigterm_stops_an_apply_as_ctrl_c_does() {
    let ws = Workspace::new("prod.moodle", PROD);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            latency: Duration::from_millis(20),
            ..Faults::default()
        },
    );
    let mut child = apply_started(&ws, &proxy);
    send(&child, "-TERM");
    let status = exited_within(&mut child, Duration::from_secs(60)).expect("stopped");
    let stderr = stderr_of(&mut child);
    assert!(
        stderr.contains("interrupted (SIGTERM); finishing the calls in flight"),
        "{stderr}"
    );
    // It stopped on its own, once the calls in flight were answered.
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(lock_file_released(&ws));
    proxy.settle();
    converges(&ws);
}

#[test]
fn the_ci_cancel_sequence_stops_mdl_before_its_sigkill() {
    let ws = Workspace::new("prod.moodle", PROD);
    // Slow answers, so that calls are still in flight when SIGTERM comes.
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            latency: Duration::from_millis(1500),
            ..Faults::default()
        },
    );
    let mut child = apply_started(&ws, &proxy);
    send(&child, "-INT");
    let status = match exited_within(&mut child, Duration::from_millis(7500)) {
        Some(status) => status,
        None => {
            send(&child, "-TERM");
            match exited_within(&mut child, Duration::from_millis(2500)) {
                Some(status) => status,
                None => {
                    send(&child, "-KILL");
                    let _ = child.wait();
                    panic!("mdl was still running 2.5 s after SIGTERM: CI would SIGKILL it");
                }
            }
        }
    };
    let stderr = stderr_of(&mut child);
    assert!(stderr.contains("interrupted (SIGINT)"), "{stderr}");
    match status.code() {
        // Stopped by the SIGTERM, its lock released.
        Some(130) => assert!(stderr.contains("stopped (SIGTERM)"), "{stderr}"),
        // Or done with the calls in flight before it.
        Some(1) => {}
        other => panic!("exit {other:?}:\n{stderr}"),
    }
    assert!(lock_file_released(&ws), "{stderr}");
    proxy.settle();
    drop(proxy);
    converges(&ws);
}

fn lock_object(ws: &Workspace) -> bool {
    let client = ws.moto.s3();
    Workspace::runtime().block_on(async {
        client
            .head_object()
            .bucket(ws.moto.bucket("mdl-state"))
            .key("vle/prod.state.json.lock")
            .send()
            .await
            .is_ok()
    })
}

#[test]
fn a_refresh_interrupted_on_the_s3_backend_releases_its_lock() {
    let ws = Workspace::new("prod.moodle", PROD);
    let bucket = ws.moto.bucket("mdl-state");
    ws.moto.create_bucket(&bucket);
    let backend = format!("s3://{bucket}/vle");
    let backend = backend.as_str();
    ws.expect("apply", &["--auto-approve", "--backend", backend], 0);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            latency: Duration::from_millis(400),
            ..Faults::default()
        },
    );
    for signal in ["-INT", "-TERM"] {
        let mut child = ws
            .command(
                &proxy.endpoint,
                &["refresh", "prod.moodle", "--backend", backend],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !lock_object(&ws) {
            assert!(start.elapsed() < Duration::from_secs(60), "no lock taken");
            std::thread::sleep(Duration::from_millis(10));
        }
        // Reading AWS, slowly.
        std::thread::sleep(Duration::from_millis(500));
        send(&child, signal);
        let status = exited_within(&mut child, Duration::from_secs(10)).expect("stopped");
        let stderr = stderr_of(&mut child);
        assert_eq!(status.code(), Some(130), "{signal}: {stderr}");
        assert!(
            stderr.contains("the state lock is released"),
            "{signal}: {stderr}"
        );
        assert!(!lock_object(&ws), "{signal}: the lock is left:\n{stderr}");
    }
    // The team goes on without force-unlock.
    ws.expect("plan", &["--detailed-exitcode", "--backend", backend], 0);
}
