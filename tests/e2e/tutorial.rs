//! The README's tutorial, run as it is written: every `sh` block of its
//! section, in order, in one shell, from the root of the checkout, with
//! the `mdl` under test first on the PATH and a fresh HOME. It starts its
//! own emulator (`scripts/emulator.sh`) and stops it.

use std::process::Command;

fn tutorial_commands() -> String {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n## Tutorial")
        .nth(1)
        .expect("README.md has a `## Tutorial` section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let mut script = String::new();
    let mut rest = section;
    while let Some(at) = rest.find("```sh\n") {
        rest = &rest[at + "```sh\n".len()..];
        let end = rest.find("\n```").expect("a closed block");
        script.push_str(&rest[..end]);
        script.push('\n');
        rest = &rest[end..];
    }
    script
}

#[test]
fn the_readme_tutorial_runs_as_written() {
    let commands = tutorial_commands();
    assert!(
        commands.contains("mdl apply") && commands.contains("mdl destroy"),
        "{commands}"
    );
    let home = tempfile::tempdir().unwrap();
    let mdl = std::path::Path::new(env!("CARGO_BIN_EXE_mdl"));
    let path = format!(
        "{}:{}",
        mdl.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Whatever happens, the emulator the tutorial starts is stopped.
    let script = format!(
        "set -euo pipefail\ntrap '[ -n \"${{MDL_EMULATOR_PID:-}}\" ] && kill \"$MDL_EMULATOR_PID\" 2>/dev/null || true' EXIT\n{commands}"
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(&script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HOME", home.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") && k != "AWS_EC2_METADATA_DISABLED" || k.starts_with("MDL_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "{all}");
    for said in [
        "campus.moodle is valid: 8 resources",
        "Plan: 8 to add, 0 to change, 0 to destroy.",
        "Apply complete! Resources: 8 added, 0 changed, 0 destroyed.",
        "Plan: 0 to add, 2 to change, 0 to destroy.",
        "\"elearning\" -> \"learning-technology\"",
        "dataroot = \"fs-",
        "refused: efs.dataroot is protected",
        "Destroy complete! Resources: 8 destroyed.",
    ] {
        assert!(
            all.contains(said),
            "the tutorial did not say {said:?}:\n{all}"
        );
    }
    // What the tutorial wrote is formatted as `mdl fmt` would.
    let file = home.path().join("learn-mdl/campus.moodle");
    let check = Command::new(mdl)
        .args(["fmt", "--check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}
