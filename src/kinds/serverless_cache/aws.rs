//! ElastiCache Serverless caches.

use std::time::Duration;

use aws_sdk_elasticache::Client;
use aws_sdk_elasticache::types::{
    CacheUsageLimits, DataStorage, DataStorageUnit, EcpuPerSecond, ServerlessCache,
};
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::elasticache::{self, SERVICE};
use crate::provider::aws::fields::{always, b, int, list, opt, s, strings, with_applied};
use crate::provider::aws::{AwsKind, AwsProvider, wait_until};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::schema::default_name;
use crate::value::Value;

const DESCRIBE: &str = "DescribeServerlessCaches";

/// The `serverless_cache` kind's AWS side.
pub struct ServerlessCaches;

/// The region's serverless caches, with their status.
async fn read_all(client: &Client) -> Result<Vec<(LiveResource, String)>, ProviderError> {
    let caches = crate::all_items!(
        client.describe_serverless_caches(),
        "DescribeServerlessCaches"
    );
    caches.iter().map(live).collect()
}

fn live(c: &ServerlessCache) -> Result<(LiveResource, String), ProviderError> {
    let field = |v, name| always(v, SERVICE, DESCRIBE, name);
    let name = field(c.serverless_cache_name(), "ServerlessCacheName")?;
    let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(f64::from(n)));
    let limits = c.cache_usage_limits();
    let storage = limits.and_then(CacheUsageLimits::data_storage);
    let ecpu = limits.and_then(CacheUsageLimits::ecpu_per_second);
    let mut attrs = IndexMap::new();
    attrs.insert("name".into(), Value::str(name));
    attrs.insert("engine".into(), Value::str(field(c.engine(), "Engine")?));
    attrs.insert("major_engine_version".into(), opt(c.major_engine_version()));
    attrs.insert(
        "description".into(),
        Value::str(c.description().unwrap_or_default()),
    );
    attrs.insert(
        "max_data_storage_gb".into(),
        number(storage.and_then(DataStorage::maximum)),
    );
    attrs.insert(
        "min_data_storage_gb".into(),
        number(storage.and_then(DataStorage::minimum)),
    );
    attrs.insert(
        "max_ecpu_per_second".into(),
        number(ecpu.and_then(EcpuPerSecond::maximum)),
    );
    attrs.insert(
        "min_ecpu_per_second".into(),
        number(ecpu.and_then(EcpuPerSecond::minimum)),
    );
    attrs.insert(
        "subnet_ids".into(),
        list(c.subnet_ids().iter().map(String::as_str)),
    );
    attrs.insert(
        "security_group_ids".into(),
        list(c.security_group_ids().iter().map(String::as_str)),
    );
    attrs.insert("kms_key_id".into(), opt(c.kms_key_id()));
    attrs.insert(
        "snapshot_retention_days".into(),
        Value::Number(f64::from(c.snapshot_retention_limit().unwrap_or(0))),
    );
    attrs.insert("daily_snapshot_time".into(), opt(c.daily_snapshot_time()));
    attrs.insert("user_group_id".into(), opt(c.user_group_id()));
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(name));
    computed.insert("arn".into(), opt(c.arn()));
    computed.insert(
        "endpoint".into(),
        opt(c.endpoint().and_then(|e| e.address())),
    );
    computed.insert(
        "reader_endpoint".into(),
        opt(c.reader_endpoint().and_then(|e| e.address())),
    );
    computed.insert("port".into(), number(c.endpoint().and_then(|e| e.port())));
    Ok((
        LiveResource {
            addr: None,
            stack: None,
            id: name.to_string(),
            attrs,
            computed,
        },
        c.status().unwrap_or_default().to_string(),
    ))
}

/// The usage limits the block sets, if any.
fn limits(attrs: &IndexMap<String, Value>) -> Result<Option<CacheUsageLimits>, ProviderError> {
    let (max_gb, min_gb) = (
        int(attrs, "max_data_storage_gb", SERVICE)?,
        int(attrs, "min_data_storage_gb", SERVICE)?,
    );
    let (max_ecpu, min_ecpu) = (
        int(attrs, "max_ecpu_per_second", SERVICE)?,
        int(attrs, "min_ecpu_per_second", SERVICE)?,
    );
    let mut limits = CacheUsageLimits::builder();
    if max_gb.is_some() || min_gb.is_some() {
        limits = limits.data_storage(
            DataStorage::builder()
                .set_maximum(max_gb)
                .set_minimum(min_gb)
                .unit(DataStorageUnit::Gb)
                .build(),
        );
    }
    if max_ecpu.is_some() || min_ecpu.is_some() {
        limits = limits.ecpu_per_second(
            EcpuPerSecond::builder()
                .set_maximum(max_ecpu)
                .set_minimum(min_ecpu)
                .build(),
        );
    }
    Ok(
        (max_gb.is_some() || min_gb.is_some() || max_ecpu.is_some() || min_ecpu.is_some())
            .then(|| limits.build()),
    )
}

