//! A closed stdout (`mdl plan | head -1`, a reader that went away) ends
//! mdl's output, not mdl: every command exits as it would have, without a
//! panic, and an apply whose stdout closed still finishes and saves state.

use std::process::Stdio;

use crate::harness::Workspace;

const FILE: &str = r#"
vpc main {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "pipes" }
}

subnet a {
  vpc_id     = vpc.main.id
  cidr_block = "10.0.1.0/24"
}

output vpc_id = vpc.main.id
"#;

/// Run `mdl ARGS` with its stdout closed before it writes: the exit code
/// and stderr.
fn closed(ws: &Workspace, args: &[&str]) -> (i32, String) {
    let mut child = ws
        .command(&ws.moto.endpoint, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out.status.code().unwrap_or(-1), stderr)
}

fn quiet(ws: &Workspace, args: &[&str], code: i32) {
    let (got, stderr) = closed(ws, args);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "mdl {}:\n{stderr}",
        args.join(" ")
    );
    assert_eq!(got, code, "mdl {}:\n{stderr}", args.join(" "));
}

/// A workspace with FILE applied.
fn applied() -> Workspace {
    let ws = Workspace::new("pipes.moodle", FILE);
    ws.expect("apply", &["--auto-approve"], 0);
    ws
}

macro_rules! closed_stdout {
    ($($name:ident: $setup:expr, [$($arg:expr),*] => $code:expr;)*) => {$(
        #[test]
        fn $name() {
            let ws: Workspace = $setup;
            quiet(&ws, &[$($arg),*], $code);
        }
    )*};
}

closed_stdout! {
    docs: Workspace::new("pipes.moodle", FILE), ["docs"] => 0;
    docs_of_a_kind: Workspace::new("pipes.moodle", FILE), ["docs", "vpc"] => 0;
    validate: Workspace::new("pipes.moodle", FILE), ["validate", "pipes.moodle"] => 0;
    fmt_check: Workspace::new("pipes.moodle", "vpc  main {\ncidr_block=\"10.0.0.0/16\"\n}\n"), ["fmt", "--check", "pipes.moodle"] => 3;
    fmt: Workspace::new("pipes.moodle", "vpc  main {\ncidr_block=\"10.0.0.0/16\"\n}\n"), ["fmt", "pipes.moodle"] => 0;
    graph: Workspace::new("pipes.moodle", FILE), ["graph", "pipes.moodle"] => 0;
    export: Workspace::new("pipes.moodle", FILE), ["export", "pipes.moodle", "--cloudformation"] => 0;
    plan: Workspace::new("pipes.moodle", FILE), ["plan", "pipes.moodle"] => 0;
    plan_json: Workspace::new("pipes.moodle", FILE), ["plan", "pipes.moodle", "--json"] => 0;
    output: applied(), ["output", "pipes.moodle"] => 0;
    refresh: applied(), ["refresh", "pipes.moodle"] => 0;
    state_list: applied(), ["state", "list", "pipes.moodle"] => 0;
    state_show: applied(), ["state", "show", "pipes.moodle", "vpc.main"] => 0;
    state_mv: applied(), ["state", "mv", "pipes.moodle", "subnet.a", "subnet.b"] => 0;
    state_rm: applied(), ["state", "rm", "pipes.moodle", "subnet.a"] => 0;
    help: Workspace::new("pipes.moodle", FILE), ["--help"] => 0;
}

#[test]
fn state_rebuild() {
    let ws = applied();
    std::fs::remove_file(ws.state_path()).unwrap();
    quiet(
        &ws,
        &["state", "rebuild", "pipes.moodle", "--auto-approve"],
        0,
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
}

#[test]
fn import() {
    let ws = applied();
    let id = Workspace::runtime().block_on(async {
        ws.moto
            .ec2()
            .create_vpc()
            .cidr_block("10.9.0.0/16")
            .send()
            .await
            .unwrap()
            .vpc()
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string()
    });
    ws.write(&format!(
        "{FILE}\nvpc other {{\n  cidr_block = \"10.9.0.0/16\"\n}}\n"
    ));
    quiet(&ws, &["import", "pipes.moodle", "vpc.other", &id], 0);
    let show = ws.mdl(&["state", "show", "pipes.moodle", "vpc.other"]);
    assert!(show.stdout.contains(&id), "{}", show.all());
}

#[test]
fn apply_and_destroy_finish_and_save_their_state() {
    let ws = Workspace::new("pipes.moodle", FILE);
    quiet(&ws, &["apply", "pipes.moodle", "--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    assert_eq!(state.matches("\"address\"").count(), 2, "{state}");
    quiet(&ws, &["destroy", "pipes.moodle", "--auto-approve"], 0);
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    assert_eq!(state.matches("\"address\"").count(), 0, "{state}");
}

#[test]
fn an_error_with_stdout_closed_keeps_its_exit_code() {
    let ws = Workspace::new("pipes.moodle", "vpc main {\n");
    quiet(&ws, &["plan", "pipes.moodle"], 1);
    quiet(&ws, &["validate", "pipes.moodle"], 1);
}
