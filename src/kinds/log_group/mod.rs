//! `log_group`: a CloudWatch Logs log group, where the Moodle containers,
//! the cron task and the load balancer's access logs go.
//!
//! Read: one paginated `DescribeLogGroups`, then `ListTagsForResource` for
//! each group (ten at once), since the describe filters by name prefix
//! only and a group is known to be the stack's by its tags. Changed in
//! place: retention (`PutRetentionPolicy`, `DeleteRetentionPolicy`), the
//! KMS key (`AssociateKmsKey`, `DisassociateKmsKey`) and tags. A new name
//! is a new group.

mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    AttrSchema, ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional,
};
use crate::value::Value;

/// The retention periods CloudWatch Logs accepts, in days.
const RETENTION_DAYS: &[&str] = &[
    "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731",
    "1096", "1827", "2192", "2557", "2922", "3288", "3653",
];

/// A log group name: 1 to 512 of letters, digits, `.`, `-`, `_`, `/`, `#`.
fn valid_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 512 {
        return Err(format!(
            "must be 1 to 512 characters long, not {}",
            name.len()
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')))
    {
        Some(c) => Err(format!(
            "may hold letters, digits and . - _ / # only, not `{c}`"
        )),
        None => Ok(()),
    }
}

const ATTRS: &[AttrSchema] = &[
    computed_optional(
        "name",
        Type::String,
        "The log group's name, such as \"/moodle/web\"; defaults to `<stack>-<block name>`.",
    )
    .force_new()
    .validate(valid_name),
    optional(
        "retention_days",
        Type::Number,
        "null",
        "How many days events are kept: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653; null keeps them for ever.",
    )
    .one_of(RETENTION_DAYS),
    optional(
        "kms_key_id",
        Type::String,
        "null",
        "The ARN of the KMS key that encrypts the events; null for CloudWatch Logs' own encryption. The key's policy must let the logs service use it.",
    ),
    TAGS,
];

pub static SCHEMA: KindSchema = KindSchema {
    name: "log_group",
    service: "logs",
    summary: "A CloudWatch Logs log group: where the containers, the cron task and other services write their logs.",
    attrs: ATTRS,
    computed: &[ComputedSchema {
        name: "arn",
        doc: "The log group's ARN, ending in `:*` as IAM policies and CloudFormation's `Arn` give it.",
    }],
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
    super::cfn_properties(
        cfn,
        attrs,
        &[
            ("LogGroupName", "name"),
            ("RetentionInDays", "retention_days"),
            ("KmsKeyId", "kms_key_id"),
        ],
    )
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::Logs::LogGroup",
    &[("name", CfnAttr::Ref), ("arn", CfnAttr::GetAtt("Arn"))],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: "log_group contract {\n  retention_days = 7\n  tags           = { team = \"web\" }\n}\n",
    update: "log_group contract {\n  retention_days = 30\n  tags           = { team = \"web\", tier = \"app\" }\n}\n",
    replace: Some(
        "log_group contract {\n  name           = \"/mdl/contract/renamed\"\n  retention_days = 30\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::LogGroups,
    identity: Identity::Name,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_are_checked_as_cloudwatch_logs_does() {
        assert!(valid_name("/moodle/web").is_ok());
        assert!(valid_name("prod-app_1.#x").is_ok());
        assert!(valid_name("").unwrap_err().contains("1 to 512"));
        assert!(valid_name(&"a".repeat(513)).unwrap_err().contains("513"));
        assert!(valid_name("moodle web").unwrap_err().contains("` `"));
        assert!(valid_name("a:b").unwrap_err().contains("`:`"));
    }
}
