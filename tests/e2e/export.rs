//! CloudFormation export: the templates of the estates the exporter
//! covers (every example, a std/network instance, a Memcached and
//! provisioned MySQL std/ha) pass cfn-lint (from the project's virtualenv, where moto[server]
//! brings it) with no errors; an estate with kinds it does not cover yet
//! is refused, block by block.

use std::path::Path;
use std::process::Command;

use crate::harness::Workspace;

fn cfn_lint() -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/moto-venv/bin/cfn-lint");
    assert!(
        path.exists(),
        "cfn-lint not found at {}: run scripts/moto-env.sh (moto[server] installs it)",
        path.display()
    );
    path
}

#[test]
fn exported_templates_pass_cfn_lint() {
    for (file, text) in [
        (
            "network.moodle",
            include_str!("../../examples/network.moodle"),
        ),
        (
            "modules.moodle",
            include_str!("../fixtures/plan/module-for-each/main.moodle"),
        ),
        ("prod.moodle", include_str!("../../examples/prod.moodle")),
        (
            "single.moodle",
            include_str!("../../examples/single.moodle"),
        ),
        (
            "memcached.moodle",
            r#"
use "std/ha"

ha vle {
  name                = "vle"
  web_image_id        = "ami-0123456789abcdef0"
  cache_engine        = "memcached"
  database_engine     = "mysql"
  database_serverless = false
  certificate_arn     = "arn:aws:acm:eu-west-2:123456789012:certificate/a"
}

output db = module.vle.database_endpoint
output cache = module.vle.session_cache_endpoint
"#,
        ),
    ] {
        let ws = Workspace::new(file, text);
        let out = ws.mdl(&["export", file, "--cloudformation", "--out", "template.json"]);
        assert_eq!(out.code, 0, "{}", out.all());
        let template = ws.dir.path().join("template.json");
        let lint = Command::new(cfn_lint()).arg(&template).output().unwrap();
        // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 notes.
        let code = lint.status.code().unwrap_or(-1);
        assert!(
            code >= 0 && code & 2 == 0 && code & 1 == 0,
            "{file}: cfn-lint exited {code}:\n{}",
            String::from_utf8_lossy(&lint.stdout)
        );
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&template).unwrap()).unwrap();
        assert!(json["Resources"].as_object().unwrap().len() > 5);
    }
}

#[test]
fn kinds_not_exported_yet_are_named() {
    let ws = Workspace::new(
        "zone.moodle",
        "dns_zone main {\n  name = \"vle.example.ac.uk\"\n}\n",
    );
    let out = ws.mdl(&["export", "zone.moodle", "--cloudformation"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("CloudFormation export does not cover `dns_zone` yet (dns_zone.main)"),
        "{}",
        out.all()
    );
}
