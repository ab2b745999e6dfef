//! The command line: argument parsing and one file per subcommand.
//! Only this module prints, and it prints to stdout through `out!` and
//! `outln!`: a closed stdout (`mdl plan | head`) ends the output, never
//! the command, so an apply whose reader went away still finishes and
//! saves its state.

/// `print!` to stdout, quietly doing nothing once stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

/// `println!` to stdout, quietly doing nothing once stdout is closed.
macro_rules! outln {
    () => {
        $crate::cli::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod apply;
mod docs;
mod export;
mod fmt;
mod graph;
mod import;
mod import_stack;
mod moodle_config;
mod output;
mod plan;
mod rebuild;
mod show;
mod signals;
mod state;
mod validate;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::diagnostics::{Diagnostic, SourceMap};

const ABOUT: &str = "Plan and apply Moodle estates on AWS, declared in .moodle files.";

const LONG_ABOUT: &str = "\
mdl reads a .moodle file describing an estate (networks, databases, caches,
file systems, load balancers, web servers or Fargate services, DNS, ...; whole
estates from the stdlib modules std/ha, std/single_node and std/ecs_preview),
compares it with what exists in the AWS account, shows the difference, and
makes it so.

A typical session:
  mdl validate net.moodle      check the file without touching AWS
  mdl plan net.moodle          show what would change
  mdl apply net.moodle         show the plan, ask, then change AWS
  mdl destroy net.moodle       remove everything the file created

In CI, review then apply exactly what was reviewed:
  mdl plan prod.moodle --out plan.json --detailed-exitcode
  mdl apply plan.json          refused if the files, state or AWS changed since

Credentials and region come from the standard AWS chain (environment, profiles,
SSO, instance roles). Point at any AWS-compatible endpoint with
AWS_ENDPOINT_URL or --endpoint-url. State is kept in .mdl/<stack>.state.json
beside the file, and every resource is tagged mdl:stack and mdl:address so
that `mdl state rebuild` can find it again. Declare `stack NAME { account_id =
\"...\", region = \"...\", backend = \"s3://...\" }` in the file to pin
the account and region a run may change and where the state is kept.

Terraform-style single-dash flags are accepted too: -auto-approve,
-detailed-exitcode, -parallelism=N, -no-color, -refresh=false. Every
command's --help ends with examples; docs/terraform.md maps Terraform's
commands to mdl's.";

#[derive(Parser, Debug)]
#[command(name = "mdl", version = VERSION, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Never colour the output (also: the NO_COLOR environment variable).
    /// Colour is used on a terminal, or everywhere with CLICOLOR_FORCE=1.
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Log what mdl does, on stderr (or appended to the file MDL_LOG_PATH
    /// names): info, stage by stage; debug, every AWS call (service,
    /// operation, attempt, status, duration, request id); trace, their
    /// bodies, secret values redacted. Off by default.
    #[arg(long, global = true, value_name = "LEVEL", env = "MDL_LOG")]
    pub log_level: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a file without touching AWS: syntax, names, types, references, cycles.
    #[command(after_help = "Examples:
  mdl validate prod.moodle
  mdl validate prod.moodle -p web_count=3 -p 'azs=[\"eu-west-2a\", \"eu-west-2b\"]'
  mdl validate prod.moodle --json | jq '.diagnostics[] | \"\\(.file):\\(.line): \\(.message)\"'")]
    Validate(validate::ValidateArgs),
    /// Rewrite files in canonical form (idempotent).
    Fmt(fmt::FmtArgs),
    /// Show what apply would change.
    #[command(after_help = "Examples:
  mdl plan prod.moodle
  mdl plan prod.moodle --out prod.plan      save it; `mdl apply prod.plan` applies exactly it
  mdl plan prod.moodle --detailed-exitcode  in CI: exit 0 nothing to do, 2 changes, 1 error
  mdl plan prod.moodle --target module.vle  only this and what it depends on
  mdl plan prod.moodle --destroy --out gone.plan
  mdl plan prod.moodle --refresh-only       what changed outside mdl, and nothing else
  mdl plan prod.moodle --json | jq .summary")]
    Plan(plan::PlanArgs),
    /// Show the plan, ask for confirmation, then change AWS to match the file.
    ///
    /// FILE may also be a saved plan (`mdl plan FILE --out PLAN`):
    /// then exactly that plan is applied, without asking, or nothing if
    /// the files, the state or AWS changed since it was made.
    #[command(after_help = "Examples:
  mdl apply prod.moodle                  show the plan, ask, apply
  mdl apply prod.plan                    apply a saved plan exactly
  mdl apply prod.moodle --auto-approve --json > events.jsonl
  mdl apply prod.moodle --allow-destroy efs.data   a change that replaces the file system
  mdl apply prod.moodle --refresh-only   record in state what changed outside mdl")]
    #[command(mut_arg("file", |a| a.help("The .moodle file, or a saved plan (`mdl plan FILE --out PLAN`)").value_name("FILE|PLAN")))]
    Apply(apply::ApplyArgs),
    /// Delete everything the file's stack created.
    #[command(after_help = "Examples:
  mdl destroy preview.moodle
  mdl destroy prod.moodle --allow-destroy module.vle   protected data too
  mdl plan prod.moodle --destroy --out gone.plan && mdl apply gone.plan   reviewed first")]
    Destroy(apply::DestroyArgs),
    /// Print the outputs recorded by the last apply.
    #[command(after_help = "Examples:
  mdl output prod.moodle
  mdl output prod.moodle site_url          one output, raw, for scripts
  mdl output prod.moodle --json
  mdl output prod.moodle --moodle-config   the config.php settings of each Moodle estate")]
    Output(output::OutputArgs),
    /// Describe resource kinds and their attributes, or a stdlib module.
    #[command(after_help = "Examples:
  mdl docs                      the kinds, modules and topics
  mdl docs aurora_cluster       a kind's attributes, rules and defaults
  mdl docs std/ha               a stdlib module's params and outputs
  mdl docs language             the language
  mdl docs functions")]
    Docs(docs::DocsArgs),
    /// Render the estate as a CloudFormation template.
    #[command(after_help = "Examples:
  mdl export prod.moodle --cloudformation > prod.template.json
  mdl export prod.moodle --cloudformation --out prod.template.json")]
    Export(export::ExportArgs),
    /// Print the dependency graph (Graphviz DOT or Mermaid).
    #[command(after_help = "Examples:
  mdl graph prod.moodle | dot -Tsvg > prod.svg
  mdl graph prod.moodle --format mermaid")]
    Graph(graph::GraphArgs),
    /// Show a saved plan, or the state of a file's stack.
    ///
    /// `mdl show PLAN` renders a saved plan as `mdl plan` showed it; `mdl
    /// show FILE` the state of the file's stack as the estate it records.
    #[command(after_help = "Examples:
  mdl show prod.plan           a saved plan, as `mdl plan` showed it
  mdl show prod.plan --json
  mdl show prod.moodle         every resource the stack's state records, and the outputs
  mdl show prod.moodle --json | jq '.resources[].address'")]
    Show(show::ShowArgs),
    /// Record in state what exists in AWS now, without changing AWS.
    ///
    /// It does not ask first: `mdl apply --refresh-only` shows what it would
    /// record and asks.
    #[command(after_help = "Examples:
  mdl refresh prod.moodle
  mdl plan prod.moodle --refresh-only && mdl apply prod.moodle --refresh-only   reviewed first")]
    Refresh(plan::RefreshArgs),
    /// Adopt what exists in AWS: one resource, or a CloudFormation stack.
    ///
    /// `mdl import FILE ADDRESS ID` adopts a resource under a block of the
    /// file; `mdl import FILE --from-stack NAME` writes FILE from a whole
    /// CloudFormation stack and adopts it.
    Import(import::ImportArgs),
    /// Look at and rearrange state: list, show, mv, rm, rebuild, pull, push.
    #[command(after_help = "Examples:
  mdl state list prod.moodle
  mdl state mv prod.moodle vpc.main module.net.vpc.main
  mdl state pull prod.moodle > backup.json")]
    State(state::StateArgs),
    /// Print mdl's version, the commit it was built from and the build date.
    #[command(after_help = "Examples:
  mdl version
  mdl --version")]
    Version,
    /// Print a shell completion script.
    ///
    /// `mdl completions bash > /etc/bash_completion.d/mdl`,
    /// `mdl completions zsh > "${fpath[1]}/_mdl"`, `mdl completions fish > ~/.config/fish/completions/mdl.fish`,
    /// `mdl completions powershell >> $PROFILE`.
    #[command(after_help = "Examples:
  mdl completions bash > /etc/bash_completion.d/mdl
  mdl completions zsh > \"${fpath[1]}/_mdl\"
  mdl completions fish > ~/.config/fish/completions/mdl.fish
  mdl completions powershell >> $PROFILE")]
    Completions(CompletionsArgs),
    /// Print mdl's man page, or write one per command into a directory.
    ///
    /// `mdl man --dir /usr/local/share/man/man1`.
    #[command(after_help = "Examples:
  mdl man | man -l -
  mdl man --dir /usr/local/share/man/man1")]
    Man(ManArgs),
    /// Release a remote state lock left by a run that is gone.
    ///
    /// `mdl force-unlock FILE LOCK_ID --backend s3://...` (the id is in the
    /// "locked" error). Make sure that run is really gone first.
    #[command(after_help = "Examples:
  mdl force-unlock prod.moodle 6f1c0e2a9b7d4e3f --backend s3://uni-mdl-state/vle")]
    ForceUnlock(state::ForceUnlockArgs),
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write `mdl.1` and `mdl-COMMAND.1` for every command here, instead
    /// of printing `mdl.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `mdl completions SHELL`.
fn completions(args: &CompletionsArgs) -> u8 {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mdl", &mut out);
    out!("{}", String::from_utf8_lossy(&out));
    0
}

/// `mdl man [--dir DIR]`.
fn man(args: &ManArgs) -> u8 {
    use clap::CommandFactory;
    let cmd = Cli::command();
    match &args.dir {
        None => {
            let mut out = Vec::new();
            if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
                eprintln!("mdl man: {e}");
                return 1;
            }
            out!("{}", String::from_utf8_lossy(&out));
            0
        }
        Some(dir) => match clap_mangen::generate_to(cmd, dir) {
            Ok(()) => {
                outln!("Wrote the man pages into {}.", dir.display());
                0
            }
            Err(e) => {
                eprintln!(
                    "mdl man: cannot write into {}: {e} (create the directory, or choose one you may write)",
                    dir.display()
                );
                1
            }
        },
    }
}

/// The file, the values for its params, and where its stack's state is.
#[derive(Args, Debug, Clone)]
pub struct FileArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The stack name (default: the file's `stack` declaration, else the
    /// file name without `.moodle`).
    #[arg(long)]
    pub stack: Option<String>,
    /// Keep state in S3 rather than in .mdl/ beside the file, shared by a
    /// team: `s3://BUCKET/PREFIX` holds `<stack>.state.json` and, while a
    /// run changes it, `<stack>.state.json.lock` (taken by a conditional
    /// write: one run at a time). A `backend` in the file's `stack`
    /// declaration does the same, and a flag that differs is refused.
    #[arg(long, env = "MDL_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
}

/// The file and its params are read as those of the configuration.
impl std::ops::Deref for FileArgs {
    type Target = ConfigArgs;

    fn deref(&self) -> &ConfigArgs {
        &self.config
    }
}

impl FileArgs {
    /// What the engine loads.
    pub fn source(&self) -> crate::engine::Source {
        crate::engine::Source {
            file: self.file.clone(),
            params: self.params.clone(),
            params_file: self.params_file.clone(),
            stack: self.stack.clone(),
            backend: self.backend.clone(),
        }
    }
}

/// The file and its params: alone for commands that read the
/// configuration only (no state, no AWS: validate, graph, export).
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// The .moodle file.
    pub file: PathBuf,
    /// Set a param: `-p name=value` (repeatable; also `-var`). Lists and
    /// maps are written in the language: -p 'azs=["eu-west-2a", "eu-west-2b"]'.
    /// An environment variable MDL_PARAM_<name> sets one too; a params file
    /// overrides it, and -p both.
    #[arg(
        short = 'p',
        long = "param",
        visible_alias = "var",
        value_name = "NAME=VALUE"
    )]
    pub params: Vec<String>,
    /// A JSON file of param values: {"name": value, ...} (also `-var-file`;
    /// a terraform.tfvars.json reads as it is).
    #[arg(long, visible_alias = "var-file", value_name = "FILE")]
    pub params_file: Option<PathBuf>,
}

