//! ElastiCache and Aurora end to end: create, re-plan empty (engine patch
//! versions included), update in place, protection, deletion with a final
//! snapshot.

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

const DB: &str = r#"
vpc main {
  cidr_block = "10.20.0.0/16"
}

subnet data_a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.20.100.0/24"
  availability_zone = "eu-west-2a"
}

subnet data_b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.20.101.0/24"
  availability_zone = "eu-west-2b"
}

security_group db {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 3306
    to_port     = 3306
    cidr_blocks = ["10.20.0.0/16"]
  }
}

cache_subnet_group data {
  subnet_ids = [subnet.data_a.id, subnet.data_b.id]
}

cache sessions {
  engine             = "redis"
  engine_version     = "7.1"
  node_type          = "cache.t4g.small"
  num_nodes          = 2
  multi_az           = true
  automatic_failover = true
  subnet_group_name  = cache_subnet_group.data.id
  security_group_ids = [security_group.db.id]
}

cache application {
  engine            = "memcached"
  node_type         = "cache.t4g.small"
  num_nodes         = 2
  az_mode           = "cross-az"
  subnet_group_name = cache_subnet_group.data.id
}

db_subnet_group data {
  subnet_ids = [subnet.data_a.id, subnet.data_b.id]
}

aurora_cluster main {
  engine                  = "aurora-mysql"
  engine_version          = "8.0"
  subnet_group_name       = db_subnet_group.data.id
  security_group_ids      = [security_group.db.id]
  serverless_min_capacity = 0.5
  serverless_max_capacity = 4
}

aurora_instance writer {
  cluster_id     = aurora_cluster.main.id
  instance_class = "db.serverless"
}

aurora_instance reader {
  cluster_id     = aurora_cluster.main.id
  instance_class = "db.serverless"
  depends_on     = [aurora_instance.writer]
}

output db_host = aurora_cluster.main.endpoint
output db_reader = aurora_cluster.main.reader_endpoint
output redis = cache.sessions.endpoint
output db_secret = aurora_cluster.main.master_user_secret_arn
"#;

fn rds(ws: &Workspace) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::new(&ws.moto.sdk())
}

