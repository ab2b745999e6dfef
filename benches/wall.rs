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
//!    reads at parallelism 10 and 1 (the last takes minutes; QUICK=1
//!    leaves it out).
//! 4. 22 production estates in one stack (`mdl::bench::prod_copies`,
//!    1,122 resources of 24 kinds), applied, then planned with nothing to
//!    do at the latency, batched reads at parallelism 10 and 1.
//!
//! Sections 3 and 4 time each way twice: live, every call answered by
//! moto_server (with the CPU time moto_server spent on each plan), and
//! replayed, every call answered by the proxy as moto_server answered the
//! same call in an untimed run just before, so that a call takes the
//! latency and none of the emulator's own time.
//!
//! Arguments pick sections by name: requests, apply, estate, copies.

#[allow(dead_code)]
#[path = "../tests/e2e/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "../tests/e2e/proxy.rs"]
mod proxy;

use std::sync::atomic::Ordering;
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
    if wanted("copies") {
        copies_plans(22, latency, runs);
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
    let ws = Workspace::own("prod.moodle", &prod_text());
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
        let ws = Workspace::own("prod.moodle", &prod_text());
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

/// Batched reads at the default parallelism and one at a time: a label
/// and the arguments.
const BATCHED: [(&str, &[&str]); 2] = [
    ("batched reads, --parallelism 10 (default)", &[]),
    ("batched reads, --parallelism 1", &["--parallelism", "1"]),
];

/// No-op plans of a generated estate, read four ways.
fn estate_plans(n: usize, latency: Duration, runs: usize) {
    let (ws, took) = applied("estate.moodle", &mdl::bench::estate(n));
    println!(
        "\n## No-op plan of a generated estate of {n} resources at {} ms a call (applied without latency in {took:.1} s)",
        latency.as_millis(),
    );
    time_plans(
        &ws,
        "estate.moodle",
        latency,
        runs,
        &[
            BATCHED[0],
            BATCHED[1],
            (
                "per-resource reads, --parallelism 10",
                &["--per-resource-reads"][..],
            ),
            (
                "per-resource reads, --parallelism 1",
                &["--per-resource-reads", "--parallelism", "1"][..],
            ),
        ],
    );
}

/// No-op plans of `copies` production estates in one stack (batched reads
/// only: per-resource reads do not cover the database, cache and file
/// system kinds).
fn copies_plans(copies: usize, latency: Duration, runs: usize) {
    let (ws, took) = applied("estates.moodle", &mdl::bench::prod_copies(copies));
    println!(
        "\n## No-op plan of {copies} production estates, {} resources, at {} ms a call (applied without latency in {took:.1} s)",
        copies * 60,
        latency.as_millis(),
    );
    time_plans(&ws, "estates.moodle", latency, runs, &BATCHED);
}

/// A workspace with `text` in `file`, applied to its moto_server without
/// latency, and the seconds the apply took.
fn applied(file: &str, text: &str) -> (Workspace, f64) {
    let ws = Workspace::own(file, text);
    let start = Instant::now();
    let run = ws.mdl(&["apply", file, "--auto-approve", "--parallelism", "32"]);
    assert_eq!(run.code, 0, "{}", run.all());
    (ws, start.elapsed().as_secs_f64())
}

/// Time no-op plans of `file` through a proxy adding `latency`, each way
/// (a label and extra arguments): first live, every call answered by
/// moto_server, with the CPU time moto_server spent on each plan; then
/// replayed, every call answered by the proxy from what moto_server
/// answered the same call in an untimed run before, so that a call takes
/// the latency and nothing of the emulator's own time. `--timings` of the
/// last run of the default way is printed each time.
fn time_plans(
    ws: &Workspace,
    file: &str,
    latency: Duration,
    runs: usize,
    ways: &[(&str, &[&str])],
) {
    let live = Faults {
        latency,
        ..Faults::default()
    };
    let proxy = Proxy::start(&ws.moto.endpoint, live.clone());
    println!("  Live (moto_server answers every call):");
    for &way in ways {
        time_way(ws, &proxy, file, way, runs, false);
    }
    proxy.set(Faults {
        replay: true,
        ..live
    });
    println!("  Replayed (the proxy answers each call as moto_server did, after the latency):");
    for &way in ways {
        time_way(ws, &proxy, file, way, runs, true);
    }
}

/// One way of planning, timed (see `time_plans`).
fn time_way(
    ws: &Workspace,
    proxy: &Proxy,
    file: &str,
    (label, extra): (&str, &[&str]),
    runs: usize,
    replayed: bool,
) {
    // QUICK=1 leaves out the run of minutes.
    let long = label == "per-resource reads, --parallelism 1";
    if long && std::env::var_os("QUICK").is_some() {
        println!("    {label:<45} (left out: QUICK is set)");
        return;
    }
    let mut args = vec!["plan", file, "--detailed-exitcode"];
    args.extend_from_slice(extra);
    if !label.starts_with("per-resource") {
        args.push("--timings");
    }
    let plan = || {
        let run = ws.mdl_at(&proxy.endpoint, &args);
        assert_eq!(run.code, 0, "{label}: {}", run.all());
        run
    };
    if replayed {
        // Untimed: keeps moto_server's answers to this way's calls.
        plan();
    }
    let forwarded_before = proxy.counts.forwarded.load(Ordering::SeqCst);
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut requests = 0;
    let mut report = String::new();
    let mut by_operation = Vec::new();
    // One run at parallelism 1 per resource takes minutes: once.
    for _ in 0..if long { 1 } else { runs } {
        let counts_before = proxy.counts.by_operation.lock().unwrap().clone();
        let cpu_before = ws.moto.cpu_seconds();
        let start = Instant::now();
        let run = plan();
        times.push(start.elapsed().as_secs_f64());
        cpu.push(ws.moto.cpu_seconds() - cpu_before);
        report = run.stderr.clone();
        let counts_after = proxy.counts.by_operation.lock().unwrap().clone();
        by_operation = counts_after
            .iter()
            .map(|(op, n)| (n - counts_before.get(op).copied().unwrap_or(0), op.clone()))
            .filter(|(n, _)| *n > 0)
            .collect();
        requests = by_operation.iter().map(|(n, _)| n).sum::<u64>();
    }
    let forwarded = proxy.counts.forwarded.load(Ordering::SeqCst) - forwarded_before;
    let source = if replayed {
        if forwarded == 0 {
            "all replayed".to_string()
        } else {
            format!("{forwarded} not replayed")
        }
    } else {
        format!("moto_server CPU {:.2} s a plan", median(&mut cpu))
    };
    println!(
        "    {label:<45} {:>7.2} s  {requests:>5} requests  {source}{}",
        median(&mut times),
        if long { "  (one run)" } else { "" }
    );
    if label.starts_with("batched reads, --parallelism 10") {
        // `--timings` of the last run, and its most frequent calls.
        for line in report.lines().filter(|l| !l.trim().is_empty()) {
            println!("        {line}");
        }
        by_operation.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let top: Vec<String> = by_operation
            .iter()
            .take(6)
            .map(|(n, op)| format!("{op} {n}"))
            .collect();
        println!("        Most frequent calls: {}", top.join(", "));
    }
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