impl ConfigArgs {
    /// As the file arguments of a command that also opens state.
    pub fn file_args(&self, stack: Option<String>) -> FileArgs {
        FileArgs {
            config: self.clone(),
            stack,
            backend: None,
        }
    }
}

/// Which resources a plan covers, and which it replaces.
#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// Plan only this resource and what it depends on (repeatable); a module
    /// instance (`module.vle`) means everything in it. The rest is left as
    /// it is, and the plan says it is partial.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Replace this resource although nothing forces it, such as a web
    /// server that misbehaves (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<String>,
}

/// Where AWS is.
#[derive(Args, Debug, Clone)]
pub struct AwsArgs {
    /// AWS region (default: the standard chain, e.g. AWS_REGION).
    #[arg(long)]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (default: AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Wait up to this long for the state lock when another run holds it,
    /// such as 30s, 5m or 1h (default 0s: fail at once, naming the holder).
    #[arg(long, value_name = "DURATION", env = "MDL_LOCK_TIMEOUT", value_parser = parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
    /// Give up on connecting to AWS (or the endpoint) after this long, each
    /// attempt: such as 5s (default 10s). Failed attempts are retried
    /// (AWS_MAX_ATTEMPTS, default 10), so `AWS_MAX_ATTEMPTS=1` fails after
    /// one.
    #[arg(long, value_name = "DURATION", env = "MDL_CONNECT_TIMEOUT", value_parser = parse_duration)]
    pub connect_timeout: Option<std::time::Duration>,
}

