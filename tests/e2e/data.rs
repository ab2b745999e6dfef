//! The data tier end to end: EFS, SSM parameters and secrets; protection of
//! what holds data; secrets never printed or stored.

use crate::harness::Workspace;

const DATA: &str = r#"
vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-2a"
}

subnet b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-2b"
}

security_group efs {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 2049
    to_port     = 2049
    cidr_blocks = ["10.0.0.0/16"]
  }
}

security_group extra {
  vpc_id = vpc.main.id
}

efs data {
  transition_to_ia = "AFTER_30_DAYS"
  tags = {
    Name = "moodledata"
  }
}

efs_mount_target a {
  file_system_id  = efs.data.id
  subnet_id       = subnet.a.id
  security_groups = [security_group.efs.id]
}

efs_mount_target b {
  file_system_id  = efs.data.id
  subnet_id       = subnet.b.id
  security_groups = [security_group.efs.id]
}

efs_access_point moodle {
  file_system_id = efs.data.id
  root_path      = "/moodle"
  posix_uid      = 33
  posix_gid      = 33
  owner_uid      = 33
  owner_gid      = 33
  permissions    = "0755"
}

ssm_parameter domain {
  name  = "/Moodle/data/DomainName"
  value = "moodle.example.ac.uk"
}

ssm_parameter db_password {
  name  = "/Moodle/data/DbPassword"
  type  = "SecureString"
  value = "PLAIN-SECRET-one-1234"
}

secret given {
  name  = "moodle/data/given"
  value = "GIVEN-SECRET-abcd-9876"
}

secret generated {
  name            = "moodle/data/db"
  generate_length = 24
}

output dns = efs.data.dns_name
"#;

fn efs_count(ws: &Workspace) -> usize {
    let efs = aws_sdk_efs::Client::new(&ws.moto.sdk());
    Workspace::runtime().block_on(async {
        efs.describe_file_systems()
            .send()
            .await
            .unwrap()
            .file_systems()
            .len()
    })
}

