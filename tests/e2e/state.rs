//! `mdl state` and `mdl graph` end to end: list and show what apply
//! recorded, rename a block without replacing its resource.

use crate::harness::Workspace;

#[test]
fn state_list_show_and_mv_keep_a_renamed_resource() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    ws.expect("apply", &["--auto-approve"], 0);

    let list = ws.mdl(&["state", "list", "network.moodle"]);
    assert_eq!(list.code, 0, "{}", list.all());
    let line = list
        .stdout
        .lines()
        .find(|l| l.starts_with("security_group.web "))
        .unwrap_or_else(|| panic!("{}", list.stdout));
    let id = line.split_whitespace().last().unwrap().to_string();
    assert!(id.starts_with("sg-"), "{line}");
    assert_eq!(list.stdout.lines().count(), 16, "{}", list.stdout);

    let show = ws.mdl(&["state", "show", "network.moodle", "security_group.web"]);
    assert_eq!(show.code, 0, "{}", show.all());
    assert!(
        show.stdout.contains(&format!("id = \"{id}\"")) && show.stdout.contains("# depends on"),
        "{}",
        show.stdout
    );
    let typo = ws.mdl(&["state", "show", "network.moodle", "security_group.webb"]);
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("did you mean `security_group.web`?"),
        "{}",
        typo.all()
    );

    // Rename the block: without a move the plan would replace it.
    let text = ws
        .read()
        .replace("security_group web {", "security_group app {");
    ws.write(&text);
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(plan.stdout.contains("1 to add"), "{}", plan.all());
    let mv = ws.mdl(&[
        "state",
        "mv",
        "network.moodle",
        "security_group.web",
        "security_group.app",
    ]);
    assert_eq!(mv.code, 0, "{}", mv.all());
    assert!(
        mv.stdout
            .contains("Moved security_group.web to security_group.app")
    );
    // Kept, not replaced: only its mdl:address tag is rewritten.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("~ mdl:address = \"security_group.web\" -> \"security_group.app\"")
            && plan
                .stdout
                .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // The tags now carry the new address: a lost state is rebuilt with it.
    std::fs::remove_file(ws.state_path()).unwrap();
    rebuild(&ws, "network.moodle");
    ws.expect("plan", &["--detailed-exitcode"], 0);
    ws.expect("apply", &["--auto-approve"], 0);
    let show = ws.mdl(&["state", "show", "network.moodle", "security_group.app"]);
    assert!(show.stdout.contains(&id), "{}", show.all());

    // Moving onto an address state already holds is refused.
    let clash = ws.mdl(&[
        "state",
        "mv",
        "network.moodle",
        "security_group.app",
        "security_group.alb",
    ]);
    assert_eq!(clash.code, 1);
    assert!(
        clash
            .stderr
            .contains("state already has `security_group.alb`"),
        "{}",
        clash.all()
    );

    let graph = ws.mdl(&["graph", "network.moodle", "--format", "mermaid"]);
    assert_eq!(graph.code, 0, "{}", graph.all());
    assert!(graph.stdout.starts_with("flowchart LR\n"));
    assert!(graph.stdout.contains("[\"security_group.app\"]"));
}

