//! AWS providers, one file per SDK crate, behind one `AwsProvider` that
//! dispatches by kind.

/// Every item of a paginated describe call, or the call's error. The
/// calling module's `SERVICE` names the service.
#[macro_export]
macro_rules! all_items {
    ($call:expr, $operation:literal) => {
        $call
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err($crate::provider::aws::call::failed(SERVICE, $operation))?
    };
}

pub(crate) mod call;
#[macro_use]
pub(crate) mod tags;

mod cloudformation;
pub(crate) mod ec2;
pub(crate) mod ecs;
pub(crate) mod efs;
pub(crate) mod elasticache;
pub(crate) mod elasticloadbalancingv2;
pub(crate) mod fields;
pub mod logged;
pub(crate) mod rds;
pub mod s3;
mod sts;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;

pub use cloudformation::{Stack, StackResource};

use super::{
    ApplyRequest, ApplyResponse, LiveResource, Provider, ProviderError, ReadRequest, ReadResponse,
};

/// Where to reach AWS: both optional, both default to the standard chain
/// (`AWS_REGION`, profiles, `AWS_ENDPOINT_URL`, ...).
#[derive(Clone, Debug, Default)]
pub struct Connection {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// How long a run waits for the state lock that another holds
    /// (`--lock-timeout`); zero fails at once.
    pub lock_timeout: std::time::Duration,
    /// How long one attempt to connect to AWS may take
    /// (`--connect-timeout`); `None`: 10 s.
    pub connect_timeout: Option<std::time::Duration>,
}

/// The AWS provider: the SDK's configuration, and the service clients,
/// each built the first time a run touches its service.
pub struct AwsProvider {
    config: aws_config::SdkConfig,
    clients: Clients,
    pub region: String,
}

/// An SDK crate's client, built from the shared configuration.
pub trait SdkClient: Clone + Send + Sync + 'static {
    fn build(config: &aws_config::SdkConfig) -> Self;
}

/// `SdkClient` for SDK crates' clients.
#[macro_export]
macro_rules! sdk_client {
    ($($client:ty),* $(,)?) => {
        $(impl $crate::provider::aws::SdkClient for $client {
            fn build(config: &aws_config::SdkConfig) -> Self {
                <$client>::new(config)
            }
        })*
    };
}

sdk_client!(aws_sdk_cloudformation::Client, aws_sdk_sts::Client);

/// Clients by type, each built once, when first asked for.
#[derive(Default)]
struct Clients {
    built: std::sync::Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>,
}

impl AwsProvider {
    /// The client of one SDK crate, built on first use.
    pub fn client<C: SdkClient>(&self) -> C {
        let mut built = self
            .clients
            .built
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        built
            .entry(TypeId::of::<C>())
            .or_insert_with(|| Box::new(C::build(&self.config)))
            .downcast_ref::<C>()
            .cloned()
            .unwrap_or_else(|| C::build(&self.config))
    }
}

/// Attempts per AWS call: `AWS_MAX_ATTEMPTS` when set (as every AWS SDK
/// reads it), else 10.
fn max_attempts() -> Result<u32, ProviderError> {
    let Some(text) = std::env::var_os("AWS_MAX_ATTEMPTS") else {
        return Ok(10);
    };
    match text.to_str().and_then(|t| t.trim().parse::<u32>().ok()) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(ProviderError::new(
            "config",
            "load",
            format!(
                "AWS_MAX_ATTEMPTS is {:?}: it must be a whole number of at least 1 (1 means no retries)",
                text.to_string_lossy()
            ),
        )),
    }
}

impl AwsProvider {
    /// Load credentials and region from the standard chain.
    ///
    /// # Errors
    /// No region configured anywhere.
    pub async fn connect(conn: &Connection) -> Result<AwsProvider, ProviderError> {
        // Throttling, 5xx answers and dropped connections are retried with
        // exponential backoff and full jitter, up to ten attempts (or
        // AWS_MAX_ATTEMPTS, the SDKs' own setting) and 20 s between two;
        // other errors are not retried. tests/e2e/faults.rs applies through
        // 30 % throttling.
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts()?)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(20)),
        );
        if let Some(region) = &conn.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        // An endpoint that does not answer fails each attempt within the
        // connect timeout, not the operating system's (minutes).
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(conn.connect_timeout.unwrap_or(Duration::from_secs(10)))
                .build(),
        );
        if let Some(url) = &conn.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        // Every call logged, when logging is on (`MDL_LOG=debug`).
        if tracing::enabled!(tracing::Level::DEBUG) {
            loader = loader.http_client(logged::client());
        }
        let config = loader.load().await;
        let Some(region) = config.region().map(ToString::to_string) else {
            return Err(ProviderError::new(
                "config",
                "load",
                "no AWS region is configured: set AWS_REGION, a profile region, or pass --region",
            ));
        };
        Ok(AwsProvider {
            config,
            clients: Clients::default(),
            region,
        })
    }

    /// A CloudFormation stack with its resources and template.
    ///
    /// # Errors
    /// No such stack, or a failed call.
    pub async fn stack(&self, name: &str) -> Result<Stack, ProviderError> {
        cloudformation::CloudFormation::new(self.client())
            .stack(name)
            .await
    }

    /// The account the credentials in use are for.
    ///
    /// # Errors
    /// The call failed, or gave no account.
    pub async fn account(&self) -> Result<String, ProviderError> {
        sts::Sts::new(self.client()).account().await
    }
}

