//! Where state lives: the local file beside the configuration, or a
//! remote object store shared by a team (S3), with a lock taken by a
//! conditional write so that two runs never apply at once.

use std::path::PathBuf;
use std::sync::Arc;

use super::lock::{Lock, LockError, LockHolder};
use super::model::State;
use super::store::{LocalStore, StoreError};

/// A write that must not overwrite: the object must not exist yet.
#[derive(Debug, PartialEq, Eq)]
pub enum PutError {
    /// The object exists (the condition failed).
    Exists,
    Other(String),
}

/// An object store holding state and its lock, such as an S3 bucket.
/// Implementations are blocking.
pub trait RemoteBackend: Send + Sync {
    /// The object, or `None` when there is none.
    ///
    /// # Errors
    /// The call failed.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// Write the object; with `only_if_absent`, fail with `Exists` when it
    /// is there already (S3's `If-None-Match: *`).
    ///
    /// # Errors
    /// `Exists`, or the call failed.
    fn put(&self, key: &str, body: &[u8], only_if_absent: bool) -> Result<(), PutError>;
    /// # Errors
    /// The call failed.
    fn delete(&self, key: &str) -> Result<(), String>;
    /// Where a key is, for messages: `s3://bucket/key`.
    fn url(&self, key: &str) -> String;
}

#[derive(Clone)]
pub struct RemoteStore {
    backend: Arc<dyn RemoteBackend>,
    /// The state object's key; its lock is `<key>.lock`.
    key: String,
}

#[derive(Clone)]
enum Inner {
    Local(LocalStore),
    Remote(RemoteStore),
}

/// A stack's state, wherever it is kept.
#[derive(Clone)]
pub struct Store(Inner);

impl From<LocalStore> for Store {
    fn from(local: LocalStore) -> Store {
        Store(Inner::Local(local))
    }
}

/// A held state lock; dropping it releases it.
pub enum StateLock {
    Local(Lock),
    Remote(RemoteLock),
    /// A plan of a remote state: it writes nothing, and reads the state as
    /// it was last saved (an S3 object is replaced whole), so it takes no
    /// lock and never holds up a run; it is refused while a run that
    /// writes holds the lock.
    Reading,
}

pub struct RemoteLock {
    backend: Arc<dyn RemoteBackend>,
    key: String,
    id: String,
}

impl Drop for RemoteLock {
    fn drop(&mut self) {
        // Only our own lock: a forced unlock may have handed it on.
        if let Ok(Some(body)) = self.backend.get(&self.key)
            && serde_json::from_slice::<LockHolder>(&body)
                .is_ok_and(|h| h.id.as_deref() == Some(self.id.as_str()))
        {
            let _ = self.backend.delete(&self.key);
        }
    }
}

/// Who holds the remote lock whose object at `url` holds `body`: a run of
/// mdl's, named, or an object mdl did not write.
fn held_by(url: PathBuf, body: &[u8]) -> LockError {
    match serde_json::from_slice::<LockHolder>(body) {
        Ok(h) => LockError::Held {
            path: url,
            holder: h.to_string(),
        },
        Err(_) => LockError::Foreign { path: url },
    }
}

impl Store {
    /// The state of `stack` under `prefix` in a remote backend:
    /// `<prefix>/<stack>.state.json`.
    pub fn remote(backend: Arc<dyn RemoteBackend>, prefix: &str, stack: &str) -> Store {
        let prefix = prefix.trim_matches('/');
        let key = if prefix.is_empty() {
            format!("{stack}.state.json")
        } else {
            format!("{prefix}/{stack}.state.json")
        };
        Store(Inner::Remote(RemoteStore { backend, key }))
    }

    /// Where the state is: a path, or `s3://bucket/key`.
    pub fn describe(&self) -> String {
        match &self.0 {
            Inner::Local(l) => l.path.display().to_string(),
            Inner::Remote(r) => r.backend.url(&r.key),
        }
    }

    /// The local store, when the state is local.
    pub fn local(&self) -> Option<&LocalStore> {
        match &self.0 {
            Inner::Local(l) => Some(l),
            Inner::Remote(_) => None,
        }
    }

    /// # Errors
    /// Unreadable or invalid state; a missing one is an empty state.
    pub fn load(&self, stack: &str) -> Result<State, StoreError> {
        match &self.0 {
            Inner::Local(l) => l.load(stack),
            Inner::Remote(r) => {
                let url = r.backend.url(&r.key);
                let invalid = |message: String| StoreError::Invalid {
                    path: PathBuf::from(&url),
                    message,
                };
                let Some(body) = r.backend.get(&r.key).map_err(|e| StoreError::Read {
                    path: PathBuf::from(&url),
                    source: std::io::Error::other(e),
                })?
                else {
                    return Ok(State::new(stack));
                };
                State::parse(&body).map_err(invalid)
            }
        }
    }

    /// # Errors
    /// The write failed; the previous state is then left as it was.
    pub fn save(&self, state: &State) -> Result<(), StoreError> {
        match &self.0 {
            Inner::Local(l) => l.save(state),
            Inner::Remote(r) => {
                let mut text = serde_json::to_string_pretty(&state.to_file()).map_err(|e| {
                    StoreError::Write {
                        path: PathBuf::from(r.backend.url(&r.key)),
                        source: std::io::Error::other(e),
                    }
                })?;
                text.push('\n');
                r.backend
                    .put(&r.key, text.as_bytes(), false)
                    .map_err(|e| StoreError::Write {
                        path: PathBuf::from(r.backend.url(&r.key)),
                        source: std::io::Error::other(format!("{e:?}")),
                    })
            }
        }
    }