#[test]
fn caches_and_aurora_create_update_protect_and_delete_with_a_final_snapshot() {
    let ws = Workspace::new("db.moodle", DB);
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 11 added"),
        "{}",
        apply.all()
    );
    for output in [
        "db_host = \"db-main.cluster-",
        "db_reader = \"db-main.cluster-ro-",
        "redis = \"",
        "db_secret = \"arn:aws:secretsmanager:",
    ] {
        assert!(apply.stdout.contains(output), "{output}:\n{}", apply.all());
    }
    // Protected in AWS too: DeletionProtection is on, and a delete by
    // anyone else is refused by AWS itself.
    let (protection, refused) = Workspace::runtime().block_on(async {
        let out = rds(&ws)
            .describe_db_clusters()
            .db_cluster_identifier("db-main")
            .send()
            .await
            .unwrap();
        let protection = out.db_clusters()[0].deletion_protection();
        let refused = rds(&ws)
            .delete_db_cluster()
            .db_cluster_identifier("db-main")
            .skip_final_snapshot(true)
            .send()
            .await
            .is_err();
        (protection, refused)
    });
    assert_eq!(protection, Some(true));
    assert!(refused, "AWS must refuse to delete a protected cluster");
    // "8.0" is satisfied by the patch version AWS chose: no perpetual diff.
    let replan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(replan.stdout.contains("No changes."), "{}", replan.all());

    ws.edit(
        "serverless_max_capacity = 4",
        "serverless_max_capacity = 8\n  backup_retention_days   = 7",
    );
    ws.edit(
        "node_type          = \"cache.t4g.small\"",
        "node_type          = \"cache.t4g.medium\"",
    );
    ws.edit(
        "aurora_instance reader {\n  cluster_id     = aurora_cluster.main.id\n  instance_class = \"db.serverless\"",
        "aurora_instance reader {\n  cluster_id     = aurora_cluster.main.id\n  instance_class = \"db.r6g.large\"",
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    for updated in [
        "cache.sessions",
        "aurora_cluster.main",
        "aurora_instance.reader",
    ] {
        assert!(
            plan.stdout
                .contains(&format!("# {updated} will be updated in place")),
            "{updated}:\n{}",
            plan.all()
        );
    }
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 3 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Destroy refuses the database and both caches until each is named.
    let refused = ws.expect("destroy", &["--auto-approve"], 1);
    for protected in ["aurora_cluster.main", "cache.sessions", "cache.application"] {
        assert!(
            refused
                .stderr
                .contains(&format!("refusing to destroy `{protected}`")),
            "{protected}:\n{}",
            refused.all()
        );
    }
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // An allowed address names a resource exactly: `cache` is no prefix
    // of `cache.sessions`, and an unknown one is an error.
    for (wrong, hint) in [
        ("cache", "no resource or module instance `cache`"),
        ("cache.session", "did you mean `cache.sessions`?"),
        ("module.db", "no resource or module instance `module.db`"),
    ] {
        let run = ws.expect("destroy", &["--auto-approve", "--allow-destroy", wrong], 1);
        assert!(
            run.stderr.contains("plan::unknown_address") && run.stderr.contains(hint),
            "{wrong}:\n{}",
            run.all()
        );
        assert!(run.stdout.contains("Nothing was changed."), "{}", run.all());
    }
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Take the database and caches out of the file, naming them; through a
    // proxy that records what mdl asks of AWS.
    let text = ws.read();
    let kept = &text[..text.find("cache sessions {").unwrap()];
    ws.write(&format!(
        "{kept}\ndb_subnet_group data {{\n  subnet_ids = [subnet.data_a.id, subnet.data_b.id]\n}}\n"
    ));
    let proxy = Proxy::start(&ws.moto.endpoint, Faults::default());
    let run = ws.mdl_at(
        &proxy.endpoint,
        &[
            "apply",
            "db.moodle",
            "--auto-approve",
            "--allow-destroy",
            "aurora_cluster.main",
            "--allow-destroy",
            "cache.sessions",
            "--allow-destroy",
            "cache.application",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("5 destroyed"), "{}", run.all());
    // Redis was deleted with a final snapshot: moto keeps none, so the
    // request itself is checked.
    let changes = proxy.counts.changes.lock().unwrap().clone();
    let deletes: Vec<&String> = changes
        .iter()
        .filter(|(op, _)| op.ends_with("DeleteReplicationGroup"))
        .map(|(_, body)| body)
        .collect();
    assert_eq!(deletes.len(), 1, "{changes:?}");
    assert!(
        deletes[0].contains("FinalSnapshotIdentifier=db-sessions-final-"),
        "{}",
        deletes[0]
    );
    // AWS's protection was lifted only now, inside the allowed delete.
    let lifted: Vec<&String> = changes
        .iter()
        .filter(|(op, body)| {
            op.ends_with("ModifyDBCluster") && body.contains("DeletionProtection=false")
        })
        .map(|(_, body)| body)
        .collect();
    assert_eq!(lifted.len(), 1, "{changes:?}");
    // Aurora kept a final snapshot.
    let snapshots = Workspace::runtime().block_on(async {
        let out = rds(&ws)
            .describe_db_cluster_snapshots()
            .send()
            .await
            .unwrap();
        out.db_cluster_snapshots()
            .iter()
            .filter_map(|s| s.db_cluster_snapshot_identifier())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    });
    assert!(
        snapshots.iter().any(|s| s.starts_with("db-main-final-")),
        "{snapshots:?}"
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // moto 5.2.5 has no DeleteCacheSubnetGroup: the failure names the gap
    // and everything that does not depend on the group is still destroyed.
    let destroy = ws.expect("destroy", &["--auto-approve"], 1);
    assert!(
        destroy
            .stderr
            .contains("elasticache DeleteCacheSubnetGroup failed"),
        "{}",
        destroy.all()
    );
    assert!(
        destroy.stderr.contains("HTML error page"),
        "{}",
        destroy.all()
    );
    assert!(
        destroy
            .stdout
            .contains("db_subnet_group.data: Destruction complete"),
        "{}",
        destroy.all()
    );
    assert!(
        destroy
            .stdout
            .contains("security_group.db: Destruction complete"),
        "{}",
        destroy.all()
    );
}

#[test]
fn skip_final_snapshot_deletes_without_one() {
    let text = r#"
vpc main {
  cidr_block = "10.30.0.0/16"
}
subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.30.1.0/24"
  availability_zone = "eu-west-2a"
}
subnet b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.30.2.0/24"
  availability_zone = "eu-west-2b"
}
db_subnet_group data {
  subnet_ids = [subnet.a.id, subnet.b.id]
}
aurora_cluster scratch {
  engine              = "aurora-postgresql"
  subnet_group_name   = db_subnet_group.data.id
  skip_final_snapshot = true
  protect             = false
}
"#;
    let ws = Workspace::new("pg.moodle", text);
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    ws.expect("destroy", &["--auto-approve"], 0);
    let snapshots = Workspace::runtime().block_on(async {
        let out = rds(&ws)
            .describe_db_cluster_snapshots()
            .send()
            .await
            .unwrap();
        out.db_cluster_snapshots()
            .iter()
            .filter_map(|s| s.db_cluster_snapshot_identifier())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    });
    assert!(
        !snapshots.iter().any(|s| s.contains("final")),
        "{snapshots:?}"
    );
}

