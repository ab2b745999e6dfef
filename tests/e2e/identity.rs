//! An estate's identity: one estate never touches another.
//!
//! Two directories holding a `site.moodle` each (the same default stack
//! name) share one account: neither plan changes or deletes what the other
//! created. Resources found only by tags are adopted by `mdl state
//! rebuild`, never by a plan. A `stack` declaration pins the account and
//! region, and the state records them: a run elsewhere is refused before
//! anything is read or changed.

use aws_sdk_ec2::types::Filter;

use crate::harness::{Run, Workspace};

const SITE_A: &str = r#"
vpc main {
  cidr_block = "10.0.0.0/16"
}

ssm_parameter setting {
  name  = "/site/setting"
  value = "a"
}
"#;

/// The VPCs in the account whose `mdl:address` tag is `address`.
fn vpcs_at(ws: &Workspace, address: &str) -> Vec<String> {
    let ec2 = ws.moto.ec2();
    Workspace::runtime().block_on(async {
        ec2.describe_vpcs()
            .filters(
                Filter::builder()
                    .name("tag:mdl:address")
                    .values(address)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .vpcs()
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_string))
            .collect()
    })
}

fn parameter(ws: &Workspace, name: &str) -> Option<String> {
    let ssm = aws_sdk_ssm::Client::new(&ws.moto.sdk());
    Workspace::runtime().block_on(async {
        ssm.get_parameter()
            .name(name)
            .send()
            .await
            .ok()
            .and_then(|o| o.parameter().and_then(|p| p.value().map(str::to_string)))
    })
}

fn ok(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{}", run.all());
}

#[test]
fn a_second_directory_with_the_same_file_name_leaves_the_first_estate_alone() {
    let ws = Workspace::new("site.moodle", SITE_A);
    ws.expect("apply", &["--auto-approve"], 0);
    let first = vpcs_at(&ws, "vpc.main");
    assert_eq!(first.len(), 1);

    // Another directory, another site.moodle: only `vpc other`.
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("site.moodle");
    std::fs::write(&file, "vpc other {\n  cidr_block = \"10.1.0.0/16\"\n}\n").unwrap();
    let plan = ws.mdl_in(
        other.path(),
        &["plan", "site.moodle", "--detailed-exitcode"],
    );
    ok(&plan, 2);
    assert!(
        plan.stdout.contains("# vpc.other will be created")
            && plan
                .stdout
                .contains("Plan: 1 to add, 0 to change, 0 to destroy.")
            && !plan.stdout.contains("destroyed"),
        "{}",
        plan.all()
    );
    assert!(
        // Only the services this estate uses are read: EC2, not SSM.
        plan.stdout.contains(
            "1 resource in AWS is tagged mdl:stack = \"site\" but not recorded in this state"
        ) && plan.stdout.contains("mdl state rebuild FILE"),
        "{}",
        plan.all()
    );
    ok(
        &ws.mdl_in(other.path(), &["apply", "site.moodle", "--auto-approve"]),
        0,
    );
    // A destroy there removes only what it created.
    ok(
        &ws.mdl_in(other.path(), &["destroy", "site.moodle", "--auto-approve"]),
        0,
    );
    assert_eq!(vpcs_at(&ws, "vpc.main"), first);
    assert_eq!(parameter(&ws, "/site/setting").as_deref(), Some("a"));
    assert!(vpcs_at(&ws, "vpc.other").is_empty());

    // The same blocks in a third directory: its own VPC, and the first
    // estate's parameter is not overwritten (AWS refuses the name).
    let third = tempfile::tempdir().unwrap();
    std::fs::write(
        third.path().join("site.moodle"),
        SITE_A.replace("value = \"a\"", "value = \"b\""),
    )
    .unwrap();
    let plan = ws.mdl_in(third.path(), &["plan", "site.moodle"]);
    ok(&plan, 0);
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    let apply = ws.mdl_in(third.path(), &["apply", "site.moodle", "--auto-approve"]);
    ok(&apply, 1);
    assert!(
        apply.stderr.contains("ssm_parameter.setting"),
        "{}",
        apply.all()
    );
    assert_eq!(parameter(&ws, "/site/setting").as_deref(), Some("a"));
    assert_eq!(vpcs_at(&ws, "vpc.main").len(), 2);
    // The refused create leaves no intent that would adopt the other
    // estate's parameter: the next plan creates it again.
    let plan = ws.mdl_in(third.path(), &["plan", "site.moodle"]);
    ok(&plan, 0);
    assert!(
        plan.stdout
            .contains("# ssm_parameter.setting will be created")
            && plan
                .stdout
                .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    // The first directory's plan is still empty, and names what it leaves.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(
        plan.stdout.contains("1 resource in AWS is tagged") && plan.stdout.contains("No changes."),
        "{}",
        plan.all()
    );
    // Its destroy deletes its own VPC, not the third directory's.
    ws.expect("destroy", &["--auto-approve"], 0);
    let left = vpcs_at(&ws, "vpc.main");
    assert_eq!(left.len(), 1);
    assert_ne!(left, first);
}

