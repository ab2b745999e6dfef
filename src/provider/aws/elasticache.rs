//! ElastiCache: subnet groups, Redis replication groups and Memcached
//! clusters.
//!
//! One paginated describe each of subnet groups, replication groups and
//! cache clusters per refresh; ElastiCache has no tag filter, so tags (the
//! address) are read per resource only for resources named for this stack
//! that state does not know.

use std::time::Duration;

use aws_sdk_elasticache::Client;
use aws_sdk_elasticache::types::AzMode;
use indexmap::IndexMap;

use super::call::failed;
use super::fields::{b, int, list, s, strings, with_applied};
use super::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "elasticache";

pub struct ElastiCache {
    client: Client,
}

use crate::schema::default_name;

impl ElastiCache {
    pub fn new(client: Client) -> ElastiCache {
        ElastiCache { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let candidates = match req.kind.name {
            "cache_subnet_group" => self.read_subnet_groups().await?,
            "cache" => self.read_caches().await?,
            other => {
                return Err(ProviderError::new(
                    SERVICE,
                    "read",
                    format!("kind `{other}` is not an ElastiCache kind"),
                ));
            }
        };
        let prefix = format!("{}-", req.stack.to_lowercase());
        let mut resources = Vec::new();
        for mut r in candidates {
            let known = req.known_ids.contains(&r.id);
            if !known && !r.id.starts_with(&prefix) {
                continue;
            }
            self.read_tags(&mut r, req.full || !known).await?;
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
    async fn read_tags(&self, r: &mut LiveResource, needed: bool) -> Result<(), ProviderError> {
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
        let out = self
            .client
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .map_err(failed(SERVICE, "ListTagsForResource"))?;
        super::tags::read_sdk(r, out.tag_list());
        Ok(())
    }

    async fn read_subnet_groups(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = all_items!(
            self.client.describe_cache_subnet_groups(),
            "DescribeCacheSubnetGroups"
        );
        Ok(groups
            .iter()
            .filter_map(|g| {
                let name = g.cache_subnet_group_name()?;
                let mut attrs = IndexMap::new();
                attrs.insert("name".into(), Value::str(name));
                attrs.insert(
                    "description".into(),
                    Value::str(g.cache_subnet_group_description().unwrap_or_default()),
                );
                attrs.insert(
                    "subnet_ids".into(),
                    list(g.subnets().iter().filter_map(|s| s.subnet_identifier())),
                );
                let mut computed = IndexMap::new();
                computed.insert("id".into(), Value::str(name));
                computed.insert("arn".into(), g.arn().map_or(Value::Null, Value::str));
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

    async fn read_caches(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = all_items!(
            self.client.describe_replication_groups(),
            "DescribeReplicationGroups"
        );
        let clusters = all_items!(
            self.client
                .describe_cache_clusters()
                .show_cache_node_info(true),
            "DescribeCacheClusters"
        );
        let mut out = Vec::new();
        for g in &groups {
            let Some(id) = g.replication_group_id() else {
                continue;
            };
            if matches!(g.status(), Some("deleting")) {
                continue;
            }
            let member = clusters
                .iter()
                .find(|c| c.replication_group_id() == Some(id));
            let mut attrs = IndexMap::new();
            attrs.insert("engine".into(), Value::str("redis"));
            attrs.insert("name".into(), Value::str(id));
            attrs.insert(
                "node_type".into(),
                g.cache_node_type().map_or(Value::Null, Value::str),
            );
            attrs.insert(
                "multi_az".into(),
                Value::Bool(g.multi_az().is_some_and(|m| m.as_str() == "enabled")),
            );
            attrs.insert(
                "automatic_failover".into(),
                Value::Bool(
                    g.automatic_failover()
                        .is_some_and(|m| matches!(m.as_str(), "enabled" | "enabling")),
                ),
            );
            attrs.insert(
                "at_rest_encryption".into(),
                Value::Bool(g.at_rest_encryption_enabled().unwrap_or(false)),
            );
            attrs.insert(
                "transit_encryption".into(),
                Value::Bool(g.transit_encryption_enabled().unwrap_or(false)),
            );
            // Version, subnet group and security groups are the member
            // clusters'; without one in the describe, state's stand.
            if let Some(m) = member {
                attrs.insert(
                    "engine_version".into(),
                    m.engine_version().map_or(Value::Null, Value::str),
                );
                attrs.insert(
                    "subnet_group_name".into(),
                    m.cache_subnet_group_name().map_or(Value::Null, Value::str),
                );
                attrs.insert(
                    "security_group_ids".into(),
                    list(
                        m.security_groups()
                            .iter()
                            .filter_map(|s| s.security_group_id()),
                    ),
                );
            }
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(id));
            computed.insert("arn".into(), g.arn().map_or(Value::Null, Value::str));
            let primary = g.node_groups().first().and_then(|n| n.primary_endpoint());
            computed.insert(
                "endpoint".into(),
                primary
                    .and_then(|e| e.address())
                    .map_or(Value::Null, Value::str),
            );
            computed.insert(
                "reader_endpoint".into(),
                g.node_groups()
                    .first()
                    .and_then(|n| n.reader_endpoint())
                    .and_then(|e| e.address())
                    .map_or(Value::Null, Value::str),
            );
            computed.insert(
                "port".into(),
                primary
                    .and_then(|e| e.port())
                    .map_or(Value::Number(6379.0), |p| Value::Number(f64::from(p))),
            );
            computed.insert("status".into(), g.status().map_or(Value::Null, Value::str));
            computed.insert(
                "member_count".into(),
                Value::Number(g.member_clusters().len() as f64),
            );
            out.push(LiveResource {
                addr: None,
                stack: None,
                id: id.to_string(),
                attrs,
                computed,
            });
        }
        for c in clusters
            .iter()
            .filter(|c| c.replication_group_id().is_none() && c.engine() == Some("memcached"))
        {
            let Some(id) = c.cache_cluster_id() else {
                continue;
            };
            if matches!(c.cache_cluster_status(), Some("deleting")) {
                continue;
            }
            let mut attrs = IndexMap::new();
            attrs.insert("engine".into(), Value::str("memcached"));
            attrs.insert("name".into(), Value::str(id));
            attrs.insert(
                "engine_version".into(),
                c.engine_version().map_or(Value::Null, Value::str),
            );
            attrs.insert(
                "node_type".into(),
                c.cache_node_type().map_or(Value::Null, Value::str),
            );
            attrs.insert(
                "num_nodes".into(),
                c.num_cache_nodes()
                    .map_or(Value::Null, |n| Value::Number(f64::from(n))),
            );
            attrs.insert(
                "subnet_group_name".into(),
                c.cache_subnet_group_name().map_or(Value::Null, Value::str),
            );
            attrs.insert(
                "security_group_ids".into(),
                list(
                    c.security_groups()
                        .iter()
                        .filter_map(|s| s.security_group_id()),
                ),
            );
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(id));
            computed.insert("arn".into(), c.arn().map_or(Value::Null, Value::str));
            let endpoint = c.configuration_endpoint();
            computed.insert(
                "endpoint".into(),
                endpoint
                    .and_then(|e| e.address())
                    .map_or(Value::Null, Value::str),
            );
            computed.insert("reader_endpoint".into(), Value::Null);
            computed.insert(
                "port".into(),
                endpoint
                    .and_then(|e| e.port())
                    .map_or(Value::Number(11211.0), |p| Value::Number(f64::from(p))),
            );
            computed.insert(
                "status".into(),
                c.cache_cluster_status().map_or(Value::Null, Value::str),
            );
            let cross = c.preferred_availability_zone() == Some("Multiple");
            computed.insert(
                "az_mode".into(),
                Value::str(if cross { "cross-az" } else { "single-az" }),
            );
            out.push(LiveResource {
                addr: None,
                stack: None,
                id: id.to_string(),
                attrs,
                computed,
            });
        }
        Ok(out)
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let kind = req.kind.name;
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name").unwrap_or_else(|| default_name(req.stack, req.addr));
                if kind == "cache_subnet_group" {
                    self.client
                        .create_cache_subnet_group()
                        .cache_subnet_group_name(&name)
                        .cache_subnet_group_description(
                            s(&attrs, "description").unwrap_or_default(),
                        )
                        .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                        .set_tags(Some(super::tags::sdk_tags(req.stack, req.addr, &attrs)?))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "CreateCacheSubnetGroup"))?;
                } else if s(&attrs, "engine").as_deref() == Some("memcached") {
                    let az_mode = if s(&attrs, "az_mode").as_deref() == Some("cross-az") {
                        AzMode::CrossAz
                    } else {
                        AzMode::SingleAz
                    };
                    self.client
                        .create_cache_cluster()
                        .cache_cluster_id(&name)
                        .engine("memcached")
                        .set_engine_version(s(&attrs, "engine_version"))
                        .set_cache_node_type(s(&attrs, "node_type"))
                        .num_cache_nodes(int(&attrs, "num_nodes", SERVICE)?.unwrap_or(1))
                        .az_mode(az_mode)
                        .set_cache_subnet_group_name(s(&attrs, "subnet_group_name"))
                        .set_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                        .set_tags(Some(super::tags::sdk_tags(req.stack, req.addr, &attrs)?))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "CreateCacheCluster"))?;
                } else {
                    self.client
                        .create_replication_group()
                        .replication_group_id(&name)
                        .replication_group_description(format!(
                            "{} (mdl stack {})",
                            req.addr, req.stack
                        ))
                        .engine("redis")
                        .set_engine_version(s(&attrs, "engine_version"))
                        .set_cache_node_type(s(&attrs, "node_type"))
                        .num_cache_clusters(int(&attrs, "num_nodes", SERVICE)?.unwrap_or(1))
                        .multi_az_enabled(b(&attrs, "multi_az").unwrap_or(false))
                        .automatic_failover_enabled(
                            b(&attrs, "automatic_failover").unwrap_or(false),
                        )
                        .at_rest_encryption_enabled(b(&attrs, "at_rest_encryption").unwrap_or(true))
                        .transit_encryption_enabled(
                            b(&attrs, "transit_encryption").unwrap_or(false),
                        )
                        .set_cache_subnet_group_name(s(&attrs, "subnet_group_name"))
                        .set_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                        .set_tags(Some(super::tags::sdk_tags(req.stack, req.addr, &attrs)?))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "CreateReplicationGroup"))?;
                }
                let live = self.wait_available(kind, &name).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                if kind == "cache_subnet_group" {
                    if changed("description") || changed("subnet_ids") {
                        self.client
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
                } else if s(&attrs, "engine").as_deref() == Some("memcached") {
                    if changed("security_group_ids")
                        || changed("engine_version")
                        || changed("node_type")
                    {
                        self.client
                            .modify_cache_cluster()
                            .cache_cluster_id(&prior.id)
                            .set_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                            .set_engine_version(if changed("engine_version") {
                                s(&attrs, "engine_version")
                            } else {
                                None
                            })
                            .set_cache_node_type(if changed("node_type") {
                                s(&attrs, "node_type")
                            } else {
                                None
                            })
                            .apply_immediately(true)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "ModifyCacheCluster"))?;
                    }
                } else if [
                    "security_group_ids",
                    "engine_version",
                    "node_type",
                    "multi_az",
                    "automatic_failover",
                ]
                .iter()
                .any(|k| changed(k))
                {
                    self.client
                        .modify_replication_group()
                        .replication_group_id(&prior.id)
                        .set_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                        .set_engine_version(if changed("engine_version") {
                            s(&attrs, "engine_version")
                        } else {
                            None
                        })
                        .set_cache_node_type(if changed("node_type") {
                            s(&attrs, "node_type")
                        } else {
                            None
                        })
                        .set_multi_az_enabled(b(&attrs, "multi_az"))
                        .set_automatic_failover_enabled(b(&attrs, "automatic_failover"))
                        .apply_immediately(true)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ModifyReplicationGroup"))?;
                }
                self.update_tags(&prior, &attrs).await?;
                let live = self.wait_available(kind, &prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                match kind {
                    "cache_subnet_group" => {
                        self.client
                            .delete_cache_subnet_group()
                            .cache_subnet_group_name(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteCacheSubnetGroup"))?;
                        return Ok(ApplyResponse { live: None });
                    }
                    "cache"
                        if prior.attrs.get("engine").and_then(Value::as_str)
                            == Some("memcached") =>
                    {
                        self.client
                            .delete_cache_cluster()
                            .cache_cluster_id(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteCacheCluster"))?;
                    }
                    "cache" => {
                        // Redis keeps data: a final snapshot unless the
                        // block says otherwise (moto accepts the name and
                        // keeps no snapshot; AWS keeps one).
                        let skip = prior
                            .attrs
                            .get("skip_final_snapshot")
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        let stamp = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs());
                        self.client
                            .delete_replication_group()
                            .replication_group_id(&prior.id)
                            .set_final_snapshot_identifier(
                                (!skip).then(|| format!("{}-final-{stamp}", prior.id)),
                            )
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteReplicationGroup"))?;
                    }
                    other => return Err(super::call::not_this_services(SERVICE, "delete", other)),
                }
                let id = prior.id.clone();
                wait_until(
                    &format!("cache {id} to be deleted"),
                    Duration::from_secs(30 * 60),
                    || async { Ok(!self.read_caches().await?.iter().any(|c| c.id == id)) },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    async fn wait_available(&self, kind: &str, id: &str) -> Result<LiveResource, ProviderError> {
        if kind == "cache_subnet_group" {
            return self
                .read_subnet_groups()
                .await?
                .into_iter()
                .find(|g| g.id == id)
                .ok_or_else(|| {
                    ProviderError::new(
                        SERVICE,
                        "DescribeCacheSubnetGroups",
                        format!("subnet group {id} was not found after it was changed"),
                    )
                });
        }
        let mut found = None;
        wait_until(
            &format!("cache {id}"),
            Duration::from_secs(30 * 60),
            || async {
                let all = self.read_caches().await?;
                Ok(all.iter().any(|c| {
                    c.id == id
                        && c.computed.get("status").and_then(Value::as_str) == Some("available")
                }))
            },
        )
        .await?;
        for c in self.read_caches().await? {
            if c.id == id {
                found = Some(c);
            }
        }
        found.ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                "DescribeReplicationGroups",
                format!("cache {id} vanished"),
            )
        })
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
