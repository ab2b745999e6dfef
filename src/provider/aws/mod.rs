//! AWS providers, one file per SDK crate, behind one `AwsProvider` that
//! dispatches by kind.

/// Every item of a paginated describe call, or the call's error. The
/// calling module's `SERVICE` names the service.
macro_rules! all_items {
    ($call:expr, $operation:literal) => {
        $call
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(super::call::failed(SERVICE, $operation))?
    };
}

mod call;
#[macro_use]
mod tags;

mod acm;
mod autoscaling;
mod cloudformation;
mod cloudfront;
mod ec2;
mod ec2_instances;
mod ecs;
mod efs;
mod elasticache;
mod elasticloadbalancingv2;
mod eventbridge;
mod fields;
mod iam;
mod rds;
mod route53;
pub mod s3;
mod secretsmanager;
mod ssm;
mod sts;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;

pub use cloudformation::{Stack, StackResource};

use super::{ApplyRequest, ApplyResponse, Provider, ProviderError, ReadRequest, ReadResponse};

/// Where to reach AWS: both optional, both default to the standard chain
/// (`AWS_REGION`, profiles, `AWS_ENDPOINT_URL`, ...).
#[derive(Clone, Debug, Default)]
pub struct Connection {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

pub struct AwsProvider {
    ec2: ec2::Ec2,
    efs: efs::Efs,
    ssm: ssm::Ssm,
    secrets: secretsmanager::SecretsManager,
    elasticache: elasticache::ElastiCache,
    rds: rds::Rds,
    elbv2: elasticloadbalancingv2::Elbv2,
    acm: acm::Acm,
    ecs: ecs::Ecs,
    iam: iam::Iam,
    autoscaling: autoscaling::AutoScaling,
    route53: route53::Route53,
    cloudfront: cloudfront::CloudFront,
    eventbridge: eventbridge::EventBridge,
    cloudformation: cloudformation::CloudFormation,
    sts: sts::Sts,
    pub region: String,
}

/// The AWS service behind each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    Ec2,
    Efs,
    Ssm,
    SecretsManager,
    ElastiCache,
    Rds,
    Elbv2,
    Acm,
    Ecs,
    Iam,
    AutoScaling,
    Route53,
    CloudFront,
    EventBridge,
}

fn service(kind: &crate::schema::KindSchema) -> Service {
    match kind.service {
        "efs" => Service::Efs,
        "ssm" => Service::Ssm,
        "secretsmanager" => Service::SecretsManager,
        "elasticache" => Service::ElastiCache,
        "rds" => Service::Rds,
        "elasticloadbalancingv2" => Service::Elbv2,
        "acm" => Service::Acm,
        "ecs" => Service::Ecs,
        "iam" => Service::Iam,
        "autoscaling" => Service::AutoScaling,
        "route53" => Service::Route53,
        "cloudfront" => Service::CloudFront,
        "eventbridge" => Service::EventBridge,
        _ => Service::Ec2,
    }
}

impl AwsProvider {
    /// Load credentials and region from the standard chain.
    ///
    /// # Errors
    /// No region configured anywhere.
    pub async fn connect(conn: &Connection) -> Result<AwsProvider, ProviderError> {
        // Throttling, 5xx answers and dropped connections are retried with
        // exponential backoff and full jitter, up to ten attempts and 20 s
        // between two; other errors are not retried. tests/e2e/faults.rs
        // applies through 30 % throttling.
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            RetryConfig::standard()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(20)),
        );
        if let Some(region) = &conn.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(url) = &conn.endpoint_url {
            loader = loader.endpoint_url(url.clone());
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
            ec2: ec2::Ec2::new(aws_sdk_ec2::Client::new(&config)),
            efs: efs::Efs::new(aws_sdk_efs::Client::new(&config), region.clone()),
            ssm: ssm::Ssm::new(aws_sdk_ssm::Client::new(&config)),
            secrets: secretsmanager::SecretsManager::new(aws_sdk_secretsmanager::Client::new(
                &config,
            )),
            elasticache: elasticache::ElastiCache::new(aws_sdk_elasticache::Client::new(&config)),
            rds: rds::Rds::new(aws_sdk_rds::Client::new(&config)),
            elbv2: elasticloadbalancingv2::Elbv2::new(aws_sdk_elasticloadbalancingv2::Client::new(
                &config,
            )),
            acm: acm::Acm::new(aws_sdk_acm::Client::new(&config)),
            ecs: ecs::Ecs::new(
                aws_sdk_ecs::Client::new(&config),
                aws_sdk_applicationautoscaling::Client::new(&config),
                region.clone(),
            ),
            iam: iam::Iam::new(aws_sdk_iam::Client::new(&config)),
            autoscaling: autoscaling::AutoScaling::new(aws_sdk_autoscaling::Client::new(&config)),
            route53: route53::Route53::new(aws_sdk_route53::Client::new(&config), region.clone()),
            cloudfront: cloudfront::CloudFront::new(aws_sdk_cloudfront::Client::new(&config)),
            eventbridge: eventbridge::EventBridge::new(aws_sdk_eventbridge::Client::new(&config)),
            cloudformation: cloudformation::CloudFormation::new(
                aws_sdk_cloudformation::Client::new(&config),
            ),
            sts: sts::Sts::new(aws_sdk_sts::Client::new(&config)),
            region,
        })
    }
}