/// A duration as people write it: `90s`, `5m`, `1h`, `1m30s`, or seconds
/// alone.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("`{text}` is not a duration: write 30s, 5m, 1h or 1m30s");
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
    }
    if !number.is_empty() || text.is_empty() {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(total))
}

impl AwsArgs {
    /// Where to reach AWS, as the provider and the state backend take it.
    pub fn connection(&self) -> crate::provider::aws::Connection {
        crate::provider::aws::Connection {
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            lock_timeout: self.lock_timeout.unwrap_or_default(),
            connect_timeout: self.connect_timeout,
        }
    }
}

/// Output settings shared by every command.
pub struct Ui {
    pub color_out: bool,
    pub color_err: bool,
}

impl Ui {
    fn new(no_color: bool) -> Ui {
        let allowed = !no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        // CLICOLOR_FORCE: colour although the output is not a terminal (a
        // CI log that shows colours).
        let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
        Ui {
            color_out: allowed && (forced || std::io::stdout().is_terminal()),
            color_err: allowed && (forced || std::io::stderr().is_terminal()),
        }
    }

    pub fn style(&self) -> crate::plan::render::Style {
        crate::plan::render::Style::new(self.color_out)
    }

    /// Print diagnostics to stderr.
    pub fn report(&self, diags: &[Diagnostic], sources: &SourceMap) {
        if diags.is_empty() {
            return;
        }
        let width = if self.color_err {
            terminal_width()
        } else {
            100
        };
        let handler = crate::diagnostics::handler(self.color_err, width);
        eprint!(
            "{}",
            crate::diagnostics::render_all(diags, sources, &handler)
        );
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

pub use crate::engine::command_line_diag;

/// Set once a write to stdout fails: its reader is gone.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Set by `--json` on a stream of events: stdout carries the events alone,
/// and what is written for people goes to stderr.
static HUMAN_TO_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Send people's text to stderr, keeping stdout for JSON events.
pub fn events_on_stdout() {
    HUMAN_TO_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// One JSON event, on its own line of stdout (also when people's text goes
/// to stderr).
pub fn event(value: &serde_json::Value) {
    to_stdout(format_args!("{value}\n"));
}

/// Write to stdout, or, under `--json`'s stream of events, to stderr.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if HUMAN_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = std::io::stderr().write_fmt(args);
        return;
    }
    to_stdout(args);
}

/// Write to stdout. Once a write fails (a closed pipe), later output is
/// dropped: what the command does goes on, and its exit code says how it
/// went.
fn to_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// What a command asks before it changes something.
pub struct Ask<'a> {
    /// The command, for when there is no terminal (`state rebuild`).
    pub command: &'a str,
    /// `Do you want to QUESTION?`
    pub question: &'a str,
    /// Printed when the answer is not `yes`.
    pub declined: &'a str,
    /// The label and help of `cli::confirmation_required` without a
    /// terminal.
    pub label: &'a str,
    pub help: &'a str,
}

