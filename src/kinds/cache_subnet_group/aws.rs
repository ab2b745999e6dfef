//! ElastiCache subnet groups: one paginated describe a refresh.

use aws_sdk_elasticache::Client;
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::elasticache::{self, SERVICE};
use crate::provider::aws::fields::{always, list, s, strings, with_applied};
use crate::provider::aws::{AwsKind, AwsProvider};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::schema::default_name;
use crate::value::Value;

async fn read_all(client: &Client) -> Result<Vec<LiveResource>, ProviderError> {
    let groups = crate::all_items!(
        client.describe_cache_subnet_groups(),
        "DescribeCacheSubnetGroups"
    );
    let field = |v, name| always(v, SERVICE, "DescribeCacheSubnetGroups", name);
    groups
        .iter()
        .map(|g| {
            let name = field(g.cache_subnet_group_name(), "CacheSubnetGroupName")?;
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), Value::str(name));
            attrs.insert(
                "description".into(),
                Value::str(field(
                    g.cache_subnet_group_description(),
                    "CacheSubnetGroupDescription",
                )?),
            );
            attrs.insert(
                "subnet_ids".into(),
                list(g.subnets().iter().filter_map(|s| s.subnet_identifier())),
            );
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(name));
            computed.insert("arn".into(), g.arn().map_or(Value::Null, Value::str));
            Ok(LiveResource {
                addr: None,
                stack: None,
                id: name.to_string(),
                attrs,
                computed,
            })
        })
        .collect()
}

/// The group as it is after a change.
async fn find(client: &Client, id: &str) -> Result<LiveResource, ProviderError> {
    read_all(client)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                "DescribeCacheSubnetGroups",
                format!("subnet group {id} was not found after it was changed"),
            )
        })
}

/// The `cache_subnet_group` kind's AWS side.
pub struct SubnetGroups;

#[async_trait::async_trait]
impl AwsKind for SubnetGroups {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let client: Client = aws.client();
        let candidates = read_all(&client).await?;
        elasticache::of_stack(&client, &req, candidates).await
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let client: Client = aws.client();
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name").unwrap_or_else(|| default_name(req.stack, req.addr));
                client
                    .create_cache_subnet_group()
                    .cache_subnet_group_name(&name)
                    .cache_subnet_group_description(s(&attrs, "description").unwrap_or_default())
                    .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                    .set_tags(Some(crate::provider::aws::tags::sdk_tags(
                        req.stack, req.addr, &attrs,
                    )?))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateCacheSubnetGroup"))?;
                let live = find(&client, &name).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                if changed("description") || changed("subnet_ids") {
                    client
                        .modify_cache_subnet_group()
                        .cache_subnet_group_name(&prior.id)
                        .cache_subnet_group_description(
                            s(&attrs, "description").unwrap_or_default(),
                        )
                        .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ModifyCacheSubnetGroup"))?;
                }
                elasticache::retag(&client, &prior, &attrs).await?;
                let live = find(&client, &prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                client
                    .delete_cache_subnet_group()
                    .cache_subnet_group_name(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteCacheSubnetGroup"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
