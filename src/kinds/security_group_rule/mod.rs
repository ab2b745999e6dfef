//! `security_group_rule`: one ingress or egress rule of a security group,
//! as a block of its own. Two groups whose rules name each other (the web
//! tier's egress to the database, the database's ingress from the web
//! tier) refer to each other only through their rules, so the groups have
//! no reference cycle.
//!
//! A standalone rule carries mdl's tags (security group rules are EC2
//! resources of their own, `sgr-...`); its group's `ingress` and `egress`
//! leave such rules out, so the two never fight over one rule.
//!
//! Read: one `DescribeSecurityGroupRules` by the stack tag. Changed in
//! place (`ModifySecurityGroupRules`): protocol, ports, source or
//! destination, description, tags. Another group or direction is a new
//! rule.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "security_group_rule",
    service: "ec2",
    summary: "One ingress or egress rule of a security group, as a block of its own: for groups whose rules refer to each other, which as `ingress`/`egress` blocks would be a reference cycle. Set exactly one of `cidr_block` and `referenced_security_group_id`.",
    attrs: &[
        required(
            "security_group_id",
            Type::String,
            "The group the rule belongs to.",
        )
        .force_new(),
        required(
            "direction",
            Type::String,
            "\"ingress\" (traffic into the group's members) or \"egress\" (out of them).",
        )
        .force_new()
        .one_of(&["ingress", "egress"]),
        optional(
            "protocol",
            Type::String,
            "\"tcp\"",
            "The protocol: tcp, udp, icmp or -1 for all.",
        )
        .one_of(&["tcp", "udp", "icmp", "-1"]),
        optional(
            "from_port",
            Type::Number,
            "0",
            "The first port of the range (for icmp, the type; -1 for all).",
        )
        .range(-1.0, 65535.0),
        optional(
            "to_port",
            Type::Number,
            "0",
            "The last port of the range (for icmp, the code; -1 for all).",
        )
        .range(-1.0, 65535.0),
        optional(
            "cidr_block",
            Type::String,
            "null",
            "The IPv4 range traffic comes from (ingress) or goes to (egress).",
        )
        .validate(crate::schema::any_cidr),
        optional(
            "referenced_security_group_id",
            Type::String,
            "null",
            "The group whose members traffic comes from (ingress) or goes to (egress).",
        ),
        optional("description", Type::String, "\"\"", "What the rule is for."),
        TAGS,
    ],
    computed: &[ComputedSchema {
        name: "id",
        doc: "The rule's id (`sgr-...`).",
    }],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
    exactly_one_of: &["cidr_block", "referenced_security_group_id"],
};

/// Ingress or egress: CloudFormation has a type for each.
fn type_of(attrs: &IndexMap<String, Value>) -> &'static str {
    if attrs.get("direction").and_then(Value::as_str) == Some("egress") {
        "AWS::EC2::SecurityGroupEgress"
    } else {
        "AWS::EC2::SecurityGroupIngress"
    }
}

/// The rule's properties. CloudFormation cannot tag a standalone rule:
/// the template leaves its tags out.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let egress = type_of(attrs) == "AWS::EC2::SecurityGroupEgress";
    let protocol = attrs
        .get("protocol")
        .and_then(Value::as_str)
        .unwrap_or("tcp");
    let mut props = super::cfn_values(cfn, attrs, &[("GroupId", "security_group_id")]);
    props.insert("IpProtocol".into(), json!(protocol));
    if protocol != "-1" {
        props.extend(super::cfn_values(
            cfn,
            attrs,
            &[("FromPort", "from_port"), ("ToPort", "to_port")],
        ));
    }
    let peer = if egress {
        "DestinationSecurityGroupId"
    } else {
        "SourceSecurityGroupId"
    };
    props.extend(super::cfn_values(
        cfn,
        attrs,
        &[
            ("CidrIp", "cidr_block"),
            (peer, "referenced_security_group_id"),
        ],
    ));
    if let Some(d) = attrs
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
    {
        props.insert("Description".into(), json!(d));
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::SecurityGroupIngress",
    &[("id", CfnAttr::GetAtt("Id"))],
    properties,
)
.typed_by(type_of, &["AWS::EC2::SecurityGroupEgress"]);

/// Two groups of one VPC, for rules between them.
macro_rules! groups {
    () => {
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

security_group web {
  vpc_id = vpc.main.id
}

security_group db {
  vpc_id = vpc.main.id
  egress = []
}

"#
    };
}

// moto 5.2.5 answers a rule's description only for a range, where AWS
// answers it for a referenced group too; and its ModifySecurityGroupRules
// changes only the protocol, ports, range and a description given, where
// AWS changes the referenced group as well. The fixture changes in place
// only what both do.
static FIXTURE: Fixture = Fixture {
    create: concat!(
        groups!(),
        r#"security_group_rule contract {
  security_group_id = security_group.db.id
  direction         = "ingress"
  from_port         = 5432
  to_port           = 5432
  cidr_block        = "10.0.0.0/16"
  description       = "PostgreSQL from the VPC"
}
"#
    ),
    update: concat!(
        groups!(),
        r#"security_group_rule contract {
  security_group_id = security_group.db.id
  direction         = "ingress"
  from_port         = 3306
  to_port           = 3306
  cidr_block        = "10.0.1.0/24"
  description       = "MySQL from the web subnet"
  tags              = { tier = "data" }
}
"#
    ),
    replace: Some(concat!(
        groups!(),
        r#"security_group_rule contract {
  security_group_id            = security_group.db.id
  direction                    = "egress"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = security_group.web.id
  tags                         = { tier = "data" }
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
