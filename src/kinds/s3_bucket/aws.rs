//! S3 buckets: listed by region, known as the stack's by their tags, and
//! read setting by setting.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CreateBucketConfiguration, Delete, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    ObjectIdentifier, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
    VersioningConfiguration,
};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::fields::{int, s};
use crate::provider::aws::{AwsKind, AwsProvider, SdkClient, all_at_once, tags};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "s3";

/// S3 addressed by path where an endpoint is given (an emulator, a
/// gateway): a bucket's name is then no host name the endpoint must serve.
impl SdkClient for Client {
    fn build(config: &aws_config::SdkConfig) -> Self {
        Client::from_conf(
            aws_sdk_s3::config::Builder::from(config)
                .force_path_style(config.endpoint_url().is_some())
                .build(),
        )
    }
}

pub struct Buckets;

/// The ARN partition of a region.
use crate::lookups::partition;

/// Whether an error says the thing asked for is not set (S3 answers a
/// missing setting with an error of its own name for each).
fn unset<E: ProvideErrorMetadata>(e: &aws_sdk_s3::error::SdkError<E>, codes: &[&str]) -> bool {
    e.code().is_some_and(|c| codes.contains(&c))
}

/// A bucket known by name, its tags read.
async fn tagged(client: &Client, region: &str, name: &str) -> Result<LiveResource, ProviderError> {
    let tag_set = match client.get_bucket_tagging().bucket(name).send().await {
        Ok(out) => out.tag_set().to_vec(),
        Err(e) if unset(&e, &["NoSuchTagSet", "NoSuchTagSetError"]) => Vec::new(),
        Err(e) => return Err(failed(SERVICE, "GetBucketTagging")(e)),
    };
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(name));
    computed.insert(
        "arn".into(),
        Value::String(format!("arn:{}:s3:::{name}", partition(region))),
    );
    let mut attrs = IndexMap::new();
    attrs.insert("name".into(), Value::str(name));
    let mut live = LiveResource {
        addr: None,
        stack: None,
        id: name.to_string(),
        attrs,
        computed,
    };
    tags::read_sdk(&mut live, &tag_set);
    Ok(live)
}

/// Every setting of a bucket the schema has, read into `live`.
async fn settings(client: &Client, live: &mut LiveResource) -> Result<(), ProviderError> {
    let name = live.id.clone();
    let a = &mut live.attrs;
    let enabled = match client.get_bucket_versioning().bucket(&name).send().await {
        Ok(out) => out.status() == Some(&BucketVersioningStatus::Enabled),
        // moto 5.2.5 wraps the answer in `GetBucketVersioningResponse`,
        // where S3 answers `VersioningConfiguration`, and the SDK refuses
        // the root: the status is read from the body as it is.
        Err(aws_sdk_s3::error::SdkError::ServiceError(e))
            if e.raw().status().is_success()
                && e.raw().body().bytes().is_some_and(|b| {
                    String::from_utf8_lossy(b).contains("<GetBucketVersioningResponse")
                }) =>
        {
            e.raw()
                .body()
                .bytes()
                .is_some_and(|b| String::from_utf8_lossy(b).contains("<Status>Enabled</Status>"))
        }
        Err(e) => return Err(failed(SERVICE, "GetBucketVersioning")(e)),
    };
    a.insert("versioning".into(), Value::Bool(enabled));
    let (algorithm, key) = match client.get_bucket_encryption().bucket(&name).send().await {
        Ok(out) => {
            let default = out
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default());
            (
                default.map(|d| d.sse_algorithm().as_str().to_string()),
                default.and_then(|d| d.kms_master_key_id().map(ToString::to_string)),
            )
        }
        Err(e) if unset(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => (None, None),
        Err(e) => return Err(failed(SERVICE, "GetBucketEncryption")(e)),
    };
    a.insert(
        "encryption".into(),
        algorithm.map_or(Value::Null, Value::String),
    );
    a.insert("kms_key_id".into(), key.map_or(Value::Null, Value::String));
    let blocked = match client.get_public_access_block().bucket(&name).send().await {
        Ok(out) => out.public_access_block_configuration().is_some_and(|c| {
            c.block_public_acls() == Some(true)
                && c.block_public_policy() == Some(true)
                && c.ignore_public_acls() == Some(true)
                && c.restrict_public_buckets() == Some(true)
        }),
        Err(e) if unset(&e, &["NoSuchPublicAccessBlockConfiguration"]) => false,
        Err(e) => return Err(failed(SERVICE, "GetPublicAccessBlock")(e)),
    };
    a.insert("block_public_access".into(), Value::Bool(blocked));
    let ownership = match client
        .get_bucket_ownership_controls()
        .bucket(&name)
        .send()
        .await
    {
        Ok(out) => out
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string()),
        // No controls: the writer of an object owns it.
        Err(e) if unset(&e, &["OwnershipControlsNotFoundError"]) => Some("ObjectWriter".into()),
        Err(e) => return Err(failed(SERVICE, "GetBucketOwnershipControls")(e)),
    };
    a.insert(
        "object_ownership".into(),
        ownership.map_or(Value::Null, Value::String),
    );
    let rules = match client
        .get_bucket_lifecycle_configuration()
        .bucket(&name)
        .send()
        .await
    {
        Ok(out) => out.rules().iter().map(rule_value).collect(),
        Err(e) if unset(&e, &["NoSuchLifecycleConfiguration"]) => Vec::new(),
        Err(e) => return Err(failed(SERVICE, "GetBucketLifecycleConfiguration")(e)),
    };
    a.insert("lifecycle_rule".into(), Value::List(rules));
    let policy = match client.get_bucket_policy().bucket(&name).send().await {
        Ok(out) => out.policy().map_or(Value::Null, Value::str),
        Err(e) if unset(&e, &["NoSuchBucketPolicy"]) => Value::Null,
        Err(e) => return Err(failed(SERVICE, "GetBucketPolicy")(e)),
    };
    a.insert("policy".into(), policy);
    Ok(())
}