/// Ask, and go on only on `yes`: another answer prints `declined`, and no
/// terminal is `cli::confirmation_required`. `Err` is the exit code.
pub fn approve(ui: &Ui, sources: &mut SourceMap, ask: &Ask<'_>) -> Result<(), u8> {
    match ask_yes(ask.command, ask.question) {
        Ok(true) => Ok(()),
        Ok(false) => {
            outln!("{}", ask.declined);
            Err(1)
        }
        Err(e) => {
            let d = command_line_diag(
                sources,
                "cli::confirmation_required",
                e,
                ask.label,
                ask.help,
            );
            ui.report(&[d], sources);
            Err(1)
        }
    }
}

/// Ask `Do you want to QUESTION?` on the terminal; only `yes` approves.
/// `command` names what needs the answer when there is no terminal.
///
/// # Errors
/// Standard input is not a terminal, or cannot be read.
pub fn ask_yes(command: &str, question: &str) -> Result<bool, String> {
    use std::io::{BufRead, Write};
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "{command} needs confirmation and standard input is not a terminal"
        ));
    }
    out!(
        "\nDo you want to {question}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(line.trim() == "yes")
}

pub use crate::engine::{MASKED, mask_param};

/// The version, the commit built and the build date.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MDL_COMMIT"),
    ", built ",
    env!("MDL_BUILD_DATE"),
    ")"
);

