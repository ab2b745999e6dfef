//! The examples end to end: each is applied, re-planned with no changes,
//! and destroyed (its protected resources allowed by naming the module
//! instance). moto cannot delete cache subnet groups
//! (DeleteCacheSubnetGroup is not implemented), so for the estates with a
//! cache the destroy stops there, naming the gap, and only that group and
//! what it stands on remain.

use crate::harness::Workspace;

/// The addresses the state still holds.
fn remaining(ws: &Workspace) -> Vec<String> {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.state_path()).unwrap()).unwrap();
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

/// Destroy, expecting only moto's missing DeleteCacheSubnetGroup to stop
/// it: what remains is each cache subnet group and the network under it.
fn destroy_up_to_the_cache_subnet_group_gap(ws: &Workspace, module: &str) {
    let destroy = ws.expect("destroy", &["--auto-approve", "--allow-destroy", module], 1);
    assert!(
        destroy.stderr.contains("DeleteCacheSubnetGroup"),
        "{}",
        destroy.all()
    );
    let left = remaining(ws);
    for addr in &left {
        let kind = addr
            .rsplit_once('.')
            .map(|(head, _)| head.rsplit('.').next().unwrap_or(head))
            .unwrap_or_default();
        assert!(
            matches!(
                kind,
                "cache_subnet_group"
                    | "subnet"
                    | "vpc"
                    | "internet_gateway"
                    | "nat_gateway"
                    | "route_table"
                    | "security_group"
            ),
            "{addr} should have been destroyed; left: {left:?}"
        );
    }
    assert!(
        left.iter().any(|a| a.contains("cache_subnet_group.")),
        "{left:?}"
    );
    // Nothing else: no database, cache, file system, load balancer or
    // service is left.
    for kind in [
        "aurora_cluster",
        "aurora_instance",
        "cache.",
        "efs",
        "load_balancer",
        "ecs_service",
        "autoscaling_group",
    ] {
        assert!(
            !left.iter().any(|a| a.contains(&format!(".{kind}"))),
            "{kind} left: {left:?}"
        );
    }
}

#[test]
fn prod_example_applies_replans_clean_and_destroys() {
    let ws = Workspace::new("prod.moodle", include_str!("../../examples/prod.moodle"));
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 60 added"),
        "{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let url = ws.expect("output", &["url"], 0);
    assert!(url.stdout.starts_with("http://"), "{}", url.all());
    // config.php from the deployed endpoints: PostgreSQL with a reader,
    // Redis sessions, the application cache store named.
    let php = ws.expect("output", &["--moodle-config"], 0).stdout;
    for line in [
        "$CFG->dbtype    = 'pgsql';",
        "$CFG->dbname    = 'moodle';",
        "'dbport' => 5432,",
        "$CFG->dataroot  = '/var/www/moodle/data';",
        "$CFG->session_handler_class = '\\core\\session\\redis';",
        // Redis takes TLS only (in-transit encryption), and Moodle is told.
        "$CFG->session_redis_encrypt = ['verify_peer' => true, 'verify_peer_name' => true];",
        // And takes an AUTH token, from the environment, never written.
        "$CFG->session_redis_auth = getenv('MOODLE_REDIS_AUTH');",
        "// The cache's AUTH token is the value of secret arn:aws:secretsmanager:",
        "// Application cache (MUC): add a Redis store at ",
    ] {
        assert!(php.contains(line), "{line}\n{php}");
    }
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    let reader = php
        .lines()
        .find(|l| l.contains("'readonly'"))
        .unwrap_or_else(|| panic!("no read replica:\n{php}"));
    assert!(reader.contains(".cluster-ro-"), "{reader}");
    assert!(
        php.contains(&format!("$CFG->wwwroot   = '{}", url.stdout.trim())),
        "{php}"
    );
    assert!(!state.is_empty());
    // Three AZs: a NAT gateway, private route table and mount target each.
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    for addr in [
        r#"module.vle.module.net.nat_gateway.main[\"eu-west-2c\"]"#,
        r#"module.vle.module.net.route_table.private[\"eu-west-2c\"]"#,
        r#"module.vle.efs_mount_target.data[\"eu-west-2c\"]"#,
        "module.vle.aurora_instance.reader",
        "module.vle.cache.session",
        "module.vle.cache.application",
        // The reference architecture's parameter names, which its
        // bootstrap scripts read.
        "/Moodle/vle/DB/ClusterEndpoint",
        "/Moodle/vle/DB/ClusterReadOnlyEndpoint",
        "/Moodle/vle/SharedFile/ElasticFileSystem",
        "/Moodle/vle/Cache/Session/ElastiCacheClusterEndpoint",
        "/Moodle/vle/Cache/Application/Engine",
        "/Moodle/vle/WebAppASGName",
    ] {
        assert!(state.contains(addr), "{addr} is not in state");
    }
    // Without --allow-destroy the data tier is refused.
    let refused = ws.expect("destroy", &["--auto-approve"], 1);
    assert!(
        refused.stderr.contains("module.vle.aurora_cluster.main"),
        "{}",
        refused.all()
    );
    destroy_up_to_the_cache_subnet_group_gap(&ws, "module.vle");
}

