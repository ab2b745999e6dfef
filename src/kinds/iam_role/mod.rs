//! `iam_role`: an IAM role a service assumes (a task execution role, a
//! task role, EventBridge's role to run the cron task), with managed
//! policies and one inline policy. Roles live under the path
//! `/mdl/<stack>/`, so one paginated `ListRoles` finds the stack's.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "iam_role",
    service: "iam",
    summary: "An IAM role that a service assumes: a task execution role or a task role.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The role name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        required(
            "trusted_service",
            Type::String,
            "The service that assumes it, such as \"ecs-tasks.amazonaws.com\".",
        ),
        optional(
            "managed_policy_arns",
            Type::Set(&Type::String),
            "[]",
            "Managed policies to attach.",
        ),
        optional(
            "inline_policy",
            Type::String,
            "null",
            "A policy document (JSON) kept on the role.",
        ),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The role's name.",
        },
        ComputedSchema {
            name: "arn",
            doc: "The role's ARN.",
        },
    ],
    taggable: true,
    rank: 0,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_properties(
        cfn,
        attrs,
        &[
            ("RoleName", "name"),
            ("ManagedPolicyArns", "managed_policy_arns"),
        ],
    );
    let given = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    props.insert(
        "AssumeRolePolicyDocument".into(),
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": given("trusted_service").map_or(Json::Null, |t| cfn.value(t)) },
                "Action": "sts:AssumeRole"
            }]
        }),
    );
    if let Some(Value::String(doc)) = given("inline_policy") {
        let document = serde_json::from_str::<Json>(doc).unwrap_or_else(|_| json!(doc));
        props.insert(
            "Policies".into(),
            json!([{ "PolicyName": "mdl-inline", "PolicyDocument": document }]),
        );
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::IAM::Role",
    &[
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("Arn")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: "iam_role contract {\n  trusted_service = \"ecs-tasks.amazonaws.com\"\n}\n",
    update: "iam_role contract {\n  trusted_service = \"ecs-tasks.amazonaws.com\"\n  inline_policy   = \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"logs:*\\\",\\\"Resource\\\":\\\"*\\\"}]}\"\n  tags            = { team = \"web\" }\n}\n",
    replace: Some(
        "iam_role contract {\n  name            = \"contract-role-2\"\n  trusted_service = \"ecs-tasks.amazonaws.com\"\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Roles,
    identity: Identity::Name,
    per_resource_reads: false,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
