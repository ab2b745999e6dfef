//! Route 53: hosted zones and records.
//!
//! Zones: one paginated list, tags ten zones at a time, then the name
//! servers and VPCs of the stack's zones. Records carry no tags: they are
//! found by the `ZONE/NAME/TYPE` id the state holds, one paginated list
//! per zone.

use std::time::Duration;

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, HostedZoneConfig, ResourceRecord,
    ResourceRecordSet, RrType, Tag, TagResourceType, Vpc, VpcRegion,
};
use indexmap::IndexMap;

use super::call::{failed, unbuilt};
use super::fields::{b, list, n, opt, req_s, s, strings, with_applied};
use super::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "route53";

pub struct Route53 {
    client: Client,
    region: String,
}

/// A zone id without the `/hostedzone/` prefix some responses carry.
fn zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

use crate::schema::dns_name;

fn record_id(zone: &str, name: &str, ty: &str) -> String {
    format!("{}/{}/{}", zone_id(zone), dns_name(name), ty)
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
fn zone_gone(e: &impl aws_sdk_route53::error::ProvideErrorMetadata) -> bool {
    e.code() == Some("NoSuchHostedZone")
}

fn bare(id: &str) -> LiveResource {
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
    pub fn new(client: Client, region: String) -> Route53 {
        Route53 { client, region }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let resources = match req.kind.name {
            "dns_zone" if req.ids_only => {
                let mut zones = Vec::new();
                for id in &req.known_ids {
                    let mut zone = bare(id);
                    if self.read_zone_details(&mut zone).await? {
                        zones.push(zone);
                    }
                }
                zones
            }
            "dns_record" if req.ids_only => {
                let mut records = Vec::new();
                for id in &req.known_ids {
                    records.extend(self.read_record(id).await?);
                }
                records
            }
            "dns_zone" => {
                let mut zones = self.read_zones().await?;
                zones.retain(|z| {
                    z.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&z.id)
                });
                for z in &mut zones {
                    self.read_zone_details(z).await?;
                }
                zones
            }
            "dns_record" => self.read_records(&req.known_ids).await?,
            other => {
                return Err(ProviderError::new(
                    SERVICE,
                    "read",
                    format!("kind `{other}` is not a Route 53 kind"),
                ));
            }
        };
        Ok(ReadResponse { resources })
    }

    async fn read_zones(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let zones = all_items!(self.client.list_hosted_zones(), "ListHostedZones");
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
                super::tags::read_sdk(r, set.tags());
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

    async fn read_records(&self, known: &[String]) -> Result<Vec<LiveResource>, ProviderError> {
        let mut zones: Vec<&str> = known.iter().filter_map(|id| id.split('/').next()).collect();
        zones.sort_unstable();
        zones.dedup();
        let mut out = Vec::new();
        for zone in zones {
            for set in self.record_sets(zone).await? {
                let id = record_id(zone, set.name(), set.r#type().as_str());
                if known.contains(&id) {
                    out.push(record_value(zone, &id, &set));
                }
            }
        }
        Ok(out)
    }

    /// One record by its id, ZONE/NAME/TYPE: the first set from its name
    /// and type on (per-resource reads).
    async fn read_record(&self, id: &str) -> Result<Option<LiveResource>, ProviderError> {
        let mut parts = id.splitn(3, '/');
        let (Some(zone), Some(name), Some(ty)) = (parts.next(), parts.next(), parts.next()) else {
            return Ok(None);
        };
        let page = self
            .client
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(name)
            .start_record_type(RrType::from(ty))
            .max_items(1)
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) if zone_gone(&e) => {
                return Ok(None);
            }
            Err(e) => return Err(failed(SERVICE, "ListResourceRecordSets")(e)),
        };
        Ok(page
            .resource_record_sets()
            .iter()
            .find(|set| record_id(zone, set.name(), set.r#type().as_str()) == id)
            .map(|set| record_value(zone, id, set)))
    }

    /// Every record set of a zone; none when the zone is gone.
    async fn record_sets(&self, zone: &str) -> Result<Vec<ResourceRecordSet>, ProviderError> {
        let mut sets = Vec::new();
        let mut start: Option<(String, RrType)> = None;
        loop {
            let page = self
                .client
                .list_resource_record_sets()
                .hosted_zone_id(zone)
                .set_start_record_name(start.as_ref().map(|s| s.0.clone()))
                .set_start_record_type(start.as_ref().map(|s| s.1.clone()))
                .send()
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) if zone_gone(&e) => {
                    return Ok(Vec::new());
                }
                Err(e) => return Err(failed(SERVICE, "ListResourceRecordSets")(e)),
            };
            sets.extend(page.resource_record_sets().iter().cloned());
            match (
                page.is_truncated(),
                page.next_record_name(),
                page.next_record_type(),
            ) {
                (true, Some(name), Some(ty)) => start = Some((name.to_string(), ty.clone())),
                _ => return Ok(sets),
            }
        }
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.kind.name {
            "dns_zone" => self.apply_zone(req).await,
            "dns_record" => self.apply_record(req).await,
            other => Err(super::call::not_this_services(SERVICE, "apply", other)),
        }
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
                let id = zone_id(&super::fields::answered(
                    out.hosted_zone().map(|z| z.id()),
                    SERVICE,
                    "CreateHostedZone",
                    "HostedZone.Id",
                )?);
                self.change_tags(
                    &id,
                    super::tags::sdk_tags(req.stack, req.addr, &attrs)?,
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
                let set = super::tags::of_pairs(&changes.set)?;
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

    async fn apply_record(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let (action, set, zone, attrs) = match &req.op {
            Operation::Create { attrs } => (
                ChangeAction::Create,
                record_set(attrs)?,
                req_s(attrs, "zone_id", SERVICE, "ChangeResourceRecordSets")?,
                Some(attrs),
            ),
            Operation::Update { prior, attrs } => (
                ChangeAction::Upsert,
                record_set(attrs)?,
                req_s(&prior.attrs, "zone_id", SERVICE, "ChangeResourceRecordSets")?,
                Some(attrs),
            ),
            // The delete must name the record exactly as it is.
            Operation::Delete { prior } => (
                ChangeAction::Delete,
                record_set(&prior.attrs)?,
                req_s(&prior.attrs, "zone_id", SERVICE, "ChangeResourceRecordSets")?,
                None,
            ),
        };
        let zone = zone_id(&zone);
        let id = record_id(&zone, set.name(), set.r#type().as_str());
        let change = Change::builder()
            .action(action)
            .resource_record_set(set)
            .build()
            .map_err(unbuilt(SERVICE))?;
        let out = self
            .client
            .change_resource_record_sets()
            .hosted_zone_id(&zone)
            .change_batch(
                ChangeBatch::builder()
                    .changes(change)
                    .build()
                    .map_err(unbuilt(SERVICE))?,
            )
            .send()
            .await
            .map_err(failed(SERVICE, "ChangeResourceRecordSets"))?;
        if let Some(change) = out.change_info().map(|c| c.id().to_string()) {
            self.wait_in_sync(&change).await?;
        }
        let Some(attrs) = attrs else {
            return Ok(ApplyResponse { live: None });
        };
        let live = self
            .read_records(std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!("record `{id}` was not found right after it was changed"),
                )
            })?;
        Ok(ApplyResponse {
            live: Some(with_applied(live, attrs)),
        })
    }

    async fn wait_in_sync(&self, change: &str) -> Result<(), ProviderError> {
        wait_until(
            &format!("Route 53 change {change} to reach the name servers"),
            Duration::from_secs(10 * 60),
            || async {
                let out = self
                    .client
                    .get_change()
                    .id(change)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "GetChange"))?;
                Ok(out
                    .change_info()
                    .is_none_or(|c| *c.status() == ChangeStatus::Insync))
            },
        )
        .await
    }
}

