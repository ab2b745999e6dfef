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
    let outputs = ws.expect("output", &p, 0);
    assert!(outputs.stdout.contains("smtp_arn"), "{}", outputs.all());
    assert!(
        outputs.stdout.contains("smtp_value = (sensitive)"),
        "{}",
        outputs.all()
    );
    runs.push(outputs);
    runs.push(ws.expect("output", &[&p[..], &["--json"]].concat(), 0));

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
