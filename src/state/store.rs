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
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        let mut text = serde_json::to_string_pretty(&state.to_file())
            .map_err(|e| write_err(std::io::Error::other(e)))?;
        text.push('\n');
        let tmp = self.path.with_extension("json.tmp");
        {
            let mut f = std::fs::File::create(&tmp).map_err(write_err)?;
            f.write_all(text.as_bytes()).map_err(write_err)?;
            f.sync_all().map_err(write_err)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(write_err)?;
        Ok(())
    }
}
