//! What the RDS kinds share (`db_subnet_group`, `aurora_cluster`,
//! `aurora_instance`, in src/kinds): the stack's resources among a
//! describe's answer, retagging by ARN, and waiting for a status.

use std::time::Duration;

use aws_sdk_rds::Client;
use indexmap::IndexMap;

use super::wait_until;
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

pub(crate) const SERVICE: &str = "rds";

crate::sdk_client!(Client);

/// Tags changed to what the attributes say, by the resource's ARN.
pub(crate) async fn retag(
    client: &Client,
    prior: &LiveResource,
    attrs: &IndexMap<String, Value>,
) -> Result<(), ProviderError> {
    let Some(arn) = prior.computed.get("arn").and_then(Value::as_str) else {
        return Ok(());
    };
    crate::retag_by!(client, SERVICE, arn, prior, attrs,
        remove: remove_tags_from_resource(resource_name).set_tag_keys => "RemoveTagsFromResource",
        set: add_tags_to_resource(resource_name).set_tags => "AddTagsToResource")
}

/// `what` (`aurora_cluster`, ...) `id` once `read` lists it `available`.
pub(crate) async fn available<F, Fut>(
    what: &str,
    id: &str,
    read: F,
) -> Result<LiveResource, ProviderError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<LiveResource>, ProviderError>>,
{
    wait_until(
        &format!("{what} {id}"),
        Duration::from_secs(60 * 60),
        || async {
            Ok(read().await?.iter().any(|r| {
                r.id == id && r.computed.get("status").and_then(Value::as_str) == Some("available")
            }))
        },
    )
    .await?;
    read()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ProviderError::new(SERVICE, "describe", format!("{what} {id} vanished")))
}

/// Once `read` no longer lists `what` `id`.
pub(crate) async fn gone<F, Fut>(what: &str, id: &str, read: F) -> Result<(), ProviderError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<LiveResource>, ProviderError>>,
{
    wait_until(
        &format!("{what} {id} to be deleted"),
        Duration::from_secs(30 * 60),
        || async { Ok(!read().await?.iter().any(|r| r.id == id)) },
    )
    .await
}
