//! Aurora clusters: one paginated describe a refresh, tags included.
//! While protected, a cluster carries AWS's DeletionProtection too, lifted
//! only inside an opted-in delete.

use aws_sdk_rds::Client;
use aws_sdk_rds::types::ServerlessV2ScalingConfiguration;
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{always, list, opt, s, strings, with_applied};
use crate::provider::aws::rds::{self, SERVICE};
use crate::provider::{ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError};
use crate::value::Value;

fn scaling(attrs: &IndexMap<String, Value>) -> Option<ServerlessV2ScalingConfiguration> {
    let min = attrs.get("serverless_min_capacity").and_then(Value::as_f64);
    let max = attrs.get("serverless_max_capacity").and_then(Value::as_f64);
    if min.is_none() && max.is_none() {
        return None;
    }
    Some(
        ServerlessV2ScalingConfiguration::builder()
            .set_min_capacity(min)
            .set_max_capacity(max)
            .build(),
    )
}

pub(crate) async fn read_clusters(client: &Client) -> Result<Vec<LiveResource>, ProviderError> {
    let clusters = crate::all_items!(client.describe_db_clusters(), "DescribeDBClusters");
    clusters
        .iter()
        .filter(|c| c.status() != Some("deleting"))
        .map(|c| {
            let id = always(
                c.db_cluster_identifier(),
                SERVICE,
                "DescribeDBClusters",
                "DBClusterIdentifier",
            )?;
            let crate::provider::aws::tags::Split { addr, stack, user } =
                crate::provider::aws::tags::split(c.tag_list());
            let mut attrs = IndexMap::new();
            attrs.insert("engine".into(), opt(c.engine()));
            attrs.insert("engine_version".into(), opt(c.engine_version()));
            attrs.insert("name".into(), Value::str(id));
            attrs.insert("database_name".into(), opt(c.database_name()));
            attrs.insert("master_username".into(), opt(c.master_username()));
            attrs.insert("subnet_group_name".into(), opt(c.db_subnet_group()));
            attrs.insert(
                "security_group_ids".into(),
                list(
                    c.vpc_security_groups()
                        .iter()
                        .filter_map(|g| g.vpc_security_group_id()),
                ),
            );
            let scaling = c.serverless_v2_scaling_configuration();
            attrs.insert(
                "serverless_min_capacity".into(),
                scaling
                    .and_then(|s| s.min_capacity())
                    .map_or(Value::Null, Value::Number),
            );
            attrs.insert(
                "serverless_max_capacity".into(),
                scaling
                    .and_then(|s| s.max_capacity())
                    .map_or(Value::Null, Value::Number),
            );
            attrs.insert(
                "backup_retention_days".into(),
                c.backup_retention_period()
                    .map_or(Value::Null, |d| Value::Number(f64::from(d))),
            );
            attrs.insert(
                "storage_encrypted".into(),
                Value::Bool(c.storage_encrypted().unwrap_or(false)),
            );
            attrs.insert("kms_key_id".into(), opt(c.kms_key_id()));
            attrs.insert("tags".into(), user);
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(id));
            computed.insert("arn".into(), opt(c.db_cluster_arn()));
            computed.insert("endpoint".into(), opt(c.endpoint()));
            computed.insert("reader_endpoint".into(), opt(c.reader_endpoint()));
            computed.insert(
                "port".into(),
                c.port()
                    .map_or(Value::Null, |p| Value::Number(f64::from(p))),
            );
            computed.insert(
                "master_user_secret_arn".into(),
                opt(c.master_user_secret().and_then(|m| m.secret_arn())),
            );
            computed.insert("status".into(), opt(c.status()));
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
    let read = || read_clusters(client);
    match req.op {
        Operation::Create { attrs } => {
            let name = s(&attrs, "name")
                .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
            let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
            client
                .create_db_cluster()
                .db_cluster_identifier(&name)
                .set_engine(s(&attrs, "engine"))
                .set_engine_version(s(&attrs, "engine_version"))
                .set_database_name(s(&attrs, "database_name"))
                .set_master_username(s(&attrs, "master_username"))
                .manage_master_user_password(true)
                .set_db_subnet_group_name(s(&attrs, "subnet_group_name"))
                .set_vpc_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                .set_serverless_v2_scaling_configuration(scaling(&attrs))
                .set_backup_retention_period(crate::provider::aws::fields::int(
                    &attrs,
                    "backup_retention_days",
                    SERVICE,
                )?)
                .storage_encrypted(
                    attrs
                        .get("storage_encrypted")
                        .and_then(Value::as_bool)
                        .unwrap_or(true),
                )
                .set_kms_key_id(s(&attrs, "kms_key_id"))
                // Protected in AWS too while `protect` holds.
                .deletion_protection(req.protected)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(failed(SERVICE, "CreateDBCluster"))?;
            let live = rds::available("aurora_cluster", &name, read).await?;
            Ok(ApplyResponse {
                live: Some(with_applied(live, &attrs)),
            })
        }
        Operation::Update { prior, attrs } => {
            let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
            if [
                "security_group_ids",
                "serverless_min_capacity",
                "serverless_max_capacity",
                "backup_retention_days",
                "engine_version",
            ]
            .iter()
            .any(|k| changed(k))
            {
                client
                    .modify_db_cluster()
                    .db_cluster_identifier(&prior.id)
                    .apply_immediately(true)
                    .deletion_protection(req.protected)
                    .set_vpc_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                    .set_serverless_v2_scaling_configuration(scaling(&attrs))
                    .set_backup_retention_period(crate::provider::aws::fields::int(
                        &attrs,
                        "backup_retention_days",
                        SERVICE,
                    )?)
                    .set_engine_version(if changed("engine_version") {
                        s(&attrs, "engine_version")
                    } else {
                        None
                    })
                    .send()
                    .await
                    .map_err(failed(SERVICE, "ModifyDBCluster"))?;
            }
            rds::retag(client, &prior, &attrs).await?;
            let live = rds::available("aurora_cluster", &prior.id, read).await?;
            Ok(ApplyResponse {
                live: Some(with_applied(live, &attrs)),
            })
        }
        Operation::Delete { prior } => {
            // A delete reaches here only when it was opted in
            // (`protect = false`, --allow-destroy): only now is
            // AWS's own protection lifted. Looked at first: a
            // cluster already gone (an interrupted delete) is
            // done, and moto answers ModifyDBCluster of a
            // missing cluster with a 500 where AWS says
            // DBClusterNotFoundFault.
            let found = client
                .describe_db_clusters()
                .db_cluster_identifier(&prior.id)
                .send()
                .await
                .map_err(failed(SERVICE, "DescribeDBClusters"));
            let protected = match found {
                Err(e) if e.is_not_found() => return Ok(ApplyResponse { live: None }),
                other => other?
                    .db_clusters()
                    .first()
                    .and_then(|c| c.deletion_protection())
                    .unwrap_or(false),
            };
            if protected {
                client
                    .modify_db_cluster()
                    .db_cluster_identifier(&prior.id)
                    .apply_immediately(true)
                    .deletion_protection(false)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "ModifyDBCluster"))?;
            }
            let skip = prior
                .attrs
                .get("skip_final_snapshot")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let call = client
                .delete_db_cluster()
                .db_cluster_identifier(&prior.id)
                .skip_final_snapshot(skip);
            let call = if skip {
                call
            } else {
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                call.final_db_snapshot_identifier(format!("{}-final-{stamp}", prior.id))
            };
            call.send()
                .await
                .map_err(failed(SERVICE, "DeleteDBCluster"))?;
            rds::gone("aurora_cluster", &prior.id, read).await?;
            Ok(ApplyResponse { live: None })
        }
    }
}

crate::aws_kind!(
    /// The `aurora_cluster` kind's AWS side.
    Clusters => read read_clusters, apply apply
);
