//! Every flag a command's `--help` documents does something on that
//! command: each is named here with a test that uses it and checks what it
//! does, and the flags no other test covers are tried here.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

/// Flags that every command offering them handles through one shared
/// path (`FileArgs::source`, `AwsArgs::connection`, the global options),
/// with a test of that path.
const SHARED: &[(&str, &str, &str)] = &[
    (
        "param",
        "integration/cli.rs",
        "params_change_the_plan_input",
    ),
    (
        "params-file",
        "e2e/secrets.rs",
        "export_diagnostics_params_files_digests_and_short_secrets_leak_nothing",
    ),
    (
        "stack",
        "e2e/flags.rs",
        "stack_and_endpoint_url_are_what_they_say",
    ),
    (
        "backend",
        "e2e/backend.rs",
        "state_pull_and_push_move_a_stack_to_the_s3_backend",
    ),
    (
        "region",
        "e2e/identity.rs",
        "a_run_in_another_account_or_region_is_refused_before_any_read",
    ),
    (
        "endpoint-url",
        "e2e/flags.rs",
        "stack_and_endpoint_url_are_what_they_say",
    ),
    (
        "lock-timeout",
        "e2e/state.rs",
        "a_run_waits_for_the_lock_up_to_its_lock_timeout",
    ),
    (
        "connect-timeout",
        "e2e/identity.rs",
        "an_endpoint_that_never_answers_fails_within_the_connect_timeout",
    ),
    (
        "no-color",
        "e2e/flags.rs",
        "no_color_wins_over_forced_colour",
    ),
    (
        "log-level",
        "e2e/identity.rs",
        "debug_logging_names_every_aws_call",
    ),
];

