//! Plan fixtures: each directory under tests/fixtures/plan holds
//! `main.moodle`, `live.json` (served by the mock provider) and optionally
//! `state.json`; without it the state records every live resource by its
//! id, as an earlier apply would have. The snapshot is the rendered plan.

use std::path::Path;

use mdl::diagnostics::SourceMap;
use mdl::plan::{Plan, diff, refresh, render};
use mdl::provider::mock::MockProvider;
use mdl::state::State;

use crate::support::render as render_diags;

pub fn plan_dir(dir: &Path) -> (Plan, String) {
    let mut sources = SourceMap::new();
    let text = std::fs::read_to_string(dir.join("main.moodle")).unwrap();
    let id = sources.add("main.moodle", None, text);
    let (config, mut diags) =
        mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
    diags.extend(mdl::check::check(&config));
    assert!(diags.is_empty(), "{}", render_diags(&diags, &sources));
    let graph = mdl::graph::Graph::build(&config);
    let live_json = std::fs::read_to_string(dir.join("live.json")).unwrap_or_else(|_| "{}".into());
    let provider = MockProvider::from_json(&live_json).unwrap();
    let state = match std::fs::read_to_string(dir.join("state.json")) {
        Ok(t) => State::from_file(serde_json::from_str(&t).unwrap()).unwrap(),
        Err(_) => recorded(&provider),
    };
    let kinds = mdl::kinds::schemas().all().to_vec();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let live = rt
        .block_on(refresh(&provider, "test", &kinds, &state))
        .unwrap();
    let (plan, diags) = diff(&config, &graph, &state, &live);
    assert!(diags.is_empty(), "{}", render_diags(&diags, &sources));
    let text = render::render(&plan, render::Style::new(false));
    (plan, text)
}

/// The state an apply of `provider`'s resources would have written.
fn recorded(provider: &MockProvider) -> State {
    let mut state = State::new("test");
    for live in provider.live() {
        let Some(addr) = live.addr.clone() else {
            continue;
        };
        let protected = mdl::kinds::schema(&addr.kind).is_some_and(|k| k.protected);
        state.resources.insert(
            addr.clone(),
            mdl::state::ResourceRecord {
                addr,
                id: live.id,
                attrs: live.attrs,
                computed: live.computed,
                dependencies: Vec::new(),
                protected,
                adopted: false,
                pending: false,
                deleting: false,
            },
        );
    }
    state
}

#[test]
fn plan_fixtures() {
    insta::glob!("../fixtures/plan", "*/main.moodle", |path| {
        let (_, text) = plan_dir(path.parent().unwrap());
        insta::assert_snapshot!(text);
    });
}

#[test]
fn unchanged_estate_plans_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/no-changes");
    let (plan, text) = plan_dir(&dir);
    assert!(!plan.has_changes(), "{text}");
}

#[test]
fn sensitive_values_are_masked_in_plans() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/sensitive-and-protected");
    let (plan, text) = plan_dir(&dir);
    for secret in [
        "new-password-never-shown",
        "old-password-never-shown",
        "another-secret-never-shown",
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(
        text.contains("vle.example.ac.uk"),
        "a String parameter is not secret:\n{text}"
    );
    let protected: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.destroys_protected())
        .map(|c| c.addr.to_string())
        .collect();
    assert_eq!(protected, ["efs.data", "efs.old"]);
}

#[test]
fn plan_json_is_versioned_and_masks_secrets() {
    for name in [
        "update-in-place",
        "sensitive-and-protected",
        "replace-on-cidr",
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/plan")
            .join(name);
        let (plan, _) = plan_dir(&dir);
        let json = serde_json::to_string_pretty(&mdl::plan::json::to_json(&plan)).unwrap();
        insta::assert_snapshot!(format!("plan_json_{name}"), json);
    }
}
