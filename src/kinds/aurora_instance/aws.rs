//! Aurora instances: one paginated describe a refresh, tags included.
//! An instance takes its engine from its cluster.

use aws_sdk_rds::Client;
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{always, opt, s, with_applied};
use crate::provider::aws::rds::{self, SERVICE};
use crate::provider::{ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError};
use crate::value::Value;

async fn read_instances(client: &Client) -> Result<Vec<LiveResource>, ProviderError> {
    let instances = crate::all_items!(client.describe_db_instances(), "DescribeDBInstances");
    instances
        .iter()
        .filter(|i| i.db_instance_status() != Some("deleting"))
        .map(|i| {
            let id = always(
                i.db_instance_identifier(),
                SERVICE,
                "DescribeDBInstances",
                "DBInstanceIdentifier",
            )?;
            let crate::provider::aws::tags::Split { addr, stack, user } =
                crate::provider::aws::tags::split(i.tag_list());
            let mut attrs = IndexMap::new();
            attrs.insert("cluster_id".into(), opt(i.db_cluster_identifier()));
            attrs.insert("instance_class".into(), opt(i.db_instance_class()));
            attrs.insert("name".into(), Value::str(id));
            attrs.insert("tags".into(), user);
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(id));
            computed.insert("arn".into(), opt(i.db_instance_arn()));
            computed.insert(
                "endpoint".into(),
                opt(i.endpoint().and_then(|e| e.address())),
            );
            computed.insert("availability_zone".into(), opt(i.availability_zone()));
            computed.insert("status".into(), opt(i.db_instance_status()));
            Ok(LiveResource {
                addr,
                stack,
                id: id.to_string(),
                attrs,
                computed,
            })
        })
        .collect()
}

async fn apply(client: &Client, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
    let read = || read_instances(client);
    match req.op {
        Operation::Create { attrs } => {
            let name = s(&attrs, "name")
                .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
            let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
            let cluster = s(&attrs, "cluster_id").unwrap_or_default();
            let engine = crate::kinds::aurora_cluster::aws::read_clusters(client)
                .await?
                .into_iter()
                .find(|c| c.id == cluster)
                .and_then(|c| s(&c.attrs, "engine"))
                .ok_or_else(|| {
                    ProviderError::new(
                        SERVICE,
                        "CreateDBInstance",
                        format!("cluster `{cluster}` was not found"),
                    )
                })?;
            client
                .create_db_instance()
                .db_instance_identifier(&name)
                .db_cluster_identifier(&cluster)
                .engine(engine)
                .set_db_instance_class(s(&attrs, "instance_class"))
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(failed(SERVICE, "CreateDBInstance"))?;
            let live = rds::available("aurora_instance", &name, read).await?;
            Ok(ApplyResponse {
                live: Some(with_applied(live, &attrs)),
            })
        }
        Operation::Update { prior, attrs } => {
            if attrs
                .get("instance_class")
                .is_some_and(|v| prior.attrs.get("instance_class") != Some(v))
            {
                client
                    .modify_db_instance()
                    .db_instance_identifier(&prior.id)
                    .apply_immediately(true)
                    .set_db_instance_class(s(&attrs, "instance_class"))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "ModifyDBInstance"))?;
            }
            rds::retag(client, &prior, &attrs).await?;
            let live = rds::available("aurora_instance", &prior.id, read).await?;
            Ok(ApplyResponse {
                live: Some(with_applied(live, &attrs)),
            })
        }
        Operation::Delete { prior } => {
            client
                .delete_db_instance()
                .db_instance_identifier(&prior.id)
                .skip_final_snapshot(true)
                .send()
                .await
                .map_err(failed(SERVICE, "DeleteDBInstance"))?;
            rds::gone("aurora_instance", &prior.id, read).await?;
            Ok(ApplyResponse { live: None })
        }
    }
}

crate::aws_kind!(
    /// The `aurora_instance` kind's AWS side.
    Instances => read read_instances, apply apply
);
