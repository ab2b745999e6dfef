//! The local state file: read, and written atomically (temporary file,
//! fsync, rename) so that a crash never leaves half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::model::State;

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
        let read = || -> std::io::Result<String> {
            if let Some(dir) = self.path.parent() {
                check_dir(dir)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.read(true);
            let mut text = String::new();
            std::io::Read::read_to_string(
                &mut open_no_follow(&self.path, &mut options)?,
                &mut text,
            )?;
            Ok(text)
        };
        let text = match read() {
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
        State::parse(text.as_bytes()).map_err(invalid)
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

/// Refuse a state directory that other users can write: anyone who can
/// write it could plant a link there, or swap the state.
///
/// # Errors
/// The directory is group- or world-writable.
pub fn check_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        match std::fs::metadata(dir) {
            Ok(m) if m.permissions().mode() & 0o022 != 0 => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "`{}` is writable by other users (mode {:o}), so they could plant links or change the state there; run `chmod go-w {}`",
                        dir.display(),
                        m.permissions().mode() & 0o777,
                        dir.display()
                    ),
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Open `path` with `options`, refusing a symbolic link: a link planted
/// where a state, lock or plan file goes would make mdl write elsewhere.
///
/// # Errors
/// `path` is a symbolic link, or cannot be opened.
pub fn open_no_follow(
    path: &Path,
    options: &mut std::fs::OpenOptions,
) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
    options.open(path).map_err(|e| {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "`{}` is a symbolic link; mdl does not follow links for its state, lock and plan files",
                    path.display()
                ),
            )
        } else {
            e
        }
    })
}

/// Create a directory only its owner can enter (0700), with its parents,
/// unless it exists.
///
/// # Errors
/// It cannot be created.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    // The state directory beside a file keeps itself out of git: state
    // names every resource, and a lock or recovery copy is nobody else's.
    let ignore = dir.join(".gitignore");
    // Nothing is written through a link: a `.gitignore` of any kind (a
    // symlink planted there included) is left alone.
    if dir.file_name().is_some_and(|n| n == ".mdl") && std::fs::symlink_metadata(&ignore).is_err() {
        std::fs::write(
            ignore,
            "# Written by mdl: state, locks and recovery copies stay out of git.\n*\n",
        )?;
    }
    Ok(())
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
        check_dir(dir)?;
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "`{}` is a symbolic link; mdl does not follow links for its state, lock and plan files",
                path.display()
            ),
        ));
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    // A file (or a planted link) left there is removed, not written
    // through: the temporary file is always new.
    match std::fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = open_no_follow(&tmp, &mut options)?;
        // A file left by an older mdl keeps its mode: set it.
        #[cfg(unix)]
        f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_directory_ignores_itself_but_writes_through_no_link() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".mdl");
        private_dir(&dir).unwrap();
        let text = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
        assert!(text.ends_with("*\n"), "{text}");
        // Another directory mdl creates (a saved plan's) gets none.
        let plans = tmp.path().join("plans");
        private_dir(&plans).unwrap();
        assert!(!plans.join(".gitignore").exists());
        // A link planted where the file goes is not written through.
        #[cfg(unix)]
        {
            let other = tmp.path().join("other/.mdl");
            std::fs::create_dir_all(&other).unwrap();
            let target = tmp.path().join("victim");
            std::os::unix::fs::symlink(&target, other.join(".gitignore")).unwrap();
            private_dir(&other).unwrap();
            assert!(!target.exists());
        }
    }
}
