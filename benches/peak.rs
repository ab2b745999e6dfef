//! One whole in-process plan of a generated estate, timed and measured:
//! parse + evaluate + check, graph, and the diff against the estate as
//! already applied (a no-op plan), with the peak resident memory.
//! `cargo bench --bench peak [-- SIZES...]` (default 1000 10000).
//!
//! The estate is applied first with the in-memory provider, and its state
//! and live resources written to files. A child process then does what
//! `mdl plan` does with them: reads the state file, reads the live
//! resources (from JSON, where mdl reads AWS's answers), and plans; its
//! peak RSS (VmHWM) is the figure, the whole process from start to end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mdl::diagnostics::SourceMap;
use mdl::provider::mock::MockProvider;
use mdl::state::State;

/// The allocator the `mdl` binary uses (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 7;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, n, dir] = args.as_slice()
        && flag == "--child"
    {
        child(n.parse().expect("size"), std::path::Path::new(dir));
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    for n in sizes {
        measure(n);
    }
}

/// Apply the estate in memory, write its state and live resources, and
/// plan it in a child process.
fn measure(n: usize) {
    let text = mdl::bench::estate(n);
    let (state, provider) = applied(&text);
    let dir = tempfile::tempdir().expect("temp dir");
    // PEAK_KEEP=DIR keeps the files there, to profile the child alone:
    // `peak --child N DIR`.
    let dir = match std::env::var_os("PEAK_KEEP") {
        Some(keep) => {
            std::fs::create_dir_all(&keep).expect("PEAK_KEEP");
            Kept::Path(keep.into())
        }
        None => Kept::Temp(dir),
    };
    let state_json = serde_json::to_string(&state.to_file()).expect("state");
    std::fs::write(dir.path().join("state.json"), state_json).expect("write state");
    let mut live = serde_json::Map::new();
    for l in provider.live() {
        let map = |m: &indexmap::IndexMap<String, mdl::value::Value>| {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
        };
        live.insert(
            l.addr.as_ref().expect("address").to_string(),
            serde_json::json!({ "id": l.id, "attrs": map(&l.attrs), "computed": map(&l.computed) }),
        );
    }
    std::fs::write(
        dir.path().join("live.json"),
        serde_json::Value::Object(live).to_string(),
    )
    .expect("write live");
    drop((state, provider));
    let out = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--child", &n.to_string(), &dir.path().display().to_string()])
        .output()
        .expect("child");
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    print!("{}", String::from_utf8_lossy(&out.stdout));
}

enum Kept {
    Temp(tempfile::TempDir),
    Path(std::path::PathBuf),
}

impl Kept {
    fn path(&self) -> &std::path::Path {
        match self {
            Kept::Temp(t) => t.path(),
            Kept::Path(p) => p,
        }
    }
}

/// What `mdl plan` does, from the files: read state and live resources,
/// then load, graph and diff, RUNS times.
fn child(n: usize, dir: &std::path::Path) {
    let text = mdl::bench::estate(n);
    let state_file: mdl::state::StateFile =
        serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).expect("state"))
            .expect("state json");
    let state = State::from_file(state_file).expect("state");
    let provider =
        MockProvider::from_json(&std::fs::read_to_string(dir.join("live.json")).expect("live"))
            .expect("live json");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let kinds: Vec<_> = mdl::kinds::schemas().all().to_vec();
    let live = rt
        .block_on(mdl::plan::refresh(&provider, "bench", &kinds, &state))
        .expect("read");
    drop(provider);
    let held = rss_kib("VmRSS");
    let mut load = Vec::new();
    let mut graph = Vec::new();
    let mut diff = Vec::new();
    let mut total = Vec::new();
    let mut one_plan = 0;
    for run in 0..RUNS {
        let t0 = Instant::now();
        let mut sources = SourceMap::new();
        let id = sources.add("estate.moodle", None, text.clone());
        let (config, diags) =
            mdl::lang::load_source(&mut sources, id, "bench", &[], mdl::kinds::schemas());
        assert!(
            !diags.iter().any(mdl::diagnostics::Diagnostic::is_error),
            "the estate of {n} does not load"
        );
        let t1 = Instant::now();
        let g = mdl::graph::Graph::build(&config);
        let t2 = Instant::now();
        let (plan, _) = mdl::plan::diff(&config, &g, &state, &live);
        let t3 = Instant::now();
        assert!(
            !plan.has_changes(),
            "the applied estate of {n} plans changes"
        );
        assert_eq!(plan.changes.len(), n);
        load.push(t1 - t0);
        graph.push(t2 - t1);
        diff.push(t3 - t2);
        total.push(t3 - t0);
        drop((config, g, plan));
        if run == 0 {
            // What one `mdl plan` reaches.
            one_plan = rss_kib("VmHWM");
        }
    }
    println!(
        "estate of {n} resources, median of {RUNS}: parse + evaluate + check {:.1} ms, graph {:.1} ms, diff {:.1} ms, total {:.1} ms; \
         peak RSS {:.0} MB for one plan ({:.0} MB after reading state and live resources; {:.0} MB after all {RUNS})",
        ms(&mut load),
        ms(&mut graph),
        ms(&mut diff),
        ms(&mut total),
        one_plan as f64 / 1024.0,
        held as f64 / 1024.0,
        rss_kib("VmHWM") as f64 / 1024.0,
    );
}

fn ms(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

/// State of the estate once applied to the in-memory provider, and the
/// provider holding it.
fn applied(text: &str) -> (State, Arc<MockProvider>) {
    let mut sources = SourceMap::new();
    let id = sources.add("estate.moodle", None, text.to_string());
    let config = mdl::lang::load_source(&mut sources, id, "bench", &[], mdl::kinds::schemas()).0;
    mdl::bench::applied(&config)
}

/// A `Vm*` line of /proc/self/status, in KiB (0 where there is none).
fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
