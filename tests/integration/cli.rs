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
fn validate_json_gives_each_diagnostic_with_its_place() {
    let bad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/check/unknown_attribute.moodle"
    );
    let (code, out, err) = mdl(&["validate", bad, "--json"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.is_empty(), "everything is in the JSON: {err}");
    // The file's path differs from machine to machine.
    let out = out.replace(env!("CARGO_MANIFEST_DIR"), "(root)");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle");
    let (code, out, err) = mdl(&["validate", good, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["error_count"], 0);
    assert_eq!(v["counts"]["resources"], 16);
    // validate reads no state: it offers no --backend or --stack.
    let (code, _, err) = mdl(&["validate", good, "--backend", "s3://b/p"]);
    assert_eq!(code, 2, "{err}");
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
        "  web_image_id (string; default null)",
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

/// A contributed file validated in CI must not make mdl print another
/// file: the environment (and its credentials), /etc/passwd, a device.
#[test]
fn hostile_uses_and_root_files_print_nothing_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "AKIA-hostile-test-secret-value";
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mdl"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let uses = [
        ("environ.moodle", "use \"/proc/self/environ\"\n"),
        ("passwd.moodle", "use \"../../../../../../etc/passwd\"\n"),
        ("shadow.moodle", "use \"/etc/shadow\"\n"),
        ("zero.moodle", "use \"/dev/zero\"\n"),
    ];
    for (name, text) in uses {
        std::fs::write(dir.path().join(name), text).unwrap();
        let (code, out) = run(&["validate", name]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains("module::refused"), "{name}: {out}");
        assert!(
            !out.contains(secret) && !out.contains("root:"),
            "{name}: {out}"
        );
    }
    // A root file, or a module inside the tree, that is a link to the
    // process environment.
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("site.moodle")).unwrap();
    let (code, out) = run(&["validate", "site.moodle"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("is not a regular file") && !out.contains(secret),
        "{out}"
    );
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("env.moodle")).unwrap();
    std::fs::write(dir.path().join("main.moodle"), "use \"env.moodle\"\n").unwrap();
    let (code, out) = run(&["validate", "main.moodle"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("leads outside the directory") && !out.contains(secret),
        "{out}"
    );
    // A params file that is a device is not read.
    std::fs::write(
        dir.path().join("ok.moodle"),
        "vpc a {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    )
    .unwrap();
    let (code, out) = run(&["validate", "ok.moodle", "--params-file", "/dev/zero"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is not a regular file"), "{out}");
}

/// A one-line file of 70 MiB: refused before it is read, in a report of
/// a few lines, quickly.
#[test]
fn an_oversized_one_line_file_gets_a_short_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.moodle");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(70 * 1024 * 1024).unwrap();
    drop(f);
    let started = std::time::Instant::now();
    let (code, out, err) = mdl(&["validate", path.to_str().unwrap()]);
    let took = started.elapsed();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("larger than 64 MiB"), "{err}");
    assert!(
        out.len() + err.len() < 2000,
        "{} bytes",
        out.len() + err.len()
    );
    eprintln!("refused in {took:?}");
    // Under the bound but one long line with an error at its end: only a
    // window of the line is quoted.
    let mut text = "x".repeat(8 * 1024 * 1024);
    text.push_str(" = {\n");
    std::fs::write(&path, text).unwrap();
    let (code, _, err) = mdl(&["validate", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.len() < 4000, "{} bytes of diagnostics", err.len());
}

/// `cidrsubnet` and arithmetic past what a number holds: a diagnostic,
/// never a panic.
#[test]
fn out_of_range_numbers_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.moodle");
    std::fs::write(
        &path,
        "param big: number = 9007199254740992\nvpc a {\n  cidr_block = cidrsubnet(\"10.0.0.0/16\", param.big * param.big, 0)\n}\nvpc b {\n  cidr_block = cidrsubnet(\"10.0.0.0/16\", param.big, 0)\n}\n",
    )
    .unwrap();
    let (code, _, err) = mdl(&["validate", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("lang::number_out_of_range"), "{err}");
    assert!(err.contains("lang::invalid_argument"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `mdl fmt` and the state commands read the root file under the same
/// rules as validate: a link to the environment is refused, not quoted.
#[test]
fn fmt_and_state_commands_refuse_special_files_too() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("site.moodle")).unwrap();
    let secret = "AKIA-hostile-test-secret-value";
    for args in [
        &["fmt", "--check", "site.moodle"][..],
        &["state", "list", "site.moodle"][..],
        &["output", "site.moodle"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mdl"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {all}");
        assert!(all.contains("is not a regular file"), "{args:?}: {all}");
        assert!(!all.contains(secret), "{args:?}: {all}");
    }
}

/// mdl run in `dir` with credentials and an endpoint nothing listens on:
/// had it asked AWS, the error would be the refused connection.
fn offline(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mdl"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "eu-west-2")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn destroy_refuses_target_before_it_opens_state_or_asks_aws() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("network.moodle");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle"),
        &file,
    )
    .unwrap();
    let out = offline(
        dir.path(),
        &["destroy", file.to_str().unwrap(), "--target", "vpc.main"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("plan::target_destroy"), "{err}");
    assert!(err.contains("--target cannot limit a destroy"), "{err}");
    assert!(!err.contains("identity::"), "{err}");
    assert!(
        !dir.path().join(".mdl").exists(),
        "the refusal came after the state was opened"
    );
}

/// A value that is not of the param's type says the type, with an example
/// of the flag written right.
#[test]
fn a_param_of_the_wrong_type_says_what_it_takes() {
    let (code, _, err) = mdl(&[
        "validate",
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/network.moodle"),
        "-p",
        "region_azs=maybe",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("param `region_azs` is a list(string): `maybe` is not one"),
        "{err}"
    );
    assert!(err.contains("-p region_azs='[\"a\", \"b\"]'"), "{err}");
}

/// A mistyped command is never answered with a destructive one.
#[test]
fn a_typo_is_never_offered_a_destructive_command() {
    let (code, _, err) = mdl(&["test"]);
    assert_eq!(code, 2);
    assert!(!err.contains("destroy"), "{err}");
    assert!(err.contains("unrecognized subcommand 'test'"), "{err}");
    let (code, _, err) = mdl(&["plna"]);
    assert_eq!(code, 2);
    assert!(err.contains("'plan'"), "{err}");
}

/// A Terraform user's flags and environment: `-var`, `-var-file` (a
/// tfvars JSON file) and `MDL_PARAM_<name>`, each overriding the one
/// before it, as Terraform's TF_VAR_, var files and -var do.
#[test]
fn terraform_var_flags_and_param_environment_variables_set_params() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vars.moodle");
    std::fs::write(
        &file,
        "param n: number = 1\nvpc v { cidr_block = \"10.${param.n}.0.0/16\" }\n",
    )
    .unwrap();
    let tfvars = dir.path().join("terraform.tfvars.json");
    std::fs::write(&tfvars, "{\"n\": 400}").unwrap();
    let hcl = dir.path().join("terraform.tfvars");
    std::fs::write(&hcl, "n = 2\n").unwrap();
    let run = |env: Option<&str>, args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mdl"));
        cmd.arg("validate")
            .arg(&file)
            .args(args)
            .env("NO_COLOR", "1");
        if let Some(v) = env {
            cmd.env("MDL_PARAM_n", v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // Each source alone: a value that makes the CIDR invalid names itself.
    let (code, err) = run(Some("300"), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("10.300.0.0/16"), "{err}");
    let tfvars = tfvars.to_str().unwrap();
    let (code, err) = run(Some("300"), &["-var-file", tfvars]);
    assert_eq!(code, 1);
    assert!(err.contains("10.400.0.0/16"), "{err}");
    // -var overrides both, and -var-file= and --var work too.
    assert_eq!(run(Some("300"), &["-var-file", tfvars, "-var", "n=3"]).0, 0);
    assert_eq!(
        run(None, &[&format!("-var-file={tfvars}"), "--var=n=3"]).0,
        0
    );
    // HCL tfvars are not read, and the help says how to write them.
    let (code, err) = run(None, &["-var-file", hcl.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("terraform.tfvars.json"), "{err}");
}

/// `mdl docs language` prints docs/language.md (the README points at it):
/// the two cannot drift. It names every function and lookup, and `mdl
/// docs functions` shows each function's example.
#[test]
fn mdl_docs_language_prints_docs_language_md() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/language.md")).unwrap();
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    assert!(
        readme.contains("(docs/language.md)"),
        "the README links the language"
    );
    let (code, out, _) = mdl(&["docs", "language"]);
    assert_eq!(code, 0);
    assert_eq!(out, doc);
    for name in mdl::lang::functions::names() {
        assert!(
            doc.contains(&format!("`{name}")),
            "{name} is not in the tour"
        );
    }
    for lookup in mdl::kinds::schemas().lookups() {
        assert!(
            doc.contains(&format!("`{}`", lookup.name)),
            "{}",
            lookup.name
        );
    }
    let (code, out, _) = mdl(&["docs", "functions"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("cidrsubnet(\"10.0.0.0/16\", 8, 2)  =>  \"10.0.2.0/24\""),
        "{out}"
    );
    let (code, out, _) = mdl(&["docs", "moved"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("removed { from = ADDRESS  keep = true }"),
        "{out}"
    );
}

/// Completions for the four shells people use, a man page per command,
/// and the version with its commit.
#[test]
fn completions_man_pages_and_version() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, err) = mdl(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for word in ["plan", "apply", "auto-approve"] {
            assert!(out.contains(word), "{shell} completions lack {word}");
        }
    }
    // The bash script is bash.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("mdl.bash");
    std::fs::write(&script, mdl(&["completions", "bash"]).1).unwrap();
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(checked.success());
    let (code, _, err) = mdl(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values"), "{err}");

    let (code, out, _) = mdl(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH mdl 1") && out.contains("plan"), "{out}");
    let pages = dir.path().join("man1");
    std::fs::create_dir(&pages).unwrap();
    let (code, _, err) = mdl(&["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for page in ["mdl.1", "mdl-plan.1", "mdl-apply.1", "mdl-state.1"] {
        assert!(pages.join(page).exists(), "no {page}");
    }

    let (code, out, _) = mdl(&["version"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(&format!("mdl {} (commit ", env!("CARGO_PKG_VERSION")))
            && out.contains(", built 20"),
        "{out}"
    );
    assert_eq!(mdl(&["--version"]).1, out);
}

/// `mdl fmt` on a directory (and below it with --recursive), on stdin
/// for editors, with --diff, with Terraform's single-dash flags, and on a
/// CRLF file, whose line endings it keeps.
#[test]
fn fmt_takes_directories_stdin_diffs_and_keeps_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("sub/.mdl")).unwrap();
    let messy = "vpc   main {\n  cidr_block=\"10.0.0.0/16\"\n}\n";
    let tidy = "vpc main {\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    std::fs::write(root.join("top.moodle"), messy).unwrap();
    std::fs::write(root.join("sub/below.moodle"), messy).unwrap();
    std::fs::write(root.join("sub/.mdl/ignored.moodle"), messy).unwrap();
    std::fs::write(root.join("windows.moodle"), tidy.replace('\n', "\r\n")).unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mdl"))
            .arg("fmt")
            .args(args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = stdin {
            std::io::Write::write_all(child.stdin.as_mut().unwrap(), text.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    // The directory without --recursive: its own file only; the CRLF file
    // is formatted already.
    let (code, out) = run(&["-check", "-diff"], None);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("+++ ./top.moodle") && out.contains("+  cidr_block = \"10.0.0.0/16\""),
        "{out}"
    );
    assert!(!out.contains("below") && !out.contains("windows"), "{out}");
    let (code, out) = run(&["--recursive", "--check"], None);
    assert_eq!(code, 3);
    assert!(
        out.contains("sub/below.moodle") && !out.contains("ignored"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("top.moodle")).unwrap(),
        messy
    );
    let (code, _) = run(&["-recursive"], None);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(root.join("sub/below.moodle")).unwrap(),
        tidy
    );
    assert_eq!(
        std::fs::read_to_string(root.join("sub/.mdl/ignored.moodle")).unwrap(),
        messy
    );
    assert_eq!(
        std::fs::read_to_string(root.join("windows.moodle")).unwrap(),
        tidy.replace('\n', "\r\n")
    );
    // A CRLF file that needs formatting keeps its CRLF.
    std::fs::write(root.join("windows.moodle"), messy.replace('\n', "\r\n")).unwrap();
    assert_eq!(run(&["windows.moodle"], None).0, 0);
    assert_eq!(
        std::fs::read_to_string(root.join("windows.moodle")).unwrap(),
        tidy.replace('\n', "\r\n")
    );
    // stdin to stdout; with --check, only the exit code.
    assert_eq!(run(&["-"], Some(messy)), (0, tidy.to_string()));
    assert_eq!(run(&["-", "--check"], Some(messy)), (3, String::new()));
    assert_eq!(run(&["-", "--check"], Some(tidy)), (0, String::new()));
}

/// Every relative link in the README and docs/ names a file that exists,
/// and an anchor a heading of it.
#[test]
fn the_documentation_links_resolve() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(p);
        }
    }
    let anchor = |heading: &str| -> String {
        heading
            .trim_start_matches('#')
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect()
    };
    let mut broken = Vec::new();
    let mut links = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = &rest[..end];
            if target.starts_with("http") || target.contains(' ') {
                continue;
            }
            links += 1;
            let (file, frag) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            if !path.exists() {
                broken.push(format!("{}: {target}", page.display()));
                continue;
            }
            if !frag.is_empty() {
                let linked = std::fs::read_to_string(&path).unwrap_or_default();
                if !linked
                    .lines()
                    .filter(|l| l.starts_with('#'))
                    .any(|h| anchor(h) == frag)
                {
                    broken.push(format!("{}: {target} (no such heading)", page.display()));
                }
            }
        }
    }
    // The pages the help names (`docs/apply-json.md`) exist too.
    let mut sources = vec![root.join("src"), root.join("crates")];
    let mut named = 0;
    while let Some(dir) = sources.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                sources.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (at, _) in text.match_indices("docs/") {
                    let name: String = text[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || "/-_.".contains(*c))
                        .collect();
                    // A sentence may end right after the name.
                    let page = name.strip_suffix('.').unwrap_or(&name);
                    if page.ends_with(".md") {
                        named += 1;
                        if !root.join(page).exists() {
                            broken.push(format!("{}: {page}", p.display()));
                        }
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(links > 15, "{links} links: are they found?");
    assert!(
        named > 3,
        "{named} pages named in the source: are they found?"
    );
}

/// The refusals of `show` and of contradictory or unsafe plan flags, as
/// diagnostics, before AWS is asked anything (the endpoint is dead).
#[test]
fn show_and_refresh_flag_refusals_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.moodle");
    std::fs::write(&file, "vpc main { cidr_block = \"10.9.0.0/16\" }\n").unwrap();
    let run = |args: &[&str]| {
        let out = offline(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    std::fs::write(dir.path().join("other.json"), "{\"a\": 1}").unwrap();
    std::fs::write(
        dir.path().join("old.plan"),
        "{\"mdl_saved_plan\": 1, \"plan\": {}}",
    )
    .unwrap();
    let mut text = String::new();
    text.push_str(&run(&["show", "other.json"]));
    text.push_str(&run(&["show", "old.plan"]));
    text.push_str(&run(&[
        "plan",
        "site.moodle",
        "--refresh-only",
        "--refresh=false",
    ]));
    // A create that was started and not seen to finish: only AWS can say
    // how it ended.
    let mut state = mdl::state::State::new("site");
    let addr = mdl::lang::ResourceAddr::parse("vpc.main").unwrap();
    state.resources.insert(
        addr.clone(),
        mdl::state::ResourceRecord {
            addr,
            id: String::new(),
            attrs: Default::default(),
            computed: Default::default(),
            dependencies: Vec::new(),
            protected: false,
            adopted: false,
            pending: true,
            deleting: false,
        },
    );
    std::fs::create_dir(dir.path().join(".mdl")).unwrap();
    std::fs::write(
        dir.path().join(".mdl/site.state.json"),
        serde_json::to_string(&state.to_file()).unwrap(),
    )
    .unwrap();
    text.push_str(&run(&["plan", "site.moodle", "--refresh=false"]));
    assert!(!text.contains("identity::"), "AWS was asked: {text}");
    insta::assert_snapshot!(text);
}