    /// Keep a copy of `state` where it can be recovered from, when the
    /// store itself cannot be written: beside the state file, else in the
    /// system's temporary directory (0600 either way). Gives its path.
    ///
    /// # Errors
    /// Neither place could be written.
    pub fn recovery_copy(&self, state: &State) -> Result<PathBuf, std::io::Error> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let name = format!("{}.state.json.recovered-{stamp}", state.stack);
        let mut text =
            serde_json::to_string_pretty(&state.to_file()).map_err(std::io::Error::other)?;
        text.push('\n');
        let beside = self
            .local()
            .and_then(|l| l.path.parent().map(|dir| dir.join(&name)));
        let mut last = None;
        for path in beside.into_iter().chain([std::env::temp_dir().join(&name)]) {
            match super::store::write_private(&path, &text) {
                Ok(()) => return Ok(path),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no place to write")))
    }

    /// Take the lock at once or fail naming its holder; never waits.
    ///
    /// # Errors
    /// `Held` when another run holds it; `Io` when it cannot be taken.
    pub fn lock(&self, operation: &str) -> Result<StateLock, LockError> {
        self.lock_for(operation, false)
    }

    /// The lock for a run that only reads the state (`mdl plan`): shared
    /// with other readers, so plans of one stack run at once, and held up
    /// only by a run that writes the state (and holding it up in turn).
    ///
    /// # Errors
    /// As [`Store::lock`].
    pub fn lock_to_read(&self, operation: &str) -> Result<StateLock, LockError> {
        self.lock_for(operation, true)
    }

    fn lock_for(&self, operation: &str, shared: bool) -> Result<StateLock, LockError> {
        match &self.0 {
            Inner::Local(l) if shared => {
                Lock::acquire_shared(&l.lock_path(), operation).map(StateLock::Local)
            }
            // A reader of a remote state takes no lock (S3 has no shared
            // one), but is held up, like a local reader, by a run that
            // holds the lock to write.
            Inner::Remote(r) if shared => {
                let key = format!("{}.lock", r.key);
                let url = PathBuf::from(r.backend.url(&key));
                match r.backend.get(&key) {
                    Ok(None) => Ok(StateLock::Reading),
                    Ok(Some(body)) => Err(held_by(url, &body)),
                    Err(e) => Err(LockError::Io {
                        path: url,
                        source: std::io::Error::other(e),
                    }),
                }
            }
            Inner::Local(l) => Lock::acquire(&l.lock_path(), operation).map(StateLock::Local),
            Inner::Remote(r) => {
                let key = format!("{}.lock", r.key);
                let url = r.backend.url(&key);
                let holder = LockHolder::new(operation, Some(lock_id()));
                let body = serde_json::to_vec(&holder).unwrap_or_default();
                match r.backend.put(&key, &body, true) {
                    Ok(()) => Ok(StateLock::Remote(RemoteLock {
                        backend: r.backend.clone(),
                        key,
                        id: holder.id.unwrap_or_default(),
                    })),
                    Err(PutError::Exists) => {
                        match r.backend.get(&key) {
                            Ok(Some(body)) => Err(held_by(PathBuf::from(url), &body)),
                            // Released in between, or unreadable: held by
                            // a run that cannot be named.
                            _ => Err(LockError::Held {
                                path: PathBuf::from(url),
                                holder: "another mdl run".to_string(),
                            }),
                        }
                    }
                    Err(PutError::Other(e)) => Err(LockError::Io {
                        path: PathBuf::from(url),
                        source: std::io::Error::other(e),
                    }),
                }
            }
        }
    }

    /// Release a lock left by a run that is gone, given its id (which the
    /// "locked" error shows). Returns who held it.
    ///
    /// # Errors
    /// No lock, another id, or a local lock (the OS releases those).
    pub fn force_unlock(&self, id: &str) -> Result<String, String> {
        let Inner::Remote(r) = &self.0 else {
            return Err(
                "local state locks are released by the operating system when their process ends; there is nothing to unlock".into(),
            );
        };
        let key = format!("{}.lock", r.key);
        let Some(body) = r.backend.get(&key)? else {
            return Err(format!("{} is not locked", r.backend.url(&r.key)));
        };
        let holder = serde_json::from_slice::<LockHolder>(&body).map_err(|_| {
            format!(
                "{} is not a lock mdl wrote (it holds no lock id): if nothing else uses the state, delete it: `aws s3 rm {}`",
                r.backend.url(&key),
                r.backend.url(&key)
            )
        })?;
        if holder.id.as_deref() != Some(id) {
            return Err(format!("the lock has another id: it is held by {holder}"));
        }
        r.backend.delete(&key)?;
        Ok(holder.to_string())
    }
}

/// A random id for a lock.
fn lock_id() -> String {
    use rand::Rng;
    let n: u64 = rand::rng().random();
    format!("{n:016x}")
}