/// How mdl reads and changes one kind in AWS. Each kind of the registry
/// (`crate::kinds`) names its own.
#[async_trait::async_trait]
pub trait AwsKind: Send + Sync {
    /// One batched, paginated read of the kind.
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError>;

    /// Create, update or delete one resource, waiting until it is usable.
    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError>;
}

/// The registry's entry of a kind, or an error naming it.
fn registered(
    schema: &'static crate::schema::KindSchema,
) -> Result<&'static crate::kinds::Kind, ProviderError> {
    crate::kinds::of(schema).ok_or_else(|| {
        ProviderError::new(
            schema.service,
            "dispatch",
            format!("kind `{}` is not in the registry (src/kinds)", schema.name),
        )
    })
}

#[async_trait::async_trait]
impl Provider for AwsProvider {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let kind = registered(req.kind)?;
        if req.ids_only && !kind.per_resource_reads {
            let able: Vec<&str> = crate::kinds::all()
                .iter()
                .filter(|k| k.per_resource_reads)
                .map(|k| k.schema.name)
                .collect();
            return Err(ProviderError::new(
                req.kind.service,
                "read",
                format!(
                    "per-resource reads of `{}` are not implemented; they exist to compare with batched reads, for {}",
                    req.kind.name,
                    able.join(", ")
                ),
            ));
        }
        kind.aws.read(self, req).await
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let addr = req.addr.clone();
        let result = match registered(req.kind) {
            Ok(kind) => kind.aws.apply(self, req).await,
            Err(e) => Err(e),
        };
        result.map_err(|e| e.for_addr(&addr))
    }
}

/// The resources of the stack, or known to state, among one describe's
/// answer.
pub(crate) fn of_stack(all: Vec<LiveResource>, req: &ReadRequest<'_>) -> ReadResponse {
    let resources = all
        .into_iter()
        .filter(|r| r.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&r.id))
        .collect();
    ReadResponse { resources }
}

/// The resource `id` among `all`, read right after `kind` changed it.
pub(crate) fn changed(
    service: &'static str,
    kind: &str,
    id: &str,
    all: Vec<LiveResource>,
) -> Result<LiveResource, ProviderError> {
    all.into_iter().find(|r| r.id == id).ok_or_else(|| {
        ProviderError::new(
            service,
            "describe",
            format!("{kind} {id} was not found right after it was changed"),
        )
    })
}

/// Calls in flight at once within one read, where a read needs a call per
/// parent (listeners per load balancer) or per batch (tags).
const CALLS_AT_ONCE: usize = 10;

/// What each call found, `CALLS_AT_ONCE` calls in flight, in the calls'
/// order; the first error. The calls are collected first: an iterator of
/// futures borrowing what it maps over is not `Send` to the compiler.
pub(crate) async fn all_at_once<T, F>(calls: Vec<F>) -> Result<Vec<T>, ProviderError>
where
    F: std::future::Future<Output = Result<Vec<T>, ProviderError>>,
{
    use futures_util::StreamExt;
    let mut all = Vec::new();
    for found in futures_util::stream::iter(calls)
        .buffered(CALLS_AT_ONCE)
        .collect::<Vec<_>>()
        .await
    {
        all.extend(found?);
    }
    Ok(all)
}

/// The stack's resources, and those state knows, among what `calls` read
/// (one resource each, `CALLS_AT_ONCE` calls in flight): a kind read by a
/// call per resource after one listing, its tags among them.
pub(crate) async fn read_each<F>(
    calls: Vec<F>,
    req: &ReadRequest<'_>,
) -> Result<ReadResponse, ProviderError>
where
    F: std::future::Future<Output = Result<LiveResource, ProviderError>>,
{
    let found = all_at_once(
        calls
            .into_iter()
            .map(|call| async move { call.await.map(|live| vec![live]) })
            .collect(),
    )
    .await?;
    Ok(of_stack(found, req))
}

/// Poll `check` until it reports done, with a growing interval, up to
/// `timeout`.
pub(crate) async fn wait_until<F, Fut>(
    what: &str,
    timeout: Duration,
    mut check: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, ProviderError>>,
{
    let start = tokio::time::Instant::now();
    let mut interval = Duration::from_millis(250);
    loop {
        if check().await? {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(ProviderError::new(
                "wait",
                "poll",
                format!("gave up waiting for {what} after {}s", timeout.as_secs()),
            ));
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(Duration::from_secs(10));
    }
}
