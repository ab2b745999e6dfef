//! `vpc_peering`: a peering connection between two VPCs; for a peer in
//! the same account mdl also accepts it.
//!
//! Read: one describe by the stack tag. Changed in place: tags only.

pub(crate) mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "vpc_peering",
    service: "ec2",
    summary: "A peering connection between two VPCs; for a peer in the same account mdl also accepts it.",
    attrs: &[
        required("vpc_id", Type::String, "The requester VPC.").force_new(),
        required("peer_vpc_id", Type::String, "The accepter VPC.").force_new(),
        computed_optional(
            "peer_owner_id",
            Type::String,
            "The account of the accepter VPC, when it is another account.",
        )
        .force_new(),
        computed_optional(
            "peer_region",
            Type::String,
            "The region of the accepter VPC, when it is another region.",
        )
        .force_new(),
        optional(
            "auto_accept",
            Type::Bool,
            "true",
            "Accept the peering from this account (same-account peers only).",
        )
        .create_only(),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "status",
            doc: "The peering status, such as \"active\".",
        },
    ],
    taggable: true,
    rank: 2,
    slow: true,
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
            ("PeerVpcId", "peer_vpc_id"),
            ("PeerOwnerId", "peer_owner_id"),
            ("PeerRegion", "peer_region"),
        ],
    )
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::VPCPeeringConnection",
    &[("id", CfnAttr::Ref), ("status", CfnAttr::Unavailable)],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        vpcs!(),
        "vpc_peering contract {\n  vpc_id      = vpc.main.id\n  peer_vpc_id = vpc.peer.id\n}\n"
    ),
    update: concat!(
        vpcs!(),
        "vpc_peering contract {\n  vpc_id      = vpc.main.id\n  peer_vpc_id = vpc.peer.id\n  tags        = { team = \"web\" }\n}\n"
    ),
    replace: Some(concat!(
        vpcs!(),
        "vpc_peering contract {\n  vpc_id      = vpc.main.id\n  peer_vpc_id = vpc.third.id\n  tags        = { team = \"web\" }\n}\n"
    )),
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