#[test]
fn target_limits_a_plan_and_replace_forces_one() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    ws.expect("apply", &["--auto-approve"], 0);
    let sg_id = |ws: &Workspace, addr: &str| {
        let show = ws.mdl(&["state", "show", "network.moodle", addr]);
        show.stdout
            .lines()
            .find_map(|l| l.strip_prefix("id = "))
            .unwrap_or_default()
            .trim_matches('"')
            .to_string()
    };

    // Two changes; the target takes one of them.
    let text = ws
        .read()
        .replacen(
            "Name = \"onprem\"",
            "Name = \"onprem\"\n    Team = \"vle\"",
            1,
        )
        .replacen(
            "security_group web {\n",
            "security_group web {\n  tags = {\n    Tier = \"web\"\n  }\n",
            1,
        );
    ws.write(&text);
    let plan = ws.expect(
        "plan",
        &["--detailed-exitcode", "--target", "security_group.web"],
        2,
    );
    assert!(
        plan.stdout.contains("covers only the targeted resources")
            && plan
                .stdout
                .contains("# security_group.web will be updated in place")
            && !plan.stdout.contains("# vpc.onprem will be updated")
            && plan
                .stdout
                .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect(
        "apply",
        &["--auto-approve", "-target", "security_group.web"],
        0,
    );
    let rest = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        rest.stdout
            .contains("# vpc.onprem will be updated in place")
            && !rest.stdout.contains("security_group.web will"),
        "{}",
        rest.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);

    // Nothing forces it, yet the group is replaced on request.
    let before = sg_id(&ws, "security_group.web");
    let plan = ws.expect(
        "plan",
        &["--detailed-exitcode", "--replace", "security_group.web"],
        2,
    );
    assert!(
        plan.stdout
            .contains("# security_group.web will be replaced, as requested"),
        "{}",
        plan.all()
    );
    ws.expect(
        "apply",
        &["--auto-approve", "--replace", "security_group.web"],
        0,
    );
    let after = sg_id(&ws, "security_group.web");
    assert!(
        after.starts_with("sg-") && after != before,
        "{before} -> {after}"
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    let typo = ws.expect("plan", &["--target", "security_group.albb"], 1);
    assert!(
        typo.stderr.contains("did you mean `security_group.alb`?"),
        "{}",
        typo.all()
    );
}

