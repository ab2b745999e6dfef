//! `vpc`: a virtual private cloud.
//!
//! Read: one describe by the stack tag; DNS settings per VPC only for VPCs
//! state does not know. Changed in place: DNS settings and tags; a new
//! CIDR block is a new VPC.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "vpc",
    service: "ec2",
    summary: "A virtual private cloud.",
    attrs: &[
        required(
            "cidr_block",
            Type::String,
            "The IPv4 range of the VPC, such as \"10.0.0.0/16\": a /16 to a /28.",
        )
        .force_new()
        .validate(crate::schema::network_cidr),
        optional(
            "enable_dns_support",
            Type::Bool,
            "true",
            "Whether the Amazon DNS server answers in this VPC.",
        ),
        optional(
            "enable_dns_hostnames",
            Type::Bool,
            "true",
            "Whether instances get public DNS host names.",
        ),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "owner_id",
            doc: "The account that owns the VPC.",
        },
    ],
    taggable: true,
    rank: 0,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    super::cfn_properties(
        cfn,
        attrs,
        &[
            ("CidrBlock", "cidr_block"),
            ("EnableDnsSupport", "enable_dns_support"),
            ("EnableDnsHostnames", "enable_dns_hostnames"),
        ],
    )
}

/// A VPC's owner is the stack's account.
fn owner_id(_: &str) -> Json {
    json!({ "Ref": "AWS::AccountId" })
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::VPC",
    &[("id", CfnAttr::Ref), ("owner_id", CfnAttr::Expr(owner_id))],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: "vpc contract {\n  cidr_block = \"10.0.0.0/16\"\n  tags       = { team = \"web\" }\n}\n",
    update: "vpc contract {\n  cidr_block           = \"10.0.0.0/16\"\n  enable_dns_hostnames = false\n  tags                 = { team = \"ops\" }\n}\n",
    replace: Some("vpc contract {\n  cidr_block = \"10.1.0.0/16\"\n}\n"),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::AWS,
    identity: Identity::Assigned,
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
