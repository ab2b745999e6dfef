//! The team backend: state in S3 (moto), locked by a conditional write.
//! Two applies started together: exactly one proceeds, the other fails at
//! once naming the holder. A run killed while holding the lock leaves it;
//! `mdl force-unlock` with the lock's id releases it, and the next apply
//! converges. Nothing is written beside the file.

use std::time::Duration;

use crate::harness::Workspace;
use crate::proxy::{Faults, Proxy};

const PROD: &str = include_str!("../../examples/prod.moodle");

fn object(ws: &Workspace, key: &str) -> Option<String> {
    let client = ws.moto.s3();
    Workspace::runtime().block_on(async {
        let out = client
            .get_object()
            .bucket(ws.moto.bucket("mdl-state"))
            .key(key)
            .send()
            .await
            .ok()?;
        let body = out.body.collect().await.ok()?;
        Some(String::from_utf8_lossy(&body.into_bytes()).to_string())
    })
}

#[test]
fn two_applies_one_lock_and_force_unlock_after_a_kill() {
    let ws = Workspace::new("prod.moodle", PROD);
    let bucket = ws.moto.bucket("mdl-state");
    ws.moto.create_bucket(&bucket);
    let backend = format!("s3://{bucket}/teams/vle");
    let backend = backend.as_str();
    let proxy = Proxy::start(
        &ws.moto.endpoint,
        Faults {
            latency: Duration::from_millis(20),
            ..Faults::default()
        },
    );
    ws.expect("plan", &["--backend", backend], 0);
    let args = [
        "apply",
        "prod.moodle",
        "--auto-approve",
        "--backend",
        backend,
    ];
    let spawn = || {
        ws.command(&proxy.endpoint, &args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let text = |o: &std::process::Output| {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes == [Some(0), Some(1)] || codes == [Some(1), Some(0)],
        "{codes:?}\n{}\n{}",
        text(&a),
        text(&b)
    );
    let loser = if codes[0] == Some(1) { &a } else { &b };
    let winner = if codes[0] == Some(0) { &a } else { &b };
    let lost = text(loser);
    assert!(lost.contains("state::locked"), "{lost}");
    assert!(
        lost.contains("the state is locked by `mdl apply` (pid"),
        "{lost}"
    );
    assert!(lost.contains("lock id"), "{lost}");
    // It failed at once: it created nothing.
    assert!(!lost.contains("Creating..."), "{lost}");
    assert!(text(winner).contains("60 added"), "{}", text(winner));

    // State is in the bucket, not beside the file; the lock is gone.
    let state = object(&ws, "teams/vle/prod.state.json").expect("state in S3");
    assert!(state.contains("module.vle.aurora_cluster.main"), "{state}");
    assert!(object(&ws, "teams/vle/prod.state.json.lock").is_none());
    assert!(!ws.state_path().exists());
    ws.expect("plan", &["--backend", backend, "--detailed-exitcode"], 0);

    // A run killed while it holds the lock leaves it behind.
    ws.edit("web_max         = 6", "web_max         = 8");
    let mut child = ws.spawn_at(&proxy.endpoint, &args);
    let start = std::time::Instant::now();
    while object(&ws, "teams/vle/prod.state.json.lock").is_none() {
        assert!(start.elapsed() < Duration::from_secs(20), "no lock taken");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    proxy.settle();
    let locked = ws.mdl(&["plan", "prod.moodle", "--backend", backend]);
    assert_eq!(locked.code, 1, "{}", locked.all());
    assert!(
        locked.stderr.contains("mdl force-unlock"),
        "{}",
        locked.all()
    );
    let lock = object(&ws, "teams/vle/prod.state.json.lock").expect("the lock is left");
    let lock: serde_json::Value = serde_json::from_str(&lock).unwrap();
    let id = lock["id"].as_str().unwrap().to_string();
    assert!(locked.stderr.contains(&id), "{}", locked.all());
    let wrong = ws.mdl(&["force-unlock", "prod.moodle", "0000", "--backend", backend]);
    assert_eq!(wrong.code, 1, "{}", wrong.all());
    assert!(
        wrong.stderr.contains("cli::unlock_refused"),
        "{}",
        wrong.all()
    );
    let unlock = ws.mdl(&["force-unlock", "prod.moodle", &id, "--backend", backend]);
    assert_eq!(unlock.code, 0, "{}", unlock.all());
    assert!(object(&ws, "teams/vle/prod.state.json.lock").is_none());
    ws.expect("apply", &["--auto-approve", "--backend", backend], 0);
    ws.expect("plan", &["--backend", backend, "--detailed-exitcode"], 0);
}

/// An object at the lock's key that mdl did not write (a hand-made file, a
/// tool's marker) is named for what it is, with how to remove it; neither
/// a plan nor force-unlock treats it as a run of mdl's.
#[test]
fn a_lock_object_mdl_did_not_write_is_named_with_how_to_remove_it() {
    let ws = Workspace::new(
        "foreign.moodle",
        "vpc main { cidr_block = \"10.63.0.0/16\" }\n",
    );
    let bucket = ws.moto.bucket("mdl-state");
    ws.moto.create_bucket(&bucket);
    let key = "teams/foreign.state.json.lock";
    Workspace::runtime().block_on(async {
        ws.moto
            .s3()
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(
                b"locked by hand",
            ))
            .send()
            .await
            .unwrap();
    });
    let backend = format!("s3://{bucket}/teams");
    let plan = ws.expect("plan", &["--backend", &backend], 1);
    let url = format!("s3://{bucket}/{key}");
    assert!(
        plan.stderr
            .contains("locked by an object mdl did not write")
            && plan.stderr.contains(&format!("aws s3 rm {url}")),
        "{}",
        plan.all()
    );
    let unlock = ws.mdl(&[
        "force-unlock",
        "foreign.moodle",
        "some-id",
        "--backend",
        &backend,
    ]);
    assert_eq!(unlock.code, 1, "{}", unlock.all());
    assert!(
        unlock.stderr.contains("is not a lock mdl wrote") && unlock.stderr.contains("aws s3 rm"),
        "{}",
        unlock.all()
    );
    assert_eq!(object(&ws, key).as_deref(), Some("locked by hand"));
}

/// `state pull` and `state push` move a stack's state from the local file
/// to the S3 backend under the lock; an older copy, or another stack's,
/// is refused unless --force.
#[test]
fn state_pull_and_push_move_a_stack_to_the_s3_backend() {
    let ws = Workspace::new(
        "moving.moodle",
        "vpc main { cidr_block = \"10.69.0.0/16\" }\n",
    );
    ws.expect("apply", &["--auto-approve"], 0);
    let pulled = ws.mdl(&["state", "pull", "moving.moodle"]);
    assert_eq!(pulled.code, 0, "{}", pulled.all());
    let copy = ws.dir.path().join("copy.json");
    std::fs::write(&copy, &pulled.stdout).unwrap();
    let bucket = ws.moto.bucket("mdl-state");
    ws.moto.create_bucket(&bucket);
    let backend = format!("s3://{bucket}/moved");
    let copy = copy.to_str().unwrap();
    let push_copy = || {
        ws.mdl(&[
            "state",
            "push",
            "moving.moodle",
            copy,
            "--backend",
            &backend,
        ])
    };
    let push = push_copy();
    assert_eq!(push.code, 0, "{}", push.all());
    assert!(
        push.stdout.contains("Pushed 1 resources to s3://"),
        "{}",
        push.all()
    );
    // The estate is the same from the backend: nothing to do.
    ws.expect("plan", &["--detailed-exitcode", "--backend", &backend], 0);
    let remote = object(&ws, "moved/moving.state.json").unwrap();
    assert!(remote.contains("vpc.main"), "{remote}");
    // The copy is now older than the backend's state.
    let older = push_copy();
    assert_eq!(older.code, 1, "{}", older.all());
    assert!(
        older
            .stderr
            .contains("older than the state it would replace"),
        "{}",
        older.all()
    );
    // Another stack's state.
    let other = ws.mdl(&[
        "state",
        "push",
        "moving.moodle",
        copy,
        "--backend",
        &backend,
        "--stack",
        "other",
    ]);
    assert_eq!(other.code, 1, "{}", other.all());
    assert!(
        other
            .stderr
            .contains("the state of the stack `moving`, not `other`"),
        "{}",
        other.all()
    );
    let forced = ws.mdl(&[
        "state",
        "push",
        "moving.moodle",
        copy,
        "--backend",
        &backend,
        "--force",
    ]);
    assert_eq!(forced.code, 0, "{}", forced.all());
    let junk = ws.dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let bad = ws.mdl(&["state", "push", "moving.moodle", junk.to_str().unwrap()]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("cli::invalid_state"), "{}", bad.all());
}
