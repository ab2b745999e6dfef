//! AWS providers, one file per SDK crate, behind one `AwsProvider` that
//! dispatches by kind.

mod ec2;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;

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
    pub region: String,
}

impl AwsProvider {
    /// Load credentials and region from the standard chain.
    ///
    /// # Errors
    /// No region configured anywhere.
    pub async fn connect(conn: &Connection) -> Result<AwsProvider, ProviderError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            RetryConfig::standard()
                .with_max_attempts(8)
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
            region,
        })
    }
}

#[async_trait::async_trait]
impl Provider for AwsProvider {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        self.ec2.read(req).await
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let addr = req.addr.clone();
        self.ec2.apply(req).await.map_err(|e| e.for_addr(&addr))
    }
}

/// Turn an SDK error into a `ProviderError` naming the operation.
fn sdk_error<E, R>(
    service: &'static str,
    operation: &'static str,
) -> impl FnOnce(aws_sdk_ec2::error::SdkError<E, R>) -> ProviderError
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |err| {
        use aws_sdk_ec2::error::ProvideErrorMetadata;
        let code = err.code().map(ToString::to_string);
        let message = err
            .message()
            .map(ToString::to_string)
            .unwrap_or_else(|| aws_sdk_ec2::error::DisplayErrorContext(&err).to_string());
        ProviderError {
            addr: None,
            service,
            operation,
            code,
            message,
            source: Some(Box::new(err)),
        }
    }
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
