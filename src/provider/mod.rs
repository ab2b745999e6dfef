//! Providers: reading live resources from AWS and changing them. One trait,
//! one AWS implementation per service under `aws/`, and an in-memory mock
//! for tests.
//!
//! Only `provider/aws/*` imports `aws_sdk_*`; no SDK type leaves this module.
//! Must not import: `plan`, `apply`, `state`.

pub mod aws;
pub mod mock;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::schema::KindSchema;
use crate::value::Value;

/// A resource as it exists in AWS.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveResource {
    /// From the `mdl:address` tag; `None` when the tag is missing (found by
    /// id from state).
    pub addr: Option<ResourceAddr>,
    /// The `mdl:stack` tag, when present.
    pub stack: Option<String>,
    pub id: String,
    /// Input attributes as AWS reports them. An attribute the batched read
    /// cannot see is absent.
    pub attrs: IndexMap<String, Value>,
    /// Values AWS assigned.
    pub computed: IndexMap<String, Value>,
}

/// Read every resource of one kind that belongs to the stack.
pub struct ReadRequest<'a> {
    pub kind: &'static KindSchema,
    pub stack: &'a str,
    /// Ids the state knows, read too in case their tags were removed.
    pub known_ids: Vec<String>,
    /// Read every setting of the known ids as well, including those a
    /// batched describe does not return and state otherwise supplies: for
    /// an import, where state knows nothing yet.
    pub full: bool,
    /// Read exactly the known ids, by id, without looking for the stack's
    /// other resources (per-resource reads, for comparison). Kinds whose
    /// reader cannot do that say so in an error.
    pub ids_only: bool,
    /// Reads the kinds of one refresh have in common, made once.
    pub share: &'a ReadShare,
}

/// Reads that several kinds of one refresh need (the load balancers behind
/// listeners and rules, the file systems behind mount targets), made once
/// by whichever kind asks first while the others wait for it, and shared.
/// One lives as long as one refresh: a later refresh reads afresh.
#[derive(Default)]
pub struct ReadShare {
    cells: std::sync::Mutex<HashMap<&'static str, Arc<dyn Any + Send + Sync>>>,
    /// The ids state holds, by kind: a kind whose resources contain those
    /// of another (a group's rules) leaves out what that kind claims.
    state_ids: HashMap<String, Vec<String>>,
}

impl ReadShare {
    /// A share that knows the ids state holds, by kind name.
    pub fn knowing(state_ids: HashMap<String, Vec<String>>) -> ReadShare {
        ReadShare {
            state_ids,
            ..ReadShare::default()
        }
    }

    /// The ids state holds of `kind`.
    pub fn state_ids(&self, kind: &str) -> &[String] {
        self.state_ids.get(kind).map_or(&[], Vec::as_slice)
    }

    /// What `read` returns, read once under `key`. A failed read is not
    /// kept: the next kind to ask reads again (and the refresh fails with
    /// the first error anyway).
    ///
    /// # Errors
    /// The read's error; or `key` asked for as two different types.
    pub async fn get_or_read<T, F, Fut>(
        &self,
        key: &'static str,
        read: F,
    ) -> Result<Arc<T>, ProviderError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, ProviderError>>,
    {
        let cell = {
            let mut cells = self
                .cells
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(
                cells
                    .entry(key)
                    .or_insert_with(|| Arc::new(tokio::sync::OnceCell::<Arc<T>>::new())),
            )
        };
        let cell = cell
            .downcast::<tokio::sync::OnceCell<Arc<T>>>()
            .map_err(|_| {
                ProviderError::new(
                    "mdl",
                    "read",
                    format!("the shared read `{key}` was asked for as two different types"),
                )
            })?;
        cell.get_or_try_init(|| async { read().await.map(Arc::new) })
            .await
            .cloned()
    }
}

pub struct ReadResponse {
    pub resources: Vec<LiveResource>,
}

pub enum Operation {
    Create {
        attrs: IndexMap<String, Value>,
    },
    Update {
        prior: LiveResource,
        attrs: IndexMap<String, Value>,
    },
    Delete {
        prior: LiveResource,
    },
}

impl Operation {
    pub fn verb(&self) -> &'static str {
        match self {
            Operation::Create { .. } => "create",
            Operation::Update { .. } => "update",
            Operation::Delete { .. } => "delete",
        }
    }
}

pub struct ApplyRequest<'a> {
    pub addr: &'a ResourceAddr,
    pub kind: &'static KindSchema,
    pub stack: &'a str,
    pub op: Operation,
    /// Whether deleting it needs an opt-in (`protect`): kinds that can be
    /// protected in AWS too (Aurora's DeletionProtection) are, while it
    /// holds.
    pub protected: bool,
}