#[test]
fn preview_example_peers_with_onprem_and_keeps_scaled_tenants() {
    let ws = Workspace::new(
        "preview.moodle",
        include_str!("../../examples/preview.moodle"),
    );
    // The on-premises network exists already, outside mdl.
    let (onprem, tables) = Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let vpc = ec2
            .create_vpc()
            .cidr_block("172.16.0.0/16")
            .send()
            .await
            .unwrap()
            .vpc()
            .unwrap()
            .vpc_id()
            .unwrap()
            .to_string();
        let mut tables = Vec::new();
        for _ in 0..2 {
            let t = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap();
            tables.push(
                t.route_table()
                    .unwrap()
                    .route_table_id()
                    .unwrap()
                    .to_string(),
            );
        }
        (vpc, tables)
    });
    let vpc_param = format!("onprem_vpc_id={onprem}");
    let tables_param = format!(
        "onprem_route_table_ids=[{}]",
        tables
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let params = ["-p", vpc_param.as_str(), "-p", tables_param.as_str()];
    let mut args = vec!["--auto-approve"];
    args.extend(params);
    let apply = ws.expect("apply", &args, 0);
    assert!(
        apply.stdout.contains("Resources: 48 added"),
        "{}",
        apply.all()
    );
    let mut plan_args = vec!["--detailed-exitcode"];
    plan_args.extend(params);
    ws.expect("plan", &plan_args, 0);

    // Routes to this VPC in the on-premises tables, through the peering;
    // and back from the app subnets' tables.
    Workspace::runtime().block_on(async {
        let ec2 = ws.moto.ec2();
        let out = ec2
            .describe_route_tables()
            .set_route_table_ids(Some(tables.clone()))
            .send()
            .await
            .unwrap();
        for t in out.route_tables() {
            assert!(
                t.routes().iter().any(|r| {
                    r.destination_cidr_block() == Some("10.70.0.0/16")
                        && r.vpc_peering_connection_id().is_some()
                }),
                "{:?} has no route to the preview VPC",
                t.route_table_id()
            );
        }
        let all = ec2.describe_route_tables().send().await.unwrap();
        let back = all
            .route_tables()
            .iter()
            .filter(|t| {
                t.routes().iter().any(|r| {
                    r.destination_cidr_block() == Some("172.16.0.0/16")
                        && r.vpc_peering_connection_id().is_some()
                })
            })
            .count();
        assert_eq!(back, 2, "each private route table routes to on-premises");
    });

    // Two tenants: a service each, cron only for branch-a.
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    assert!(state.contains(r#"module.vle.ecs_service.tenant[\"branch-b\"]"#));
    assert!(state.contains(r#"module.vle.scheduled_task.cron[\"branch-a\"]"#));
    assert!(!state.contains(r#"module.vle.scheduled_task.cron[\"branch-b\"]"#));

    // The scaler moves a tenant to 3 tasks; nothing to do for mdl.
    Workspace::runtime().block_on(async {
        let ecs = aws_sdk_ecs::Client::new(&ws.moto.sdk());
        ecs.update_service()
            .cluster("preview-vle-moodle")
            .service("preview-vle-tenant-branch-a")
            .desired_count(3)
            .send()
            .await
            .unwrap();
    });
    ws.expect("plan", &plan_args, 0);

    // A third tenant: only its own resources are added.
    ws.edit(
        "  }\n}\n\noutput certificate_validation",
        "    branch-c = {\n      image = \"moodle:8.1\"\n    }\n  }\n}\n\noutput certificate_validation",
    );
    let plan = ws.expect("plan", &plan_args, 2);
    assert!(
        plan.stdout
            .contains("Plan: 5 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    let mut apply_args = vec!["--auto-approve"];
    apply_args.extend(params);
    ws.expect("apply", &apply_args, 0);
    ws.expect("plan", &plan_args, 0);

    let mut destroy_args = vec!["--auto-approve", "--allow-destroy", "module.vle"];
    destroy_args.extend(params);
    let destroy = ws.expect("destroy", &destroy_args, 1);
    assert!(
        destroy.stderr.contains("DeleteCacheSubnetGroup"),
        "{}",
        destroy.all()
    );
    let left = remaining(&ws);
    assert!(
        !left
            .iter()
            .any(|a| a.contains("ecs_service") || a.contains("route.onprem")),
        "{left:?}"
    );
}

#[test]
fn single_example_applies_replans_clean_and_destroys_everything() {
    let ws = Workspace::new(
        "single.moodle",
        include_str!("../../examples/single.moodle"),
    );
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 28 added"),
        "{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
    assert_eq!(ws.moto.vpcs(), 1);
    let php = ws.expect("output", &["--moodle-config"], 0).stdout;
    assert!(
        php.contains("$CFG->dbtype    = 'auroramysql';")
            && php.contains("// No session cache")
            && !php.contains("'readonly'"),
        "{php}"
    );
    let destroy = ws.expect(
        "destroy",
        &["--auto-approve", "--allow-destroy", "module.training"],
        0,
    );
    assert!(
        destroy.stdout.contains("Resources: 28 destroyed."),
        "{}",
        destroy.all()
    );
    assert!(remaining(&ws).is_empty());
    assert_eq!(ws.moto.vpcs(), 0, "the VPC is gone");
    ws.expect("plan", &["--detailed-exitcode"], 2);
}
