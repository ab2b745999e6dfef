//! CloudFront: a distribution in front of the load balancer.
//!
//! A refresh is one paginated list of distributions plus one tag read per
//! distribution (CloudFront has no batched tag read). Every change waits
//! until the distribution is deployed; a delete first disables it.

use std::time::Duration;

use aws_sdk_cloudfront::Client;
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CachedMethods, CustomOriginConfig, DefaultCacheBehavior,
    DistributionConfig, DistributionConfigWithTags, DistributionSummary, HttpVersion, Method,
    MinimumProtocolVersion, Origin, OriginProtocolPolicy, OriginSslProtocols, Origins, PriceClass,
    SslProtocol, SslSupportMethod, Tags, ViewerCertificate, ViewerProtocolPolicy,
};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::fields::{always, b, list, opt, req_s, s, strings, to_i32, with_applied};
use crate::provider::aws::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "cloudfront";

crate::sdk_client!(Client);
/// The hosted zone of every CloudFront distribution, for alias records.
const ZONE_ID: &str = "Z2FDTNDATAQYW2";
const ORIGIN_ID: &str = "mdl-origin";

pub struct CloudFront {
    client: Client,
}

fn tags_for(
    stack: &str,
    addr: &ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> Result<Tags, ProviderError> {
    let items = crate::provider::aws::tags::sdk_tags(stack, addr, attrs)?;
    Ok(Tags::builder().set_items(Some(items)).build())
}

/// The distribution's settings; `caller_reference` is kept from the
/// distribution on updates.
fn config(
    attrs: &IndexMap<String, Value>,
    caller_reference: &str,
) -> Result<DistributionConfig, ProviderError> {
    let op = "DistributionConfig";
    let methods = |ms: &[Method]| ms.to_vec();
    let all = [
        Method::Get,
        Method::Head,
        Method::Options,
        Method::Put,
        Method::Post,
        Method::Patch,
        Method::Delete,
    ];
    let cached = [Method::Get, Method::Head];
    let origin = Origin::builder()
        .id(ORIGIN_ID)
        .domain_name(req_s(attrs, "origin_domain_name", SERVICE, op)?)
        .custom_origin_config(
            CustomOriginConfig::builder()
                .http_port(80)
                .https_port(443)
                .origin_protocol_policy(OriginProtocolPolicy::from(
                    s(attrs, "origin_protocol")
                        .unwrap_or_else(|| "https-only".into())
                        .as_str(),
                ))
                .origin_ssl_protocols(
                    OriginSslProtocols::builder()
                        .quantity(1)
                        .items(SslProtocol::TlSv12)
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                )
                .build()
                .map_err(unbuilt(SERVICE))?,
        )
        .build()
        .map_err(unbuilt(SERVICE))?;
    let behavior = DefaultCacheBehavior::builder()
        .target_origin_id(ORIGIN_ID)
        .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
        .set_cache_policy_id(s(attrs, "cache_policy_id"))
        .set_origin_request_policy_id(s(attrs, "origin_request_policy_id"))
        .compress(true)
        .allowed_methods(
            AllowedMethods::builder()
                .quantity(to_i32(all.len() as i64, "methods", SERVICE)?)
                .set_items(Some(methods(&all)))
                .cached_methods(
                    CachedMethods::builder()
                        .quantity(to_i32(cached.len() as i64, "cached methods", SERVICE)?)
                        .set_items(Some(methods(&cached)))
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                )
                .build()
                .map_err(unbuilt(SERVICE))?,
        )
        .build()
        .map_err(unbuilt(SERVICE))?;
    let aliases = strings(attrs, "aliases");
    let certificate = match s(attrs, "certificate_arn") {
        Some(arn) => ViewerCertificate::builder()
            .acm_certificate_arn(arn)
            .ssl_support_method(SslSupportMethod::SniOnly)
            .minimum_protocol_version(MinimumProtocolVersion::TlSv122021)
            .build(),
        None => ViewerCertificate::builder()
            .cloud_front_default_certificate(true)
            .build(),
    };
    DistributionConfig::builder()
        .caller_reference(caller_reference)
        .aliases(
            Aliases::builder()
                .quantity(to_i32(aliases.len() as i64, "aliases", SERVICE)?)
                .set_items(Some(aliases))
                .build()
                .map_err(unbuilt(SERVICE))?,
        )
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .map_err(unbuilt(SERVICE))?,
        )
        .default_cache_behavior(behavior)
        .comment(s(attrs, "comment").unwrap_or_default())
        .enabled(b(attrs, "enabled").unwrap_or(true))
        .price_class(PriceClass::from(
            s(attrs, "price_class")
                .unwrap_or_else(|| "PriceClass_All".into())
                .as_str(),
        ))
        .http_version(HttpVersion::Http2and3)
        .viewer_certificate(certificate)
        .build()
        .map_err(unbuilt(SERVICE))
}

