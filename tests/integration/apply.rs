//! The executor against the mock provider: ordering, parallelism, failure
//! handling and the state journal.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mdl::apply::{Outcome, Pace, StepKind, apply};
use mdl::diagnostics::SourceMap;
use mdl::lang::ResourceAddr;
use mdl::plan::{diff, refresh};
use mdl::provider::mock::MockProvider;
use mdl::state::{LocalStore, State};

const NET: &str = r#"
vpc main { cidr_block = "10.0.0.0/16" }
subnet a {
  vpc_id     = vpc.main.id
  cidr_block = "10.0.1.0/24"
}
subnet b {
  vpc_id     = vpc.main.id
  cidr_block = "10.0.2.0/24"
}
subnet c {
  vpc_id     = vpc.main.id
  cidr_block = "10.0.3.0/24"
}
route_table a {
  vpc_id     = vpc.main.id
  subnet_ids = [subnet.a.id]
}
route_table b {
  vpc_id     = vpc.main.id
  subnet_ids = [subnet.b.id]
}
"#;

struct Run {
    report: mdl::apply::ApplyReport,
    state: State,
    calls: Vec<String>,
    saved: State,
}

fn run(text: &str, provider: MockProvider, parallelism: usize, destroy: bool, state: State) -> Run {
    let mut sources = SourceMap::new();
    let id = sources.add("main.moodle", None, text.to_string());
    let (mut config, diags) =
        mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
    assert!(diags.is_empty());
    if destroy {
        config.resources.clear();
    }
    let graph = mdl::graph::Graph::build(&config);
    let provider = Arc::new(provider);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let kinds: Vec<_> = mdl::kinds::schemas().all().to_vec();
    let live = rt
        .block_on(refresh(&*provider, "test", &kinds, &state))
        .unwrap();
    let (plan, _) = diff(&config, &graph, &state, &live);
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore {
        path: dir.path().join("s.json"),
    };
    let (report, state) = rt.block_on(apply(
        &plan,
        &config,
        provider.clone(),
        state,
        Some(
            LocalStore {
                path: store.path.clone(),
            }
            .into(),
        ),
        Pace::new(parallelism),
        &|_| {},
        std::future::pending(),
    ));
    let saved = store.load("test").unwrap();
    let calls = provider.calls.lock().unwrap().clone();
    Run {
        report,
        state,
        calls,
        saved,
    }
}

/// A mock provider that holds what `state` records, as AWS would.
fn holding(state: &State) -> MockProvider {
    let live: serde_json::Map<String, serde_json::Value> = state
        .resources
        .values()
        .map(|r| {
            let attrs: serde_json::Map<_, _> = r
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect();
            (
                r.addr.to_string(),
                serde_json::json!({ "id": r.id, "attrs": attrs }),
            )
        })
        .collect();
    MockProvider::from_json(&serde_json::Value::Object(live).to_string()).unwrap()
}

fn position(calls: &[String], call: &str) -> usize {
    calls
        .iter()
        .position(|c| c == call)
        .unwrap_or_else(|| panic!("no call `{call}` in {calls:?}"))
}

#[test]
fn dependencies_are_created_first_and_state_is_journaled() {
    let r = run(NET, MockProvider::default(), 10, false, State::new("test"));
    assert!(r.report.ok());
    let calls: Vec<String> = r
        .calls
        .into_iter()
        .filter(|c| !c.starts_with("read"))
        .collect();
    assert!(position(&calls, "create vpc.main") < position(&calls, "create subnet.a"));
    assert!(position(&calls, "create subnet.a") < position(&calls, "create route_table.a"));
    assert!(position(&calls, "create subnet.b") < position(&calls, "create route_table.b"));
    assert_eq!(r.state.resources.len(), 6);
    assert_eq!(r.saved.resources.len(), 6, "the journal on disk matches");
    let rt_a = &r.state.resources[&ResourceAddr::new("route_table", "a")];
    let subnet_a = &r.state.resources[&ResourceAddr::new("subnet", "a")];
    assert_eq!(
        rt_a.attrs["subnet_ids"],
        mdl::value::Value::List(vec![mdl::value::Value::str(&subnet_a.id)])
    );
    assert_eq!(
        rt_a.dependencies,
        vec![
            ResourceAddr::new("vpc", "main"),
            ResourceAddr::new("subnet", "a")
        ]
    );
}

