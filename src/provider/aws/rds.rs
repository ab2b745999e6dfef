//! RDS: DB subnet groups, Aurora clusters and their instances.
//!
//! One paginated describe each per refresh; clusters and instances carry
//! their tags, subnet groups are tagged but described without them, so
//! their tags are read per group only for groups state does not know.

use std::time::Duration;

use aws_sdk_rds::Client;
use aws_sdk_rds::types::ServerlessV2ScalingConfiguration;
use indexmap::IndexMap;

use super::call::failed;
use super::fields::{list, opt, s, strings, with_applied};
use super::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "rds";

pub struct Rds {
    client: Client,
}

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

impl Rds {
    pub fn new(client: Client) -> Rds {
        Rds { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let all = match req.kind.name {
            "db_subnet_group" => {
                let mut groups = self.read_subnet_groups().await?;
                let prefix = format!("{}-", req.stack.to_lowercase());
                groups.retain(|g| req.known_ids.contains(&g.id) || g.id.starts_with(&prefix));
                for g in groups.iter_mut().filter(|g| !req.known_ids.contains(&g.id)) {
                    self.read_tags(g).await?;
                }
                groups
            }
            "aurora_cluster" => self.read_clusters().await?,
            "aurora_instance" => self.read_instances().await?,
            other => {
                return Err(ProviderError::new(
                    SERVICE,
                    "read",
                    format!("kind `{other}` is not an RDS kind"),
                ));
            }
        };
        let resources = all
            .into_iter()
            .filter(|r| r.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&r.id))
            .collect();
        Ok(ReadResponse { resources })
    }

    async fn read_tags(&self, r: &mut LiveResource) -> Result<(), ProviderError> {
        let Some(arn) = r
            .computed
            .get("arn")
            .and_then(Value::as_str)
            .map(ToString::to_string)
        else {
            return Ok(());
        };
        let out = self
            .client
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .map_err(failed(SERVICE, "ListTagsForResource"))?;
        let super::tags::Split { addr, stack, user } = super::tags::split(out.tag_list());
        r.addr = addr;
        r.stack = stack;
        r.attrs.insert("tags".into(), user);
        Ok(())
    }

    async fn read_subnet_groups(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = all_items!(
            self.client.describe_db_subnet_groups(),
            "DescribeDBSubnetGroups"
        );
        Ok(groups
            .iter()
            .filter_map(|g| {
                let name = g.db_subnet_group_name()?;
                let mut attrs = IndexMap::new();
                attrs.insert("name".into(), Value::str(name));
                attrs.insert(
                    "description".into(),
                    Value::str(g.db_subnet_group_description().unwrap_or_default()),
                );
                attrs.insert(
                    "subnet_ids".into(),
                    list(g.subnets().iter().filter_map(|s| s.subnet_identifier())),
                );
                let mut computed = IndexMap::new();
                computed.insert("id".into(), Value::str(name));
                computed.insert("arn".into(), opt(g.db_subnet_group_arn()));
                Some(LiveResource {
                    addr: None,
                    stack: None,
                    id: name.to_string(),
                    attrs,
                    computed,
                })
            })
            .collect())
    }

    async fn read_clusters(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let clusters = all_items!(self.client.describe_db_clusters(), "DescribeDBClusters");
        Ok(clusters
            .iter()
            .filter(|c| c.status() != Some("deleting"))
            .filter_map(|c| {
                let id = c.db_cluster_identifier()?;
                let super::tags::Split { addr, stack, user } = super::tags::split(c.tag_list());
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
                Some(LiveResource {
                    addr,
                    stack,
                    id: id.to_string(),
                    attrs,
                    computed,
                })
            })
            .collect())
    }

