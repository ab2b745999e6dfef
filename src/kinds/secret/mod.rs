//! `secret`: a Secrets Manager secret. Without `value`, mdl generates one
//! when it creates the secret; the value only ever leaves AWS as a digest
//! in state and `(sensitive)` in output.
//!
//! Read: one paginated `ListSecrets` filtered by the stack tag (tags come
//! with it), then `BatchGetSecretValue` twenty at a time. Changed in
//! place: the description, the KMS key, the value and tags. A new name is
//! a new secret; a deleted one waits `recovery_window_days`.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ARN, ID, KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "secret",
    service: "secretsmanager",
    summary: "A Secrets Manager secret; without `value`, mdl generates one when it creates the secret.",
    attrs: &[
        required("name", Type::String, "The secret name.").force_new(),
        optional(
            "description",
            Type::String,
            "\"\"",
            "What the secret is for.",
        ),
        computed_optional(
            "value",
            Type::String,
            "The secret value; leave it out to have one generated.",
        )
        .sensitive(),
        optional(
            "generate_length",
            Type::Number,
            "32",
            "Length of a generated value (letters and digits).",
        )
        .create_only(),
        computed_optional(
            "kms_key_id",
            Type::String,
            "The KMS key; the AWS-managed key when omitted.",
        ),
        optional(
            "recovery_window_days",
            Type::Number,
            "30",
            "Days a deleted secret can be restored; 0 deletes it at once.",
        )
        .create_only(),
        TAGS,
    ],
    computed: &[ID, ARN],
    taggable: true,
    rank: 6,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

/// The template's properties. A given value is never written into the
/// template: it is a NoEcho parameter, given when the stack is created.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = serde_json::Map::new();
    let mut set = |prop: &str, v: Option<&Value>| {
        if let Some(v) = v.filter(|v| **v != Value::Null) {
            props.insert(prop.into(), cfn.value(v));
        }
    };
    set("Name", attrs.get("name"));
    set(
        "Description",
        attrs.get("description").filter(|d| d.as_str() != Some("")),
    );
    set("KmsKeyId", attrs.get("kms_key_id"));
    if attrs.get("value").is_some_and(|v| *v != Value::Null) {
        props.insert(
            "SecretString".into(),
            cfn.no_echo("Value", "The value of the secret"),
        );
    } else {
        let length = attrs
            .get("generate_length")
            .and_then(Value::as_i64)
            .unwrap_or(32);
        props.insert(
            "GenerateSecretString".into(),
            json!({ "PasswordLength": length, "ExcludePunctuation": true }),
        );
    }
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

// A secret's `Ref` is its ARN.
static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::SecretsManager::Secret",
    &[("id", CfnAttr::Ref), ("arn", CfnAttr::Ref)],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: "secret contract {\n  name        = \"contract/secret/a\"\n  description = \"one\"\n}\n",
    update: "secret contract {\n  name        = \"contract/secret/a\"\n  description = \"two\"\n  tags        = { team = \"web\" }\n}\n",
    replace: Some(
        "secret contract {\n  name        = \"contract/secret/b\"\n  description = \"two\"\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Secrets,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
