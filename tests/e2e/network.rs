//! The network layer end to end: apply, re-plan, update in place, replace,
//! destroy; failures, the lock, a lost state file.

use aws_sdk_ec2::types::Filter;

use crate::harness::Workspace;

const EXAMPLE: &str = include_str!("../../examples/network.moodle");

/// How many resources of each kind moto holds with the stack's tag.
fn tagged(ws: &Workspace, stack: &str) -> Vec<(&'static str, usize)> {
    let ec2 = ws.moto.ec2();
    let f = || {
        Filter::builder()
            .name("tag:mdl:stack")
            .values(stack)
            .build()
    };
    let has = |tags: &[aws_sdk_ec2::types::Tag]| {
        tags.iter()
            .any(|t| t.key() == Some("mdl:stack") && t.value() == Some(stack))
    };
    Workspace::runtime().block_on(async {
        let vpcs = ec2.describe_vpcs().filters(f()).send().await.unwrap();
        let subnets = ec2.describe_subnets().filters(f()).send().await.unwrap();
        let igws = ec2
            .describe_internet_gateways()
            .filters(f())
            .send()
            .await
            .unwrap();
        let nats = ec2
            .describe_nat_gateways()
            .filter(f())
            .send()
            .await
            .unwrap();
        let rts = ec2
            .describe_route_tables()
            .filters(f())
            .send()
            .await
            .unwrap();
        let pcx = ec2
            .describe_vpc_peering_connections()
            .filters(f())
            .send()
            .await
            .unwrap();
        let sgs = ec2
            .describe_security_groups()
            .filters(f())
            .send()
            .await
            .unwrap();
        let eips = ec2.describe_addresses().filters(f()).send().await.unwrap();
        vec![
            ("vpc", vpcs.vpcs().iter().filter(|x| has(x.tags())).count()),
            (
                "subnet",
                subnets.subnets().iter().filter(|x| has(x.tags())).count(),
            ),
            (
                "internet_gateway",
                igws.internet_gateways()
                    .iter()
                    .filter(|x| has(x.tags()))
                    .count(),
            ),
            (
                "nat_gateway",
                nats.nat_gateways()
                    .iter()
                    .filter(|x| has(x.tags()) && x.state().is_some_and(|s| s.as_str() != "deleted"))
                    .count(),
            ),
            (
                "route_table",
                rts.route_tables().iter().filter(|x| has(x.tags())).count(),
            ),
            (
                "vpc_peering",
                pcx.vpc_peering_connections()
                    .iter()
                    .filter(|x| {
                        has(x.tags())
                            && x.status()
                                .and_then(|s| s.code())
                                .is_some_and(|c| c.as_str() == "active")
                    })
                    .count(),
            ),
            (
                "security_group",
                sgs.security_groups()
                    .iter()
                    .filter(|x| has(x.tags()))
                    .count(),
            ),
            (
                "elastic_ip",
                eips.addresses().iter().filter(|x| has(x.tags())).count(),
            ),
        ]
    })
}

