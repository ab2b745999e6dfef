//! Secrets stay secret: after a plan, a saved plan, its apply, a change of
//! value, `state show` and `output`, no secret value (given or generated)
//! appears in anything mdl printed or wrote; state and saved plans are
//! readable by their owner only.

use crate::harness::{Run, Workspace};

const SECRETS: &str = r#"
param smtp_password: string
param db_name: string = "moodle"

secret smtp {
  name        = "vle/smtp"
  value       = param.smtp_password
  description = "SMTP for ${param.db_name}"
}

secret cron {
  name = "vle/cron"
}

ssm_parameter db {
  name  = "/vle/dbpass"
  type  = "SecureString"
  value = "db-S3cr3t-value"
}

output smtp_arn = secret.smtp.arn
output smtp_value = secret.smtp.value
output db_value = ssm_parameter.db.value
"#;

/// Every file under the workspace, with its path.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).to_string();
                out.push((p, text));
            }
        }
    }
    out
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn no_secret_value_is_printed_or_written() {
    let ws = Workspace::new("secrets.moodle", SECRETS);
    // Every run logs all it can, bodies included, into the workspace,
    // which is searched for secrets below like every file written.
    let log = ws.dir.path().join("mdl.log");
    ws.env.borrow_mut().extend([
        ("MDL_LOG".to_string(), "trace".to_string()),
        ("MDL_LOG_PATH".to_string(), log.display().to_string()),
    ]);
    let p = ["-p", "smtp_password=smtp-S3cr3t-value"];
    let mut runs: Vec<Run> = vec![
        ws.expect("plan", &p, 0),
        ws.expect("plan", &[&p[..], &["--json"]].concat(), 0),
        ws.expect(
            "plan",
            &[&p[..], &["-p", "db_name=vle", "--out", "saved.plan"]].concat(),
            0,
        ),
    ];
    assert!(
        runs.last()
            .unwrap()
            .stdout
            .contains("pass -p smtp_password=... again"),
        "{}",
        runs.last().unwrap().all()
    );
    // The saved plan holds the plain param, not the secret one: applying
    // it asks for the secret again.
    let saved = std::fs::read_to_string(ws.dir.path().join("saved.plan")).unwrap();
    assert!(saved.contains("db_name=vle"), "{saved}");
    let bare = ws.mdl(&["apply", "saved.plan"]);
    assert_eq!(bare.code, 1, "{}", bare.all());
    assert!(
        bare.stderr.contains("cli::saved_plan_secrets"),
        "{}",
        bare.all()
    );
    runs.push(bare);
    runs.push(ws.mdl(&[&["apply", "saved.plan"][..], &p[..]].concat()));
    assert_eq!(
        runs.last().unwrap().code,
        0,
        "{}",
        runs.last().unwrap().all()
    );
    runs.push(ws.expect(
        "plan",
        &[&p[..], &["-p", "db_name=vle", "--detailed-exitcode"]].concat(),
        0,
    ));

    // A new value: the plan says it changes, not what to.
    let p = ["-p", "smtp_password=smtp-N3w-value", "-p", "db_name=vle"];
    let change = ws.expect("plan", &p, 0);
    assert!(change.stdout.contains("(sensitive)"), "{}", change.all());
    runs.push(change);
    runs.push(ws.expect("apply", &[&p[..], &["--auto-approve"]].concat(), 0));
    for addr in ["secret.smtp", "secret.cron", "ssm_parameter.db"] {
        runs.push(ws.mdl(&["state", "show", "secrets.moodle", addr]));
        assert!(!runs.last().unwrap().stdout.contains("smtp-N3w"));
        assert_eq!(
            runs.last().unwrap().code,
            0,
            "{}",
            runs.last().unwrap().all()
        );
    }
    // Outputs come from state: they take no params.
    let outputs = ws.expect("output", &[], 0);
    assert!(outputs.stdout.contains("smtp_arn"), "{}", outputs.all());
    assert!(
        outputs.stdout.contains("smtp_value = (sensitive)"),
        "{}",
        outputs.all()
    );
    runs.push(outputs);
    runs.push(ws.expect("output", &["--json"], 0));
    // The state shown whole, as text and JSON.
    let shown = ws.expect("show", &[], 0);
    assert!(shown.stdout.contains("(sensitive)"), "{}", shown.all());
    runs.push(shown);
    runs.push(ws.expect("show", &["--json"], 0));

    // What AWS holds: the values really are there.
    let generated = Workspace::runtime().block_on(async {
        let sm = aws_sdk_secretsmanager::Client::new(&ws.moto.sdk());
        let smtp = sm
            .get_secret_value()
            .secret_id("vle/smtp")
            .send()
            .await
            .unwrap();
        assert_eq!(smtp.secret_string(), Some("smtp-N3w-value"));
        let cron = sm
            .get_secret_value()
            .secret_id("vle/cron")
            .send()
            .await
            .unwrap();
        cron.secret_string().unwrap().to_string()
    });
    assert!(generated.len() >= 16, "{generated}");

    let secrets = [
        "smtp-S3cr3t-value",
        "smtp-N3w-value",
        "db-S3cr3t-value",
        &generated,
    ];
    for run in &runs {
        for s in secrets {
            assert!(
                !run.stdout.contains(s) && !run.stderr.contains(s),
                "`{s}` printed:\n{}",
                run.all()
            );
        }
    }
    // The log holds every call, with bodies: the secrets went through it.
    let logged = std::fs::read_to_string(&log).unwrap();
    for line in [
        "operation=CreateSecret",
        "operation=PutParameter",
        "\"SecretString\":\"(redacted)\"",
    ] {
        assert!(logged.contains(line), "no `{line}` in the log");
    }
    for (path, text) in files(ws.dir.path()) {
        if path.extension().is_some_and(|e| e == "moodle") {
            continue;
        }
        for s in secrets {
            assert!(!text.contains(s), "`{s}` written to {}", path.display());
        }
    }
    #[cfg(unix)]
    {
        assert_eq!(mode(&ws.state_path()), 0o600);
        assert_eq!(mode(ws.state_path().parent().unwrap()), 0o700);
        assert_eq!(mode(&ws.dir.path().join("saved.plan")), 0o600);
    }
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    assert!(
        state.contains("readable by its owner only (0600)"),
        "{state}"
    );
}

