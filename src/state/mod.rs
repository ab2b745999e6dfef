//! State: which AWS id belongs to which address, with the attributes as last
//! applied and the dependencies they had. Default backend: a local file per
//! stack, written atomically, guarded by a lock file.
//!
//! Must not import: `provider`, `plan`, `apply`, tokio.

mod backend;
mod lock;
mod model;
mod store;

pub mod moves;
pub use backend::{PutError, RemoteBackend, StateLock, Store};
pub use lock::{Lock, LockError, LockHolder};
pub use model::{ResourceRecord, STATE_VERSION, State, StateFile};
pub use store::{LocalStore, StoreError, write_private};
