//! Lookups against moto_server: read at plan time, used like a resource's
//! values, recorded in state, and shown in a plan when they answer
//! otherwise.

use crate::harness::Workspace;

const ESTATE: &str = r#"
caller me {}

s3_bucket logs {
  name = "lookups-${caller.me.account_id}-${caller.me.region}"
}

output where = "${caller.me.partition}:${caller.me.region}:${caller.me.account_id}"
"#;

#[test]
fn the_callers_account_and_region_name_a_bucket_in_one_stack() {
    let ws = Workspace::new("logs.moodle", ESTATE);
    let account = ws.moto.account().to_string();
    let bucket = format!("lookups-{account}-eu-west-2");
    // Nothing is read by validate: the answers are unknown there.
    let validate = ws.expect("validate", &[], 0);
    assert!(
        validate.stdout.contains("1 resource, 1 lookup"),
        "{}",
        validate.all()
    );
    let plan = ws.expect("plan", &[], 0);
    assert!(
        plan.stdout.contains(&format!("\"{bucket}\"")),
        "{}",
        plan.all()
    );
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply
            .stdout
            .contains(&format!("where = \"aws:eu-west-2:{account}\"")),
        "{}",
        apply.all()
    );
    let buckets = Workspace::runtime().block_on(async {
        ws.moto
            .s3()
            .list_buckets()
            .send()
            .await
            .unwrap()
            .buckets()
            .iter()
            .map(|b| b.name().unwrap().to_string())
            .collect::<Vec<_>>()
    });
    assert!(buckets.contains(&bucket), "{buckets:?}");
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // State records what the lookup answered; an answer that differs from
    // the record (here, a record edited by hand) is shown, and the bucket
    // whose name follows from it is not changed by it.
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(json["lookups"]["caller.me"]["account_id"], account.as_str());
    json["lookups"]["caller.me"]["region"] = "eu-west-1".into();
    std::fs::write(ws.state_path(), json.to_string()).unwrap();
    let plan = ws.expect("plan", &[], 0);
    assert!(
        plan.stdout.contains("Lookups that answer otherwise")
            && plan.stdout.contains("<= caller.me")
            && plan.stdout.contains("\"eu-west-1\" -> \"eu-west-2\""),
        "{}",
        plan.all()
    );
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());
    let json = ws.expect("plan", &["--json"], 0);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["lookups_changed"][0]["address"], "caller.me");
    assert_eq!(parsed["lookups_changed"][0]["before"], "eu-west-1");
}
