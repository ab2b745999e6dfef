//! The state lock: an OS file lock on `<stack>.state.lock`, which also holds
//! a description of its holder so that a second run can name it. The OS
//! releases the lock when the process ends, however it ends.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    pub operation: String,
    pub started_unix: u64,
    /// A remote lock's id, for `mdl force-unlock`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl LockHolder {
    /// This process, running `mdl <operation>`.
    pub fn new(operation: &str, id: Option<String>) -> LockHolder {
        LockHolder {
            pid: std::process::id(),
            host: hostname(),
            operation: operation.to_string(),
            started_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            id,
        }
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`mdl {}` (pid {} on {}, started at unix time {})",
            self.operation, self.pid, self.host, self.started_unix
        )?;
        if let Some(id) = &self.id {
            write!(f, ", lock id {id}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the state is locked by {holder}")]
    Held { path: PathBuf, holder: String },
    /// The lock's place holds an object mdl did not write (no lock id).
    #[error("the state is locked by an object mdl did not write: {}", path.display())]
    Foreign { path: PathBuf },
    #[error("cannot open lock file `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct Lock {
    file: File,
    /// Held with other readers: the file says nothing of them.
    shared: bool,
}

impl Lock {
    /// Take the lock at once or fail naming the holder; never waits.
    ///
    /// # Errors
    /// `Held` when another process holds it; `Io` when the file cannot be
    /// opened.
    pub fn acquire(path: &Path, operation: &str) -> Result<Lock, LockError> {
        Lock::take(path, operation, false)
    }

    /// Take the lock shared with other readers at once, or fail naming the
    /// run that holds it to write; never waits.
    ///
    /// # Errors
    /// As [`Lock::acquire`].
    pub fn acquire_shared(path: &Path, operation: &str) -> Result<Lock, LockError> {
        Lock::take(path, operation, true)
    }

    fn take(path: &Path, operation: &str, shared: bool) -> Result<Lock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            super::store::private_dir(dir).map_err(io)?;
            super::store::check_dir(dir).map_err(io)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = super::store::open_no_follow(path, &mut options).map_err(io)?;
        let tried = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match tried {
            Ok(()) if shared => return Ok(Lock { file, shared }),
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                // Readers write nothing: an empty file held is plans.
                let holder = serde_json::from_str::<LockHolder>(&text).map_or_else(
                    |_| "`mdl plan` (one or more plans reading the state)".to_string(),
                    |h| h.to_string(),
                );
                return Err(LockError::Held {
                    path: path.to_path_buf(),
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let holder = LockHolder::new(operation, None);
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        let text = serde_json::to_string(&holder).unwrap_or_default();
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(Lock { file, shared })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if !self.shared {
            let _ = self.file.set_len(0);
        }
        let _ = self.file.unlock();
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "this machine".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.lock");
        let first = Lock::acquire(&path, "apply").unwrap();
        let err = Lock::acquire(&path, "plan").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`mdl apply`"), "{msg}");
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        Lock::acquire(&path, "plan").unwrap();
    }

    #[test]
    fn readers_share_the_lock_and_a_writer_waits_for_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.lock");
        let one = Lock::acquire_shared(&path, "plan").unwrap();
        let two = Lock::acquire_shared(&path, "plan").unwrap();
        let err = Lock::acquire(&path, "apply").unwrap_err().to_string();
        assert!(err.contains("plans reading the state"), "{err}");
        drop(one);
        assert!(Lock::acquire(&path, "apply").is_err(), "one reader is left");
        drop(two);
        let writer = Lock::acquire(&path, "apply").unwrap();
        let err = Lock::acquire_shared(&path, "plan").unwrap_err().to_string();
        assert!(err.contains("`mdl apply`"), "{err}");
        drop(writer);
        Lock::acquire_shared(&path, "plan").unwrap();
    }
}