impl AwsProvider {
    /// A CloudFormation stack with its resources and template.
    ///
    /// # Errors
    /// No such stack, or a failed call.
    pub async fn stack(&self, name: &str) -> Result<Stack, ProviderError> {
        self.cloudformation.stack(name).await
    }

    /// The account the credentials in use are for.
    ///
    /// # Errors
    /// The call failed, or gave no account.
    pub async fn account(&self) -> Result<String, ProviderError> {
        self.sts.account().await
    }
}

/// Kinds whose readers can read one resource by id alone (`ids_only`).
pub const PER_RESOURCE_KINDS: &[&str] = &[
    "vpc",
    "subnet",
    "internet_gateway",
    "nat_gateway",
    "route_table",
    "route",
    "vpc_peering",
    "security_group",
    "launch_template",
    "instance",
    "ssm_parameter",
    "load_balancer",
    "target_group",
    "dns_zone",
    "dns_record",
];

#[async_trait::async_trait]
impl Provider for AwsProvider {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        if req.ids_only && !PER_RESOURCE_KINDS.contains(&req.kind.name) {
            return Err(ProviderError::new(
                req.kind.service,
                "read",
                format!(
                    "per-resource reads of `{}` are not implemented; they exist to compare with batched reads, for {}",
                    req.kind.name,
                    PER_RESOURCE_KINDS.join(", ")
                ),
            ));
        }
        match service(req.kind) {
            Service::Ec2 => self.ec2.read(req).await,
            Service::Efs => self.efs.read(req).await,
            Service::Ssm => self.ssm.read(req).await,
            Service::SecretsManager => self.secrets.read(req).await,
            Service::ElastiCache => self.elasticache.read(req).await,
            Service::Rds => self.rds.read(req).await,
            Service::Elbv2 => self.elbv2.read(req).await,
            Service::Acm => self.acm.read(req).await,
            Service::Ecs => self.ecs.read(req).await,
            Service::Iam => self.iam.read(req).await,
            Service::AutoScaling => self.autoscaling.read(req).await,
            Service::Route53 => self.route53.read(req).await,
            Service::CloudFront => self.cloudfront.read(req).await,
            Service::EventBridge => self.eventbridge.read(req).await,
        }
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let addr = req.addr.clone();
        let result = match service(req.kind) {
            Service::Ec2 => self.ec2.apply(req).await,
            Service::Efs => self.efs.apply(req).await,
            Service::Ssm => self.ssm.apply(req).await,
            Service::SecretsManager => self.secrets.apply(req).await,
            Service::ElastiCache => self.elasticache.apply(req).await,
            Service::Rds => self.rds.apply(req).await,
            Service::Elbv2 => self.elbv2.apply(req).await,
            Service::Acm => self.acm.apply(req).await,
            Service::Ecs => self.ecs.apply(req).await,
            Service::Iam => self.iam.apply(req).await,
            Service::AutoScaling => self.autoscaling.apply(req).await,
            Service::Route53 => self.route53.apply(req).await,
            Service::CloudFront => self.cloudfront.apply(req).await,
            Service::EventBridge => self.eventbridge.apply(req).await,
        };
        result.map_err(|e| e.for_addr(&addr))
    }
}

/// Calls in flight at once within one read, where a read needs a call per
/// parent (listeners per load balancer) or per batch (tags).
const CALLS_AT_ONCE: usize = 10;

/// What each call found, `CALLS_AT_ONCE` calls in flight, in the calls'
/// order; the first error. The calls are collected first: an iterator of
/// futures borrowing what it maps over is not `Send` to the compiler.
async fn all_at_once<T, F>(calls: Vec<F>) -> Result<Vec<T>, ProviderError>
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

/// Poll `check` until it reports done, with a growing interval, up to
/// `timeout`.
async fn wait_until<F, Fut>(
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