    async fn read_instances(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let instances = all_items!(self.client.describe_db_instances(), "DescribeDBInstances");
        Ok(instances
            .iter()
            .filter(|i| i.db_instance_status() != Some("deleting"))
            .filter_map(|i| {
                let id = i.db_instance_identifier()?;
                let super::tags::Split { addr, stack, user } = super::tags::split(i.tag_list());
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
                Some(LiveResource {
                    addr,
                    stack,
                    id: id.to_string(),
                    attrs,
                    computed,
                })
            })
            .collect())
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let kind = req.kind.name;
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let tags = super::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                match kind {
                    "db_subnet_group" => {
                        self.client
                            .create_db_subnet_group()
                            .db_subnet_group_name(&name)
                            .db_subnet_group_description(
                                s(&attrs, "description").unwrap_or_default(),
                            )
                            .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "CreateDBSubnetGroup"))?;
                    }
                    "aurora_cluster" => {
                        self.client
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
                            .set_backup_retention_period(super::fields::int(
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
                    }
                    "aurora_instance" => {
                        let cluster = s(&attrs, "cluster_id").unwrap_or_default();
                        let engine = self
                            .read_clusters()
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
                        self.client
                            .create_db_instance()
                            .db_instance_identifier(&name)
                            .db_cluster_identifier(&cluster)
                            .engine(engine)
                            .set_db_instance_class(s(&attrs, "instance_class"))
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "CreateDBInstance"))?;
                    }
                    other => return Err(super::call::not_this_services(SERVICE, "create", other)),
                }
                let live = self.wait_available(kind, &name).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                match kind {
                    "db_subnet_group" if changed("description") || changed("subnet_ids") => {
                        self.client
                            .modify_db_subnet_group()
                            .db_subnet_group_name(&prior.id)
                            .db_subnet_group_description(
                                s(&attrs, "description").unwrap_or_default(),
                            )
                            .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "ModifyDBSubnetGroup"))?;
                    }
                    "aurora_cluster"
                        if [
                            "security_group_ids",
                            "serverless_min_capacity",
                            "serverless_max_capacity",
                            "backup_retention_days",
                            "engine_version",
                        ]
                        .iter()
                        .any(|k| changed(k)) =>
                    {
                        self.client
                            .modify_db_cluster()
                            .db_cluster_identifier(&prior.id)
                            .apply_immediately(true)
                            .deletion_protection(req.protected)
                            .set_vpc_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                            .set_serverless_v2_scaling_configuration(scaling(&attrs))
                            .set_backup_retention_period(super::fields::int(
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
                    "aurora_instance" if changed("instance_class") => {
                        self.client
                            .modify_db_instance()
                            .db_instance_identifier(&prior.id)
                            .apply_immediately(true)
                            .set_db_instance_class(s(&attrs, "instance_class"))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "ModifyDBInstance"))?;
                    }
                    _ => {}
                }
                self.update_tags(&prior, &attrs).await?;
                let live = self.wait_available(kind, &prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                match kind {
                    "db_subnet_group" => {
                        self.client
                            .delete_db_subnet_group()
                            .db_subnet_group_name(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteDBSubnetGroup"))?;
                        return Ok(ApplyResponse { live: None });
                    }
                    "aurora_cluster" => {
                        // A delete reaches here only when it was opted in
                        // (`protect = false`, --allow-destroy): only now is
                        // AWS's own protection lifted. Looked at first: a
                        // cluster already gone (an interrupted delete) is
                        // done, and moto answers ModifyDBCluster of a
                        // missing cluster with a 500 where AWS says
                        // DBClusterNotFoundFault.
                        let found = self
                            .client
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
                            self.client
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
                        let call = self
                            .client
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
                    }
                    "aurora_instance" => {
                        self.client
                            .delete_db_instance()
                            .db_instance_identifier(&prior.id)
                            .skip_final_snapshot(true)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteDBInstance"))?;
                    }
                    other => return Err(super::call::not_this_services(SERVICE, "delete", other)),
                }
                let id = prior.id.clone();
                wait_until(
                    &format!("{kind} {id} to be deleted"),
                    Duration::from_secs(30 * 60),
                    || async {
                        let all = if kind == "aurora_cluster" {
                            self.read_clusters().await?
                        } else {
                            self.read_instances().await?
                        };
                        Ok(!all.iter().any(|r| r.id == id))
                    },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    async fn wait_available(&self, kind: &str, id: &str) -> Result<LiveResource, ProviderError> {
        if kind == "db_subnet_group" {
            return self
                .read_subnet_groups()
                .await?
                .into_iter()
                .find(|g| g.id == id)
                .ok_or_else(|| {
                    ProviderError::new(
                        SERVICE,
                        "DescribeDBSubnetGroups",
                        format!("subnet group {id} was not found after it was changed"),
                    )
                });
        }
        let read = || async {
            if kind == "aurora_cluster" {
                self.read_clusters().await
            } else {
                self.read_instances().await
            }
        };
        wait_until(
            &format!("{kind} {id}"),
            Duration::from_secs(60 * 60),
            || async {
                Ok(read().await?.iter().any(|r| {
                    r.id == id
                        && r.computed.get("status").and_then(Value::as_str) == Some("available")
                }))
            },
        )
        .await?;
        read()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ProviderError::new(SERVICE, "describe", format!("{kind} {id} vanished")))
    }

    async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let Some(arn) = prior.computed.get("arn").and_then(Value::as_str) else {
            return Ok(());
        };
        retag_by!(self.client, SERVICE, arn, prior, attrs,
            remove: remove_tags_from_resource(resource_name).set_tag_keys => "RemoveTagsFromResource",
            set: add_tags_to_resource(resource_name).set_tags => "AddTagsToResource")
    }
}
