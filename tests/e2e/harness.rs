//! The emulator and the binary.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

fn moto_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MDL_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/moto-venv/bin/moto_server")
}

impl Moto {
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
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto_server did not start listening on port {port} within 30s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// CPU seconds moto_server has used so far, all its threads (Linux:
    /// /proc/PID/stat, in the kernel's clock ticks of 1/100 s).
    #[allow(dead_code, reason = "used by benches/wall.rs")]
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
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
        let creds = aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "e2e");
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("eu-west-2"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(creds))
            .build()
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

    /// Create the bucket `name` in eu-west-2, for the state backend.
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A working directory holding one `.moodle` file, and the emulator.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    /// The emulator: the workspace's own, or one that workspaces of other
    /// stacks share.
    pub moto: std::sync::Arc<Moto>,
    pub file: String,
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
    pub fn new(file: &str, text: &str) -> Workspace {
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
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null());
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