#[test]
fn a_lost_state_is_adopted_only_through_state_rebuild() {
    let ws = Workspace::new("site.moodle", SITE_A);
    ws.expect("apply", &["--auto-approve"], 0);
    std::fs::remove_file(ws.state_path()).unwrap();
    let plan = ws.expect("plan", &[], 0);
    assert!(
        plan.stdout.contains("2 resources in AWS are tagged")
            && plan.stdout.contains("vpc.main  vpc-"),
        "{}",
        plan.all()
    );
    // Without a terminal, rebuild asks for --auto-approve and records nothing.
    let refused = ws.mdl(&["state", "rebuild", "site.moodle"]);
    ok(&refused, 1);
    assert!(
        refused
            .stdout
            .contains("Found 2 resources tagged mdl:stack = \"site\"")
            && refused.stderr.contains("cli::confirmation_required"),
        "{}",
        refused.all()
    );
    assert!(!ws.state_path().exists());
    let rebuilt = ws.mdl(&["state", "rebuild", "site.moodle", "--auto-approve"]);
    ok(&rebuilt, 0);
    assert!(
        rebuilt.stdout.contains("Recorded 2 resources"),
        "{}",
        rebuilt.all()
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(!plan.stdout.contains("not recorded"), "{}", plan.all());
    let again = ws.mdl(&["state", "rebuild", "site.moodle"]);
    ok(&again, 0);
    assert!(
        again.stdout.contains("Nothing to rebuild"),
        "{}",
        again.all()
    );
    ws.expect("destroy", &["--auto-approve"], 0);
    assert!(vpcs_at(&ws, "vpc.main").is_empty());
}

#[test]
fn a_run_in_another_account_or_region_is_refused_before_any_read() {
    let pinned = format!("stack site {{\n  account_id = \"111111111111\"\n}}\n{SITE_A}");
    let ws = Workspace::new("site.moodle", &pinned);
    // The test's own account (never 111111111111: see harness::new_account).
    let account = ws.moto.account().to_string();
    let run = ws.expect("apply", &["--auto-approve"], 1);
    assert!(
        run.stderr.contains("identity::wrong_account")
            && run.stderr.contains("pinned to account 111111111111")
            && run.stderr.contains(&account),
        "{}",
        run.all()
    );
    assert!(vpcs_at(&ws, "vpc.main").is_empty());
    assert!(!ws.state_path().exists());

    ws.write(&format!(
        "stack site {{\n  account_id = \"{account}\"\n  region = \"eu-west-1\"\n}}\n{SITE_A}"
    ));
    let run = ws.expect("plan", &[], 1);
    assert!(
        run.stderr.contains("identity::wrong_region")
            && run.stderr.contains("pinned to region eu-west-1"),
        "{}",
        run.all()
    );

    // Pinned right: applies, and the state records where.
    ws.write(&format!(
        "stack site {{\n  account_id = \"{account}\"\n  region = \"eu-west-2\"\n}}\n{SITE_A}"
    ));
    ws.expect("apply", &["--auto-approve"], 0);
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    assert!(
        state.contains(&format!("\"account_id\": \"{account}\""))
            && state.contains("\"region\": \"eu-west-2\""),
        "{state}"
    );

    // Without pins, the state's record is the pin: another region is
    // refused, and so is another account.
    ws.write(SITE_A);
    let run = ws.expect("plan", &["--region", "us-east-1"], 1);
    assert!(
        run.stderr.contains("identity::wrong_region")
            && run.stderr.contains("is in region eu-west-2"),
        "{}",
        run.all()
    );
    std::fs::write(ws.state_path(), state.replace(&account, "999999999999")).unwrap();
    let run = ws.expect("destroy", &["--auto-approve"], 1);
    assert!(
        run.stderr.contains("identity::wrong_account")
            && run.stderr.contains("is in account 999999999999"),
        "{}",
        run.all()
    );
    // `state rm` changes AWS too (the tags): refused as well, and the
    // record is kept.
    let rm = ws.mdl(&["state", "rm", "site.moodle", "vpc.main"]);
    assert_eq!(rm.code, 1, "{}", rm.all());
    assert!(
        rm.stderr.contains("identity::wrong_account"),
        "{}",
        rm.all()
    );
    let list = ws.mdl(&["state", "list", "site.moodle"]);
    assert!(list.stdout.contains("vpc.main"), "{}", list.all());
    assert_eq!(vpcs_at(&ws, "vpc.main").len(), 1);
}

#[test]
fn the_declared_name_and_backend_are_the_stacks() {
    let ws = Workspace::new("site.moodle", SITE_A);
    let bucket = ws.moto.bucket("mdl-state");
    ws.write(&format!(
        "stack training {{\n  backend = \"s3://{bucket}/uni\"\n}}\n{SITE_A}"
    ));
    ws.moto.create_bucket(&bucket);
    let client = ws.moto.s3();
    ws.expect("apply", &["--auto-approve"], 0);
    // Nothing beside the file: the state is in the declared bucket, under
    // the declared name, and the resources carry that name.
    assert!(!ws.dir.path().join(".mdl").exists());
    let keys: Vec<String> = Workspace::runtime().block_on(async {
        client
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap()
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    });
    assert_eq!(keys, vec!["uni/training.state.json".to_string()]);
    assert_eq!(vpcs_at(&ws, "vpc.main").len(), 1);
    let list = ws.mdl(&["state", "list", "site.moodle"]);
    ok(&list, 0);
    assert!(list.stdout.contains("vpc.main"), "{}", list.all());
    // A flag that says otherwise is refused, pointing at the declaration.
    let run = ws.expect("plan", &["--backend", "s3://elsewhere/x"], 1);
    assert!(
        run.stderr.contains("identity::backend_conflict") && run.stderr.contains("site.moodle:2"),
        "{}",
        run.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
}

/// A zone of another region than the run's, with no region declared in
/// the file: refused by the plan, at the zone, before anything is read or
/// changed.
#[test]
fn a_zone_of_another_region_is_refused_at_plan_time() {
    let ws = Workspace::new(
        "zones.moodle",
        r#"
vpc main { cidr_block = "10.62.0.0/16" }

subnet app {
  vpc_id            = vpc.main.id
  cidr_block        = "10.62.1.0/24"
  availability_zone = "eu-west-1a"
}
"#,
    );
    // validate knows no region: the zone's form is all it can check.
    ws.expect("validate", &[], 0);
    let plan = ws.expect("plan", &[], 1);
    assert!(
        plan.stderr.contains("plan::zone_outside_region")
            && plan
                .stderr
                .contains("`eu-west-1a` is in eu-west-1, and the stack is in eu-west-2")
            && plan.stderr.contains("zones.moodle:7:"),
        "{}",
        plan.all()
    );
    assert_eq!(ws.moto.vpcs(), 0, "nothing was made");
}

/// `MDL_LOG=debug`: one line per AWS call, with service, operation,
/// attempt, status, duration and request id; a bad level is refused.
#[test]
fn debug_logging_names_every_aws_call() {
    let ws = Workspace::new(
        "logged.moodle",
        "vpc main { cidr_block = \"10.66.0.0/16\" }\n",
    );
    ws.env
        .borrow_mut()
        .push(("MDL_LOG".to_string(), "debug".to_string()));
    let plan = ws.expect("plan", &[], 0);
    let call = plan
        .stderr
        .lines()
        .find(|l| l.contains("aws call service=sts operation=GetCallerIdentity"))
        .unwrap_or_else(|| panic!("no STS call logged:\n{}", plan.all()));
    for field in ["attempt=1", "status=200", "duration_ms=", "request_id="] {
        assert!(call.contains(field), "no {field} in {call}");
    }
    assert!(
        plan.stderr.contains("operation=DescribeVpcs")
            && plan.stderr.contains("INFO planned create=1"),
        "{}",
        plan.all()
    );
    // Nothing is logged without asking.
    ws.env.borrow_mut().clear();
    assert!(!ws.expect("plan", &[], 0).stderr.contains("aws call"));
    let bad = ws.mdl(&["plan", "logged.moodle", "--log-level", "loud"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("is not a log level"), "{}", bad.all());
}

/// Without credentials, the error is one readable sentence saying where
/// mdl looked and how to set them, not the SDK's dump (which was 1,940
/// bytes). The instance metadata address is never asked: the harness sets
/// AWS_EC2_METADATA_DISABLED, as every test does.
#[test]
fn missing_credentials_are_said_in_one_readable_line() {
    let ws = Workspace::new(
        "nocreds.moodle",
        "vpc main { cidr_block = \"10.67.0.0/16\" }\n",
    );
    let out = ws
        .command(&ws.moto.endpoint, &["plan", "nocreds.moodle"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("(NoCredentials): no AWS credentials were found")
            && err.contains("set AWS_PROFILE (after `aws sso login`"),
        "{err}"
    );
    for dump in [
        "DispatchFailure",
        "CredentialsNotLoaded",
        "ProviderAttempt",
        "ConnectorError",
    ] {
        assert!(!err.contains(dump), "{dump} in:\n{err}");
    }
    assert!(err.len() < 1000, "{} bytes:\n{err}", err.len());
}

/// An endpoint that takes the connection and never answers: the run says
/// it is still connecting, and fails within its connect timeout (three
/// attempts of the first call), naming the endpoint.
#[test]
fn an_endpoint_that_never_answers_fails_within_the_connect_timeout() {
    let ws = Workspace::new(
        "silent.moodle",
        "vpc main { cidr_block = \"10.68.0.0/16\" }\n",
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    // Connections are taken and held, never answered.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let run = ws.mdl_at(
        &endpoint,
        &["plan", "silent.moodle", "--connect-timeout", "2s"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("(ConnectTimeout)")
            && run.stderr.contains(&endpoint)
            && run
                .stderr
                .contains(&format!("Still connecting to {endpoint}...")),
        "{}",
        run.all()
    );
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let run = ws.mdl_at(&refused, &["plan", "silent.moodle"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("(Unreachable): cannot connect to the endpoint")
            && run.stderr.contains("Connection refused"),
        "{}",
        run.all()
    );
}
