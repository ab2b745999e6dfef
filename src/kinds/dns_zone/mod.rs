//! `dns_zone`: a Route 53 hosted zone, public, or private to a VPC.
//!
//! Read: one paginated `ListHostedZones`, tags ten zones a call, then the
//! name servers and VPC of each of the stack's zones. Changed in place: the
//! comment and tags; a new name or VPC is a new zone.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Physical};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "dns_zone",
    service: "route53",
    summary: "A Route 53 hosted zone, public or private to a VPC.",
    attrs: &[
        required(
            "name",
            Type::String,
            "The domain, such as \"moodle.example.org\".",
        )
        .force_new()
        .dns_name(),
        optional("comment", Type::String, "null", "A comment."),
        optional(
            "vpc_id",
            Type::String,
            "null",
            "Makes the zone private to this VPC.",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The zone id, such as Z0123456789ABCDEFGHIJ.",
        },
        ComputedSchema {
            name: "name_servers",
            doc: "The name servers to delegate to (public zones).",
        },
    ],
    taggable: true,
    rank: 1,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(cfn, attrs, &[("Name", "name")]);
    if let Some(c) = get("comment") {
        props.insert(
            "HostedZoneConfig".into(),
            json!({ "Comment": cfn.value(c) }),
        );
    }
    if let Some(vpc) = get("vpc_id") {
        props.insert(
            "VPCs".into(),
            json!([{ "VPCId": cfn.value(vpc), "VPCRegion": { "Ref": "AWS::Region" } }]),
        );
    }
    // A zone's tags are `HostedZoneTags`.
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("HostedZoneTags".into(), tags);
    }
    props
}

/// A zone's physical id may carry the `/hostedzone/` prefix.
fn import_id(p: &Physical<'_>) -> Result<String, String> {
    Ok(aws::zone_id(p.id))
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::Route53::HostedZone",
    &[
        ("id", CfnAttr::Ref),
        ("name_servers", CfnAttr::GetAtt("NameServers")),
    ],
    properties,
)
.importing(import_id);

static FIXTURE: Fixture = Fixture {
    create: "dns_zone contract {\n  name    = \"contract.example.ac.uk\"\n  comment = \"one\"\n}\n",
    update: "dns_zone contract {\n  name    = \"contract.example.ac.uk\"\n  comment = \"two\"\n  tags    = { team = \"web\" }\n}\n",
    replace: Some(
        "dns_zone contract {\n  name    = \"contract2.example.ac.uk\"\n  comment = \"two\"\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Zones,
    identity: Identity::Assigned,
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