/// `--refresh-only` with `--refresh=false`: nothing would be read.
pub fn refuse_no_refresh(ui: &Ui) -> u8 {
    let mut sources = SourceMap::new();
    let d = command_line_diag(
        &mut sources,
        "cli::invalid_flags",
        "--refresh-only reads AWS, and --refresh=false says not to",
        "in this command",
        "leave out --refresh=false",
    );
    ui.report(&[d], &sources);
    1
}

/// Accept Terraform's single-dash long flags.
fn normalize_args(args: impl Iterator<Item = String>) -> Vec<String> {
    const LONG: &[&str] = &[
        "auto-approve",
        "detailed-exitcode",
        "parallelism",
        "no-color",
        "param",
        "var",
        "var-file",
        "stack",
        "region",
        "endpoint-url",
        "params-file",
        "check",
        "diff",
        "lock-timeout",
        "log-level",
        "connect-timeout",
        "recursive",
        "target",
        "replace",
        "out",
        "json",
        "refresh",
        "refresh-only",
        "destroy",
        "allow-destroy",
        "backend",
    ];
    args.map(|a| {
        let bare = a.strip_prefix('-').filter(|rest| !rest.starts_with('-'));
        match bare {
            Some(rest)
                if LONG
                    .iter()
                    .any(|l| rest == *l || rest.starts_with(&format!("{l}="))) =>
            {
                format!("-{a}")
            }
            _ => a,
        }
    })
    .collect()
}

/// Commands never offered as a did-you-mean: a typo must not lead to one.
const DESTRUCTIVE: &[&str] = &["destroy", "apply", "force-unlock", "import", "refresh"];

