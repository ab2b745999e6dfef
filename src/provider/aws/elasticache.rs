//! ElastiCache's shared read: ElastiCache has no tag filter, so a
//! refresh keeps the resources named for this stack (or known to state),
//! and reads tags (the address) per resource only for those state does not
//! know. The kinds are `cache_subnet_group` and `cache` (src/kinds).

use aws_sdk_elasticache::Client;
use indexmap::IndexMap;

use super::call::failed;
use crate::provider::{LiveResource, ProviderError, ReadRequest, ReadResponse};
use crate::value::Value;

pub(crate) const SERVICE: &str = "elasticache";

crate::sdk_client!(Client);

/// The stack's resources among `candidates` (one describe's answer).
pub(crate) async fn of_stack(
    client: &Client,
    req: &ReadRequest<'_>,
    candidates: Vec<LiveResource>,
) -> Result<ReadResponse, ProviderError> {
    let prefix = format!("{}-", req.stack.to_lowercase());
    let mut resources = Vec::new();
    for mut r in candidates {
        let known = req.known_ids.contains(&r.id);
        if !known && !r.id.starts_with(&prefix) {
            continue;
        }
        read_tags(client, &mut r, req.full || !known).await?;
        // Settings describes report unreliably (or not at all) come
        // from state; for resources state does not know, from here.
        if req.full || !known {
            if let Some(n) = r.computed.get("member_count").cloned() {
                r.attrs.insert("num_nodes".into(), n);
            }
            if let Some(m) = r.computed.get("az_mode").cloned() {
                r.attrs.insert("az_mode".into(), m);
            }
        }
        if known || r.stack.as_deref() == Some(req.stack) {
            resources.push(r);
        }
    }
    Ok(ReadResponse { resources })
}

/// Tags come from a call per resource: made for resources state does
/// not know (to learn their address); otherwise state's tags stand.
async fn read_tags(
    client: &Client,
    r: &mut LiveResource,
    needed: bool,
) -> Result<(), ProviderError> {
    if !needed {
        return Ok(());
    }
    let Some(arn) = r
        .computed
        .get("arn")
        .and_then(Value::as_str)
        .map(ToString::to_string)
    else {
        return Ok(());
    };
    let out = client
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(failed(SERVICE, "ListTagsForResource"))?;
    super::tags::read_sdk(r, out.tag_list());
    Ok(())
}

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