fn summary_value(d: &DistributionSummary) -> LiveResource {
    let mut attrs = IndexMap::new();
    let origin = d.origins().and_then(|o| o.items().first());
    attrs.insert(
        "origin_domain_name".into(),
        opt(origin.map(|o| o.domain_name())),
    );
    attrs.insert(
        "origin_protocol".into(),
        opt(origin
            .and_then(|o| o.custom_origin_config())
            .map(|c| c.origin_protocol_policy().as_str())),
    );
    attrs.insert(
        "aliases".into(),
        list(d.aliases().map(|a| a.items().to_vec()).unwrap_or_default()),
    );
    attrs.insert(
        "certificate_arn".into(),
        opt(d
            .viewer_certificate()
            .and_then(|c| c.acm_certificate_arn())
            .filter(|a| !a.is_empty())),
    );
    attrs.insert("price_class".into(), Value::str(d.price_class().as_str()));
    let behavior = d.default_cache_behavior();
    attrs.insert(
        "cache_policy_id".into(),
        opt(behavior
            .and_then(|c| c.cache_policy_id())
            .filter(|p| !p.is_empty())),
    );
    attrs.insert(
        "origin_request_policy_id".into(),
        opt(behavior
            .and_then(|c| c.origin_request_policy_id())
            .filter(|p| !p.is_empty())),
    );
    attrs.insert(
        "comment".into(),
        opt(Some(d.comment()).filter(|c| !c.is_empty())),
    );
    attrs.insert("enabled".into(), Value::Bool(d.enabled()));
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(d.id()));
    computed.insert("arn".into(), Value::str(d.arn()));
    computed.insert("dns_name".into(), Value::str(d.domain_name()));
    computed.insert("zone_id".into(), Value::str(ZONE_ID));
    LiveResource {
        addr: None,
        stack: None,
        id: d.id().to_string(),
        attrs,
        computed,
    }
}

