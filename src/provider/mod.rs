//! Providers: reading live resources from AWS and changing them. One trait,
//! one AWS implementation per service under `aws/`, and an in-memory mock
//! for tests.
//!
//! Only `provider/aws/*` imports `aws_sdk_*`; no SDK type leaves this module.
//! Must not import: `plan`, `apply`, `state`.

pub mod aws;
pub mod mock;

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
