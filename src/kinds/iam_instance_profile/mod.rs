//! `iam_instance_profile`: what an EC2 instance (a launch template's, the
//! bastion's) carries its IAM role in. One role at most, as AWS allows.
//! Profiles live under the path `/mdl/<stack>/`, as roles do, so one
//! paginated `ListInstanceProfiles` finds the stack's.
//!
//! Changed in place: the role (removed, then the new one added) and tags.
//! A new name is a new profile.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "iam_instance_profile",
    service: "iam",
    summary: "An IAM instance profile: how an EC2 instance (a launch template's, the bastion's) takes an IAM role.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The profile's name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "role",
            Type::String,
            "null",
            "The name of the role the instances take, such as `iam_role.web.name`; null for none.",
        ),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The profile's name.",
        },
        ComputedSchema {
            name: "arn",
            doc: "The profile's ARN, as a launch template's `instance_profile_arn` takes it.",
        },
    ],
    taggable: true,
    rank: 1,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

/// The profile's properties. CloudFormation's instance profile takes no
/// tags: the template leaves them out.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_values(cfn, attrs, &[("InstanceProfileName", "name")]);
    let roles = attrs
        .get("role")
        .filter(|v| **v != Value::Null)
        .map_or_else(Vec::new, |r| vec![cfn.value(r)]);
    props.insert("Roles".into(), json!(roles));
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::IAM::InstanceProfile",
    &[
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("Arn")),
    ],
    properties,
);

/// Two roles EC2 instances can take.
macro_rules! roles {
    () => {
        r#"iam_role web {
  trusted_service = "ec2.amazonaws.com"
}

iam_role bastion {
  trusted_service = "ec2.amazonaws.com"
}

"#
    };
}

static FIXTURE: Fixture = Fixture {
    create: concat!(
        roles!(),
        "iam_instance_profile contract {\n  role = iam_role.web.name\n}\n"
    ),
    update: concat!(
        roles!(),
        "iam_instance_profile contract {\n  role = iam_role.bastion.name\n  tags = { team = \"web\" }\n}\n"
    ),
    replace: Some(concat!(
        roles!(),
        "iam_instance_profile contract {\n  name = \"contract-profile-2\"\n  role = iam_role.bastion.name\n  tags = { team = \"web\" }\n}\n"
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Profiles,
    identity: Identity::Name,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
