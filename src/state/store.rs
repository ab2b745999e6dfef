//! The local state file: read, and written atomically (temporary file,
//! fsync, rename) so that a crash never leaves half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::model::{STATE_VERSION, State, StateFile};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read state file `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write state file `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file `{path}` is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Clone, Debug)]
pub struct LocalStore {
    pub path: PathBuf,
}

impl LocalStore {
    /// The store for `stack`, kept in `.mdl/` beside the configuration file.
    pub fn for_config(config_path: &Path, stack: &str) -> LocalStore {
        let dir = config_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        LocalStore {
            path: dir.join(".mdl").join(format!("{stack}.state.json")),
        }
    }

    pub fn lock_path(&self) -> PathBuf {
        self.path.with_extension("lock")
    }

    /// # Errors
    /// An unreadable or invalid file; a missing one is an empty state.
    pub fn load(&self, stack: &str) -> Result<State, StoreError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::new(stack)),
            Err(source) => {
                return Err(StoreError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let invalid = |message: String| StoreError::Invalid {
            path: self.path.clone(),
            message,
        };
        let file: StateFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if file.version != STATE_VERSION {
            return Err(invalid(format!(
                "version {} is not supported (this mdl reads version {STATE_VERSION})",
                file.version
            )));
        }
        State::from_file(file).map_err(invalid)
    }

    /// # Errors
    /// Any I/O failure; the previous file is then left intact.
    pub fn save(&self, state: &State) -> Result<(), StoreError> {
        let write_err = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        let mut text = serde_json::to_string_pretty(&state.to_file())
            .map_err(|e| write_err(std::io::Error::other(e)))?;
        text.push('\n');
        write_private(&self.path, &text).map_err(write_err)
    }
}

/// Create a directory only its owner can enter (0700), with its parents,
/// unless it exists.
///
/// # Errors
/// It cannot be created.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Write a file only its owner can read (0600, in a directory created
/// 0700), atomically: a temporary file beside it, synced, then renamed.
/// State and saved plans go through here: they name every resource and
/// hold digests of secret values (never the values).
///
/// # Errors
/// The directory or the file cannot be written.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        // A file left by an older mdl keeps its mode: set it.
        #[cfg(unix)]
        f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