/// A lifecycle rule as the schema's `lifecycle_rule` block.
fn rule_value(r: &LifecycleRule) -> Value {
    let days = |d: Option<i32>| d.map_or(Value::Null, |d| Value::Number(f64::from(d)));
    let mut m = IndexMap::new();
    m.insert("id".to_string(), Value::str(r.id().unwrap_or_default()));
    #[allow(
        deprecated,
        reason = "rules written before filters name their prefix so"
    )]
    let prefix = r
        .filter()
        .and_then(LifecycleRuleFilter::prefix)
        .or(r.prefix())
        .unwrap_or_default();
    m.insert("prefix".to_string(), Value::str(prefix));
    m.insert(
        "expiration_days".to_string(),
        days(r.expiration().and_then(LifecycleExpiration::days)),
    );
    m.insert(
        "noncurrent_expiration_days".to_string(),
        days(
            r.noncurrent_version_expiration()
                .and_then(NoncurrentVersionExpiration::noncurrent_days),
        ),
    );
    m.insert(
        "abort_incomplete_upload_days".to_string(),
        days(
            r.abort_incomplete_multipart_upload()
                .and_then(AbortIncompleteMultipartUpload::days_after_initiation),
        ),
    );
    Value::Map(m)
}

/// The schema's `lifecycle_rule` block as S3's rule.
fn lifecycle_rule(rule: &Value) -> Result<LifecycleRule, ProviderError> {
    const OP: &str = "PutBucketLifecycleConfiguration";
    let Some(m) = rule.as_map() else {
        return Err(ProviderError::new(
            SERVICE,
            OP,
            format!("a lifecycle rule mdl cannot send: {rule}"),
        ));
    };
    let mut b = LifecycleRule::builder()
        .set_id(s(m, "id"))
        .status(ExpirationStatus::Enabled)
        .filter(
            LifecycleRuleFilter::builder()
                .prefix(s(m, "prefix").unwrap_or_default())
                .build(),
        );
    if let Some(d) = int(m, "expiration_days", SERVICE)? {
        b = b.expiration(LifecycleExpiration::builder().days(d).build());
    }
    if let Some(d) = int(m, "noncurrent_expiration_days", SERVICE)? {
        b = b.noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(d)
                .build(),
        );
    }
    if let Some(d) = int(m, "abort_incomplete_upload_days", SERVICE)? {
        b = b.abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(d)
                .build(),
        );
    }
    b.build().map_err(unbuilt(SERVICE))
}

