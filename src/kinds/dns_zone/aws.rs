//! Route 53 hosted zones: one paginated list, tags ten zones at a time,
//! then the name servers and VPCs of the stack's zones.

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{HostedZoneConfig, Tag, TagResourceType, Vpc, VpcRegion};
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{list, opt, req_s, s, with_applied};
use crate::provider::aws::{AwsKind, AwsProvider};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::schema::dns_name;
use crate::value::Value;

pub(crate) const SERVICE: &str = "route53";

crate::sdk_client!(Client);

struct Route53 {
    client: Client,
    region: String,
}

/// A zone id without the `/hostedzone/` prefix some responses carry.
pub(crate) fn zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// A zone's `name` (as mdl compares it) and `comment` attributes.
fn name_and_comment(z: &aws_sdk_route53::types::HostedZone) -> [(String, Value); 2] {
    [
        ("name".into(), Value::String(dns_name(z.name()))),
        (
            "comment".into(),
            opt(z
                .config()
                .and_then(|c| c.comment())
                .filter(|c| !c.is_empty())),
        ),
    ]
}

/// The zone an operation names does not exist (any more).
pub(crate) fn zone_gone(e: &impl aws_sdk_route53::error::ProvideErrorMetadata) -> bool {
    e.code() == Some("NoSuchHostedZone")
}

/// A resource with only its id known.
pub(crate) fn bare(id: &str) -> LiveResource {
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(id));
    LiveResource {
        addr: None,
        stack: None,
        id: id.to_string(),
        attrs: IndexMap::new(),
        computed,
    }
}

impl Route53 {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let resources = if req.ids_only {
            let mut zones = Vec::new();
            for id in &req.known_ids {
                let mut zone = bare(id);
                if self.read_zone_details(&mut zone).await? {
                    zones.push(zone);
                }
            }
            zones
        } else {
            let mut zones = self.read_zones().await?;
            zones
                .retain(|z| z.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&z.id));
            for z in &mut zones {
                self.read_zone_details(z).await?;
            }
            zones
        };
        Ok(ReadResponse { resources })
    }

    async fn read_zones(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let zones = crate::all_items!(self.client.list_hosted_zones(), "ListHostedZones");
        let mut out: Vec<LiveResource> = zones
            .iter()
            .map(|z| {
                let id = zone_id(z.id());
                let mut r = bare(&id);
                r.attrs.extend(name_and_comment(z));
                r
            })
            .collect();
        for chunk in out.chunks_mut(10) {
            let ids: Vec<String> = chunk.iter().map(|r| r.id.clone()).collect();
            let tagged = self
                .client
                .list_tags_for_resources()
                .resource_type(TagResourceType::Hostedzone)
                .set_resource_ids(Some(ids))
                .send()
                .await
                .map_err(failed(SERVICE, "ListTagsForResources"))?;
            for set in tagged.resource_tag_sets() {
                let Some(r) = chunk
                    .iter_mut()
                    .find(|r| Some(r.id.as_str()) == set.resource_id().map(zone_id).as_deref())
                else {
                    continue;
                };
                crate::provider::aws::tags::read_sdk(r, set.tags());
            }
        }
        Ok(out)
    }

    /// Name servers and VPC of a zone (one call per zone); name and comment too when the zone
    /// was not listed (a per-resource read). False when it is gone.
    async fn read_zone_details(&self, zone: &mut LiveResource) -> Result<bool, ProviderError> {
        let out = match self.client.get_hosted_zone().id(&zone.id).send().await {
            Ok(out) => out,
            Err(e) if zone_gone(&e) => {
                return Ok(false);
            }
            Err(e) => return Err(failed(SERVICE, "GetHostedZone")(e)),
        };
        if let Some(z) = out.hosted_zone() {
            // Kept if the listing already gave them.
            for (k, v) in name_and_comment(z) {
                zone.attrs.entry(k).or_insert(v);
            }
        }
        zone.computed.insert(
            "name_servers".into(),
            list(
                out.delegation_set()
                    .map(|d| d.name_servers().to_vec())
                    .unwrap_or_default(),
            ),
        );
        let private = out
            .hosted_zone()
            .and_then(|z| z.config())
            .is_some_and(HostedZoneConfig::private_zone);
        zone.attrs.insert(
            "vpc_id".into(),
            if private {
                opt(out.vpcs().first().and_then(|v| v.vpc_id()))
            } else {
                Value::Null
            },
        );
        Ok(true)
    }

    async fn find_zone(&self, id: &str) -> Result<LiveResource, ProviderError> {
        let mut zone = self
            .read_zones()
            .await?
            .into_iter()
            .find(|z| z.id == id)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!("hosted zone `{id}` was not found right after it was changed"),
                )
            })?;
        self.read_zone_details(&mut zone).await?;
        Ok(zone)
    }

    async fn apply_zone(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = req_s(&attrs, "name", SERVICE, "CreateHostedZone")?;
                let mut call = self
                    .client
                    .create_hosted_zone()
                    .name(&name)
                    .caller_reference(format!("mdl-{}-{}", req.stack, rand::random::<u64>()))
                    .hosted_zone_config(
                        HostedZoneConfig::builder()
                            .set_comment(s(&attrs, "comment"))
                            .private_zone(s(&attrs, "vpc_id").is_some())
                            .build(),
                    );
                if let Some(vpc) = s(&attrs, "vpc_id") {
                    call = call.vpc(
                        Vpc::builder()
                            .vpc_id(vpc)
                            .vpc_region(VpcRegion::from(self.region.as_str()))
                            .build(),
                    );
                }
                let out = call
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateHostedZone"))?;
                let id = zone_id(&crate::provider::aws::fields::answered(
                    out.hosted_zone().map(|z| z.id()),
                    SERVICE,
                    "CreateHostedZone",
                    "HostedZone.Id",
                )?);
                self.change_tags(
                    &id,
                    crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?,
                    Vec::new(),
                )
                .await?;
                let live = self.find_zone(&id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                if attrs.get("comment") != prior.attrs.get("comment") {
                    self.client
                        .update_hosted_zone_comment()
                        .id(&prior.id)
                        .comment(s(&attrs, "comment").unwrap_or_default())
                        .send()
                        .await
                        .map_err(failed(SERVICE, "UpdateHostedZoneComment"))?;
                }
                let changes = crate::provider::tag_changes(&prior, &attrs);
                let set = crate::provider::aws::tags::of_pairs(&changes.set)?;
                self.change_tags(&prior.id, set, changes.removed).await?;
                let live = self.find_zone(&prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_hosted_zone()
                    .id(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteHostedZone"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    async fn change_tags(
        &self,
        zone: &str,
        add: Vec<Tag>,
        remove: Vec<String>,
    ) -> Result<(), ProviderError> {
        if add.is_empty() && remove.is_empty() {
            return Ok(());
        }
        self.client
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(zone)
            .set_add_tags(Some(add).filter(|a| !a.is_empty()))
            .set_remove_tag_keys(Some(remove).filter(|r| !r.is_empty()))
            .send()
            .await
            .map_err(failed(SERVICE, "ChangeTagsForResource"))?;
        Ok(())
    }
}

/// The `dns_zone` kind's AWS side.
pub struct Zones;

#[async_trait::async_trait]
impl AwsKind for Zones {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        Route53 {
            client: aws.client(),
            region: aws.region.clone(),
        }
        .read(req)
        .await
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        Route53 {
            client: aws.client(),
            region: aws.region.clone(),
        }
        .apply_zone(req)
        .await
    }
}
