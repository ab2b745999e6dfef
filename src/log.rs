//! Logging, off by default: `MDL_LOG=info|debug|trace` or `--log-level`,
//! to stderr, or appended to the file `MDL_LOG_PATH` names (created 0600).
//!
//! - info: what the command does, stage by stage;
//! - debug: every AWS call, one line an attempt: service, operation,
//!   attempt, HTTP status, duration and request id (provider::aws::logged);
//! - trace: the bodies of those calls, secret values redacted.
//!
//! Only mdl's own events are written: the SDK's are left out, since its
//! trace level prints what mdl redacts.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// The levels `MDL_LOG` and `--log-level` take.
pub const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];

fn level(text: &str) -> Option<LevelFilter> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "off" | "" | "0" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => return None,
    })
}

/// Start logging at `given` (the flag, else MDL_LOG).
///
/// # Errors
/// A level that is not one, or a log file that cannot be opened.
pub fn init(given: Option<&str>) -> Result<(), String> {
    let Some(text) = given else {
        return Ok(());
    };
    let Some(level) = level(text) else {
        return Err(format!(
            "`{text}` is not a log level: MDL_LOG and --log-level take {}",
            LEVELS.join(", ")
        ));
    };
    if level == LevelFilter::OFF {
        return Ok(());
    }
    let filter = Targets::new()
        .with_target("mdl", level)
        .with_target("mdl_lang", level);
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(false);
    match std::env::var_os("MDL_LOG_PATH").filter(|p| !p.is_empty()) {
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(&path).map_err(|e| {
                format!(
                    "MDL_LOG_PATH names {}, which cannot be opened for writing: {e}",
                    std::path::Path::new(&path).display()
                )
            })?;
            let file = std::sync::Mutex::new(file);
            tracing_subscriber::registry()
                .with(fmt.with_writer(file).with_filter(filter))
                .try_init()
                .map_err(|e| e.to_string())
        }
        None => tracing_subscriber::registry()
            .with(fmt.with_writer(std::io::stderr).with_filter(filter))
            .try_init()
            .map_err(|e| e.to_string()),
    }
}
