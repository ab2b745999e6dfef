//! `instance`: a single EC2 instance, such as a bastion host.
//!
//! Read: one paginated describe of the stack's instances (by tag);
//! terminated instances and those of Auto Scaling groups are left out.
//! Changed in place: the instance type (stopped, changed, started), the
//! security groups and tags; the rest makes a new instance.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "instance",
    service: "ec2",
    summary: "A single EC2 instance, such as a bastion host.",
    attrs: &[
        required("image_id", Type::String, "The AMI.").force_new(),
        required(
            "instance_type",
            Type::String,
            "The instance type, such as \"t4g.nano\"; a change stops and starts the instance.",
        )
        .validate(instance_type),
        required("subnet_id", Type::String, "The subnet.").force_new(),
        // Without one, EC2 puts the instance in its VPC's default group.
        computed_optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "Security groups; without them, EC2 puts the instance in its VPC's default group.",
        ),
        optional(
            "associate_public_ip",
            Type::Bool,
            "false",
            "Give it a public address.",
        )
        .force_new(),
        optional("key_name", Type::String, "null", "An EC2 key pair for SSH.").force_new(),
        optional(
            "instance_profile_arn",
            Type::String,
            "null",
            "The IAM instance profile.",
        )
        .force_new(),
        optional(
            "user_data",
            Type::String,
            "null",
            "A boot script, as text (mdl encodes it).",
        )
        .force_new(),
        optional(
            "require_imdsv2",
            Type::Bool,
            "true",
            "Require session tokens for the instance metadata service (IMDSv2).",
        ),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "private_ip",
            doc: "The private IPv4 address.",
        },
        ComputedSchema {
            name: "public_ip",
            doc: "The public IPv4 address, when it has one.",
        },
    ],
    taggable: true,
    rank: 5,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[("ImageId", "image_id"), ("InstanceType", "instance_type")],
    );
    if get("associate_public_ip") == Some(&Value::Bool(true)) {
        let mut nic = serde_json::Map::new();
        nic.insert("DeviceIndex".into(), json!("0"));
        nic.insert("AssociatePublicIpAddress".into(), json!(true));
        nic.extend(super::cfn_values(
            cfn,
            attrs,
            &[
                ("SubnetId", "subnet_id"),
                ("GroupSet", "security_group_ids"),
            ],
        ));
        props.insert("NetworkInterfaces".into(), json!([nic]));
    } else {
        props.extend(super::cfn_values(
            cfn,
            attrs,
            &[
                ("SubnetId", "subnet_id"),
                ("SecurityGroupIds", "security_group_ids"),
            ],
        ));
    }
    props.extend(super::cfn_values(cfn, attrs, &[("KeyName", "key_name")]));
    if let Some(arn) = get("instance_profile_arn") {
        // The property takes the profile's name, the last part of its ARN.
        props.insert(
            "IamInstanceProfile".into(),
            json!({ "Fn::Select": [1, { "Fn::Split": ["instance-profile/", cfn.value(arn)] }] }),
        );
    }
    if let Some(u) = get("user_data") {
        props.insert("UserData".into(), json!({ "Fn::Base64": cfn.value(u) }));
    }
    let tokens = if get("require_imdsv2") == Some(&Value::Bool(false)) {
        "optional"
    } else {
        "required"
    };
    props.insert("MetadataOptions".into(), json!({ "HttpTokens": tokens }));
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::Instance",
    &[
        ("id", CfnAttr::Ref),
        ("private_ip", CfnAttr::GetAtt("PrivateIp")),
        ("public_ip", CfnAttr::GetAtt("PublicIp")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        net!(),
        "instance contract {\n  image_id      = \"",
        ami!(),
        "\"\n  instance_type = \"t4g.nano\"\n  subnet_id     = subnet.a.id\n}\n"
    ),
    update: concat!(
        net!(),
        "instance contract {\n  image_id      = \"",
        ami!(),
        "\"\n  instance_type = \"t4g.micro\"\n  subnet_id     = subnet.a.id\n}\n"
    ),
    replace: Some(concat!(
        net!(),
        "instance contract {\n  image_id      = \"",
        ami!(),
        "\"\n  instance_type = \"t4g.micro\"\n  subnet_id     = subnet.b.id\n}\n"
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

/// An EC2 instance type the SDK knows (`aws_sdk_ec2::types::InstanceType`,
/// generated from EC2's own model), with the nearest one when it is not.
pub fn instance_type(text: &str) -> Result<(), String> {
    let known = aws_sdk_ec2::types::InstanceType::values();
    if known.contains(&text) {
        return Ok(());
    }
    Err(
        match crate::diagnostics::suggest(text, known.iter().copied()) {
            Some(s) => format!("`{text}` is not an EC2 instance type: did you mean `{s}`?"),
            None => format!(
                "`{text}` is not an EC2 instance type, such as \"t4g.small\" or \"m6g.large\""
            ),
        },
    )
}
