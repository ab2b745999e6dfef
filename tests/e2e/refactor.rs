//! `moved` and `removed` blocks against moto_server: a rename and a move
//! into a module are reviewed in a plan, applied without replacing
//! anything, and converge; a removed block with `keep = true` leaves the
//! resource in AWS, untagged and forgotten.

use crate::harness::Workspace;

const BEFORE: &str = r#"
vpc old { cidr_block = "10.61.0.0/16" }

subnet a {
  vpc_id            = vpc.old.id
  cidr_block        = "10.61.1.0/24"
  availability_zone = "eu-west-2a"
}

dns_zone legacy { name = "refactor-legacy.example.org" }
"#;

const MODULE: &str = r#"
param cidr: string

vpc main { cidr_block = param.cidr }

output vpc_id = vpc.main.id
"#;

const AFTER: &str = r#"
use "./network.moodle" as network

network core { cidr = "10.61.0.0/16" }

moved {
  from = vpc.old
  to   = module.core.vpc.main
}

subnet app {
  vpc_id            = module.core.vpc_id
  cidr_block        = "10.61.1.0/24"
  availability_zone = "eu-west-2a"
}

moved {
  from = subnet.a
  to   = subnet.app
}

removed {
  from = dns_zone.legacy
  keep = true
}
"#;

#[test]
fn moves_and_removals_are_planned_applied_and_converge() {
    let ws = Workspace::new("estate.moodle", BEFORE);
    ws.expect("apply", &["--auto-approve"], 0);
    // The state directory keeps itself out of git.
    let ignore = std::fs::read_to_string(ws.dir.path().join(".mdl/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    let ids = |ws: &Workspace| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(ws.state_path()).unwrap()).unwrap()
    };
    let before = ids(&ws);
    let id_of = |state: &serde_json::Value, addr: &str| -> String {
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == addr)
            .unwrap_or_else(|| panic!("no {addr} in {state}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let vpc = id_of(&before, "vpc.old");
    let subnet = id_of(&before, "subnet.a");
    let zone = id_of(&before, "dns_zone.legacy");

    std::fs::write(ws.dir.path().join("network.moodle"), MODULE).unwrap();
    ws.write(AFTER);
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    for line in [
        "~ vpc.old moved to module.core.vpc.main",
        "~ subnet.a moved to subnet.app",
        "- dns_zone.legacy (kept)",
        "Plan: 0 to add, 2 to change, 0 to destroy, 2 moved, 1 forgotten.",
    ] {
        assert!(
            plan.stdout.contains(line),
            "no `{line}` in:\n{}",
            plan.all()
        );
    }
    assert!(
        !plan.stdout.contains("will be created") && !plan.stdout.contains("destroyed"),
        "{}",
        plan.all()
    );
    let json = ws.expect("plan", &["--json"], 0);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["moved"][0]["from"], "vpc.old");
    assert_eq!(json["moved"][0]["to"], "module.core.vpc.main");
    assert_eq!(json["forgotten"][0], "dns_zone.legacy");

    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply
            .stdout
            .contains("dns_zone.legacy: forgotten, left in AWS"),
        "{}",
        apply.all()
    );
    // Same resources, new addresses; the zone is out of state.
    let after = ids(&ws);
    assert_eq!(id_of(&after, "module.core.vpc.main"), vpc);
    assert_eq!(id_of(&after, "subnet.app"), subnet);
    assert!(
        !after["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["address"] == "dns_zone.legacy"),
        "{after}"
    );
    // The blocks may stay: nothing more to do.
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // In AWS: the VPC carries its new address; the zone is there, without
    // mdl's tags.
    let (vpc_address, zone_tags) = Workspace::runtime().block_on(async {
        let vpcs = ws
            .moto
            .ec2()
            .describe_vpcs()
            .vpc_ids(&vpc)
            .send()
            .await
            .unwrap();
        let address = vpcs.vpcs()[0]
            .tags()
            .iter()
            .find(|t| t.key() == Some("mdl:address"))
            .and_then(|t| t.value())
            .unwrap_or_default()
            .to_string();
        let tags = aws_sdk_route53::Client::new(&ws.moto.sdk())
            .list_tags_for_resource()
            .resource_type(aws_sdk_route53::types::TagResourceType::Hostedzone)
            .resource_id(&zone)
            .send()
            .await
            .unwrap()
            .resource_tag_set
            .map(|s| s.tags().len())
            .unwrap_or_default();
        (address, tags)
    });
    assert_eq!(vpc_address, "module.core.vpc.main");
    assert_eq!(zone_tags, 0);

    // An old block written again beside its move is refused, at the move.
    ws.edit(
        "moved {\n  from = subnet.a",
        "subnet a {\n  vpc_id            = module.core.vpc_id\n  cidr_block        = \"10.61.2.0/24\"\n  availability_zone = \"eu-west-2b\"\n}\n\nmoved {\n  from = subnet.a",
    );
    let refused = ws.expect("validate", &[], 1);
    assert!(
        refused.stderr.contains("`subnet.a` still has a block"),
        "{}",
        refused.all()
    );
}
