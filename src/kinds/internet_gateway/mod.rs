//! `internet_gateway`: an internet gateway attached to a VPC.
//!
//! Read: one describe by the stack tag. Changed in place: the VPC it is
//! attached to and tags.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, required};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "internet_gateway",
    service: "ec2",
    summary: "An internet gateway attached to a VPC.",
    attrs: &[
        required(
            "vpc_id",
            Type::String,
            "The VPC the gateway is attached to.",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[ID],
    taggable: true,
    rank: 1,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

/// The gateway, and its attachment to the VPC as a resource of its own
/// (`<LogicalId>Attachment`).
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let props = super::cfn_properties(cfn, attrs, &[]);
    if let Some(vpc) = attrs.get("vpc_id").filter(|v| **v != Value::Null) {
        let id = cfn.logical_id();
        let mut attach = serde_json::Map::new();
        attach.insert("VpcId".into(), cfn.value(vpc));
        attach.insert("InternetGatewayId".into(), json!({ "Ref": id }));
        cfn.also(
            format!("{id}Attachment"),
            "AWS::EC2::VPCGatewayAttachment",
            attach,
            Vec::new(),
        );
    }
    props
}

/// What a route through `target` must wait for: the attachment of the
/// internet gateway it names, if it names one.
pub(crate) fn attachment_of(cfn: &dyn CfnValues, target: Option<&Value>) -> Vec<String> {
    match target.and_then(|v| cfn.reference_to(v)) {
        Some((addr, logical_id)) if addr.kind == SCHEMA.name => {
            vec![format!("{logical_id}Attachment")]
        }
        _ => Vec::new(),
    }
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::InternetGateway",
    &[("id", CfnAttr::Ref)],
    properties,
)
.with_parts(&[("AWS::EC2::VPCGatewayAttachment", "its vpc_id")]);

static FIXTURE: Fixture = Fixture {
    create: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc other {
  cidr_block = "10.1.0.0/16"
}

internet_gateway contract {
  vpc_id = vpc.main.id
}
"#,
    update: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc other {
  cidr_block = "10.1.0.0/16"
}

internet_gateway contract {
  vpc_id = vpc.main.id
  tags   = { team = "web" }
}
"#,
    replace: Some(
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc other {
  cidr_block = "10.1.0.0/16"
}

internet_gateway contract {
  vpc_id = vpc.other.id
  tags   = { team = "web" }
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