pub struct ApplyResponse {
    /// The resource after the change; `None` after a delete.
    pub live: Option<LiveResource>,
}

/// A failed call to AWS, with what was being done when it failed.
#[derive(Debug, thiserror::Error)]
#[error("{service} {operation} failed{}: {message}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct ProviderError {
    pub addr: Option<Box<ResourceAddr>>,
    pub service: &'static str,
    pub operation: &'static str,
    /// The AWS error code, such as `InvalidSubnet.Conflict`.
    pub code: Option<String>,
    pub message: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ProviderError {
    pub fn new(
        service: &'static str,
        operation: &'static str,
        message: impl Into<String>,
    ) -> ProviderError {
        ProviderError {
            addr: None,
            service,
            operation,
            code: None,
            message: message.into(),
            source: None,
        }
    }

    /// Whether AWS says the resource (or the one it is part of) does not
    /// exist: `InvalidNatGatewayID.NotFound`, `DBClusterNotFoundFault`,
    /// `NoSuchEntity`, `NoSuchHostedZone`, `ResourceNotFoundException`,
    /// and Auto Scaling's `ValidationError` "... name not found".
    pub fn is_not_found(&self) -> bool {
        self.code.as_deref().is_some_and(|c| {
            c.contains("NotFound")
                || c.starts_with("NoSuch")
                || (c == "ValidationError" && self.message.contains("not found"))
        })
    }

    /// Whether AWS refused a create because another resource holds the
    /// name asked for (`ParameterAlreadyExists`, `DBClusterAlreadyExistsFault`,
    /// `InvalidGroup.Duplicate`, `ResourceExistsException`, ...).
    pub fn is_name_taken(&self) -> bool {
        self.code.as_deref().is_some_and(|c| {
            c.contains("AlreadyExists") || c.contains("Duplicate") || c == "ResourceExistsException"
        })
    }

    pub fn for_addr(mut self, addr: &ResourceAddr) -> ProviderError {
        self.addr = Some(Box::new(addr.clone()));
        self
    }
}

#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// One batched, paginated read of a kind.
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError>;

    /// Create, update or delete one resource, waiting until it is usable.
    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError>;
}

/// Tags every taggable resource carries so that it can be found again.
pub const STACK_TAG: &str = "mdl:stack";
pub const ADDRESS_TAG: &str = "mdl:address";

/// How a resource's own tags change between what is live and what the
/// configuration says: keys to remove, and keys to set with their values.
#[derive(Debug, Default, PartialEq)]
pub struct TagChanges {
    pub removed: Vec<String>,
    pub set: Vec<(String, String)>,
}

pub fn tag_changes(prior: &LiveResource, attrs: &IndexMap<String, Value>) -> TagChanges {
    let empty = IndexMap::new();
    let old = prior
        .attrs
        .get("tags")
        .and_then(Value::as_map)
        .unwrap_or(&empty);
    let new = attrs.get("tags").and_then(Value::as_map).unwrap_or(&empty);
    TagChanges {
        removed: old
            .keys()
            .filter(|k| !new.contains_key(*k))
            .cloned()
            .collect(),
        set: new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{ProviderError, ReadShare};

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn kinds_asking_at_once_share_one_read() {
        let share = ReadShare::default();
        let calls = AtomicUsize::new(0);
        let read = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok(vec![1, 2, 3])
        };
        let (a, b, c) = block_on(async {
            tokio::join!(
                share.get_or_read("lbs", read),
                share.get_or_read("lbs", read),
                share.get_or_read("lbs", read)
            )
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        for got in [a, b, c] {
            assert_eq!(*got.unwrap(), vec![1, 2, 3]);
        }
        // Another key is another read.
        let other = block_on(share.get_or_read("groups", read)).unwrap();
        assert_eq!(*other, vec![1, 2, 3]);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_failed_read_is_not_kept() {
        let share = ReadShare::default();
        let first: Result<_, ProviderError> = block_on(share.get_or_read("lbs", || async {
            Err::<Vec<u8>, _>(ProviderError::new(
                "elbv2",
                "DescribeLoadBalancers",
                "throttled",
            ))
        }));
        assert_eq!(first.unwrap_err().message, "throttled");
        let second = block_on(share.get_or_read("lbs", || async { Ok(vec![7u8]) })).unwrap();
        assert_eq!(*second, vec![7]);
    }

    #[test]
    fn one_key_asked_for_as_two_types_is_an_error() {
        let share = ReadShare::default();
        block_on(share.get_or_read("lbs", || async { Ok(1u32) })).unwrap();
        let wrong = block_on(share.get_or_read("lbs", || async { Ok("text") }));
        assert!(
            wrong
                .unwrap_err()
                .message
                .contains("asked for as two different types")
        );
    }
}