#[test]
fn network_lifecycle_apply_replan_update_replace_destroy() {
    let ws = Workspace::new("net.moodle", EXAMPLE);

    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("Plan: 16 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.all()
    );

    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 16 added, 0 changed, 0 destroyed."),
        "{}",
        apply.all()
    );
    assert!(apply.stdout.contains("vpc_id = \"vpc-"), "{}", apply.all());
    assert_eq!(
        tagged(&ws, "net"),
        vec![
            ("vpc", 2),
            ("subnet", 4),
            ("internet_gateway", 1),
            ("nat_gateway", 2),
            ("route_table", 4),
            ("vpc_peering", 1),
            ("security_group", 2),
            ("elastic_ip", 2),
        ]
    );

    // Nothing to do right after apply.
    let replan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(replan.stdout.contains("No changes."), "{}", replan.all());

    // A tag change is an in-place update of that one resource.
    ws.edit("Name = \"moodle\"", "Name = \"moodle-prod\"");
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout.contains("# vpc.main will be updated in place"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("~ \"Name\" = \"moodle\" -> \"moodle-prod\""),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    let vpc_id_before = tagged_vpc_id(&ws);
    ws.expect("apply", &["-auto-approve"], 0);
    assert_eq!(
        tagged_vpc_id(&ws),
        vpc_id_before,
        "an update must not replace the VPC"
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // A subnet CIDR change replaces the subnet and re-associates its route table.
    ws.edit(
        "cidrsubnet(vpc.main.cidr_block, 6, 1)",
        "cidrsubnet(vpc.main.cidr_block, 6, 3)",
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout.contains("# subnet.app_b must be replaced"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("~ cidr_block = \"10.0.4.0/22\" -> \"10.0.12.0/22\" # forces replacement"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("# route_table.app_b will be updated in place"),
        "{}",
        plan.all()
    );
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply
            .stdout
            .contains("Resources: 1 added, 1 changed, 1 destroyed."),
        "{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Destroy leaves nothing tagged with the stack, elastic IPs included.
    let destroy = ws.expect("destroy", &["--auto-approve"], 0);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 16 destroyed."),
        "{}",
        destroy.all()
    );
    assert!(
        tagged(&ws, "net").iter().all(|(_, n)| *n == 0),
        "{:?}",
        tagged(&ws, "net")
    );
    let after = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(after.stdout.contains("Plan: 16 to add"), "{}", after.all());
}

fn tagged_vpc_id(ws: &Workspace) -> String {
    let ec2 = ws.moto.ec2();
    Workspace::runtime().block_on(async {
        let out = ec2
            .describe_vpcs()
            .filters(
                Filter::builder()
                    .name("tag:mdl:address")
                    .values("vpc.main")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        out.vpcs()
            .iter()
            .filter_map(|v| v.vpc_id())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    })
}

const SMALL: &str = r#"
vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet good {
  vpc_id     = vpc.main.id
  cidr_block = "10.0.1.0/24"
}

# AWS refuses an availability zone the region does not have, at apply.
subnet bad {
  vpc_id            = vpc.main.id
  cidr_block        = "10.0.9.0/24"
  availability_zone = "eu-west-2z"
}

route_table bad {
  vpc_id     = vpc.main.id
  subnet_ids = [subnet.bad.id]
}

security_group web {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

#[test]
fn a_failed_resource_skips_its_dependents_and_the_rest_is_applied() {
    let ws = Workspace::new("small.moodle", SMALL);
    let run = ws.expect("apply", &["--auto-approve"], 1);
    let all = run.all();
    assert!(run.stderr.contains("apply::failed"), "{all}");
    assert!(run.stderr.contains("subnet.bad"), "{all}");
    // The diagnostic points at the block responsible.
    assert!(run.stderr.contains("subnet bad {"), "{all}");
    assert!(
        run.stdout
            .contains("skipped: route_table.bad (needs subnet.bad)"),
        "{all}"
    );
    assert!(run.stdout.contains("1 failed, 1 skipped"), "{all}");
    // Independent work finished and state is true to AWS.
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    for addr in ["vpc.main", "subnet.good", "security_group.web"] {
        assert!(
            state.contains(&format!("\"address\": \"{addr}\"")),
            "{addr} missing from state:\n{state}"
        );
    }
    // The failed one only as an intent: what was asked for, no id.
    let json: serde_json::Value = serde_json::from_str(&state).unwrap();
    let bad = json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "subnet.bad")
        .expect("the intent to create subnet.bad");
    assert_eq!(bad["pending"], true, "{state}");
    assert_eq!(bad["id"], "", "{state}");
    // Fixing the file converges.
    ws.edit("eu-west-2z", "eu-west-2a");
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
}

#[test]
fn a_second_run_fails_at_once_naming_the_lock_holder() {
    let ws = Workspace::new("locked.moodle", SMALL);
    let lock_path = ws.dir.path().join(".mdl/locked.state.lock");
    let _held = mdl::state::Lock::acquire(&lock_path, "apply").unwrap();
    let started = std::time::Instant::now();
    let run = ws.expect("apply", &["--auto-approve"], 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(run.stderr.contains("state::locked"), "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("`mdl apply` (pid {}", std::process::id())),
        "{}",
        run.all()
    );
}

#[test]
fn a_lost_state_file_is_rebuilt_from_tags_by_state_rebuild() {
    let ws = Workspace::new("lost.moodle", EXAMPLE);
    ws.expect("apply", &["--auto-approve"], 0);
    std::fs::remove_file(ws.state_path()).unwrap();
    // A plan never adopts by tags alone: it names what it found and leaves
    // it to `mdl state rebuild`.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("16 resources in AWS are tagged mdl:stack = \"lost\" but not recorded")
            && plan.stdout.contains("... and 6 more"),
        "{}",
        plan.all()
    );
    let rebuilt = ws.mdl(&["state", "rebuild", "lost.moodle", "--auto-approve"]);
    assert_eq!(rebuilt.code, 0, "{}", rebuilt.all());
    assert!(
        rebuilt.stdout.contains("Recorded 16 resources"),
        "{}",
        rebuilt.all()
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());
    // A no-op apply writes the state back, and destroy still finds everything.
    ws.expect("apply", &["--auto-approve"], 0);
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    assert_eq!(state.matches("\"address\"").count(), 16, "{state}");
    ws.expect("destroy", &["--auto-approve"], 0);
    assert!(tagged(&ws, "lost").iter().all(|(_, n)| *n == 0));
}

#[test]
fn apply_without_a_terminal_asks_for_auto_approve() {
    let ws = Workspace::new("ask.moodle", SMALL);
    let run = ws.expect("apply", &[], 1);
    assert!(
        run.stderr.contains("cli::confirmation_required"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("--auto-approve"), "{}", run.all());
    assert!(
        tagged(&ws, "ask").iter().all(|(_, n)| *n == 0),
        "nothing may be created without confirmation"
    );
}