fn memcached(attrs: &IndexMap<String, Value>) -> bool {
    attrs.get("engine").and_then(Value::as_str) == Some("memcached")
}

/// Wait until the cache `id` is available, and read it.
async fn available(client: &Client, id: &str) -> Result<LiveResource, ProviderError> {
    let status = |all: Vec<(LiveResource, String)>| all.into_iter().find(|(c, _)| c.id == id);
    wait_until(
        &format!("serverless cache {id}"),
        Duration::from_secs(30 * 60),
        || async {
            match status(read_all(client).await?) {
                Some((_, s)) if s == "create-failed" => Err(ProviderError::new(
                    SERVICE,
                    DESCRIBE,
                    format!("serverless cache {id} failed to be created (status create-failed)"),
                )),
                Some((_, s)) => Ok(s == "available"),
                None => Ok(false),
            }
        },
    )
    .await?;
    status(read_all(client).await?)
        .map(|(c, _)| c)
        .ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                DESCRIBE,
                format!("serverless cache {id} was not found after it was changed"),
            )
        })
}

#[async_trait::async_trait]
impl AwsKind for ServerlessCaches {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let client: Client = aws.client();
        let candidates = read_all(&client)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
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
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| default_name(req.stack, req.addr))
                    .to_lowercase();
                let snapshots = !memcached(&attrs);
                client
                    .create_serverless_cache()
                    .serverless_cache_name(&name)
                    .set_engine(s(&attrs, "engine"))
                    .set_major_engine_version(s(&attrs, "major_engine_version"))
                    .set_description(s(&attrs, "description").filter(|d| !d.is_empty()))
                    .set_cache_usage_limits(limits(&attrs)?)
                    .set_subnet_ids(Some(strings(&attrs, "subnet_ids")))
                    .set_security_group_ids(Some(strings(&attrs, "security_group_ids")))
                    .set_kms_key_id(s(&attrs, "kms_key_id"))
                    .set_snapshot_retention_limit(if snapshots {
                        int(&attrs, "snapshot_retention_days", SERVICE)?
                    } else {
                        None
                    })
                    .set_daily_snapshot_time(s(&attrs, "daily_snapshot_time").filter(|_| snapshots))
                    .set_user_group_id(s(&attrs, "user_group_id"))
                    .set_tags(Some(crate::provider::aws::tags::sdk_tags(
                        req.stack, req.addr, &attrs,
                    )?))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateServerlessCache"))?;
                let live = available(&client, &name).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                let mut call = client
                    .modify_serverless_cache()
                    .serverless_cache_name(&prior.id);
                let mut any = false;
                if changed("description") {
                    call = call.description(s(&attrs, "description").unwrap_or_default());
                    any = true;
                }
                if [
                    "max_data_storage_gb",
                    "min_data_storage_gb",
                    "max_ecpu_per_second",
                    "min_ecpu_per_second",
                ]
                .iter()
                .any(|k| changed(k))
                {
                    call = call.set_cache_usage_limits(Some(
                        limits(&attrs)?.unwrap_or_else(|| CacheUsageLimits::builder().build()),
                    ));
                    any = true;
                }
                if changed("security_group_ids") {
                    call = call.set_security_group_ids(Some(strings(&attrs, "security_group_ids")));
                    any = true;
                }
                if changed("snapshot_retention_days") {
                    call = call.set_snapshot_retention_limit(int(
                        &attrs,
                        "snapshot_retention_days",
                        SERVICE,
                    )?);
                    any = true;
                }
                if changed("daily_snapshot_time") {
                    call = call.set_daily_snapshot_time(s(&attrs, "daily_snapshot_time"));
                    any = true;
                }
                if changed("user_group_id") {
                    call = match s(&attrs, "user_group_id") {
                        Some(g) => call.user_group_id(g),
                        None => call.remove_user_group(true),
                    };
                    any = true;
                }
                if changed("engine") || changed("major_engine_version") {
                    call = call
                        .set_engine(s(&attrs, "engine"))
                        .set_major_engine_version(s(&attrs, "major_engine_version"));
                    any = true;
                }
                if any {
                    call.send()
                        .await
                        .map_err(failed(SERVICE, "ModifyServerlessCache"))?;
                }
                elasticache::retag(&client, &prior, &attrs).await?;
                let live = available(&client, &prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                // Valkey and Redis keep data: a final snapshot unless the
                // block says otherwise. Memcached keeps none to snapshot.
                let skip = b(&prior.attrs, "skip_final_snapshot").unwrap_or(false)
                    || memcached(&prior.attrs);
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                client
                    .delete_serverless_cache()
                    .serverless_cache_name(&prior.id)
                    .set_final_snapshot_name((!skip).then(|| format!("{}-final-{stamp}", prior.id)))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteServerlessCache"))?;
                let id = prior.id.clone();
                let client = &client;
                wait_until(
                    &format!("serverless cache {id} to be deleted"),
                    Duration::from_secs(30 * 60),
                    || async { Ok(!read_all(client).await?.iter().any(|(c, _)| c.id == id)) },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