/// `mdl state rm` of every protected kind: the resource stays in AWS,
/// leaves the state, and carries no mdl tags, so that no later plan and
/// no `mdl state rebuild` finds it again.
#[test]
fn state_rm_lets_go_of_every_protected_kind() {
    let text = format!("{DB}\nefs data {{\n  tags = {{ Name = \"moodledata\" }}\n}}\n");
    let ws = Workspace::new("db.moodle", &text);
    ws.expect("apply", &["--auto-approve"], 0);
    for addr in [
        "efs.data",
        "cache.sessions",
        "cache.application",
        "aurora_cluster.main",
    ] {
        let rm = ws.mdl(&["state", "rm", "db.moodle", addr]);
        assert_eq!(rm.code, 0, "{addr}: {}", rm.all());
        assert!(
            rm.stdout
                .contains("mdl:stack and mdl:address tags are removed"),
            "{addr}: {}",
            rm.all()
        );
    }
    // The state has lost them; the instances depend on the cluster, and
    // go too, before the file forgets all four blocks.
    for addr in ["aurora_instance.reader", "aurora_instance.writer"] {
        let rm = ws.mdl(&["state", "rm", "db.moodle", addr]);
        assert_eq!(rm.code, 0, "{addr}: {}", rm.all());
    }
    let text = ws.read();
    let kept = &text[..text.find("cache sessions {").unwrap()];
    ws.write(&format!(
        "{kept}\ndb_subnet_group data {{\n  subnet_ids = [subnet.data_a.id, subnet.data_b.id]\n}}\n"
    ));
    let plan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(!plan.stdout.contains("not recorded"), "{}", plan.all());
    let rebuild = ws.mdl(&["state", "rebuild", "db.moodle"]);
    assert_eq!(rebuild.code, 0, "{}", rebuild.all());
    assert!(
        rebuild.stdout.contains("Nothing to rebuild"),
        "{}",
        rebuild.all()
    );
    // The file no longer uses EFS, so no read looks there: its tags are
    // checked directly.
    let efs_tags = Workspace::runtime().block_on(async {
        let efs = aws_sdk_efs::Client::new(&ws.moto.sdk());
        let all = efs.describe_file_systems().send().await.unwrap();
        all.file_systems()
            .iter()
            .flat_map(|f| f.tags().iter().map(|t| t.key().to_string()))
            .collect::<Vec<_>>()
    });
    assert!(efs_tags.contains(&"Name".to_string()), "{efs_tags:?}");
    assert!(
        !efs_tags.iter().any(|k| k.starts_with("mdl:")),
        "{efs_tags:?}"
    );
    // Still in AWS.
    let clusters = Workspace::runtime().block_on(async {
        rds(&ws)
            .describe_db_clusters()
            .send()
            .await
            .unwrap()
            .db_clusters()
            .len()
    });
    assert_eq!(clusters, 1);
}
