//! Faults between mdl and AWS (tests/e2e/proxy.rs): throttling, 500s,
//! dropped connections and latency are retried with backoff until the
//! apply succeeds; a call AWS keeps refusing stops the apply cleanly, with
//! a diagnostic, state kept, and the next apply converges.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

const PROD: &str = include_str!("../../examples/prod.moodle");

#[test]
fn apply_succeeds_through_30_percent_throttling() {
    let ws = Workspace::new("prod.moodle", PROD);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            throttle_pct: 30,
            ..Faults::default()
        },
    );
    let apply = ws.mdl_at(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(apply.stdout.contains("60 added"), "{}", apply.all());
    let throttled = proxy.counts.throttled.load(Ordering::SeqCst);
    let forwarded = proxy.counts.forwarded.load(Ordering::SeqCst);
    eprintln!("30% throttling: {throttled} throttled, {forwarded} forwarded");
    assert!(throttled > 20, "{throttled} throttled of {forwarded}");
    // Nothing was created twice: the plan without faults is empty.
    ws.expect("plan", &["--detailed-exitcode"], 0);
}

#[test]
fn apply_succeeds_through_errors_resets_and_latency() {
    let ws = Workspace::new("prod.moodle", PROD);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            server_error_pct: 10,
            reset_pct: 10,
            latency: Duration::from_millis(20),
            ..Faults::default()
        },
    );
    let apply = ws.mdl_at(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let errors = proxy.counts.server_errors.load(Ordering::SeqCst);
    let resets = proxy.counts.resets.load(Ordering::SeqCst);
    eprintln!("10% 500s + 10% resets + 20 ms: {errors} errors, {resets} resets");
    assert!(errors > 5 && resets > 5, "{errors} errors, {resets} resets");
    ws.expect("plan", &["--detailed-exitcode"], 0);
}

#[test]
fn a_call_that_keeps_failing_stops_the_apply_cleanly() {
    let ws = Workspace::new("prod.moodle", PROD);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            deny_operation: Some("CreateDBCluster".into()),
            ..Faults::default()
        },
    );
    let apply = ws.mdl_at(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{}", apply.all());
    assert!(apply.stderr.contains("apply::failed"), "{}", apply.all());
    assert!(apply.stderr.contains("CreateDBCluster"), "{}", apply.all());
    assert!(
        apply.stderr.contains("UnauthorizedOperation"),
        "{}",
        apply.all()
    );
    // Refused once: not retried.
    assert_eq!(proxy.counts.denied.load(Ordering::SeqCst), 1);
    // What did not depend on the database was created and recorded; the
    // database and what needs it were not.
    // (An intent, `pending`, records a create that was asked for: not one
    // that was done.)
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.state_path()).unwrap()).unwrap();
    let mut recorded: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for r in state["resources"].as_array().unwrap() {
        if r["pending"].as_bool() == Some(true) {
            continue;
        }
        let addr = mdl::lang::ResourceAddr::parse(r["address"].as_str().unwrap()).unwrap();
        recorded
            .entry(addr.kind)
            .or_default()
            .insert(r["id"].as_str().unwrap_or_default().to_string());
    }
    let count = |kind: &str| {
        recorded
            .get(kind)
            .map_or(0, std::collections::BTreeSet::len)
    };
    assert_eq!(count("vpc"), 1, "{recorded:?}");
    assert!(count("subnet") >= 4, "{recorded:?}");
    assert_eq!(count("aurora_cluster"), 0, "{recorded:?}");
    assert_eq!(count("aurora_instance"), 0, "{recorded:?}");
    let done: usize = recorded.values().map(std::collections::BTreeSet::len).sum();
    assert!(done > 0 && done < 60, "{done} of 60 recorded: {recorded:?}");
    // With the refusal gone, the next apply creates exactly the rest.
    proxy.set(Faults::default());
    let again = ws.mdl_at(&proxy.endpoint, &["apply", "prod.moodle", "--auto-approve"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains(&format!(
            "Resources: {} added, 0 changed, 0 destroyed",
            60 - done
        )),
        "{done} were recorded before:\n{}",
        again.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
}
