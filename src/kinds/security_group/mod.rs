//! `security_group`: a security group with its ingress and egress rules,
//! one per source. Without `egress` blocks the group keeps AWS's default
//! allow-all egress; `egress = []` allows none. Rules written as
//! `security_group_rule` blocks are theirs, not the group's.
//!
//! Read: one describe by the stack tag. Changed in place: rules and tags;
//! a new name, description or VPC is a new group.

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

static RULE: BlockSchema = BlockSchema {
    attrs: &[
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
            "The first port of the range.",
        )
        .range(-1.0, 65535.0),
        optional("to_port", Type::Number, "0", "The last port of the range.").range(-1.0, 65535.0),
        optional(
            "cidr_blocks",
            Type::Set(&Type::String),
            "[]",
            "Source (ingress) or destination (egress) ranges.",
        )
        .validate(crate::schema::any_cidr),
        optional(
            "security_groups",
            Type::Set(&Type::String),
            "[]",
            "Source or destination security group ids.",
        ),
        optional(
            "self",
            Type::Bool,
            "false",
            "Whether the group itself is a source or destination.",
        ),
        optional("description", Type::String, "\"\"", "What the rule is for."),
    ],
    exactly_one_of: &[],
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "security_group",
    service: "ec2",
    summary: "A security group with its ingress and egress rules. Without `egress` blocks the group keeps AWS's default allow-all egress; `egress = []` allows none. Rules that are `security_group_rule` blocks are not the group's.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The group name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "description",
            Type::String,
            "\"Managed by mdl\"",
            "The group description.",
        )
        .force_new(),
        required("vpc_id", Type::String, "The VPC of the group.").force_new(),
        optional(
            "ingress",
            Type::Blocks(&RULE),
            "[]",
            "An inbound rule; one `ingress { ... }` block each.",
        )
        .per_source(),
        optional(
            "egress",
            Type::Blocks(&RULE),
            r#"[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"], "security_groups": [], "self": false, "description": ""}]"#,
            "An outbound rule; one `egress { ... }` block each. Without any, AWS's default allows all outbound traffic; `egress = []` allows none.",
        )
        .per_source(),
        TAGS,
    ],
    computed: &[ID],
    taggable: true,
    rank: 2,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(cfn, attrs, &[("GroupName", "name")]);
    props.insert(
        "GroupDescription".into(),
        get("description").map_or_else(|| json!("Managed by mdl"), |d| cfn.value(d)),
    );
    props.extend(super::cfn_values(cfn, attrs, &[("VpcId", "vpc_id")]));
    let id = cfn.logical_id();
    for (name, key) in [
        ("SecurityGroupIngress", "ingress"),
        ("SecurityGroupEgress", "egress"),
    ] {
        let mut written = rules(cfn, get(key), &id, key == "ingress");
        if key == "egress" && written.is_empty() {
            // CloudFormation gives a group without egress rules AWS's
            // allow-all one. `egress = []` is a rule that matches nothing.
            written.push(json!({
                "IpProtocol": "icmp",
                "FromPort": 252,
                "ToPort": 86,
                "CidrIp": "255.255.255.255/32",
                "Description": "Disallow all traffic",
            }));
        }
        props.insert(name.into(), Json::Array(written));
    }
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

/// Security group rules, one per source, as CloudFormation writes them.
fn rules(cfn: &dyn CfnValues, blocks: Option<&Value>, own: &str, ingress: bool) -> Vec<Json> {
    let mut out = Vec::new();
    for rule in blocks.and_then(Value::as_list).unwrap_or_default() {
        let Some(r) = rule.as_map() else { continue };
        let protocol = r.get("protocol").and_then(Value::as_str).unwrap_or("tcp");
        let mut base = serde_json::Map::new();
        base.insert("IpProtocol".into(), json!(protocol));
        if protocol != "-1" {
            base.insert(
                "FromPort".into(),
                json!(r.get("from_port").and_then(Value::as_i64).unwrap_or(0)),
            );
            base.insert(
                "ToPort".into(),
                json!(r.get("to_port").and_then(Value::as_i64).unwrap_or(0)),
            );
        }
        if let Some(d) = r
            .get("description")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
        {
            base.insert("Description".into(), json!(d));
        }
        let (cidr_key, group_key) = if ingress {
            ("CidrIp", "SourceSecurityGroupId")
        } else {
            ("CidrIp", "DestinationSecurityGroupId")
        };
        for c in r
            .get("cidr_blocks")
            .and_then(Value::as_list)
            .unwrap_or_default()
        {
            let mut m = base.clone();
            m.insert(cidr_key.into(), cfn.value(c));
            out.push(Json::Object(m));
        }
        for g in r
            .get("security_groups")
            .and_then(Value::as_list)
            .unwrap_or_default()
        {
            let mut m = base.clone();
            m.insert(group_key.into(), cfn.value(g));
            out.push(Json::Object(m));
        }
        if r.get("self") == Some(&Value::Bool(true)) {
            let mut m = base.clone();
            m.insert(group_key.into(), json!({ "Fn::GetAtt": [own, "GroupId"] }));
            out.push(Json::Object(m));
        }
    }
    out
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::SecurityGroup",
    &[
        // A group's `Ref` is its name in a default VPC: its id is GroupId.
        ("id", CfnAttr::GetAtt("GroupId")),
    ],
    properties,
)
.with_parts(&[
    ("AWS::EC2::SecurityGroupIngress", "an ingress block"),
    ("AWS::EC2::SecurityGroupEgress", "an egress block"),
]);

static FIXTURE: Fixture = Fixture {
    create: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

security_group contract {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }
}
"#,
    update: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

security_group contract {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }
  ingress {
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["10.0.0.0/16"]
  }
  tags = { team = "web" }
}
"#,
    replace: Some(
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

security_group contract {
  vpc_id      = vpc.main.id
  description = "The contract test's group"
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }
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

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use crate::schema::normalize::normalize;
    use crate::value::Value;

    fn rule(cidrs: &[&str], from: f64) -> Value {
        let mut m = IndexMap::new();
        m.insert("from_port".into(), Value::Number(from));
        m.insert("to_port".into(), Value::Number(from));
        m.insert(
            "cidr_blocks".into(),
            Value::List(cidrs.iter().map(|c| Value::str(*c)).collect()),
        );
        Value::Map(m)
    }

    #[test]
    fn rules_with_several_sources_equal_their_exploded_form() {
        let kind = &super::SCHEMA;
        let mut a = IndexMap::new();
        a.insert(
            "ingress".to_string(),
            Value::List(vec![rule(&["10.0.0.0/8", "192.168.0.0/16"], 443.0)]),
        );
        let mut b = IndexMap::new();
        b.insert(
            "ingress".to_string(),
            Value::List(vec![
                rule(&["192.168.0.0/16"], 443.0),
                rule(&["10.0.0.0/8"], 443.0),
            ]),
        );
        assert_eq!(normalize(kind, &a, ""), normalize(kind, &b, ""));
        let mut c = IndexMap::new();
        c.insert(
            "ingress".to_string(),
            Value::List(vec![rule(&["10.0.0.0/8"], 80.0)]),
        );
        assert_ne!(normalize(kind, &a, ""), normalize(kind, &c, ""));
    }
}
