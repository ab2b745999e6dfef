//! The emulator and the binary.
//!
//! Most tests lease an emulator from a pool (`Moto::lease`): servers that
//! outlive one test and serve the next, each test in an account of its own
//! (from STS AssumeRole into a fresh account id, which moto honours), so no
//! test sees what another left. A bucket's name is global across accounts:
//! a test names its buckets after its account (`Moto::bucket`). What needs
//! the server's own process (the wall benchmark reads its CPU) starts one
//! (`Moto::start`, `Workspace::own`).

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    /// The server, when this `Moto` started it and stops it when dropped.
    child: Option<Child>,
    /// The pool slot this test holds (an exclusive flock) while it runs.
    _lease: Option<File>,
    pub endpoint: String,
    /// Every call of this test is made in their account.
    credentials: Credentials,
}

struct Credentials {
    /// The account the credentials are served in.
    account: String,
    key: String,
    secret: String,
    token: Option<String>,
}

impl Credentials {
    /// moto's default account, 123456789012.
    fn testing() -> Credentials {
        Credentials {
            account: "123456789012".into(),
            key: "testing".into(),
            secret: "testing".into(),
            token: None,
        }
    }
}

/// Pool slots, at most: more tests than this at once would each wait.
const SLOTS: usize = 16;

/// A pooled server stops when no test has held it for this long.
const IDLE_SECONDS: &str = "10";

/// moto's settings for every server the tests start. moto loads its
/// catalogue of public AMIs into each account and region a test first
/// touches (a tenth of a second of its CPU each time, measured); no test
/// or kind looks an image up, and moto does not check that an image exists
/// unless told to.
const MOTO_ENV: [(&str, &str); 1] = [("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")];

fn moto_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MDL_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/moto-venv/bin/moto_server")
}

impl Moto {
    /// A server from the pool, in an account no other test uses. The
    /// pool lives in the target directory (`CARGO_TARGET_TMPDIR`); each
    /// slot is a server kept by tests/e2e/moto_keeper.py, which stops
    /// it when the slot has been free for `IDLE_SECONDS`. Without the
    /// virtualenv's python beside moto_server, a server of its own.
    pub fn lease() -> Moto {
        let python = moto_server_path().with_file_name("python");
        if !python.exists() {
            return Moto::start();
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("moto-pool");
        std::fs::create_dir_all(&dir).expect("the moto pool's directory");
        // Live servers first, twice over (a keeper holds its slot's lock
        // for an instant each half second); then a slot with no server.
        for pass in 0..3 {
            for slot in 0..SLOTS {
                let port_file = dir.join(format!("{slot}.port"));
                if pass < 2 && !port_file.exists() {
                    continue;
                }
                let lease_file = dir.join(format!("{slot}.lease"));
                let lease = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .read(true)
                    .write(true)
                    .open(&lease_file)
                    .expect("a moto pool lease file");
                if lease.try_lock().is_err() {
                    continue;
                }
                let port = match live_port(&port_file) {
                    Some(port) => port,
                    None => keep(&python, &lease_file, &port_file),
                };
                let endpoint = format!("http://127.0.0.1:{port}");
                let credentials = new_account(&endpoint);
                return Moto {
                    child: None,
                    _lease: Some(lease),
                    endpoint,
                    credentials,
                };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("all {SLOTS} moto pool slots in {} are taken", dir.display());
    }

    /// Start moto_server on a free loopback port and wait until it answers.
    pub fn start() -> Moto {
        let path = moto_server_path();
        assert!(
            path.exists(),
            "moto_server not found at {}.\nInstall it with `scripts/moto-env.sh` (creates .tools/moto-venv with moto[server]), \
             or run the whole suite with `scripts/test.sh`, which does that first. \
             MDL_MOTO_SERVER may point at another moto_server executable.",
            path.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("no free port");
        let child = Command::new(&path)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(MOTO_ENV)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        serving(&format!("moto_server on port {port}"), || {
            TcpStream::connect(("127.0.0.1", port)).ok().map(|_| port)
        });
        Moto {
            child: Some(child),
            _lease: None,
            endpoint: format!("http://127.0.0.1:{port}"),
            credentials: Credentials::testing(),
        }
    }

    /// CPU seconds moto_server has used so far, all its threads (Linux:
    /// /proc/PID/stat, in the kernel's clock ticks of 1/100 s).
    #[allow(dead_code, reason = "used by benches/wall.rs")]
    pub fn cpu_seconds(&self) -> f64 {
        let child = self
            .child
            .as_ref()
            .expect("a server of its own (Moto::start)");
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id()))
            .expect("moto_server's /proc/PID/stat");
        // The fields after the command name (in parentheses): utime and
        // stime are the 12th and 13th.
        let after = &stat[stat.rfind(')').expect("stat has a command") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        ticks as f64 / 100.0
    }

    /// Settings for SDK clients that check what exists, independent of
    /// mdl: `aws_sdk_x::Client::new(&ws.moto.sdk())`.
    pub fn sdk(&self) -> aws_config::SdkConfig {
        sdk(&self.endpoint, &self.credentials)
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk())
    }

    /// An S3 client (path-style addressing, as moto_server needs).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk())
                .force_path_style(true)
                .build(),
        )
    }