/// The six paths secrets leaked by: export, the command line in
/// diagnostics, a broken params file, a value that looks like a digest, a
/// short secret in an output, and digests that could be looked up.
#[test]
fn export_diagnostics_params_files_digests_and_short_secrets_leak_nothing() {
    let ws = Workspace::new("secrets.moodle", SECRETS);
    let secret = "smtp-S3cr3t-value";
    let p = ["-p", "smtp_password=smtp-S3cr3t-value"];
    let mut runs: Vec<Run> = Vec::new();

    // Export: the secret's value is a NoEcho parameter, the SecureString
    // parameter is left to be created outside the stack, outputs holding
    // a secret are left out, and the file is the owner's only.
    let export = ws.expect(
        "export",
        &[&p[..], &["--cloudformation", "--out", "stack.json"]].concat(),
        0,
    );
    let template = std::fs::read_to_string(ws.dir.path().join("stack.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&template).unwrap();
    assert_eq!(
        json["Parameters"]["SecretSmtpValue"]["NoEcho"],
        serde_json::Value::Bool(true),
        "{template}"
    );
    assert!(
        json["Resources"].get("SsmParameterDb").is_none(),
        "{template}"
    );
    assert_eq!(
        json["Metadata"]["mdl"]["created_outside"][0]["address"],
        "ssm_parameter.db"
    );
    assert_eq!(
        json["Metadata"]["mdl"]["secret_outputs_left_out"],
        serde_json::json!(["smtp_value", "db_value"])
    );
    assert!(json["Outputs"].get("SmtpArn").is_some(), "{template}");
    assert!(
        export.stderr.contains("SecureString") && export.stderr.contains("smtp_value"),
        "{}",
        export.all()
    );
    #[cfg(unix)]
    assert_eq!(mode(&ws.dir.path().join("stack.json")), 0o600);
    runs.push(export);
    runs.push(ws.expect("export", &[&p[..], &["--cloudformation"]].concat(), 0));

    // A diagnostic about the command line quotes it with values masked.
    let bad_target = ws.expect("plan", &[&p[..], &["--target", "vpc.nope"]].concat(), 1);
    assert!(
        bad_target.stderr.contains("plan::unknown_address")
            && bad_target.stderr.contains("smtp_password=***"),
        "{}",
        bad_target.all()
    );
    runs.push(bad_target);
    let typo = ws.expect(
        "plan",
        &["-p", "smtp_password=smtp-S3cr3t-value", "-p", "nope"],
        1,
    );
    assert!(
        typo.stderr.contains("load::invalid_param"),
        "{}",
        typo.all()
    );
    runs.push(typo);

    // A broken params file: the position, not the values around it.
    std::fs::write(
        ws.dir.path().join("bad.json"),
        "{\n  \"smtp_password\": \"smtp-S3cr3t-value\",\n  \"db_name\": \n}\n",
    )
    .unwrap();
    let broken = ws.expect("plan", &["--params-file", "bad.json"], 1);
    assert!(
        broken.stderr.contains("load::invalid_params_file")
            && broken.stderr.contains("line 4, column 1"),
        "{}",
        broken.all()
    );
    runs.push(broken);

    // A secret that looks like a digest is still kept as a digest.
    let lookalike = format!("sha256:{}", "0".repeat(64));
    let apply = ws.expect(
        "apply",
        &[
            "-p",
            &format!("smtp_password={lookalike}"),
            "--auto-approve",
        ],
        0,
    );
    runs.push(apply);
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    assert!(!state.contains(&lookalike), "{state}");
    ws.expect(
        "plan",
        &[
            "-p",
            &format!("smtp_password={lookalike}"),
            "--detailed-exitcode",
        ],
        0,
    );

    // Digests are salted: neither the plain SHA-256 of a secret nor another
    // state's digest of it is in this state.
    let plain = mdl::schema::digest("db-S3cr3t-value");
    assert!(!state.contains(&plain), "{state}");
    assert!(state.contains("\"salt\": \""), "{state}");
    let other = Workspace::new("secrets.moodle", SECRETS);
    other.expect(
        "apply",
        &[
            "-p",
            &format!("smtp_password={lookalike}"),
            "--auto-approve",
        ],
        0,
    );
    let other_state = std::fs::read_to_string(other.state_path()).unwrap();
    let digests = |text: &str| -> Vec<String> {
        text.match_indices("\"sha256:")
            .map(|(i, _)| text[i + 1..i + 72].to_string())
            .collect()
    };
    let ours = digests(&state);
    assert!(!ours.is_empty(), "{state}");
    assert!(
        digests(&other_state).iter().all(|d| !ours.contains(d)),
        "{state}\n{other_state}"
    );

    // A secret of three characters is still masked in outputs.
    let short = ["-p", "smtp_password=Q7z"];
    runs.push(ws.expect("apply", &[&short[..], &["--auto-approve"]].concat(), 0));
    let outputs = ws.expect("output", &[], 0);
    assert!(
        outputs.stdout.contains("smtp_value = (sensitive)"),
        "{}",
        outputs.all()
    );
    runs.push(outputs);

    for run in &runs {
        for s in [secret, "db-S3cr3t-value", "Q7z"] {
            assert!(
                !run.stdout.contains(s) && !run.stderr.contains(s),
                "`{s}` printed:\n{}",
                run.all()
            );
        }
    }
    for (path, text) in files(ws.dir.path()) {
        if path.extension().is_some_and(|e| e == "moodle") || path.ends_with("bad.json") {
            continue;
        }
        for s in [secret, "db-S3cr3t-value", "Q7z"] {
            assert!(!text.contains(s), "`{s}` written to {}", path.display());
        }
    }
}
