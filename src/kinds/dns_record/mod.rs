//! `dns_record`: a Route 53 record set, plain values with a TTL or an
//! alias to a load balancer or a CDN.
//!
//! Records carry no tags: a record is known by its id, `ZONE/NAME/TYPE`,
//! which its attributes decide, and read from one paginated list of each
//! zone state names. A change waits until Route 53 reports it in sync. A
//! new zone, name or type is a new record.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Physical};
use crate::schema::{ComputedSchema, KindSchema, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "dns_record",
    service: "route53",
    summary: "A Route 53 record: plain values, or an alias to a load balancer or a CDN. Set exactly one of `records` and `alias_name`.",
    attrs: &[
        required("zone_id", Type::String, "The hosted zone.").force_new(),
        required(
            "name",
            Type::String,
            "The full name, such as \"moodle.example.org\".",
        )
        .force_new()
        .dns_name(),
        required("type", Type::String, "The record type.")
            .force_new()
            .one_of(&["A", "AAAA", "CNAME", "TXT", "MX", "NS", "CAA"]),
        optional(
            "ttl",
            Type::Number,
            "300",
            "Seconds resolvers cache it (not used by aliases).",
        ),
        optional(
            "records",
            Type::List(&Type::String),
            "[]",
            "The values, such as [\"10.0.0.5\"].",
        ),
        optional(
            "alias_name",
            Type::String,
            "null",
            "Alias target: a load balancer's or CDN's `dns_name`.",
        )
        .dns_name(),
        optional(
            "alias_zone_id",
            Type::String,
            "null",
            "Alias target's hosted zone: its `zone_id`.",
        ),
        optional(
            "evaluate_target_health",
            Type::Bool,
            "false",
            "Alias only: answer only while the target is healthy.",
        ),
    ],
    computed: &[ComputedSchema {
        name: "id",
        doc: "ZONE/NAME/TYPE.",
    }],
    taggable: false,
    rank: 6,
    slow: false,
    protected: false,
    exactly_one_of: &["records", "alias_name"],
};

/// A record's id: `ZONE/NAME/TYPE`, the name as mdl compares DNS names.
fn record_id(attrs: &IndexMap<String, Value>) -> Option<String> {
    let s = |k: &str| attrs.get(k).and_then(Value::as_str);
    Some(format!(
        "{}/{}/{}",
        s("zone_id")?.trim_start_matches("/hostedzone/"),
        crate::schema::dns_name(s("name")?),
        s("type")?
    ))
}

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[
            ("HostedZoneId", "zone_id"),
            ("Name", "name"),
            ("Type", "type"),
        ],
    );
    if let Some(target) = get("alias_name") {
        let mut alias = serde_json::Map::new();
        alias.insert("DNSName".into(), cfn.value(target));
        alias.extend(super::cfn_values(
            cfn,
            attrs,
            &[("HostedZoneId", "alias_zone_id")],
        ));
        alias.insert(
            "EvaluateTargetHealth".into(),
            json!(get("evaluate_target_health") == Some(&Value::Bool(true))),
        );
        props.insert("AliasTarget".into(), Json::Object(alias));
    } else {
        // CloudFormation types a TTL as a string.
        let ttl = get("ttl").map_or_else(|| json!("300"), |t| super::cfn_text(cfn, t));
        props.insert("TTL".into(), ttl);
        props.extend(super::cfn_values(
            cfn,
            attrs,
            &[("ResourceRecords", "records")],
        ));
    }
    props
}

/// A record set's physical id is only its name: the zone and type come
/// from the template.
fn import_id(p: &Physical<'_>) -> Result<String, String> {
    let Some(props) = p.properties else {
        return Err(
            "a record set is matched by the zone and type in the stack's template, which is not JSON (or lacks this resource)"
                .into(),
        );
    };
    let zone = match props.get("HostedZoneId") {
        Some(Json::String(z)) => z.clone(),
        Some(Json::Object(o)) => o
            .get("Ref")
            .and_then(Json::as_str)
            .and_then(p.physical_of)
            .ok_or("its HostedZoneId refers to something outside the stack")?,
        _ => {
            return Err("its zone is given by HostedZoneName; only HostedZoneId is read".into());
        }
    };
    let name = props.get("Name").and_then(Json::as_str).unwrap_or(p.id);
    let ty = props
        .get("Type")
        .and_then(Json::as_str)
        .ok_or("its Type is not a plain string in the template")?;
    Ok(format!(
        "{}/{}/{ty}",
        zone.trim_start_matches("/hostedzone/"),
        crate::schema::dns_name(name)
    ))
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::Route53::RecordSet",
    &[("id", CfnAttr::Ref)],
    properties,
)
.importing(import_id);

static FIXTURE: Fixture = Fixture {
    create: r#"dns_zone main {
  name = "records.example.ac.uk"
}

dns_record contract {
  zone_id = dns_zone.main.id
  name    = "www.records.example.ac.uk"
  type    = "A"
  records = ["10.0.0.1"]
}
"#,
    update: r#"dns_zone main {
  name = "records.example.ac.uk"
}

dns_record contract {
  zone_id = dns_zone.main.id
  name    = "www.records.example.ac.uk"
  type    = "A"
  ttl     = 60
  records = ["10.0.0.1", "10.0.0.2"]
}
"#,
    replace: Some(
        r#"dns_zone main {
  name = "records.example.ac.uk"
}

dns_record contract {
  zone_id = dns_zone.main.id
  name    = "vle.records.example.ac.uk"
  type    = "A"
  ttl     = 60
  records = ["10.0.0.1", "10.0.0.2"]
}
"#,
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Records,
    identity: Identity::Derived(record_id),
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