    /// The account this test's calls are made in.
    pub fn account(&self) -> &str {
        &self.credentials.account
    }

    /// A bucket name of this test's own: `PREFIX-ACCOUNT`. Bucket names
    /// are global across accounts, in moto as in AWS, and each test has
    /// an account of its own.
    pub fn bucket(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.credentials.account)
    }

    /// Create the bucket `name` in eu-west-2 (for the state backend).
    pub fn create_bucket(&self, name: &str) {
        let client = self.s3();
        Workspace::runtime().block_on(async {
            client
                .create_bucket()
                .bucket(name)
                .create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest2)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        });
    }

    /// VPCs moto holds besides its default one.
    pub fn vpcs(&self) -> usize {
        let ec2 = self.ec2();
        Workspace::runtime().block_on(async {
            ec2.describe_vpcs()
                .send()
                .await
                .unwrap()
                .vpcs()
                .iter()
                .filter(|v| v.is_default() != Some(true))
                .count()
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// SDK settings for `endpoint` with `c`, in eu-west-2.
fn sdk(endpoint: &str, c: &Credentials) -> aws_config::SdkConfig {
    let creds =
        aws_sdk_ec2::config::Credentials::new(&c.key, &c.secret, c.token.clone(), None, "e2e");
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-2"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(creds))
        .build()
}

/// Wait, up to 30 s, until `port` gives the port `what` serves on.
fn serving(what: &str, port: impl Fn() -> Option<u16>) -> u16 {
    let start = Instant::now();
    loop {
        if let Some(port) = port() {
            return port;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} did not serve within 30s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The port a slot's server listens on, if it answers.
fn live_port(port_file: &Path) -> Option<u16> {
    let port: u16 = std::fs::read_to_string(port_file)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    TcpStream::connect(("127.0.0.1", port)).ok()?;
    Some(port)
}

/// Start a slot's keeper (its own process group, so that it outlives the
/// test that started it) and wait for the port it serves on.
fn keep(python: &Path, lease_file: &Path, port_file: &Path) -> u16 {
    use std::os::unix::process::CommandExt;
    let _ = std::fs::remove_file(port_file);
    let keeper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/moto_keeper.py");
    #[allow(
        clippy::zombie_processes,
        reason = "the keeper outlives this test: it stops only once the slot this test holds is free"
    )]
    Command::new(python)
        .envs(MOTO_ENV)
        .arg(&keeper)
        .arg(lease_file)
        .arg(port_file)
        .arg(IDLE_SECONDS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", keeper.display()));
    serving(&keeper.display().to_string(), || live_port(port_file))
}

/// An account no other test uses: AssumeRole into a role of it, which moto
/// answers for any account, and whose credentials it then serves in that
/// account.
fn new_account(endpoint: &str) -> Credentials {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let seed = nanos ^ (u64::from(std::process::id()) << 24) ^ NEXT.fetch_add(1, Ordering::SeqCst);
    // 2xxxxxxxxxxx: never moto's default 123456789012.
    let account = format!("2{:011}", seed % 100_000_000_000);
    let sts = aws_sdk_sts::Client::new(&sdk(endpoint, &Credentials::testing()));
    let answer = Workspace::runtime().block_on(async {
        sts.assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/e2e"))
            .role_session_name("e2e")
            .send()
            .await
            .expect("moto's AssumeRole")
    });
    let c = answer.credentials().expect("AssumeRole's credentials");
    Credentials {
        account,
        key: c.access_key_id().to_string(),
        secret: c.secret_access_key().to_string(),
        token: Some(c.session_token().to_string()),
    }
}

/// A working directory holding one `.moodle` file, and the emulator.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    /// The emulator: the workspace's own, or one that workspaces of other
    /// stacks share.
    pub moto: std::sync::Arc<Moto>,
    pub file: String,
    /// Environment variables every run of mdl here gets (`MDL_LOG`, say).
    pub env: std::cell::RefCell<Vec<(String, String)>>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }
}

impl Workspace {
    /// A workspace on a pooled emulator, in an account of its own.
    pub fn new(file: &str, text: &str) -> Workspace {
        Workspace::sharing(&std::sync::Arc::new(Moto::lease()), file, text)
    }

    /// A workspace on an emulator of its own, in moto's default account
    /// (123456789012).
    #[allow(dead_code, reason = "used by benches/wall.rs")]
    pub fn own(file: &str, text: &str) -> Workspace {
        Workspace::sharing(&std::sync::Arc::new(Moto::start()), file, text)
    }

    /// A workspace of its own on an emulator other workspaces use too:
    /// isolated from them by its stack name (its file's name).
    pub fn sharing(moto: &std::sync::Arc<Moto>, file: &str, text: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(file), text).unwrap();
        Workspace {
            dir,
            moto: std::sync::Arc::clone(moto),
            file: file.to_string(),
            env: std::cell::RefCell::new(Vec::new()),
        }
    }

    pub fn write(&self, text: &str) {
        std::fs::write(self.dir.path().join(&self.file), text).unwrap();
    }

    pub fn read(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(&self.file)).unwrap()
    }

    pub fn edit(&self, from: &str, to: &str) {
        let text = self.read();
        assert!(text.contains(from), "`{from}` not in the file");
        self.write(&text.replacen(from, to, 1));
    }

    pub fn mdl(&self, args: &[&str]) -> Run {
        self.mdl_at(&self.moto.endpoint, args)
    }

    /// `mdl` sending its AWS calls to `endpoint` (a proxy in front of moto).
    pub fn mdl_at(&self, endpoint: &str, args: &[&str]) -> Run {
        let out: Output = self.command(endpoint, args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    /// `mdl` started and left running, its output discarded.
    pub fn spawn_at(&self, endpoint: &str, args: &[&str]) -> std::process::Child {
        self.command(endpoint, args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    pub fn command(&self, endpoint: &str, args: &[&str]) -> Command {
        self.command_in(self.dir.path(), endpoint, args)
    }

    /// `mdl` run in another directory against the same emulator: a second
    /// estate in the same account.
    pub fn mdl_in(&self, dir: &Path, args: &[&str]) -> Run {
        let out: Output = self
            .command_in(dir, &self.moto.endpoint, args)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    pub fn command_in(&self, dir: &Path, endpoint: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mdl"));
        cmd.args(args)
            .current_dir(dir)
            // The SDK's credential chain must never ask the instance
            // metadata address: no test sends traffic beyond loopback.
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_REGION", "eu-west-2")
            .env("AWS_ACCESS_KEY_ID", &self.moto.credentials.key)
            .env("AWS_SECRET_ACCESS_KEY", &self.moto.credentials.secret)
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null());
        // Straight to moto, a 5xx answer is an operation it lacks, not a
        // passing fault: two retries, not mdl's nine, so a test meeting a
        // gap waits a second, not half a minute. Through a proxy (which
        // injects faults) mdl keeps its own retries.
        if endpoint == self.moto.endpoint {
            cmd.env("AWS_MAX_ATTEMPTS", "3");
        } else {
            cmd.env_remove("AWS_MAX_ATTEMPTS");
        }
        match &self.moto.credentials.token {
            Some(token) => cmd.env("AWS_SESSION_TOKEN", token),
            None => cmd.env_remove("AWS_SESSION_TOKEN"),
        };
        cmd.env_remove("MDL_LOG").env_remove("MDL_LOG_PATH");
        for (k, v) in self.env.borrow().iter() {
            cmd.env(k, v);
        }
        cmd
    }

    /// `mdl <cmd> FILE <extra>` expecting `code`.
    pub fn expect(&self, cmd: &str, extra: &[&str], code: i32) -> Run {
        let mut args = vec![cmd, self.file.as_str()];
        args.extend_from_slice(extra);
        let run = self.mdl(&args);
        // A plan with nothing to do must not report drift either.
        if cmd == "plan" && code == 0 && extra.contains(&"--detailed-exitcode") {
            assert!(
                !run.stdout.contains("Changed outside mdl"),
                "unexpected drift:\n{}",
                run.all()
            );
        }
        assert_eq!(
            run.code,
            code,
            "mdl {} exited {}:\n{}",
            args.join(" "),
            run.code,
            run.all()
        );
        run
    }

    pub fn state_path(&self) -> PathBuf {
        let stack = self.file.trim_end_matches(".moodle");
        self.dir
            .path()
            .join(".mdl")
            .join(format!("{stack}.state.json"))
    }

    pub fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }
}
