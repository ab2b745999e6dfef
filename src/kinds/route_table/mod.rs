//! `route_table`: a route table with its routes and the subnets
//! associated with it.
//!
//! Read: one describe by the stack tag. Changed in place: routes,
//! associations and tags. A table without `route` blocks leaves its
//! routes alone (they may be separate `route` blocks).

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{BlockSchema, KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

static ROUTE: BlockSchema = BlockSchema {
    attrs: &[
        required("cidr_block", Type::String, "The destination range."),
        optional(
            "gateway_id",
            Type::String,
            "null",
            "Send the traffic to this internet gateway.",
        ),
        optional(
            "nat_gateway_id",
            Type::String,
            "null",
            "Send the traffic to this NAT gateway.",
        ),
        optional(
            "vpc_peering_connection_id",
            Type::String,
            "null",
            "Send the traffic over this VPC peering.",
        ),
    ],
    exactly_one_of: &["gateway_id", "nat_gateway_id", "vpc_peering_connection_id"],
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "route_table",
    service: "ec2",
    summary: "A route table with its routes and the subnets associated with it.",
    attrs: &[
        required("vpc_id", Type::String, "The VPC of the route table.").force_new(),
        // Without route blocks the table's routes are not this block's to
        // manage: a Terraform habit is a table with separate routes.
        computed_optional(
            "route",
            Type::Blocks(&ROUTE),
            "A route; write one `route { ... }` block per destination. Without any, the table's routes are left alone (`route` blocks of their own, routes added by hand); with some, they are all of them.",
        ),
        optional(
            "subnet_ids",
            Type::Set(&Type::String),
            "[]",
            "Subnets that use this route table.",
        ),
        TAGS,
    ],
    computed: &[ID],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

/// The table, its `route` blocks (`<LogicalId>RouteN`, after the
/// attachment of an internet gateway they go through) and its subnet
/// associations (`<LogicalId>AssociationN`) as resources of their own.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let props = super::cfn_properties(cfn, attrs, &[("VpcId", "vpc_id")]);
    let id = cfn.logical_id();
    let routes = get("route").and_then(Value::as_list).unwrap_or_default();
    for (i, route) in routes.iter().enumerate() {
        let Some(r) = route.as_map() else { continue };
        let mut p = serde_json::Map::new();
        p.insert("RouteTableId".into(), json!({ "Ref": id }));
        p.extend(super::cfn_values(
            cfn,
            r,
            &[
                ("DestinationCidrBlock", "cidr_block"),
                ("GatewayId", "gateway_id"),
                ("NatGatewayId", "nat_gateway_id"),
                ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
            ],
        ));
        let depends = super::internet_gateway::attachment_of(
            cfn,
            r.get("gateway_id").filter(|v| **v != Value::Null),
        );
        cfn.also(format!("{id}Route{}", i + 1), "AWS::EC2::Route", p, depends);
    }
    let subnets = get("subnet_ids")
        .and_then(Value::as_list)
        .unwrap_or_default();
    for (i, subnet) in subnets.iter().enumerate() {
        let mut p = serde_json::Map::new();
        p.insert("RouteTableId".into(), json!({ "Ref": id }));
        p.insert("SubnetId".into(), cfn.value(subnet));
        cfn.also(
            format!("{id}Association{}", i + 1),
            "AWS::EC2::SubnetRouteTableAssociation",
            p,
            Vec::new(),
        );
    }
    props
}

static CLOUDFORMATION: CfnMapping =
    CfnMapping::of("AWS::EC2::RouteTable", &[("id", CfnAttr::Ref)], properties).with_parts(&[
        ("AWS::EC2::Route", "a route block"),
        ("AWS::EC2::SubnetRouteTableAssociation", "its subnet_ids"),
    ]);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        net!(),
        r#"vpc other {
  cidr_block = "10.1.0.0/16"
}

route_table contract {
  vpc_id     = vpc.main.id
  subnet_ids = [subnet.a.id]
}
"#
    ),
    update: concat!(
        net!(),
        r#"vpc other {
  cidr_block = "10.1.0.0/16"
}

route_table contract {
  vpc_id     = vpc.main.id
  subnet_ids = [subnet.a.id, subnet.b.id]
}
"#
    ),
    replace: Some(concat!(
        net!(),
        r#"vpc other {
  cidr_block = "10.1.0.0/16"
}

route_table contract {
  vpc_id = vpc.other.id
}
"#
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