#[test]
fn a_failure_skips_its_dependents_and_lets_the_rest_finish() {
    let provider = MockProvider::default().failing(ResourceAddr::new("subnet", "a"));
    let r = run(NET, provider, 10, false, State::new("test"));
    assert!(!r.report.ok());
    let outcome = |kind: &str, name: &str| {
        r.report
            .outcomes
            .iter()
            .find(|(s, _)| s.addr == ResourceAddr::new(kind, name) && s.kind == StepKind::Create)
            .map(|(_, o)| o)
            .unwrap()
    };
    assert!(matches!(outcome("subnet", "a"), Outcome::Failed(_)));
    assert!(
        matches!(outcome("route_table", "a"), Outcome::Skipped { because } if because.addr == ResourceAddr::new("subnet", "a"))
    );
    assert!(matches!(outcome("route_table", "b"), Outcome::Done { .. }));
    assert!(matches!(outcome("subnet", "c"), Outcome::Done { .. }));
    // State is true to what exists: 4 created, the skipped absent, and the
    // failed one only as an intent (it may exist if the failure came after
    // AWS created it), which the next refresh looks for.
    assert_eq!(r.saved.resources.len(), 5);
    let failed = &r.saved.resources[&ResourceAddr::new("subnet", "a")];
    assert!(failed.pending && failed.id.is_empty(), "{failed:?}");
    assert_eq!(
        failed.attrs.get("cidr_block"),
        Some(&mdl::value::Value::str("10.0.1.0/24"))
    );
    assert_eq!(r.saved.resources.values().filter(|r| !r.pending).count(), 4);
    assert!(
        !r.saved
            .resources
            .contains_key(&ResourceAddr::new("route_table", "a"))
    );
}

#[test]
fn parallelism_bounds_the_calls_in_flight() {
    let text: String = (0..12)
        .map(|i| format!("vpc v{i} {{ cidr_block = \"10.{i}.0.0/16\" }}\n"))
        .collect();
    for bound in [1, 3] {
        let provider = MockProvider::default().with_delay(Duration::from_millis(20));
        let provider = Arc::new(provider);
        let mut sources = SourceMap::new();
        let id = sources.add("main.moodle", None, text.clone());
        let (config, _) =
            mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
        let graph = mdl::graph::Graph::build(&config);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let state = State::new("test");
        let live = rt
            .block_on(refresh(
                &*provider,
                "test",
                &[mdl::kinds::schema("vpc").unwrap()],
                &state,
            ))
            .unwrap();
        let (plan, _) = diff(&config, &graph, &state, &live);
        let (report, _) = rt.block_on(apply(
            &plan,
            &config,
            provider.clone(),
            state,
            None,
            Pace::new(bound),
            &|_| {},
            std::future::pending(),
        ));
        assert!(report.ok());
        assert_eq!(report.outcomes.len(), 12, "{report:?}");
        assert_eq!(provider.max_in_flight.load(Ordering::SeqCst), bound);
    }
}