/// Bring the bucket's settings from `prior` (none: a new bucket, every
/// setting sent) to `attrs`.
async fn settle(
    client: &Client,
    name: &str,
    prior: Option<&IndexMap<String, Value>>,
    attrs: &IndexMap<String, Value>,
) -> Result<(), ProviderError> {
    let changed =
        |keys: &[&str]| prior.is_none_or(|p| keys.iter().any(|k| p.get(*k) != attrs.get(*k)));
    let on = |k: &str| attrs.get(k) == Some(&Value::Bool(true));
    if changed(&["block_public_access"]) {
        let block = attrs.get("block_public_access") != Some(&Value::Bool(false));
        client
            .put_public_access_block()
            .bucket(name)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(block)
                    .block_public_policy(block)
                    .ignore_public_acls(block)
                    .restrict_public_buckets(block)
                    .build(),
            )
            .send()
            .await
            .map_err(failed(SERVICE, "PutPublicAccessBlock"))?;
    }
    if changed(&["object_ownership"]) {
        let ownership =
            s(attrs, "object_ownership").unwrap_or_else(|| "BucketOwnerEnforced".into());
        client
            .put_bucket_ownership_controls()
            .bucket(name)
            .ownership_controls(
                OwnershipControls::builder()
                    .rules(
                        OwnershipControlsRule::builder()
                            .object_ownership(ObjectOwnership::from(ownership.as_str()))
                            .build()
                            .map_err(unbuilt(SERVICE))?,
                    )
                    .build()
                    .map_err(unbuilt(SERVICE))?,
            )
            .send()
            .await
            .map_err(failed(SERVICE, "PutBucketOwnershipControls"))?;
    }
    if changed(&["encryption", "kms_key_id"]) {
        const OP: &str = "PutBucketEncryption";
        let algorithm = s(attrs, "encryption").unwrap_or_else(|| "AES256".into());
        let default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::from(algorithm.as_str()))
            .set_kms_master_key_id(s(attrs, "kms_key_id"))
            .build()
            .map_err(unbuilt(SERVICE))?;
        client
            .put_bucket_encryption()
            .bucket(name)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(default)
                            .build(),
                    )
                    .build()
                    .map_err(unbuilt(SERVICE))?,
            )
            .send()
            .await
            .map_err(failed(SERVICE, OP))?;
    }
    // A new bucket is unversioned: only turning it on is a change.
    if (prior.is_none() && on("versioning")) || (prior.is_some() && changed(&["versioning"])) {
        let status = if on("versioning") {
            BucketVersioningStatus::Enabled
        } else {
            BucketVersioningStatus::Suspended
        };
        client
            .put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(VersioningConfiguration::builder().status(status).build())
            .send()
            .await
            .map_err(failed(SERVICE, "PutBucketVersioning"))?;
    }
    let rules = attrs
        .get("lifecycle_rule")
        .and_then(Value::as_list)
        .unwrap_or_default();
    if changed(&["lifecycle_rule"]) && !(prior.is_none() && rules.is_empty()) {
        if rules.is_empty() {
            client
                .delete_bucket_lifecycle()
                .bucket(name)
                .send()
                .await
                .map_err(failed(SERVICE, "DeleteBucketLifecycle"))?;
        } else {
            const OP: &str = "PutBucketLifecycleConfiguration";
            client
                .put_bucket_lifecycle_configuration()
                .bucket(name)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .set_rules(Some(
                            rules.iter().map(lifecycle_rule).collect::<Result<_, _>>()?,
                        ))
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                )
                .send()
                .await
                .map_err(failed(SERVICE, OP))?;
        }
    }
    let policy = s(attrs, "policy");
    if changed(&["policy"]) && !(prior.is_none() && policy.is_none()) {
        match policy {
            Some(doc) => client
                .put_bucket_policy()
                .bucket(name)
                .policy(doc)
                .send()
                .await
                .map(drop)
                .map_err(failed(SERVICE, "PutBucketPolicy"))?,
            None => client
                .delete_bucket_policy()
                .bucket(name)
                .send()
                .await
                .map(drop)
                .map_err(failed(SERVICE, "DeleteBucketPolicy"))?,
        }
    }
    Ok(())
}