impl CloudFront {
    pub fn new(client: Client) -> CloudFront {
        CloudFront { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let mut all = self.list().await?;
        let tag_reads = all.iter().map(|r| {
            let arn = r
                .computed
                .get("arn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            async move {
                self.client
                    .list_tags_for_resource()
                    .resource(arn)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "ListTagsForResource"))
            }
        });
        let tags = futures_util::future::join_all(tag_reads).await;
        for (r, t) in all.iter_mut().zip(tags) {
            let t = t?;
            crate::provider::aws::tags::read_sdk(
                r,
                t.tags().map(|t| t.items()).unwrap_or_default(),
            );
        }
        all.retain(|r| r.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&r.id));
        Ok(ReadResponse { resources: all })
    }

    async fn list(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_distributions()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(failed(SERVICE, "ListDistributions"))?;
            let Some(list) = page.distribution_list() else {
                return Ok(out);
            };
            out.extend(list.items().iter().map(summary_value));
            match list.next_marker() {
                Some(m) if list.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
                _ => return Ok(out),
            }
        }
    }

    async fn find(&self, id: &str) -> Result<LiveResource, ProviderError> {
        self.list()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!("distribution `{id}` was not found right after it was changed"),
                )
            })
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let reference = format!("mdl-{}-{}", req.stack, rand::random::<u64>());
                let out = self
                    .client
                    .create_distribution_with_tags()
                    .distribution_config_with_tags(
                        DistributionConfigWithTags::builder()
                            .distribution_config(config(&attrs, &reference)?)
                            .tags(tags_for(req.stack, req.addr, &attrs)?)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateDistributionWithTags"))?;
                let id = crate::provider::aws::fields::answered(
                    out.distribution().map(|d| d.id()),
                    SERVICE,
                    "CreateDistributionWithTags",
                    "Distribution.Id",
                )?;
                self.wait_deployed(&id).await?;
                let live = self.find(&id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let data_changed = attrs
                    .iter()
                    .any(|(k, v)| k != "tags" && prior.attrs.get(k) != Some(v));
                if data_changed {
                    self.update_config(&prior.id, &attrs).await?;
                }
                self.update_tags(&prior, &attrs).await?;
                let live = self.find(&prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                let mut disabled = prior.attrs.clone();
                disabled.insert("enabled".into(), Value::Bool(false));
                let etag = if prior.attrs.get("enabled") == Some(&Value::Bool(false)) {
                    self.current(&prior.id).await?.1
                } else {
                    self.update_config(&prior.id, &disabled).await?
                };
                self.client
                    .delete_distribution()
                    .id(&prior.id)
                    .if_match(etag)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteDistribution"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    /// The distribution's caller reference and current ETag.
    async fn current(&self, id: &str) -> Result<(String, String), ProviderError> {
        let out = self
            .client
            .get_distribution_config()
            .id(id)
            .send()
            .await
            .map_err(failed(SERVICE, "GetDistributionConfig"))?;
        let op = "GetDistributionConfig";
        Ok((
            always(out.distribution_config(), SERVICE, op, "DistributionConfig")?
                .caller_reference()
                .to_string(),
            always(out.e_tag(), SERVICE, op, "ETag")?.to_string(),
        ))
    }

    /// Apply new settings, wait until deployed, and return the new ETag.
    async fn update_config(
        &self,
        id: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let (reference, etag) = self.current(id).await?;
        let out = self
            .client
            .update_distribution()
            .id(id)
            .if_match(etag)
            .distribution_config(config(attrs, &reference)?)
            .send()
            .await
            .map_err(failed(SERVICE, "UpdateDistribution"))?;
        self.wait_deployed(id).await?;
        Ok(match out.e_tag() {
            Some(tag) => tag.to_string(),
            None => self.current(id).await?.1,
        })
    }

    async fn wait_deployed(&self, id: &str) -> Result<(), ProviderError> {
        wait_until(
            &format!("distribution {id} to deploy"),
            Duration::from_secs(45 * 60),
            || async {
                let out = self
                    .client
                    .get_distribution()
                    .id(id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "GetDistribution"))?;
                Ok(out.distribution().is_some_and(|d| d.status() == "Deployed"))
            },
        )
        .await
    }

    async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let arn = prior
            .computed
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // CloudFront wraps both lists in an `Items` structure.
        crate::provider::aws::tags::retag(
            prior,
            attrs,
            |keys| async move {
                self.client
                    .untag_resource()
                    .resource(arn)
                    .tag_keys(
                        aws_sdk_cloudfront::types::TagKeys::builder()
                            .set_items(Some(keys))
                            .build(),
                    )
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "UntagResource"))
            },
            |pairs| async move {
                let items = crate::provider::aws::tags::of_pairs(&pairs)?;
                self.client
                    .tag_resource()
                    .resource(arn)
                    .tags(Tags::builder().set_items(Some(items)).build())
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "TagResource"))
            },
        )
        .await
    }
}

crate::aws_kind!(
    /// The `cdn` kind's AWS side.
    Distributions => |aws| CloudFront::new(aws.client())
);
