//! ElastiCache caches: Redis replication groups and Memcached clusters.
//! One paginated describe each of replication groups and cache clusters a
//! refresh.

use std::time::Duration;

use aws_sdk_elasticache::Client;
use aws_sdk_elasticache::types::{AuthTokenUpdateStrategyType, AzMode};
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::elasticache::{self, SERVICE};
use crate::provider::aws::fields::{always, b, int, list, s, strings, with_applied};
use crate::provider::aws::wait_until;
use crate::provider::aws::{AwsKind, AwsProvider};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::schema::default_name;
use crate::value::Value;

struct Caches {
    client: Client,
    /// Secrets Manager, where an AUTH token is read from.
    secrets: aws_sdk_secretsmanager::Client,
}

/// The AUTH token a block names by its secret's ARN, if any.
async fn auth_token(
    secrets: &aws_sdk_secretsmanager::Client,
    attrs: &IndexMap<String, Value>,
) -> Result<Option<String>, ProviderError> {
    let Some(arn) = s(attrs, "auth_token_secret_arn") else {
        return Ok(None);
    };
    if !b(attrs, "transit_encryption").unwrap_or(false) {
        return Err(ProviderError::new(
            SERVICE,
            "CreateReplicationGroup",
            "an AUTH token needs `transit_encryption = true`: ElastiCache takes a token only over TLS",
        ));
    }
    let out = secrets
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .map_err(failed("secretsmanager", "GetSecretValue"))?;
    let token = out.secret_string().unwrap_or_default().to_string();
    // ElastiCache's rule for a token; saying so here names the secret
    // rather than leaving AWS to refuse the cache.
    let valid = (16..=128).contains(&token.len())
        && token
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '@' | '"' | '/'));
    if !valid {
        return Err(ProviderError::new(
            "secretsmanager",
            "GetSecretValue",
            format!(
                "the value of secret {arn} is not a valid Redis AUTH token: it must be 16 to 128 printable ASCII characters, none of @ \" /"
            ),
        ));
    }
    Ok(Some(token))
}

impl Caches {
    pub(super) async fn read_caches(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = crate::all_items!(
            self.client.describe_replication_groups(),
            "DescribeReplicationGroups"
        );
        let clusters = crate::all_items!(
            self.client
                .describe_cache_clusters()
                .show_cache_node_info(true),
            "DescribeCacheClusters"
        );
        let mut out = Vec::new();
        for g in &groups {
            let id = always(
                g.replication_group_id(),
                SERVICE,
                "DescribeReplicationGroups",
                "ReplicationGroupId",
            )?;
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
            attrs.insert(
                "snapshot_retention_days".into(),
                Value::Number(f64::from(g.snapshot_retention_limit().unwrap_or(0))),
            );
            // AWS says only whether a token is set: without one, no
            // secret's; with one, the ARN state holds stands.
            if !g.auth_token_enabled().unwrap_or(false) {
                attrs.insert("auth_token_secret_arn".into(), Value::Null);
            }
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
            let id = always(
                c.cache_cluster_id(),
                SERVICE,
                "DescribeCacheClusters",
                "CacheClusterId",
            )?;
            if matches!(c.cache_cluster_status(), Some("deleting")) {
                continue;
            }
            let mut attrs = IndexMap::new();
            attrs.insert("engine".into(), Value::str("memcached"));
            attrs.insert("name".into(), Value::str(id));
            attrs.insert("snapshot_retention_days".into(), Value::Number(0.0));
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

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name").unwrap_or_else(|| default_name(req.stack, req.addr));
                if s(&attrs, "engine").as_deref() == Some("memcached") {
                    if int(&attrs, "snapshot_retention_days", SERVICE)?.is_some_and(|d| d != 0) {
                        return Err(ProviderError::new(
                            SERVICE,
                            "CreateCacheCluster",
                            "Memcached keeps no data to snapshot: leave `snapshot_retention_days` at 0",
                        ));
                    }
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
                        .set_tags(Some(crate::provider::aws::tags::sdk_tags(
                            req.stack, req.addr, &attrs,
                        )?))
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
                        .set_auth_token(auth_token(&self.secrets, &attrs).await?)
                        .set_snapshot_retention_limit(int(
                            &attrs,
                            "snapshot_retention_days",
                            SERVICE,
                        )?)
                        .set_cache_subnet_group_name(s(&attrs, "subnet_group_name"))
                        .set_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                        .set_tags(Some(crate::provider::aws::tags::sdk_tags(
                            req.stack, req.addr, &attrs,
                        )?))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "CreateReplicationGroup"))?;
                }
                let live = self.wait_available(&name).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                if s(&attrs, "engine").as_deref() == Some("memcached") {
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
                    "snapshot_retention_days",
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
                        .set_snapshot_retention_limit(int(
                            &attrs,
                            "snapshot_retention_days",
                            SERVICE,
                        )?)
                        .apply_immediately(true)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ModifyReplicationGroup"))?;
                }
                if s(&attrs, "engine").as_deref() != Some("memcached")
                    && changed("auth_token_secret_arn")
                {
                    // ROTATE adds the new token beside the old (or the
                    // first one to a cache without); DELETE removes it.
                    let token = auth_token(&self.secrets, &attrs).await?;
                    let strategy = if token.is_some() {
                        AuthTokenUpdateStrategyType::Rotate
                    } else {
                        AuthTokenUpdateStrategyType::Delete
                    };
                    self.client
                        .modify_replication_group()
                        .replication_group_id(&prior.id)
                        .set_auth_token(token)
                        .auth_token_update_strategy(strategy)
                        .apply_immediately(true)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ModifyReplicationGroup"))?;
                    self.wait_available(&prior.id).await?;
                }
                elasticache::retag(&self.client, &prior, &attrs).await?;
                let live = self.wait_available(&prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                let memcached =
                    prior.attrs.get("engine").and_then(Value::as_str) == Some("memcached");
                if memcached {
                    self.client
                        .delete_cache_cluster()
                        .cache_cluster_id(&prior.id)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "DeleteCacheCluster"))?;
                } else {
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

    async fn wait_available(&self, id: &str) -> Result<LiveResource, ProviderError> {
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
}

/// The `cache` kind's AWS side.
pub struct CacheKind;

#[async_trait::async_trait]
impl AwsKind for CacheKind {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let caches = Caches {
            client: aws.client(),
            secrets: aws.client(),
        };
        let candidates = caches.read_caches().await?;
        elasticache::of_stack(&caches.client, &req, candidates).await
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        Caches {
            client: aws.client(),
            secrets: aws.client(),
        }
        .apply(req)
        .await
    }
}
