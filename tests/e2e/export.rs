//! CloudFormation export: the templates of the estates the exporter
//! covers (every example, a std/network instance, a Memcached and
//! provisioned MySQL std/ha) pass cfn-lint (from the project's virtualenv, where moto[server]
//! brings it) with no errors; an estate with kinds it does not cover yet
//! is refused, block by block. Serverless caches and an ECS service's step
//! policy with its alarm pass too. checkov (from its own virtualenv) finds
//! in the examples no failed check docs/security.md does not accept, with why.

use std::path::Path;
use std::process::Command;

use crate::harness::Workspace;

/// cfn-lint beside the moto_server the tests use (`MDL_MOTO_SERVER`, as
/// scripts/test.sh sets it from `MDL_MOTO_VENV`), else in the project's
/// virtualenv.
fn cfn_lint() -> std::path::PathBuf {
    let path = std::env::var_os("MDL_MOTO_SERVER")
        .and_then(|server| Path::new(&server).parent().map(|bin| bin.join("cfn-lint")))
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/moto-venv/bin/cfn-lint")
        });
    assert!(
        path.exists(),
        "cfn-lint not found at {}: run scripts/moto-env.sh (moto[server] installs it)",
        path.display()
    );
    path
}

/// The kinds no example exports: a bastion, an access point, secrets, a
/// zone with plain and alias records, a CDN.
const REST: &str = r##"
vpc main {
  cidr_block = "10.30.0.0/16"
}

subnet public {
  vpc_id            = vpc.main.id
  cidr_block        = "10.30.1.0/24"
  availability_zone = "eu-west-2a"
}

security_group bastion {
  name        = "bastion"
  description = "SSH from the office"
  vpc_id      = vpc.main.id
  ingress {
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["192.0.2.0/24"]
  }
}

instance bastion {
  image_id             = "ami-0123456789abcdef0"
  instance_type        = "t3.micro"
  subnet_id            = subnet.public.id
  security_group_ids   = [security_group.bastion.id]
  associate_public_ip  = true
  instance_profile_arn = "arn:aws:iam::123456789012:instance-profile/bastion"
  user_data            = "#!/bin/sh\necho ready\n"
  tags = {
    Name = "bastion"
  }
}

instance worker {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.small"
  subnet_id     = subnet.public.id
}

efs data {
}

efs_access_point moodle {
  file_system_id = efs.data.id
  root_path      = "/moodledata"
  posix_uid      = 33
  posix_gid      = 33
  owner_uid      = 33
  owner_gid      = 33
  permissions    = "0750"
  tags = {
    Name = "moodledata"
  }
}

secret generated {
  name = "vle/cron-password"
}

secret given {
  name        = "vle/smtp"
  description = "SMTP relay password"
  value       = "not-in-the-template"
}

dns_zone main {
  name    = "vle.example.ac.uk"
  comment = "Moodle"
}

dns_zone internal {
  name   = "vle.internal"
  vpc_id = vpc.main.id
}

cdn vle {
  origin_domain_name = "origin.vle.example.ac.uk"
  aliases            = ["www.vle.example.ac.uk"]
  certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
  price_class        = "PriceClass_100"
  comment            = "Moodle"
}

dns_record www {
  zone_id       = dns_zone.main.id
  name          = "www.vle.example.ac.uk"
  type          = "A"
  alias_name    = cdn.vle.dns_name
  alias_zone_id = cdn.vle.zone_id
}

dns_record txt {
  zone_id = dns_zone.main.id
  name    = "vle.example.ac.uk"
  type    = "TXT"
  ttl     = 600
  records = ["\"v=spf1 -all\""]
}

dns_record db {
  zone_id = dns_zone.internal.id
  name    = "db.vle.internal"
  type    = "CNAME"
  records = [instance.worker.private_ip]
}

output name_servers = dns_zone.main.name_servers
output cdn = cdn.vle.arn
"##;

#[test]
fn exported_templates_pass_cfn_lint() {
    let files = [
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
        ("rest.moodle", REST),
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
        (
            "serverless.moodle",
            r#"
use "std/ha"

ha vle {
  name                    = "vle"
  web_image_id            = "ami-0123456789abcdef0"
  cache_serverless        = true
  cache_serverless_max_gb = 10
  web_scaling             = "step"
}

output cache = module.vle.session_cache_endpoint
"#,
        ),
        ("ecs_scaling.moodle", crate::compute::ECS_STEP_SCALED),
    ];
    // One workspace for the files (export reads no AWS), and one cfn-lint
    // for their templates: its start-up, loading every resource schema, is
    // most of its time.
    let ws = Workspace::new("network.moodle", "");
    let mut templates = Vec::new();
    for (file, text) in files {
        std::fs::write(ws.dir.path().join(file), text).unwrap();
        let template = format!("{}.template.json", file.trim_end_matches(".moodle"));
        let out = ws.mdl(&["export", file, "--cloudformation", "--out", &template]);
        assert_eq!(out.code, 0, "{file}: {}", out.all());
        let path = ws.dir.path().join(&template);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(json["Resources"].as_object().unwrap().len() > 5, "{file}");
        templates.push(path);
    }
    let lint = Command::new(cfn_lint()).args(&templates).output().unwrap();
    // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 notes.
    // Each finding names its template.
    let code = lint.status.code().unwrap_or(-1);
    assert!(
        code >= 0 && code & 2 == 0 && code & 1 == 0,
        "cfn-lint exited {code}:\n{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
}

/// checkov from the project's virtualenv (`MDL_CHECKOV`, as scripts/test.sh
/// sets it from scripts/checkov-env.sh).
fn checkov() -> std::path::PathBuf {
    let path = std::env::var_os("MDL_CHECKOV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/checkov-venv/bin/checkov"),
        std::path::PathBuf::from,
    );
    assert!(
        path.exists(),
        "checkov not found at {}: run scripts/checkov-env.sh, which installs it into .tools/checkov-venv",
        path.display()
    );
    path
}

