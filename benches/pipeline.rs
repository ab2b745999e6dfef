//! In-process stages of a plan on generated estates (`mdl::bench::estate`)
//! of 100, 1,000 and 10,000 resources: parse, load (parse + evaluate +
//! check), graph, and the diff of an estate that is already applied (a
//! no-op plan; live read from the in-memory provider). The whole run is
//! `plan_total`. Run with `cargo bench --bench pipeline`. What each stage
//! returns is dropped outside the timing (`iter_with_large_drop`): a plan
//! is not freed before it is shown.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

use mdl::diagnostics::SourceMap;
use mdl::state::State;

/// The allocator the `mdl` binary uses (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn load(text: &str) -> mdl::lang::Config {
    let mut sources = SourceMap::new();
    let id = sources.add("estate.moodle", None, text.to_string());
    mdl::lang::load_source(&mut sources, id, "bench", &[], mdl::kinds::schemas()).0
}

/// State and live resources of the estate once applied, from the mock.
fn applied(config: &mdl::lang::Config) -> (State, mdl::plan::Live) {
    let (state, provider) = mdl::bench::applied(config);
    let kinds: Vec<_> = mdl::kinds::schemas().all().to_vec();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let live = rt
        .block_on(mdl::plan::refresh(&*provider, "bench", &kinds, &state))
        .unwrap();
    (state, live)
}

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for n in [100usize, 1_000, 10_000] {
        let text = mdl::bench::estate(n);
        let config = load(&text);
        let graph = mdl::graph::Graph::build(&config);
        let (state, live) = applied(&config);
        let (plan, _) = mdl::plan::diff(&config, &graph, &state, &live);
        assert!(
            !plan.has_changes(),
            "the applied estate of {n} plans changes"
        );
        group.bench_with_input(BenchmarkId::new("parse", n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                let mut sources = SourceMap::new();
                let id = sources.add("estate.moodle", None, text.clone());
                mdl::syntax::parse(id, text)
            });
        });
        group.bench_with_input(BenchmarkId::new("load", n), &text, |b, text| {
            b.iter_with_large_drop(|| load(text));
        });
        group.bench_with_input(BenchmarkId::new("graph", n), &config, |b, config| {
            b.iter_with_large_drop(|| mdl::graph::Graph::build(config));
        });
        group.bench_with_input(BenchmarkId::new("diff", n), &config, |b, config| {
            b.iter_with_large_drop(|| mdl::plan::diff(config, &graph, &state, &live));
        });
        group.bench_with_input(BenchmarkId::new("plan_total", n), &text, |b, text| {
            b.iter_with_large_drop(|| {
                let config = load(text);
                let graph = mdl::graph::Graph::build(&config);
                mdl::plan::diff(&config, &graph, &state, &live)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
