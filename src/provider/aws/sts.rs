//! STS: who the credentials in use belong to, so that a run against
//! another account than its stack's is refused before any change.

use aws_sdk_sts::Client;

use super::call::failed;
use crate::provider::ProviderError;

const SERVICE: &str = "sts";

pub struct Sts {
    client: Client,
}

impl Sts {
    pub fn new(client: Client) -> Sts {
        Sts { client }
    }

    /// The 12-digit id of the account the credentials are for.
    ///
    /// # Errors
    /// The call failed (no credentials, no network), or gave no account.
    pub async fn account(&self) -> Result<String, ProviderError> {
        // The first call of a run: an endpoint that cannot be reached is
        // said after three attempts, not after the ten reads get.
        let attempts = self
            .client
            .config()
            .retry_config()
            .map_or(3, |r| r.max_attempts().min(3));
        let connect_timeout = self
            .client
            .config()
            .timeout_config()
            .and_then(|t| t.connect_timeout())
            .unwrap_or(std::time::Duration::from_secs(10));
        let out = self
            .client
            .get_caller_identity()
            .customize()
            .config_override(
                aws_sdk_sts::config::Builder::default()
                    .retry_config(
                        aws_config::retry::RetryConfig::standard()
                            .with_max_attempts(attempts)
                            .with_initial_backoff(std::time::Duration::from_millis(200)),
                    )
                    // An endpoint that takes the connection and never
                    // answers is given as long as one that does not take it.
                    .timeout_config(
                        aws_config::timeout::TimeoutConfig::builder()
                            .operation_attempt_timeout(connect_timeout)
                            .build(),
                    ),
            )
            .send()
            .await
            .map_err(failed(SERVICE, "GetCallerIdentity"))?;
        out.account().map(str::to_string).ok_or_else(|| {
            ProviderError::new(SERVICE, "GetCallerIdentity", "the answer names no account")
        })
    }
}