/// The record set the attributes describe: values with a TTL, or an
/// alias.
fn record_set(attrs: &IndexMap<String, Value>) -> Result<ResourceRecordSet, ProviderError> {
    let op = "ChangeResourceRecordSets";
    let name = req_s(attrs, "name", SERVICE, op)?;
    let ty = req_s(attrs, "type", SERVICE, op)?;
    let records = strings(attrs, "records");
    let mut set = ResourceRecordSet::builder()
        .name(&name)
        .r#type(RrType::from(ty.as_str()));
    match (s(attrs, "alias_name"), records.is_empty()) {
        (Some(alias), true) => {
            let zone = s(attrs, "alias_zone_id").ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    op,
                    format!("record `{name}`: `alias_name` needs `alias_zone_id` (the target's `zone_id`)"),
                )
            })?;
            set = set.alias_target(
                AliasTarget::builder()
                    .dns_name(alias)
                    .hosted_zone_id(zone)
                    .evaluate_target_health(b(attrs, "evaluate_target_health").unwrap_or(false))
                    .build()
                    .map_err(unbuilt(SERVICE))?,
            );
        }
        (Some(_), false) => {
            return Err(ProviderError::new(
                SERVICE,
                op,
                format!("record `{name}` sets both `records` and `alias_name`; keep one"),
            ));
        }
        (None, true) => {
            return Err(ProviderError::new(
                SERVICE,
                op,
                format!("record `{name}` has neither `records` nor `alias_name`; set one"),
            ));
        }
        (None, false) => {
            set = set.ttl(n(attrs, "ttl").unwrap_or(300));
            for r in records {
                set = set.resource_records(
                    ResourceRecord::builder()
                        .value(r)
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                );
            }
        }
    }
    set.build().map_err(unbuilt(SERVICE))
}

fn record_value(zone: &str, id: &str, set: &ResourceRecordSet) -> LiveResource {
    let mut r = bare(id);
    r.attrs.insert("zone_id".into(), Value::str(zone));
    r.attrs
        .insert("name".into(), Value::String(dns_name(set.name())));
    r.attrs
        .insert("type".into(), Value::str(set.r#type().as_str()));
    r.attrs.insert(
        "records".into(),
        list(set.resource_records().iter().map(|v| v.value().to_string())),
    );
    match set.alias_target() {
        Some(alias) => {
            // An alias has no TTL: the applied value stands.
            r.attrs.insert(
                "alias_name".into(),
                Value::String(dns_name(alias.dns_name())),
            );
            r.attrs
                .insert("alias_zone_id".into(), Value::str(alias.hosted_zone_id()));
            r.attrs.insert(
                "evaluate_target_health".into(),
                Value::Bool(alias.evaluate_target_health()),
            );
        }
        None => {
            r.attrs.insert(
                "ttl".into(),
                set.ttl().map_or(Value::Null, |t| Value::Number(t as f64)),
            );
            r.attrs.insert("alias_name".into(), Value::Null);
            r.attrs.insert("alias_zone_id".into(), Value::Null);
            // Only aliases evaluate their target's health.
            r.attrs
                .insert("evaluate_target_health".into(), Value::Bool(false));
        }
    }
    r
}