#[test]
fn data_kinds_create_update_in_place_and_delete_only_with_opt_in() {
    let ws = Workspace::new("data.moodle", DATA);
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 13 added"),
        "{}",
        apply.all()
    );
    assert!(apply.stdout.contains("dns = \"fs-"), "{}", apply.all());
    let replan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(replan.stdout.contains("No changes."), "{}", replan.all());

    // In-place updates of every data kind that has updatable attributes.
    ws.edit("PLAIN-SECRET-one-1234", "PLAIN-SECRET-two-5678");
    ws.edit("AFTER_30_DAYS", "AFTER_60_DAYS");
    ws.edit(
        "subnet_id       = subnet.b.id\n  security_groups = [security_group.efs.id]",
        "subnet_id       = subnet.b.id\n  security_groups = [security_group.efs.id, security_group.extra.id]",
    );
    ws.edit(
        "value = \"moodle.example.ac.uk\"",
        "value = \"vle.example.ac.uk\"",
    );
    ws.edit(
        "name  = \"moodle/data/given\"",
        "name  = \"moodle/data/given\"\n  description = \"given by hand\"",
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    for updated in [
        "efs.data",
        "efs_mount_target.b",
        "ssm_parameter.db_password",
        "ssm_parameter.domain",
        "secret.given",
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
            .contains("Plan: 0 to add, 5 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Taking the file system out of the file is refused...
    let full = ws.read();
    let start = full.find("efs data {").unwrap();
    let end = full.find("ssm_parameter domain").unwrap();
    let without = format!("{}{}", &full[..start], &full[end..])
        .replace("output dns = efs.data.dns_name\n", "");
    ws.write(&without);
    let plan = ws.expect("plan", &[], 0);
    assert!(
        plan.stdout
            .contains("! PROTECTED: efs.data holds data that this destroys"),
        "{}",
        plan.all()
    );
    let refused = ws.expect("apply", &["--auto-approve"], 1);
    assert!(
        refused.stderr.contains("apply::protected_resource"),
        "{}",
        refused.all()
    );
    assert!(
        refused.stderr.contains("--allow-destroy efs.data"),
        "{}",
        refused.all()
    );
    assert!(
        refused.stdout.contains("Nothing was changed."),
        "{}",
        refused.all()
    );
    assert_eq!(efs_count(&ws), 1, "the refusal must leave the file system");
    ws.expect("plan", &["--detailed-exitcode"], 2);

    // ... until it is named.
    let allowed = ws.expect(
        "apply",
        &["--auto-approve", "--allow-destroy", "efs.data"],
        0,
    );
    assert!(allowed.stdout.contains("4 destroyed"), "{}", allowed.all());
    assert_eq!(efs_count(&ws), 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    ws.expect("destroy", &["--auto-approve"], 0);
}

const PROTECTED: &str = r#"
efs scratch {
  performance_mode = "generalPurpose"
  protect          = false
}

efs keep {
  performance_mode = "generalPurpose"
}
"#;

#[test]
fn replacing_a_protected_resource_needs_protect_false_or_the_flag() {
    let ws = Workspace::new("prot.moodle", PROTECTED);
    ws.expect("apply", &["--auto-approve"], 0);
    // `protect = false`: replacement goes ahead.
    ws.edit(
        "performance_mode = \"generalPurpose\"\n  protect",
        "performance_mode = \"maxIO\"\n  protect",
    );
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("# efs.scratch must be replaced"),
        "{}",
        apply.all()
    );
    // Protected by default: replacement refused, then allowed by name.
    ws.edit(
        "efs keep {\n  performance_mode = \"generalPurpose\"",
        "efs keep {\n  performance_mode = \"maxIO\"",
    );
    let refused = ws.expect("apply", &["--auto-approve"], 1);
    assert!(
        refused.stderr.contains("refusing to replace `efs.keep`"),
        "{}",
        refused.all()
    );
    // The diagnostic points at the block.
    assert!(refused.stderr.contains("efs keep {"), "{}", refused.all());
    ws.expect(
        "apply",
        &["--auto-approve", "--allow-destroy", "efs.keep"],
        0,
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
    // Destroy honours protection too.
    let refused = ws.expect("destroy", &["--auto-approve"], 1);
    assert!(
        refused.stderr.contains("refusing to destroy `efs.keep`"),
        "{}",
        refused.all()
    );
    ws.expect(
        "destroy",
        &["--auto-approve", "--allow-destroy", "efs.keep"],
        0,
    );
    assert_eq!(efs_count(&ws), 0);
}

#[test]
fn secret_values_never_appear_in_output_state_or_files() {
    let ws = Workspace::new("secrets.moodle", DATA);
    let mut printed = String::new();
    let mut run =
        |cmd: &str, extra: &[&str], code: i32| printed.push_str(&ws.expect(cmd, extra, code).all());
    run("plan", &[], 0);
    run("apply", &["--auto-approve"], 0);
    ws.edit("PLAIN-SECRET-one-1234", "PLAIN-SECRET-two-5678");
    ws.edit("GIVEN-SECRET-abcd-9876", "GIVEN-SECRET-efgh-5432");
    run("plan", &[], 0);
    run("apply", &["--auto-approve"], 0);
    // The generated secret's value, read back from the emulator.
    let sm = aws_sdk_secretsmanager::Client::new(&ws.moto.sdk());
    let generated = Workspace::runtime().block_on(async {
        let out = sm
            .get_secret_value()
            .secret_id("moodle/data/db")
            .send()
            .await
            .unwrap();
        out.secret_string().unwrap().to_string()
    });
    assert_eq!(generated.len(), 24);
    run("output", &["--json"], 0);
    run(
        "destroy",
        &["--auto-approve", "--allow-destroy", "efs.data"],
        0,
    );

    let mut written = String::new();
    for entry in walk(ws.dir.path()) {
        if entry.file_name().is_some_and(|n| n == "secrets.moodle") {
            continue;
        }
        written.push_str(&std::fs::read_to_string(&entry).unwrap_or_default());
    }
    assert!(printed.contains("(sensitive)"), "{printed}");
    for secret in [
        "PLAIN-SECRET-one-1234",
        "PLAIN-SECRET-two-5678",
        "GIVEN-SECRET-abcd-9876",
        "GIVEN-SECRET-efgh-5432",
        generated.as_str(),
    ] {
        assert!(
            !printed.contains(secret),
            "`{secret}` was printed:\n{printed}"
        );
        assert!(
            !written.contains(secret),
            "`{secret}` was written to a file:\n{written}"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A protected block inside a module is not the user's to edit: the
/// refusal points at the module instance in the user's file and says what
/// works there.
#[test]
fn a_protected_block_in_a_module_is_refused_at_the_users_line() {
    let ws = Workspace::new(
        "single.moodle",
        r#"use "std/single_node"

single_node site {
  name            = "learn"
  web_image_id    = "ami-0123456789abcdef0"
  database_engine = "mysql"
}
"#,
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.edit(
        "database_engine = \"mysql\"",
        "database_engine = \"postgresql\"",
    );
    let refused = ws.expect("apply", &["--auto-approve"], 1);
    // Wrapped to the terminal's width: compared word by word.
    let words = refused
        .stderr
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "refusing to replace `module.site.aurora_cluster.main`",
        "single.moodle:3:13",
        "std/single_node.moodle",
        "--allow-destroy module.site.aurora_cluster.main (or --allow-destroy module.site",
        "takes `protect` only from the module's params",
    ] {
        assert!(words.contains(expected), "`{expected}`:\n{}", refused.all());
    }
}

/// A destroy interrupted after Secrets Manager took the DeleteSecret, run
/// again: the secret is scheduled for deletion, and a second DeleteSecret
/// is refused by AWS (InvalidRequestException); that is the delete done.
#[test]
fn a_secret_already_scheduled_for_deletion_is_deleted() {
    let ws = Workspace::new(
        "scheduled.moodle",
        "secret token {\n  name            = \"moodle/scheduled/token\"\n  generate_length = 24\n}\n",
    );
    ws.expect("apply", &["--auto-approve"], 0);
    // What the interrupted destroy left: AWS took the delete, and state
    // marks it as started.
    let sm = aws_sdk_secretsmanager::Client::new(&ws.moto.sdk());
    Workspace::runtime().block_on(async {
        sm.delete_secret()
            .secret_id("moodle/scheduled/token")
            .recovery_window_in_days(7)
            .send()
            .await
            .unwrap();
    });
    let path = ws.state_path();
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for r in state["resources"].as_array_mut().unwrap() {
        r["deleting"] = true.into();
    }
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
    let destroy = ws.expect("destroy", &["--auto-approve"], 0);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 1 destroyed."),
        "{}",
        destroy.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 2);
}
