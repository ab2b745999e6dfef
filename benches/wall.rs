//! Whole runs of the real `mdl` binary against moto_server, through the
//! request-counting proxy of the end-to-end tests, with latency added to
//! every AWS call. `cargo bench --bench wall` (scripts/bench.sh runs it
//! with the in-process benchmarks). RUNS=N repeats each timed run
//! (default 5; the median is printed); LATENCY_MS sets the latency
//! (default 50).
//!
//! 1. Requests of a no-op plan of examples/prod.moodle, by operation.
//! 2. Apply of examples/prod.moodle at the latency: the executor's wall
//!    time against the critical path of the steps as they ran
//!    (`mdl apply --timings`).
//! 3. A generated estate of 1,000 resources (`mdl::bench::estate`),
//!    applied, then planned with nothing to do at the latency: batched
//!    reads (the default), batched with --parallelism 1, and per-resource
//!    reads at parallelism 10 and 1.

#[allow(dead_code)]
#[path = "../tests/e2e/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "../tests/e2e/proxy.rs"]
mod proxy;

use std::time::{Duration, Instant};

use harness::Workspace;
use proxy::{Faults, Proxy};

fn main() {
    let runs: usize = env_number("RUNS", 5).max(1);
    let latency = Duration::from_millis(env_number("LATENCY_MS", 50) as u64);
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    println!(
        "mdl {} (release), moto_server, {} ms added to every call, median of {runs} runs",
        env!("CARGO_PKG_VERSION"),
        latency.as_millis()
    );
    if wanted("requests") {
        prod_requests();
    }
    if wanted("apply") {
        prod_apply(latency, runs);
    }
    if wanted("estate") {
        estate_plans(1_000, latency, runs);
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn prod_text() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/prod.moodle"))
        .expect("examples/prod.moodle")
}

/// The requests of a no-op plan of prod, by operation.
fn prod_requests() {
    let ws = Workspace::new("prod.moodle", &prod_text());
    ws.expect("apply", &["--auto-approve"], 0);
    let proxy = Proxy::start(&ws.moto.endpoint, Faults::default());
    let run = ws.mdl_at(
        &proxy.endpoint,
        &["plan", "prod.moodle", "--detailed-exitcode"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let counts = proxy.counts.by_operation.lock().unwrap().clone();
    let total: u64 = counts.values().sum();
    let resources = std::fs::read_to_string(ws.state_path())
        .unwrap()
        .matches("\"address\"")
        .count();
    println!("\n## No-op plan of examples/prod.moodle ({resources} resources): {total} requests");
    for (op, n) in &counts {
        println!("  {n:>3}  {op}");
    }
}

/// Apply of prod at the latency: wall time of the steps against their
/// critical path, and the whole command's time.
fn prod_apply(latency: Duration, runs: usize) {
    let mut ratios = Vec::new();
    let mut walls = Vec::new();
    let mut criticals = Vec::new();
    let mut totals = Vec::new();
    let mut sample = String::new();
    for _ in 0..runs {
        let ws = Workspace::new("prod.moodle", &prod_text());
        let proxy = Proxy::start(
            &ws.moto.endpoint,
            Faults {
                latency,
                ..Faults::default()
            },
        );
        let start = Instant::now();
        let run = ws.mdl_at(
            &proxy.endpoint,
            &["apply", "prod.moodle", "--auto-approve", "--timings"],
        );
        let total = start.elapsed();
        assert_eq!(run.code, 0, "{}", run.all());
        let (wall, critical) = timings(&run.stdout);
        ratios.push(wall / critical);
        walls.push(wall);
        criticals.push(critical);
        totals.push(total.as_secs_f64());
        sample = run
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with("Timings:"))
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
    }
    println!(
        "\n## Apply of examples/prod.moodle at {} ms a call",
        latency.as_millis()
    );
    println!(
        "  steps' wall time {:.2} s, critical path {:.2} s: {:.2}× (each run: {}); the whole command {:.2} s",
        median(&mut walls),
        median(&mut criticals),
        median(&mut ratios.clone()),
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        median(&mut totals)
    );
    println!("  last run's critical path:\n{sample}");
}

/// "Timings: W s from the first step to the last ...; critical path C s".
fn timings(stdout: &str) -> (f64, f64) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Timings:"))
        .unwrap_or_else(|| panic!("no Timings line in:\n{stdout}"));
    let number_after = |marker: &str| -> f64 {
        let rest = &line[line.find(marker).expect(marker) + marker.len()..];
        rest.split_whitespace().next().unwrap().parse().unwrap()
    };
    (number_after("Timings: "), number_after("critical path "))
}

/// No-op plans of a generated estate, read four ways.
fn estate_plans(n: usize, latency: Duration, runs: usize) {
    let ws = Workspace::new("estate.moodle", &mdl::bench::estate(n));
    let start = Instant::now();
    let applied = ws.mdl(&[
        "apply",
        "estate.moodle",
        "--auto-approve",
        "--parallelism",
        "32",
    ]);
    assert_eq!(applied.code, 0, "{}", applied.all());
    println!(
        "\n## No-op plan of a generated estate of {n} resources at {} ms a call (applied without latency in {:.1} s)",
        latency.as_millis(),
        start.elapsed().as_secs_f64()
    );
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            latency,
            ..Faults::default()
        },
    );
    for (label, extra) in [
        ("batched reads, --parallelism 10 (default)", &[][..]),
        (
            "batched reads, --parallelism 1",
            &["--parallelism", "1"][..],
        ),
        (
            "per-resource reads, --parallelism 10",
            &["--per-resource-reads"][..],
        ),
        (
            "per-resource reads, --parallelism 1",
            &["--per-resource-reads", "--parallelism", "1"][..],
        ),
    ] {
        let mut times = Vec::new();
        let mut requests = 0;
        // One run at parallelism 1 per resource takes minutes: once.
        let repeat = if label == "per-resource reads, --parallelism 1" {
            1
        } else {
            runs
        };
        for _ in 0..repeat {
            let before: u64 = proxy.counts.by_operation.lock().unwrap().values().sum();
            let mut args = vec!["plan", "estate.moodle", "--detailed-exitcode"];
            args.extend_from_slice(extra);
            let start = Instant::now();
            let run = ws.mdl_at(&proxy.endpoint, &args);
            times.push(start.elapsed().as_secs_f64());
            assert_eq!(run.code, 0, "{label}: {}", run.all());
            let after: u64 = proxy.counts.by_operation.lock().unwrap().values().sum();
            requests = after - before;
        }
        println!(
            "  {label:<45} {:>7.2} s  {requests:>5} requests{}",
            median(&mut times),
            if repeat == 1 { "  (one run)" } else { "" }
        );
    }
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
