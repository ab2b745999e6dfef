//! Route 53 records. Records carry no tags: they are found by the
//! `ZONE/NAME/TYPE` id the state holds, one paginated list per zone.

use std::time::Duration;

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, ResourceRecord,
    ResourceRecordSet, RrType,
};
use indexmap::IndexMap;

use crate::kinds::dns_zone::aws::{SERVICE, bare, zone_gone, zone_id};
use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::fields::{b, list, n, req_s, s, strings, with_applied};
use crate::provider::aws::wait_until;
use crate::provider::aws::{AwsKind, AwsProvider};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::schema::dns_name;
use crate::value::Value;

struct Route53 {
    client: Client,
}

fn record_id(zone: &str, name: &str, ty: &str) -> String {
    format!("{}/{}/{}", zone_id(zone), dns_name(name), ty)
}

impl Route53 {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let resources = if req.ids_only {
            let mut records = Vec::new();
            for id in &req.known_ids {
                records.extend(self.read_record(id).await?);
            }
            records
        } else {
            self.read_records(&req.known_ids).await?
        };
        Ok(ReadResponse { resources })
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

/// The `dns_record` kind's AWS side.
pub struct Records;

#[async_trait::async_trait]
impl AwsKind for Records {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        Route53 {
            client: aws.client(),
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
        }
        .apply_record(req)
        .await
    }
}