#[test]
fn slow_steps_report_while_they_run() {
    // The create waits until the test has seen two progress reports, so
    // the test needs no clock of its own: with a 5 ms heartbeat, a step
    // that never finished would hang here, and one that finished first
    // would report no progress.
    let gate = Arc::new(tokio::sync::Notify::new());
    let provider = Arc::new(MockProvider::default().gated(gate.clone()));
    let mut sources = SourceMap::new();
    let id = sources.add(
        "main.moodle",
        None,
        "vpc slow { cidr_block = \"10.0.0.0/16\" }\n".into(),
    );
    let (config, _) = mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
    let graph = mdl::graph::Graph::build(&config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = State::new("test");
    let live = rt
        .block_on(refresh(
            &*provider,
            "test",
            &[mdl::kinds::schema("vpc").unwrap()],
            &state,
        ))
        .unwrap();
    let (plan, _) = diff(&config, &graph, &state, &live);
    let events = std::sync::Mutex::new(Vec::new());
    let (report, _) = rt.block_on(apply(
        &plan,
        &config,
        provider.clone(),
        state,
        None,
        Pace {
            parallelism: 4,
            heartbeat: Duration::from_millis(5),
        },
        &|e| {
            let mut events = events.lock().unwrap();
            let line = match e {
                mdl::apply::Event::Started(s) => format!("started {}", s.addr),
                mdl::apply::Event::StillRunning(s, _) => format!("still {}", s.addr),
                mdl::apply::Event::Finished(s, _) => format!("finished {}", s.addr),
            };
            events.push(line);
            if events.iter().filter(|l| l.starts_with("still")).count() == 2 {
                gate.notify_one();
            }
        },
        std::future::pending(),
    ));
    assert!(report.ok());
    let events = events.into_inner().unwrap();
    assert_eq!(events.first().map(String::as_str), Some("started vpc.slow"));
    assert_eq!(events.last().map(String::as_str), Some("finished vpc.slow"));
    let between = &events[1..events.len() - 1];
    assert!(between.len() >= 2, "{events:?}");
    assert!(between.iter().all(|l| l == "still vpc.slow"), "{events:?}");
}

#[test]
fn destroy_goes_in_reverse_order() {
    let first = run(NET, MockProvider::default(), 10, false, State::new("test"));
    let provider = holding(&first.state);
    let r = run(NET, provider, 10, true, first.state);
    assert!(r.report.ok());
    let calls: Vec<String> = r
        .calls
        .into_iter()
        .filter(|c| !c.starts_with("read"))
        .collect();
    assert_eq!(calls.len(), 6);
    assert!(position(&calls, "delete route_table.a") < position(&calls, "delete subnet.a"));
    assert!(position(&calls, "delete subnet.c") < position(&calls, "delete vpc.main"));
    assert!(r.saved.resources.is_empty());
}

#[test]
fn the_critical_path_is_the_longest_chain_of_steps() {
    // Every step takes 40 ms: vpc, then the subnets at once, then the
    // route tables at once. The longest chain is vpc → subnet → route
    // table, three steps; with room for all, the wall time is about that.
    let r = run(
        NET,
        MockProvider::default().with_delay(Duration::from_millis(40)),
        10,
        false,
        State::new("test"),
    );
    assert!(r.report.ok());
    let path: Vec<String> = r
        .report
        .critical_path
        .iter()
        .map(|(s, _)| s.addr.to_string())
        .collect();
    assert_eq!(path.len(), 3, "{path:?}");
    assert_eq!(path[0], "vpc.main");
    assert!(path[1].starts_with("subnet."), "{path:?}");
    assert!(path[2].starts_with("route_table."), "{path:?}");
    let critical = r.report.critical_time();
    assert!(critical >= Duration::from_millis(120), "{critical:?}");
    assert!(
        r.report.wall >= critical,
        "{:?} < {critical:?}",
        r.report.wall
    );
    // One at a time, all six steps lie end to end: the wall time is the
    // sum of the steps, twice the critical path.
    let serial = run(
        NET,
        MockProvider::default().with_delay(Duration::from_millis(40)),
        1,
        false,
        State::new("test"),
    );
    assert!(serial.report.wall >= Duration::from_millis(240));
    assert_eq!(serial.report.critical_path.len(), 3);
}

/// A resource of a higher rank that depends on nothing (a secret) and one
/// of a lower rank that names it (a cache's AUTH token): the recorded
/// dependency orders the destroy, and the layering adds no edge against
/// it (before, each waited for the other and nothing was deleted).
#[test]
fn a_destroy_orders_by_recorded_dependencies_before_ranks() {
    const TOKEN: &str = r#"
secret token {
  name = "token"
}
cache session {
  engine                = "redis"
  node_type             = "cache.t4g.small"
  subnet_group_name     = "sessions"
  transit_encryption    = true
  auth_token_secret_arn = secret.token.id
}
"#;
    let first = run(
        TOKEN,
        MockProvider::default(),
        10,
        false,
        State::new("test"),
    );
    assert!(first.report.ok(), "{:?}", first.report.outcomes);
    let provider = holding(&first.state);
    let r = run(TOKEN, provider, 10, true, first.state);
    assert!(r.report.ok(), "{:?}", r.report.outcomes);
    let calls: Vec<String> = r
        .calls
        .into_iter()
        .filter(|c| !c.starts_with("read"))
        .collect();
    assert!(position(&calls, "delete cache.session") < position(&calls, "delete secret.token"));
    assert!(r.saved.resources.is_empty());
}