/// Set the bucket's tags: S3 replaces the whole set.
async fn put_tags(
    client: &Client,
    name: &str,
    stack: &str,
    addr: &ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> Result<(), ProviderError> {
    let tag_set: Vec<Tag> = tags::sdk_tags(stack, addr, attrs)?;
    client
        .put_bucket_tagging()
        .bucket(name)
        .tagging(
            Tagging::builder()
                .set_tag_set(Some(tag_set))
                .build()
                .map_err(unbuilt(SERVICE))?,
        )
        .send()
        .await
        .map(drop)
        .map_err(failed(SERVICE, "PutBucketTagging"))
}

/// Delete every object of the bucket, every version of it and every
/// delete marker, a thousand at a time.
async fn empty(client: &Client, name: &str) -> Result<(), ProviderError> {
    loop {
        let page = client
            .list_object_versions()
            .bucket(name)
            .send()
            .await
            .map_err(failed(SERVICE, "ListObjectVersions"))?;
        let mut gone = Vec::new();
        for (key, version) in page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
        {
            if let Some(key) = key {
                gone.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.map(ToString::to_string))
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                );
            }
        }
        if gone.is_empty() {
            return Ok(());
        }
        for batch in gone.chunks(1000) {
            client
                .delete_objects()
                .bucket(name)
                .delete(
                    Delete::builder()
                        .set_objects(Some(batch.to_vec()))
                        .quiet(true)
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                )
                .send()
                .await
                .map_err(failed(SERVICE, "DeleteObjects"))?;
        }
    }
}

/// The bucket as it is after a change.
async fn read_one(
    client: &Client,
    region: &str,
    name: &str,
) -> Result<LiveResource, ProviderError> {
    let mut live = tagged(client, region, name).await?;
    settings(client, &mut live).await?;
    Ok(live)
}

#[async_trait::async_trait]
impl AwsKind for Buckets {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let client: Client = aws.client();
        let region = aws.region.as_str();
        let listed = crate::all_items!(client.list_buckets().bucket_region(region), "ListBuckets");
        // Checked again: a bucket of another region answers its settings
        // only from there.
        let mut names: Vec<String> = listed
            .iter()
            .filter(|b| b.bucket_region().is_none_or(|r| r == region))
            .filter_map(|b| b.name().map(ToString::to_string))
            .collect();
        for known in &req.known_ids {
            if !names.contains(known) {
                names.push(known.clone());
            }
        }
        let client = &client;
        let calls = names
            .iter()
            .map(|name| async move {
                match tagged(client, region, name).await {
                    Ok(live) => Ok(vec![live]),
                    // A known bucket that is gone.
                    Err(e) if e.is_not_found() => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            })
            .collect();
        let mut resources: Vec<LiveResource> = all_at_once(calls).await?;
        resources
            .retain(|r| r.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&r.id));
        let calls = resources
            .into_iter()
            .map(|mut live| async move {
                settings(client, &mut live).await?;
                Ok(vec![live])
            })
            .collect();
        Ok(ReadResponse {
            resources: all_at_once(calls).await?,
        })
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let client: Client = aws.client();
        let region = aws.region.as_str();
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                // us-east-1 takes no location constraint; every other
                // region needs its own.
                let location = (region != "us-east-1").then(|| {
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::from(region))
                        .build()
                });
                client
                    .create_bucket()
                    .bucket(&name)
                    .set_create_bucket_configuration(location)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateBucket"))?;
                put_tags(&client, &name, req.stack, req.addr, &attrs).await?;
                settle(&client, &name, None, &attrs).await?;
                let live = read_one(&client, region, &name).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                if attrs.get("tags") != prior.attrs.get("tags") {
                    put_tags(&client, &prior.id, req.stack, req.addr, &attrs).await?;
                }
                settle(&client, &prior.id, Some(&prior.attrs), &attrs).await?;
                let live = read_one(&client, region, &prior.id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                match empty(&client, &prior.id).await {
                    Err(e) if e.is_not_found() => return Ok(ApplyResponse { live: None }),
                    other => other?,
                }
                match client.delete_bucket().bucket(&prior.id).send().await {
                    Ok(_) => {}
                    Err(e) if unset(&e, &["NoSuchBucket"]) => {}
                    Err(e) => return Err(failed(SERVICE, "DeleteBucket")(e)),
                }
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