/// The accepted failures docs/security.md lists under "Policy checks": each
/// check id with the examples it fails on.
fn accepted_in_readme() -> Vec<(String, Vec<String>)> {
    let readme = include_str!("../../docs/security.md");
    let section = readme
        .split("\n## Policy checks\n")
        .nth(1)
        .expect("docs/security.md has a `## Policy checks` section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `CKV_AWS_260` | prod, preview, single | why |
            let check = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            check.starts_with("CKV").then(|| {
                (
                    check.to_string(),
                    cells[2].split(',').map(|e| e.trim().to_string()).collect(),
                )
            })
        })
        .collect()
}

#[test]
fn checkov_finds_no_failure_docs_security_does_not_accept() {
    let examples = [
        ("prod", include_str!("../../examples/prod.moodle")),
        ("preview", include_str!("../../examples/preview.moodle")),
        ("single", include_str!("../../examples/single.moodle")),
    ];
    let ws = Workspace::new("prod.moodle", "");
    let mut args: Vec<String> = Vec::new();
    for (name, text) in examples {
        let file = format!("{name}.moodle");
        std::fs::write(ws.dir.path().join(&file), text).unwrap();
        let template = format!("{name}.json");
        let out = ws.mdl(&["export", &file, "--cloudformation", "--out", &template]);
        assert_eq!(out.code, 0, "{file}: {}", out.all());
        args.extend(["-f".to_string(), template]);
    }
    // checkov sends nothing beyond loopback: no update check, nothing
    // downloaded, and a proxy at a closed local port for anything else.
    let out = Command::new(checkov())
        .current_dir(ws.dir.path())
        .args(&args)
        .args([
            "--framework",
            "cloudformation",
            "--skip-download",
            "--compact",
            "-o",
            "json",
        ])
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov's report is not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let failed = report["results"]["failed_checks"].as_array().unwrap();
    let passed = report["results"]["passed_checks"].as_array().unwrap();
    let example_of = |c: &serde_json::Value| -> String {
        let file = c["file_path"].as_str().unwrap_or_default();
        file.trim_start_matches('/')
            .trim_end_matches(".json")
            .to_string()
    };
    let accepted = accepted_in_readme();
    let mut unaccepted = Vec::new();
    let mut seen: std::collections::BTreeSet<(String, String)> = Default::default();
    for c in failed {
        let (check, example) = (c["check_id"].as_str().unwrap().to_string(), example_of(c));
        if !accepted
            .iter()
            .any(|(id, on)| *id == check && on.contains(&example))
        {
            unaccepted.push(format!(
                "{example}: {check} {} ({})",
                c["resource"].as_str().unwrap_or_default(),
                c["check_name"].as_str().unwrap_or_default()
            ));
        }
        seen.insert((check, example));
    }
    // The table stays true: every failure it accepts still happens.
    let stale: Vec<String> = accepted
        .iter()
        .flat_map(|(id, on)| on.iter().map(move |e| (id.clone(), e.clone())))
        .filter(|pair| !seen.contains(pair))
        .map(|(id, e)| format!("{e}: {id}"))
        .collect();
    // Per example: resources, passed and failed checks; fewer failures a
    // resource than the reference architecture's templates (31 for 124).
    let mut table = String::new();
    for (name, _) in examples {
        let count =
            |checks: &[serde_json::Value]| checks.iter().filter(|c| example_of(c) == name).count();
        let template: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(ws.dir.path().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let resources = template["Resources"].as_object().unwrap().len();
        let (p, f) = (count(passed), count(failed));
        table.push_str(&format!("| {name} | {resources} | {p} | {f} |\n"));
        assert!(
            f * 124 < 31 * resources,
            "{name}: {f} failed checks for {resources} resources, not fewer a resource than the reference's 31 for 124"
        );
    }
    eprintln!("| example | resources | passed | failed |\n{table}");
    assert!(
        unaccepted.is_empty(),
        "checkov failures docs/security.md's \"Policy checks\" does not accept:\n{}",
        unaccepted.join("\n")
    );
    assert!(
        stale.is_empty(),
        "docs/security.md's \"Policy checks\" accepts failures checkov no longer finds:\n{}",
        stale.join("\n")
    );
}
