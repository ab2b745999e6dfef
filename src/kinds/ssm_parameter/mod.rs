//! `ssm_parameter`: an SSM Parameter Store parameter holding a setting;
//! a SecureString's value is a secret.
//!
//! Read: one paginated `DescribeParameters` filtered by the stack tag,
//! then `GetParameters` ten names a call for the values; tags (and so the
//! address) per parameter only for those state does not know. Changed in
//! place: the value, the description and tags. A new name or type is a
//! new parameter. CloudFormation cannot create a SecureString parameter:
//! an export leaves it out, refers to it by name, and says to create it
//! first.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Outside};
use crate::schema::{ARN, ID, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "ssm_parameter",
    service: "ssm",
    summary: "An SSM Parameter Store parameter holding a setting; SecureString values are secrets.",
    attrs: &[
        required(
            "name",
            Type::String,
            "The parameter name, such as \"/Moodle/prod/DomainName\".",
        )
        .force_new(),
        optional(
            "type",
            Type::String,
            "\"String\"",
            "String, StringList or SecureString.",
        )
        .force_new()
        .one_of(&["String", "StringList", "SecureString"]),
        required("value", Type::String, "The value.").sensitive_if("type", "SecureString"),
        optional(
            "description",
            Type::String,
            "\"\"",
            "What the parameter is for.",
        ),
        TAGS,
    ],
    computed: &[ID, ARN],
    taggable: true,
    rank: 6,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[("Name", "name"), ("Type", "type"), ("Value", "value")],
    );
    if let Some(d) = attrs
        .get("description")
        .filter(|d| **d != Value::Null && d.as_str() != Some(""))
    {
        props.insert("Description".into(), cfn.value(d));
    }
    // A parameter's tags are a map, not CloudFormation's usual list.
    if let Some(Value::Map(tags)) = attrs.get("tags")
        && !tags.is_empty()
    {
        props.insert(
            "Tags".into(),
            Json::Object(
                tags.iter()
                    .map(|(k, v)| (k.clone(), cfn.value(v)))
                    .collect(),
            ),
        );
    }
    props
}

fn secure_string(attrs: &IndexMap<String, Value>) -> bool {
    attrs.get("type").and_then(Value::as_str) == Some("SecureString")
}

/// A value of a SecureString parameter, from its name in template form.
fn secure_reference(name: &Json, attr: &str) -> Json {
    match (attr, name.as_str()) {
        ("arn", _) => json!({ "Fn::Sub": [
            "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${Name}",
            { "Name": { "Fn::Select": [1, { "Fn::Split": ["/", { "Fn::Join": ["", ["/", name.clone()]] }] }] } }
        ] }),
        ("value", Some(n)) => json!(format!("{{{{resolve:ssm-secure:{n}}}}}")),
        _ => name.clone(),
    }
}

/// AWS::SSM::Parameter takes String and StringList only.
static SECURE_STRING: Outside = Outside {
    when: secure_string,
    name: "name",
    reference: secure_reference,
    why: "CloudFormation cannot create SecureString parameters: create it first (aws ssm put-parameter --type SecureString); the template refers to it by name",
};

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::SSM::Parameter",
    &[
        // A parameter's `Ref` is its name, mdl's id for it.
        ("id", CfnAttr::Ref),
        // AWS::SSM::Parameter returns no ARN.
        ("arn", CfnAttr::Unavailable),
    ],
    properties,
)
.outside(&SECURE_STRING);

static FIXTURE: Fixture = Fixture {
    create: "ssm_parameter contract {\n  name  = \"/contract/ssm/a\"\n  value = \"one\"\n}\n",
    update: "ssm_parameter contract {\n  name        = \"/contract/ssm/a\"\n  value       = \"two\"\n  description = \"The contract test's\"\n}\n",
    replace: Some(
        "ssm_parameter contract {\n  name        = \"/contract/ssm/b\"\n  value       = \"two\"\n  description = \"The contract test's\"\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Parameters,
    identity: Identity::GivenName,
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
