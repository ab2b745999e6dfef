//! `subnet`: a subnet of a VPC in one availability zone.
//!
//! Read: one describe by the stack tag. Changed in place: public IPs on
//! launch and tags; the rest makes a new subnet.

pub(crate) mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "subnet",
    service: "ec2",
    summary: "A subnet of a VPC in one availability zone.",
    attrs: &[
        required("vpc_id", Type::String, "The VPC the subnet belongs to.").force_new(),
        required(
            "cidr_block",
            Type::String,
            "The IPv4 range of the subnet, inside the VPC's: a /16 to a /28.",
        )
        .force_new()
        .validate(crate::schema::network_cidr),
        computed_optional(
            "availability_zone",
            Type::String,
            "The availability zone, such as \"eu-west-2a\"; a zone of the stack's region.",
        )
        .force_new()
        .validate(crate::schema::availability_zone),
        optional(
            "map_public_ip_on_launch",
            Type::Bool,
            "false",
            "Whether instances launched here get a public IP address.",
        ),
        TAGS,
    ],
    computed: &[ID],
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
    super::cfn_properties(
        cfn,
        attrs,
        &[
            ("VpcId", "vpc_id"),
            ("CidrBlock", "cidr_block"),
            ("AvailabilityZone", "availability_zone"),
            ("MapPublicIpOnLaunch", "map_public_ip_on_launch"),
        ],
    )
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::Subnet",
    &[
        ("id", CfnAttr::Ref),
        ("availability_zone", CfnAttr::GetAtt("AvailabilityZone")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet contract {
  vpc_id            = vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-2a"
}
"#,
    update: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet contract {
  vpc_id                  = vpc.main.id
  cidr_block              = "10.0.1.0/24"
  availability_zone       = "eu-west-2a"
  map_public_ip_on_launch = true
}
"#,
    replace: Some(
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet contract {
  vpc_id                  = vpc.main.id
  cidr_block              = "10.0.3.0/24"
  availability_zone       = "eu-west-2a"
  map_public_ip_on_launch = true
}
"#,
    ),
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