/// Flags of one command, with a test that uses them on it.
const OWN: &[(&str, &str, &str, &str)] = &[
    (
        "validate",
        "json",
        "integration/cli.rs",
        "validate_json_gives_each_diagnostic_with_its_place",
    ),
    (
        "fmt",
        "check",
        "integration/cli.rs",
        "fmt_takes_directories_stdin_diffs_and_keeps_line_endings",
    ),
    (
        "fmt",
        "diff",
        "integration/cli.rs",
        "fmt_takes_directories_stdin_diffs_and_keeps_line_endings",
    ),
    (
        "fmt",
        "recursive",
        "integration/cli.rs",
        "fmt_takes_directories_stdin_diffs_and_keeps_line_endings",
    ),
    (
        "plan",
        "target",
        "e2e/state.rs",
        "target_limits_a_plan_and_replace_forces_one",
    ),
    (
        "plan",
        "replace",
        "e2e/state.rs",
        "target_limits_a_plan_and_replace_forces_one",
    ),
    (
        "plan",
        "detailed-exitcode",
        "e2e/state.rs",
        "refresh_false_plans_from_state_alone",
    ),
    (
        "plan",
        "destroy",
        "e2e/state.rs",
        "a_destroy_is_planned_saved_and_applied_from_the_plan",
    ),
    (
        "plan",
        "refresh-only",
        "e2e/state.rs",
        "a_refresh_only_plan_shows_drift_and_its_apply_records_it",
    ),
    (
        "plan",
        "refresh",
        "e2e/state.rs",
        "refresh_false_plans_from_state_alone",
    ),
    (
        "plan",
        "json",
        "e2e/state.rs",
        "a_refresh_only_plan_shows_drift_and_its_apply_records_it",
    ),
    (
        "plan",
        "out",
        "e2e/state.rs",
        "show_renders_a_saved_plan_and_the_state",
    ),
    (
        "plan",
        "parallelism",
        "e2e/flags.rs",
        "parallelism_bounds_the_calls_in_flight",
    ),
    (
        "plan",
        "per-resource-reads",
        "e2e/reads.rs",
        "more_resources_of_the_same_kinds_cost_no_more_reads",
    ),
    (
        "plan",
        "timings",
        "e2e/reads.rs",
        "a_plan_says_where_its_time_went",
    ),
    (
        "apply",
        "target",
        "e2e/flags.rs",
        "apply_target_and_timings",
    ),
    (
        "apply",
        "replace",
        "e2e/state.rs",
        "target_limits_a_plan_and_replace_forces_one",
    ),
    (
        "apply",
        "auto-approve",
        "e2e/events.rs",
        "apply_and_destroy_json_are_streams_of_events",
    ),
    (
        "apply",
        "allow-destroy",
        "e2e/data.rs",
        "replacing_a_protected_resource_needs_protect_false_or_the_flag",
    ),
    (
        "apply",
        "parallelism",
        "e2e/flags.rs",
        "parallelism_bounds_the_calls_in_flight",
    ),
    (
        "apply",
        "timings",
        "e2e/flags.rs",
        "apply_target_and_timings",
    ),
    (
        "apply",
        "json",
        "e2e/events.rs",
        "apply_and_destroy_json_are_streams_of_events",
    ),
    (
        "apply",
        "refresh-only",
        "e2e/state.rs",
        "a_refresh_only_plan_shows_drift_and_its_apply_records_it",
    ),
    (
        "apply",
        "refresh",
        "e2e/flags.rs",
        "apply_target_and_timings",
    ),
    (
        "destroy",
        "auto-approve",
        "e2e/events.rs",
        "apply_and_destroy_json_are_streams_of_events",
    ),
    (
        "destroy",
        "allow-destroy",
        "e2e/crash.rs",
        "killed_destroys_finish_without_orphans",
    ),
    (
        "destroy",
        "parallelism",
        "e2e/flags.rs",
        "parallelism_bounds_the_calls_in_flight",
    ),
    (
        "destroy",
        "timings",
        "e2e/flags.rs",
        "parallelism_bounds_the_calls_in_flight",
    ),
    (
        "destroy",
        "json",
        "e2e/events.rs",
        "apply_and_destroy_json_are_streams_of_events",
    ),
    (
        "output",
        "json",
        "e2e/flags.rs",
        "stack_and_endpoint_url_are_what_they_say",
    ),
    (
        "output",
        "moodle-config",
        "e2e/examples.rs",
        "prod_example_applies_replans_clean_and_destroys",
    ),
    (
        "export",
        "cloudformation",
        "e2e/export.rs",
        "exported_templates_pass_cfn_lint",
    ),
    (
        "export",
        "out",
        "e2e/export.rs",
        "exported_templates_pass_cfn_lint",
    ),
    (
        "graph",
        "format",
        "integration/cli.rs",
        "graph_prints_dot_and_mermaid",
    ),
    (
        "show",
        "json",
        "e2e/state.rs",
        "show_renders_a_saved_plan_and_the_state",
    ),
    (
        "import",
        "from-stack",
        "e2e/import_stack.rs",
        "a_cloudformation_stack_is_imported_and_adopted_with_an_empty_replan",
    ),
    (
        "state rebuild",
        "auto-approve",
        "e2e/identity.rs",
        "a_lost_state_is_adopted_only_through_state_rebuild",
    ),
    (
        "state push",
        "force",
        "e2e/backend.rs",
        "state_pull_and_push_move_a_stack_to_the_s3_backend",
    ),
    (
        "man",
        "dir",
        "integration/cli.rs",
        "completions_man_pages_and_version",
    ),
];

fn help(path: &[&str]) -> String {
    let mut args: Vec<&str> = path.to_vec();
    args.push("--help");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mdl"))
        .args(&args)
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    assert!(out.status.success(), "mdl {args:?}");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The leaf commands, as paths (`["state", "mv"]`).
fn commands(path: Vec<String>, out: &mut Vec<Vec<String>>) {
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let text = help(&refs);
    let subs: Vec<String> = text
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's own line; its description may wrap below it.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    if subs.is_empty() {
        out.push(path);
        return;
    }
    for s in subs {
        let mut p = path.clone();
        p.push(s);
        commands(p, out);
    }
}

