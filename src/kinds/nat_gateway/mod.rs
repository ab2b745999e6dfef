//! `nat_gateway`: a NAT gateway in a subnet; a public one gets its own
//! elastic IP, which mdl allocates and releases with it.
//!
//! Read: one describe by the stack tag. Changed in place: tags only.

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
    name: "nat_gateway",
    service: "ec2",
    summary: "A NAT gateway in a subnet; a public one gets its own elastic IP, which mdl allocates and releases with it.",
    attrs: &[
        required(
            "subnet_id",
            Type::String,
            "The (public) subnet the gateway sits in.",
        )
        .force_new(),
        optional(
            "connectivity_type",
            Type::String,
            "\"public\"",
            "Whether the gateway reaches the internet.",
        )
        .force_new()
        .one_of(&["public", "private"]),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "public_ip",
            doc: "The elastic IP address of a public gateway.",
        },
        ComputedSchema {
            name: "allocation_id",
            doc: "The allocation id of that elastic IP.",
        },
    ],
    taggable: true,
    rank: 2,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

/// The gateway, and for a public one the elastic IP mdl allocates with it
/// as a resource of its own (`<LogicalId>Eip`).
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = serde_json::Map::new();
    let public = attrs.get("connectivity_type").and_then(Value::as_str) != Some("private");
    if public {
        let id = cfn.logical_id();
        let mut eip = serde_json::Map::new();
        eip.insert("Domain".into(), json!("vpc"));
        cfn.before(format!("{id}Eip"), "AWS::EC2::EIP", eip);
        props.insert(
            "AllocationId".into(),
            json!({ "Fn::GetAtt": [format!("{id}Eip"), "AllocationId"] }),
        );
    }
    props.extend(super::cfn_properties(
        cfn,
        attrs,
        &[
            ("SubnetId", "subnet_id"),
            ("ConnectivityType", "connectivity_type"),
        ],
    ));
    props
}

fn public_ip(id: &str) -> Json {
    json!({ "Ref": format!("{id}Eip") })
}

fn allocation_id(id: &str) -> Json {
    json!({ "Fn::GetAtt": [format!("{id}Eip"), "AllocationId"] })
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::NatGateway",
    &[
        ("id", CfnAttr::Ref),
        ("public_ip", CfnAttr::Expr(public_ip)),
        ("allocation_id", CfnAttr::Expr(allocation_id)),
    ],
    properties,
)
.with_parts(&[("AWS::EC2::EIP", "its elastic IP")]);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        net!(),
        r#"internet_gateway main {
  vpc_id = vpc.main.id
}

nat_gateway contract {
  subnet_id = subnet.a.id
}
"#
    ),
    update: concat!(
        net!(),
        r#"internet_gateway main {
  vpc_id = vpc.main.id
}

nat_gateway contract {
  subnet_id = subnet.a.id
  tags      = { team = "web" }
}
"#
    ),
    replace: Some(concat!(
        net!(),
        r#"internet_gateway main {
  vpc_id = vpc.main.id
}

nat_gateway contract {
  subnet_id = subnet.b.id
  tags      = { team = "web" }
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
