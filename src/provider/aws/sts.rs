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
        let out = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(failed(SERVICE, "GetCallerIdentity"))?;
        out.account().map(str::to_string).ok_or_else(|| {
            ProviderError::new(SERVICE, "GetCallerIdentity", "the answer names no account")
        })
    }
}