/// The long flags in a command's help (the option column only).
fn flags(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| *l != "Options:")
        .filter_map(|l| {
            let rest = l
                .strip_prefix("  -")
                .and_then(|r| r.split_once(", ").map(|(_, r)| r))
                .or_else(|| l.strip_prefix("      "))?;
            let name = rest.strip_prefix("--")?;
            let name: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            Some(name)
        })
        .filter(|f| f != "help" && f != "version")
        .collect()
}

/// The text of test `name` in `file` (under tests/).
fn test_body(file: &str, name: &str) -> String {
    let path = format!("{}/tests/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let start = text
        .find(&format!("fn {name}("))
        .unwrap_or_else(|| panic!("no test `{name}` in {file}"));
    let rest = &text[start..];
    let end = rest[1..].find("\n#[test]").map_or(rest.len(), |i| i + 1);
    rest[..end].to_string()
}

#[test]
fn every_documented_flag_has_a_test_that_uses_it() {
    let mut all = Vec::new();
    commands(Vec::new(), &mut all);
    assert!(all.len() > 20, "{all:?}");
    let mut missing = Vec::new();
    let mut checked = 0;
    for path in &all {
        let cmd = path.join(" ");
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        for flag in flags(&help(&refs)) {
            let evidence = OWN
                .iter()
                .find(|(c, f, _, _)| *c == cmd && *f == flag)
                .map(|(_, _, file, test)| (*file, *test))
                .or_else(|| {
                    SHARED
                        .iter()
                        .find(|(f, _, _)| *f == flag)
                        .map(|(_, file, test)| (*file, *test))
                });
            let Some((file, test)) = evidence else {
                missing.push(format!("mdl {cmd} --{flag}: no test named"));
                continue;
            };
            checked += 1;
            let body = test_body(file, test);
            let used = body.contains(&format!("\"--{flag}"))
                || body.contains(&format!("\"-{flag}"))
                || (flag == "param" && body.contains("\"-p\""))
                || (flag == "no-color" && body.contains("\"NO_COLOR\""));
            if !used {
                missing.push(format!("mdl {cmd} --{flag}: {file} {test} does not use it"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    eprintln!("{checked} flags of {} commands", all.len());
    assert!(checked > 150, "{checked} flags: is the help parsed?");
}

/// Eight groups that need only the VPC: with --parallelism 1 one call is
/// in flight at a time; with 8, several. (The proxy counts connections
/// open: one call's may close just after the next one's opens, so one at
/// a time can count as two.)
#[test]
fn parallelism_bounds_the_calls_in_flight() {
    let mut text = String::from("vpc main { cidr_block = \"10.71.0.0/16\" }\n");
    for i in 0..8 {
        text.push_str(&format!(
            "\nsecurity_group g{i} {{\n  vpc_id      = vpc.main.id\n  description = \"g{i}\"\n}}\n"
        ));
    }
    let ws = Workspace::new("wide.moodle", &text);
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            latency: Duration::from_millis(150),
            ..Faults::default()
        },
    );
    let at = |args: &[&str]| {
        proxy.counts.max_in_flight.store(0, Ordering::SeqCst);
        let run = ws.mdl_at(&proxy.endpoint, args);
        assert_eq!(run.code, 0, "{}", run.all());
        (run, proxy.counts.max_in_flight.load(Ordering::SeqCst))
    };
    let (_, one) = at(&[
        "apply",
        "wide.moodle",
        "--auto-approve",
        "--parallelism",
        "1",
    ]);
    assert!(one <= 2, "--parallelism 1: {one}");
    let (_, plan_one) = at(&["plan", "wide.moodle", "--parallelism", "1"]);
    assert!(plan_one <= 2, "plan --parallelism 1: {plan_one}");
    let (_, plan_many) = at(&["plan", "wide.moodle", "--parallelism", "8"]);
    assert!(plan_many >= 4, "plan --parallelism 8: {plan_many}");
    let (run, gone_one) = at(&[
        "destroy",
        "wide.moodle",
        "--auto-approve",
        "--parallelism",
        "1",
        "--timings",
    ]);
    assert!(gone_one <= 2, "destroy --parallelism 1: {gone_one}");
    assert!(run.stdout.contains("critical path"), "{}", run.all());
    let (_, many) = at(&[
        "apply",
        "wide.moodle",
        "--auto-approve",
        "--parallelism",
        "8",
    ]);
    assert!(many >= 4, "--parallelism 8: {many}");
}

/// `apply --target` changes only the target and what it needs;
/// `--timings` says where the time went; `--refresh=false` applies from
/// state.
#[test]
fn apply_target_and_timings() {
    let ws = Workspace::new(
        "aimed.moodle",
        "vpc main { cidr_block = \"10.73.0.0/16\" }\n\nsecurity_group web {\n  vpc_id      = vpc.main.id\n  description = \"web\"\n}\n\nvpc other { cidr_block = \"10.74.0.0/16\" }\n",
    );
    let aimed = ws.expect(
        "apply",
        &[
            "--auto-approve",
            "--target",
            "security_group.web",
            "--timings",
        ],
        0,
    );
    assert!(
        aimed.stdout.contains("2 added") && aimed.stdout.contains("critical path"),
        "{}",
        aimed.all()
    );
    assert_eq!(ws.moto.vpcs(), 1);
    let rest = ws.expect("apply", &["--auto-approve", "--refresh=false"], 0);
    assert!(rest.stdout.contains("1 added"), "{}", rest.all());
    assert_eq!(ws.moto.vpcs(), 2);
}

/// `--stack` names the state; `--endpoint-url` wins over
/// AWS_ENDPOINT_URL; `output --json` is JSON.
#[test]
fn stack_and_endpoint_url_are_what_they_say() {
    let ws = Workspace::new(
        "named.moodle",
        "vpc main { cidr_block = \"10.75.0.0/16\" }\n\noutput vpc = vpc.main.id\n",
    );
    // The environment points at nothing; the flag at the emulator.
    let dead = "http://127.0.0.1:1";
    let run = ws.mdl_at(
        dead,
        &[
            "apply",
            "named.moodle",
            "--auto-approve",
            "--stack",
            "campus",
            "--endpoint-url",
            &ws.moto.endpoint,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(ws.dir.path().join(".mdl/campus.state.json").exists());
    assert!(!ws.dir.path().join(".mdl/named.state.json").exists());
    let out = ws.mdl(&["output", "named.moodle", "--stack", "campus", "--json"]);
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.all()));
    assert!(
        v["vpc"].as_str().is_some_and(|id| id.starts_with("vpc-")),
        "{v}"
    );
    // Another stack name is another state: nothing there.
    let none = ws.mdl(&["output", "named.moodle", "--json"]);
    assert_eq!(none.stdout.trim(), "{}", "{}", none.all());
    // -p on output means something only with --moodle-config.
    let p = ws.mdl(&["output", "named.moodle", "-p", "x=1"]);
    assert_eq!(p.code, 2, "{}", p.all());
}

/// Colour is forced with CLICOLOR_FORCE; --no-color and NO_COLOR win.
#[test]
fn no_color_wins_over_forced_colour() {
    let bad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/check/unknown_attribute.moodle"
    );
    let run = |extra: &[&str], no_color_env: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_mdl"));
        c.arg("validate")
            .arg(bad)
            .args(extra)
            .env("CLICOLOR_FORCE", "1");
        c.env_remove("NO_COLOR");
        if no_color_env {
            c.env("NO_COLOR", "1");
        }
        let out = c.output().unwrap();
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    assert!(run(&[], false).contains("\u{1b}["), "forced colour");
    assert!(
        !run(&["--no-color"], false).contains("\u{1b}["),
        "--no-color"
    );
    assert!(!run(&[], true).contains("\u{1b}["), "NO_COLOR");
}
