//! DB subnet groups: one paginated describe a refresh; described without
//! their tags, which are read per group only for groups state does not
//! know.

use aws_sdk_rds::Client;
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{always, list, opt, s, strings, with_applied};
use crate::provider::aws::rds::{self, SERVICE};
use crate::provider::aws::{AwsKind, AwsProvider};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

async fn read_tags(client: &Client, r: &mut LiveResource) -> Result<(), ProviderError> {
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
    let crate::provider::aws::tags::Split { addr, stack, user } =
        crate::provider::aws::tags::split(out.tag_list());
    r.addr = addr;
    r.stack = stack;
    r.attrs.insert("tags".into(), user);
    Ok(())
}

async fn read_subnet_groups(client: &Client) -> Result<Vec<LiveResource>, ProviderError> {
    let groups = crate::all_items!(client.describe_db_subnet_groups(), "DescribeDBSubnetGroups");
    let field = |v, name| always(v, SERVICE, "DescribeDBSubnetGroups", name);
    groups
        .iter()
        .map(|g| {
            let name = field(g.db_subnet_group_name(), "DBSubnetGroupName")?;
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), Value::str(name));
            attrs.insert(
                "description".into(),
                Value::str(field(
                    g.db_subnet_group_description(),
                    "DBSubnetGroupDescription",
                )?),
            );
            attrs.insert(
                "subnet_ids".into(),
                list(g.subnets().iter().filter_map(|s| s.subnet_identifier())),
            );
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(name));
            computed.insert("arn".into(), opt(g.db_subnet_group_arn()));
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
    read_subnet_groups(client)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                "DescribeDBSubnetGroups",
                format!("subnet group {id} was not found after it was changed"),
            )
        })
}

async fn apply(client: &Client, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
    match req.op {
        Operation::Create { attrs } => {
            let name = s(&attrs, "name")
                .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
            client
                .create_db_subnet_group()
                .db_subnet_group_name(&name)
                .db_subnet_group_description(s(&attrs, "description").unwrap_or_default())
                .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                .set_tags(Some(crate::provider::aws::tags::sdk_tags(
                    req.stack, req.addr, &attrs,
                )?))
                .send()
                .await
                .map_err(failed(SERVICE, "CreateDBSubnetGroup"))?;
            let live = find(client, &name).await?;
            Ok(ApplyResponse {
                live: Some(with_applied(live, &attrs)),
            })
        }
        Operation::Update { prior, attrs } => {
            let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
            if changed("description") || changed("subnet_ids") {
                client
                    .modify_db_subnet_group()
                    .db_subnet_group_name(&prior.id)
                    .db_subnet_group_description(s(&attrs, "description").unwrap_or_default())
                    .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "ModifyDBSubnetGroup"))?;
            }
            rds::retag(client, &prior, &attrs).await?;
            let live = find(client, &prior.id).await?;
            Ok(ApplyResponse {
                live: Some(with_applied(live, &attrs)),
            })
        }
        Operation::Delete { prior } => {
            client
                .delete_db_subnet_group()
                .db_subnet_group_name(&prior.id)
                .send()
                .await
                .map_err(failed(SERVICE, "DeleteDBSubnetGroup"))?;
            Ok(ApplyResponse { live: None })
        }
    }
}

/// The `db_subnet_group` kind's AWS side.
pub struct SubnetGroups;

#[async_trait::async_trait]
impl AwsKind for SubnetGroups {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let client: Client = aws.client();
        let mut groups = read_subnet_groups(&client).await?;
        let prefix = format!("{}-", req.stack.to_lowercase());
        groups.retain(|g| req.known_ids.contains(&g.id) || g.id.starts_with(&prefix));
        for g in groups.iter_mut().filter(|g| !req.known_ids.contains(&g.id)) {
            read_tags(&client, g).await?;
        }
        Ok(crate::provider::aws::of_stack(groups, &req))
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        apply(&aws.client(), req).await
    }
}
