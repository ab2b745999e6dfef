//! `mdl apply --json` and `mdl destroy --json`: stdout is a stream of JSON
//! objects, one a line (docs/apply-json.md), and nothing else; what is
//! written for people goes to stderr.

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

const CHAIN: &str = "vpc main { cidr_block = \"10.67.0.0/16\" }

security_group alb {
  vpc_id      = vpc.main.id
  description = \"alb\"
}

security_group web {
  vpc_id      = vpc.main.id
  description = \"web\"
  ingress {
    from_port       = 80
    to_port         = 80
    security_groups = [security_group.alb.id]
    description     = \"HTTP from the load balancer\"
  }
}
";

/// Every line of stdout, parsed: a line that is not a JSON object fails.
fn events(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not a JSON event ({e}): {l:?}\n{stdout}"));
            assert_eq!(v["mdl_events"], 1, "{l}");
            v
        })
        .collect()
}

/// The stream without what differs run to run: ids AWS assigned, times,
/// and `progress` events (which come only from slow steps).
fn stable(events: &[serde_json::Value]) -> String {
    let mut out = String::new();
    for e in events {
        if e["type"] == "progress" {
            continue;
        }
        let mut e = e.clone();
        if let Some(o) = e.as_object_mut() {
            if o.contains_key("elapsed_s") {
                o.insert("elapsed_s".into(), "(s)".into());
            }
            if o.get("id").is_some_and(serde_json::Value::is_string) {
                o.insert("id".into(), "(id)".into());
            }
            if o.contains_key("plan") {
                // The plan's own format is docs/plan-json.md; here only what
                // it would do.
                let changes: Vec<String> = e["plan"]["changes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        format!(
                            "{} {}",
                            c["action"].as_str().unwrap_or("?"),
                            c["address"].as_str().unwrap_or("?")
                        )
                    })
                    .collect();
                e["plan"] = changes.into();
            }
        }
        out.push_str(&e.to_string());
        out.push('\n');
    }
    out
}

#[test]
fn apply_and_destroy_json_are_streams_of_events() {
    let ws = Workspace::new("chain.moodle", CHAIN);
    // --json cannot ask, so it needs --auto-approve or a saved plan.
    let asks = ws.expect("apply", &["--json"], 1);
    assert!(
        asks.stderr.contains("cli::confirmation_required") && asks.stdout.is_empty(),
        "{}",
        asks.all()
    );
    let apply = ws.expect("apply", &["--json", "--auto-approve"], 0);
    // People's text went to stderr.
    assert!(apply.stderr.contains("Apply complete!"), "{}", apply.all());
    insta::assert_snapshot!("apply_json", stable(&events(&apply.stdout)));
    let destroy = ws.expect("destroy", &["--json", "--auto-approve"], 0);
    insta::assert_snapshot!("destroy_json", stable(&events(&destroy.stdout)));
    assert_eq!(ws.moto.vpcs(), 0);
}

#[test]
fn a_failed_step_and_what_it_held_up_are_events() {
    let ws = Workspace::new("chain.moodle", CHAIN);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            deny_operation: Some("CreateSecurityGroup".into()),
            ..Faults::default()
        },
    );
    let apply = ws.mdl_at(
        &proxy.endpoint,
        &["apply", "chain.moodle", "--json", "--auto-approve"],
    );
    assert_eq!(apply.code, 1, "{}", apply.all());
    let events = events(&apply.stdout);
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["type"] == kind).collect()
    };
    let failed = of("failed");
    assert_eq!(failed.len(), 1, "{}", apply.stdout);
    assert_eq!(failed[0]["address"], "security_group.alb");
    assert_eq!(failed[0]["operation"], "CreateSecurityGroup");
    assert_eq!(failed[0]["code"], "UnauthorizedOperation");
    let skipped = of("skipped");
    assert_eq!(skipped.len(), 1, "{}", apply.stdout);
    assert_eq!(skipped[0]["address"], "security_group.web");
    assert_eq!(skipped[0]["because"], "security_group.alb");
    let finished = of("finished");
    assert_eq!(finished.len(), 1, "{}", apply.stdout);
    assert_eq!(finished[0]["address"], "vpc.main");
    let summary = of("summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(events.last(), Some(summary[0]), "the summary comes last");
    assert_eq!(summary[0]["ok"], false);
    assert_eq!(summary[0]["added"], 1);
    assert_eq!(summary[0]["failed"], 1);
    assert_eq!(summary[0]["skipped"], 1);
    // The diagnostic is still written, for people, on stderr.
    assert!(apply.stderr.contains("apply::failed"), "{}", apply.all());
}
