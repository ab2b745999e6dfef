//! `iam_role`: an IAM role a service assumes (a task execution role, a
//! task role, EventBridge's role to run the cron task), with managed
//! policies and inline policies: `inline_policy` (the policy named `mdl`)
//! and any number more by name (`inline_policies`). Roles live under the path
//! `/mdl/<stack>/`, so one paginated `ListRoles` finds the stack's.

pub(crate) mod aws;

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
            "A policy document (JSON) kept on the role, as its inline policy named `mdl`.",
        ),
        optional(
            "inline_policies",
            Type::Map(&Type::String),
            "{}",
            "More inline policies, by name, each a policy document (JSON) as a string: `{ \"s3-access\" = \"{...}\" }`. The name `mdl` is `inline_policy`'s.",
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
    let document = |doc: &str| cfn.document(doc);
    let mut policies = Vec::new();
    if let Some(Value::String(doc)) = given("inline_policy") {
        policies.push(json!({ "PolicyName": aws::INLINE, "PolicyDocument": document(doc) }));
    }
    for (name, doc) in given("inline_policies")
        .and_then(Value::as_map)
        .into_iter()
        .flatten()
    {
        let doc = match doc {
            Value::String(doc) => document(doc),
            other => cfn.value(other),
        };
        policies.push(json!({ "PolicyName": name, "PolicyDocument": doc }));
    }
    if !policies.is_empty() {
        props.insert("Policies".into(), Json::Array(policies));
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
    update: r#"iam_role contract {
  trusted_service = "ecs-tasks.amazonaws.com"
  inline_policy   = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"logs:*\",\"Resource\":\"*\"}]}"
  inline_policies = {
    "s3-read" = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"
    ssm       = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ssm:GetParameter\",\"Resource\":\"*\"}]}"
  }
  tags = { team = "web" }
}
"#,
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
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