#[test]
fn a_saved_plan_applies_exactly_and_refuses_when_things_changed() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    // JSON for tools.
    let json = ws.expect("plan", &["--json"], 0);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan["format_version"], 1);
    assert_eq!(plan["summary"]["add"], 16);
    assert_eq!(plan["changes"][0]["action"], "create");

    // Saved, then applied as it is.
    let saved = ws.expect("plan", &["--out", "plan.json"], 0);
    assert!(
        saved.stdout.contains("Saved the plan to plan.json"),
        "{}",
        saved.all()
    );
    let apply = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply.stdout.contains("Resources: 16 added"),
        "{}",
        apply.all()
    );

    // The file changes after the plan was saved.
    ws.expect("plan", &["--out", "plan.json"], 0);
    let text = ws
        .read()
        .replacen("Name = \"onprem\"", "Name = \"on-prem\"", 1);
    ws.write(&text);
    let stale = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    assert!(
        stale
            .stderr
            .contains("the configuration changed since the plan was saved"),
        "{}",
        stale.all()
    );

    // AWS changes after the plan was saved.
    ws.expect("plan", &["--out", "plan.json"], 0);
    Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let onprem = vpcs
            .vpcs()
            .iter()
            .find(|v| v.tags().iter().any(|t| t.value() == Some("vpc.onprem")))
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string();
        ec2.create_tags()
            .resources(onprem)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Name")
                    .value("changed by hand")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let stale = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    // The change made by hand shows as drift, and the plan puts it back.
    assert!(
        stale.stdout.contains("Changed outside mdl")
            && stale.stdout.contains("# vpc.onprem")
            && stale.stdout.contains("\"changed by hand\""),
        "{}",
        stale.all()
    );
    assert!(
        stale
            .stderr
            .contains("AWS or the state changed since the plan was saved"),
        "{}",
        stale.all()
    );
    // Extra values cannot be mixed into a saved plan.
    let mixed = ws.mdl(&["apply", "plan.json", "--target", "vpc.main"]);
    assert_eq!(mixed.code, 1);
    assert!(
        mixed.stderr.contains("a saved plan carries its own params"),
        "{}",
        mixed.all()
    );
    // refresh records the drift in state, changing nothing in AWS: it is
    // no longer drift, and the plan still puts the tag back.
    let refresh = ws.mdl(&["refresh", "network.moodle"]);
    assert_eq!(refresh.code, 0, "{}", refresh.all());
    assert!(
        refresh.stdout.contains("Changed outside mdl")
            && refresh
                .stdout
                .contains("Refreshed the state of stack `network`: 16 resources"),
        "{}",
        refresh.all()
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        !plan.stdout.contains("Changed outside mdl")
            && plan
                .stdout
                .contains("# vpc.onprem will be updated in place"),
        "{}",
        plan.all()
    );
    // A fresh plan applies.
    ws.expect("plan", &["--out", "plan.json"], 0);
    let apply = ws.mdl(&["apply", "plan.json"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    ws.expect("plan", &["--detailed-exitcode"], 0);
}

#[test]
fn import_adopts_a_hand_made_resource_and_tags_it() {
    let ws = Workspace::new(
        "network.moodle",
        include_str!("../../examples/network.moodle"),
    );
    ws.expect("apply", &["--auto-approve"], 0);
    // A security group made by hand in the estate's VPC.
    let sg = Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let vpc = vpcs
            .vpcs()
            .iter()
            .find(|v| v.tags().iter().any(|t| t.value() == Some("vpc.main")))
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string();
        ec2.create_security_group()
            .group_name("legacy")
            .description("Made by hand")
            .vpc_id(vpc)
            .send()
            .await
            .unwrap()
            .group_id()
            .unwrap()
            .to_string()
    });
    let text = ws.read()
        + "\nsecurity_group legacy {\n  vpc_id      = vpc.main.id\n  name        = \"legacy\"\n  description = \"Made by hand\"\n}\n";
    ws.write(&text);
    // Without import the plan would make a second one.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("# security_group.legacy will be created"),
        "{}",
        plan.all()
    );

    let wrong = ws.mdl(&["import", "network.moodle", "security_group.legasy", &sg]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stderr
            .contains("did you mean `security_group.legacy`?"),
        "{}",
        wrong.all()
    );
    let missing = ws.mdl(&[
        "import",
        "network.moodle",
        "security_group.legacy",
        "sg-0000000000000000f",
    ]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("AWS has no security_group with the id"),
        "{}",
        missing.all()
    );

    let import = ws.mdl(&["import", "network.moodle", "security_group.legacy", &sg]);
    assert_eq!(import.code, 0, "{}", import.all());
    assert!(
        import
            .stdout
            .contains(&format!("Imported {sg} as `security_group.legacy`."))
    );
    let again = ws.mdl(&["import", "network.moodle", "security_group.legacy", &sg]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("is already in state"),
        "{}",
        again.all()
    );

    // Adopted, not created: the plan only tags it.
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("# security_group.legacy will be updated in place")
            && plan
                .stdout
                .contains("+ mdl:address = \"security_group.legacy\"")
            && plan
                .stdout
                .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // Tagged: found again without state, by `mdl state rebuild`.
    std::fs::remove_file(ws.state_path()).unwrap();
    rebuild(&ws, "network.moodle");
    ws.expect("plan", &["--detailed-exitcode"], 0);
    ws.expect("apply", &["--auto-approve"], 0);

    // And let go again: out of state and untagged, still in AWS; with its
    // block gone nothing plans to delete it, with or without state.
    let rm = ws.mdl(&["state", "rm", "network.moodle", "security_group.legacy"]);
    assert_eq!(rm.code, 0, "{}", rm.all());
    assert!(
        rm.stdout.contains("it still exists in AWS")
            && rm
                .stdout
                .contains("mdl:stack and mdl:address tags are removed"),
        "{}",
        rm.all()
    );
    let text = ws.read();
    let cut = text.find("\nsecurity_group legacy {").unwrap();
    ws.write(&text[..cut + 1]);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // A rebuild from tags does not find it either.
    std::fs::remove_file(ws.state_path()).unwrap();
    rebuild(&ws, "network.moodle");
    let show = ws.mdl(&["state", "show", "network.moodle", "security_group.legacy"]);
    assert_eq!(show.code, 1, "{}", show.all());
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let exists = Workspace::runtime().block_on(async {
        ws.moto
            .ec2()
            .describe_security_groups()
            .group_ids(&sg)
            .send()
            .await
            .map(|o| o.security_groups().len())
            .unwrap_or(0)
    });
    assert_eq!(exists, 1, "state rm must not delete it");
}

/// `mdl state rebuild FILE --auto-approve`, expected to record something.
fn rebuild(ws: &Workspace, file: &str) {
    let run = ws.mdl(&["state", "rebuild", file, "--auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Recorded "), "{}", run.all());
}
