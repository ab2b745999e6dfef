//! `launch_template`: an EC2 launch template for an Auto Scaling group's
//! web servers (IMDSv2 required by default).
//!
//! Read: one describe of the stack's templates (by tag), then the default
//! version of each. A change of what instances get makes a new default
//! version; tags change in place.

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
    name: "launch_template",
    service: "ec2",
    summary: "An EC2 launch template for web servers. A change adds a version and makes it the default.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The template name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        required("image_id", Type::String, "The AMI."),
        required(
            "instance_type",
            Type::String,
            "The instance type, such as \"m6g.large\".",
        )
        .validate(super::instance::instance_type),
        optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "[]",
            "Security groups of the instances.",
        ),
        optional(
            "instance_profile_arn",
            Type::String,
            "null",
            "The IAM instance profile.",
        ),
        optional("key_name", Type::String, "null", "An EC2 key pair for SSH."),
        optional(
            "user_data",
            Type::String,
            "null",
            "A boot script, as text (mdl encodes it).",
        ),
        optional(
            "root_volume_gib",
            Type::Number,
            "null",
            "Size of the root volume (gp3, device /dev/xvda) in GiB; the AMI's when unset.",
        ),
        optional(
            "require_imdsv2",
            Type::Bool,
            "true",
            "Require session tokens for the instance metadata service.",
        ),
        optional(
            "detailed_monitoring",
            Type::Bool,
            "false",
            "CloudWatch metrics every minute instead of every five (charged per instance).",
        ),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "latest_version",
            doc: "The newest version number.",
        },
    ],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

/// A template's properties: the instances' settings are its data; a
/// template carries no tags of its own in CloudFormation.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(cfn, attrs, &[("LaunchTemplateName", "name")]);
    let mut data = super::cfn_values(
        cfn,
        attrs,
        &[
            ("ImageId", "image_id"),
            ("InstanceType", "instance_type"),
            ("SecurityGroupIds", "security_group_ids"),
            ("KeyName", "key_name"),
        ],
    );
    if let Some(p) = get("instance_profile_arn") {
        data.insert("IamInstanceProfile".into(), json!({ "Arn": cfn.value(p) }));
    }
    if let Some(u) = get("user_data") {
        data.insert("UserData".into(), json!({ "Fn::Base64": cfn.value(u) }));
    }
    if let Some(size) = get("root_volume_gib") {
        data.insert(
            "BlockDeviceMappings".into(),
            json!([{ "DeviceName": "/dev/xvda", "Ebs": { "VolumeSize": cfn.value(size), "VolumeType": "gp3", "Encrypted": true } }]),
        );
    }
    let tokens = if get("require_imdsv2") == Some(&Value::Bool(false)) {
        "optional"
    } else {
        "required"
    };
    data.insert("MetadataOptions".into(), json!({ "HttpTokens": tokens }));
    if get("detailed_monitoring") == Some(&Value::Bool(true)) {
        data.insert("Monitoring".into(), json!({ "Enabled": true }));
    }
    props.insert("LaunchTemplateData".into(), Json::Object(data));
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EC2::LaunchTemplate",
    &[
        ("id", CfnAttr::Ref),
        ("latest_version", CfnAttr::GetAtt("LatestVersionNumber")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        "launch_template contract {\n  image_id      = \"",
        ami!(),
        "\"\n  instance_type = \"t4g.nano\"\n}\n"
    ),
    update: concat!(
        "launch_template contract {\n  image_id      = \"",
        ami!(),
        "\"\n  instance_type = \"t4g.micro\"\n}\n"
    ),
    replace: Some(concat!(
        "launch_template contract {\n  name          = \"contract-template-2\"\n  image_id      = \"",
        ami!(),
        "\"\n  instance_type = \"t4g.micro\"\n}\n"
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