/// Parse the command line, as clap does, except that a mistyped command is
/// never answered with a destructive one (`mdl test`: not `destroy`).
fn parse() -> Cli {
    use clap::Parser;
    let args = normalize_args(std::env::args());
    match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidSubcommand => {
            let suggested = match e.get(clap::error::ContextKind::SuggestedSubcommand) {
                Some(clap::error::ContextValue::Strings(s)) => s.clone(),
                Some(clap::error::ContextValue::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            };
            if suggested.iter().any(|s| DESTRUCTIVE.contains(&s.as_str())) {
                let given = match e.get(clap::error::ContextKind::InvalidSubcommand) {
                    Some(clap::error::ContextValue::String(s)) => s.clone(),
                    _ => String::new(),
                };
                eprintln!(
                    "error: unrecognized subcommand '{given}'\n\n  tip: `mdl --help` lists the commands; validate, plan and output change nothing\n\nUsage: mdl [OPTIONS] <COMMAND>\n\nFor more information, try '--help'."
                );
                std::process::exit(2);
            }
            e.exit()
        }
        Err(e) => e.exit(),
    }
}

pub fn main() -> ExitCode {
    let cli = parse();
    crate::engine::set_command_line(std::env::args());
    if let Err(e) = crate::log::init(cli.log_level.as_deref()) {
        eprintln!("mdl: {e}");
        return ExitCode::from(2);
    }
    tracing::info!(command = %crate::engine::command_line(), "mdl {VERSION}");
    crate::engine::open::on_wait(|line| eprintln!("{line}"));
    signals::listen();
    let ui = Ui::new(cli.no_color);
    let code = match cli.command {
        Command::Validate(args) => validate::run(&ui, &args),
        Command::Show(args) => show::run(&ui, &args),
        Command::Fmt(args) => fmt::run(&ui, &args),
        Command::Plan(args) => plan::run(&ui, &args),
        Command::Apply(args) => apply::run(&ui, &args, apply::Mode::Apply),
        Command::Destroy(args) => apply::run_destroy(&ui, &args),
        Command::Output(args) => output::run(&ui, &args),
        Command::Docs(args) => docs::run(&args),
        Command::Graph(args) => graph::run(&ui, &args),
        Command::Export(args) => export::run(&ui, &args),
        Command::State(args) => state::run(&ui, &args),
        Command::ForceUnlock(args) => state::force_unlock(&ui, &args),
        Command::Import(args) => import::run(&ui, &args),
        Command::Refresh(args) => plan::run_refresh(&ui, &args),
        Command::Version => {
            outln!("mdl {VERSION}");
            0
        }
        Command::Completions(args) => completions(&args),
        Command::Man(args) => man(&args),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's `--help` ends with examples, down to `state mv`.
    #[test]
    fn every_command_has_examples() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let name = format!("{path} {}", sub.get_name());
                if sub.get_subcommands().next().is_none() {
                    let after = sub.get_after_help().map(ToString::to_string);
                    if !after.is_some_and(|a| a.contains("Examples:\n  mdl ")) {
                        missing.push(name.clone());
                    }
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(
            &<Cli as clap::CommandFactory>::command(),
            "mdl",
            &mut missing,
        );
        assert!(missing.is_empty(), "no examples: {missing:?}");
    }

    #[test]
    fn param_values_are_masked_on_the_command_line() {
        let args = [
            "/opt/ci/bin/mdl",
            "plan",
            "f.moodle",
            "-p",
            "db_password=hunter2",
            "--param",
            "x=1",
            "--param=token=abc=def",
            "-pkey=sekrit",
            "-p",
            "no_value",
            "-var",
            "smtp=hunter3",
            "--var",
            "a=hunter4",
            "-var=b=hunter5",
            "--var=c=hunter6",
        ];
        let shown = crate::engine::masked_command_line(args.iter().map(|s| s.to_string()));
        assert_eq!(
            shown,
            "mdl plan f.moodle -p db_password=*** --param x=*** --param=token=*** -pkey=*** -p no_value \
             -var smtp=*** --var a=*** -var=b=*** --var=c=***"
        );
    }

    #[test]
    fn terraform_flags_get_a_second_dash() {
        let got = normalize_args(
            [
                "mdl",
                "apply",
                "-auto-approve",
                "-parallelism=3",
                "-p",
                "x=1",
                "f.moodle",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        assert_eq!(
            got,
            [
                "mdl",
                "apply",
                "--auto-approve",
                "--parallelism=3",
                "-p",
                "x=1",
                "f.moodle"
            ]
        );
    }
}
