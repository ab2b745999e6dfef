//! The binary, for commands that need no AWS.

use std::process::Command;

fn mdl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mdl"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn validate_accepts_the_example() {
    let (code, out, err) = mdl(&[
        "validate",
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("is valid: 16 resources"), "{out}");
}

#[test]
fn validate_reports_errors_and_exits_1() {
    let (code, _, err) = mdl(&[
        "validate",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/check/unknown_attribute.moodle"
        ),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("check::unknown_attribute"), "{err}");
    assert!(err.contains("did you mean `cidr_block`?"), "{err}");
}

#[test]
fn unknown_param_on_the_command_line_points_at_it() {
    let (code, _, err) = mdl(&[
        "validate",
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle"),
        "-p",
        "cidrr=10.9.0.0/16",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("param::unknown"), "{err}");
    assert!(err.contains("did you mean `cidr`?"), "{err}");
}

#[test]
fn params_change_the_plan_input() {
    let (code, _, err) = mdl(&[
        "validate",
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle"),
        "-p",
        "region_azs=[\"us-east-1a\", \"us-east-1b\"]",
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn fmt_check_flags_unformatted_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.moodle");
    std::fs::write(&path, "vpc a {cidr_block=\"10.0.0.0/16\"}\n").unwrap();
    let p = path.to_str().unwrap();
    assert_eq!(mdl(&["fmt", "--check", p]).0, 3);
    assert_eq!(mdl(&["fmt", p]).0, 0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "vpc a {\n  cidr_block = \"10.0.0.0/16\"\n}\n"
    );
    assert_eq!(mdl(&["fmt", "--check", p]).0, 0);
}

#[test]
fn docs_describe_kinds() {
    let (code, out, _) = mdl(&["docs", "subnet"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
    let (code, out, _) = mdl(&["docs"]);
    assert_eq!(code, 0);
    assert!(out.contains("security_group") && out.contains("std/ecs_preview"));
    // A stdlib module: its params, their rules, its outputs.
    let (code, out, _) = mdl(&["docs", "std/ha"]);
    assert_eq!(code, 0);
    for line in [
        "  web_image_id (string; required)",
        "      refuses: web_max is below web_min: the Auto Scaling group would be refused",
        "      warns: an HA estate in one availability zone has no redundancy",
        "  database_endpoint",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    let (code, _, err) = mdl(&["docs", "std/nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("std/single_node"), "{err}");
}

#[test]
fn help_teaches_the_workflow() {
    let (code, out, _) = mdl(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("mdl plan net.moodle"), "{out}");
}

#[test]
fn apply_without_a_terminal_needs_auto_approve_or_fails_on_region() {
    // No region configured: a diagnostic, not a panic.
    let out = Command::new(env!("CARGO_BIN_EXE_mdl"))
        .args([
            "plan",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle"),
        ])
        .env("NO_COLOR", "1")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("aws::config"), "{err}");
}

#[test]
fn graph_prints_dot_and_mermaid() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/plan/module-for-each/main.moodle"
    );
    let (code, dot, err) = mdl(&["graph", file]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("graph_dot", dot);
    let (code, mermaid, err) = mdl(&["graph", file, "--format", "mermaid"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("graph_mermaid", mermaid);
}

#[test]
fn cloudformation_export_of_the_network_example() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle");
    let (code, out, err) = mdl(&["export", file, "--cloudformation"]);
    assert_eq!(code, 0, "{err}");
    let template: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_snapshot!(
        "cloudformation_network",
        serde_json::to_string_pretty(&template["Resources"]).unwrap()
    );
}

#[test]
fn import_from_a_stack_never_overwrites_a_file() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle");
    let (code, _, err) = mdl(&["import", file, "--from-stack", "legacy"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("import::file_exists"), "{err}");
    assert!(err.contains("--from-stack writes a new file"), "{err}");
}

#[test]
fn import_takes_an_address_and_id_or_a_stack() {
    let (code, _, err) = mdl(&["import", "x.moodle"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("<ADDRESS>"), "{err}");
    let (code, _, err) = mdl(&[
        "import",
        "x.moodle",
        "vpc.main",
        "vpc-1",
        "--from-stack",
        "s",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    let (code, out, _) = mdl(&["import", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("mdl import legacy.moodle --from-stack moodle-prod"),
        "{out}"
    );
}
