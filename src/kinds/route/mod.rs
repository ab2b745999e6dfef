//! `route`: one route in a route table whose routes are not written as
//! `route` blocks (an on-premises VPC's table that must reach a peered
//! VPC). Routes carry no tags: a route is known by its id,
//! `TABLE_CIDR`, which its attributes decide. Changed in place: the target.

pub(crate) mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "route",
    service: "ec2",
    summary: "One route in a route table whose routes are not written as `route` blocks: an on-premises VPC's table that must reach a peered VPC, or a table of the estate kept without them. Set exactly one target.",
    attrs: &[
        required("route_table_id", Type::String, "The route table.").force_new(),
        required(
            "destination_cidr",
            Type::String,
            "Where the route leads, such as \"10.70.0.0/16\".",
        )
        .force_new(),
        optional("gateway_id", Type::String, "null", "An internet gateway."),
        optional("nat_gateway_id", Type::String, "null", "A NAT gateway."),
        optional(
            "vpc_peering_connection_id",
            Type::String,
            "null",
            "A VPC peering connection.",
        ),
    ],
    computed: &[ComputedSchema {
        name: "id",
        doc: "ROUTE_TABLE_ID_DESTINATION.",
    }],
    taggable: false,
    rank: 4,
    slow: false,
    protected: false,
    exactly_one_of: &["gateway_id", "nat_gateway_id", "vpc_peering_connection_id"],
};

/// A route's id: its table and destination, `rtb-1_0.0.0.0/0`.
fn route_id(attrs: &IndexMap<String, Value>) -> Option<String> {
    let s = |k: &str| attrs.get(k).and_then(Value::as_str);
    Some(format!(
        "{}_{}",
        s("route_table_id")?,
        s("destination_cidr")?
    ))
}

/// The route, after the attachment of an internet gateway it goes
/// through.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    cfn.depends_on(super::internet_gateway::attachment_of(
        cfn,
        attrs.get("gateway_id").filter(|v| **v != Value::Null),
    ));
    super::cfn_values(
        cfn,
        attrs,
        &[
            ("RouteTableId", "route_table_id"),
            ("DestinationCidrBlock", "destination_cidr"),
            ("GatewayId", "gateway_id"),
            ("NatGatewayId", "nat_gateway_id"),
            ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
        ],
    )
}

static CLOUDFORMATION: CfnMapping =
    CfnMapping::of("AWS::EC2::Route", &[("id", CfnAttr::Ref)], properties);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        routed!(),
        r#"route contract {
  route_table_id   = route_table.main.id
  destination_cidr = "10.1.0.0/16"
  gateway_id       = internet_gateway.main.id
}
"#
    ),
    update: concat!(
        routed!(),
        r#"route contract {
  route_table_id            = route_table.main.id
  destination_cidr          = "10.1.0.0/16"
  vpc_peering_connection_id = vpc_peering.main.id
}
"#
    ),
    replace: Some(concat!(
        routed!(),
        r#"route contract {
  route_table_id            = route_table.main.id
  destination_cidr          = "10.1.0.0/24"
  vpc_peering_connection_id = vpc_peering.main.id
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::RouteKind,
    identity: Identity::Derived(route_id),
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
