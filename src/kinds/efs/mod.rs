//! `efs`: an EFS file system, Moodle's dataroot, cachedir and tempdir.
//!
//! Read: one paginated `DescribeFileSystems` a refresh (EFS has no tag
//! filter; shared with mount targets), lifecycle and backup policy per
//! file system only for those state does not know. Changed in place:
//! throughput, lifecycle, backup and tags. Protected: a delete or replace
//! needs the opt-in; a delete removes the mount targets first.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ARN, ComputedSchema, ID, KindSchema, TAGS, Type, computed_optional, optional};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "efs",
    service: "efs",
    summary: "An EFS file system (Moodle's dataroot, cachedir, tempdir).",
    attrs: &[
        optional("encrypted", Type::Bool, "true", "Encrypt the data at rest.").force_new(),
        computed_optional(
            "kms_key_id",
            Type::String,
            "The KMS key for encryption; the AWS-managed key when omitted.",
        )
        .force_new(),
        optional(
            "performance_mode",
            Type::String,
            "\"generalPurpose\"",
            "generalPurpose or maxIO.",
        )
        .force_new()
        .one_of(&["generalPurpose", "maxIO"]),
        optional(
            "throughput_mode",
            Type::String,
            "\"elastic\"",
            "How throughput scales: elastic suits Moodle's bursts.",
        )
        .one_of(&["elastic", "bursting", "provisioned"]),
        optional(
            "provisioned_throughput",
            Type::Number,
            "null",
            "MiB/s, with throughput_mode = \"provisioned\".",
        ),
        optional(
            "transition_to_ia",
            Type::String,
            "null",
            "Move files unread for this long to Infrequent Access, such as \"AFTER_30_DAYS\".",
        )
        .one_of(&[
            "AFTER_1_DAY",
            "AFTER_7_DAYS",
            "AFTER_14_DAYS",
            "AFTER_30_DAYS",
            "AFTER_60_DAYS",
            "AFTER_90_DAYS",
            "AFTER_180_DAYS",
            "AFTER_270_DAYS",
            "AFTER_365_DAYS",
        ]),
        optional(
            "backup",
            Type::Bool,
            "true",
            "Daily automatic backups with AWS Backup.",
        ),
        TAGS,
    ],
    computed: &[
        ID,
        ARN,
        ComputedSchema {
            name: "dns_name",
            doc: "The DNS name to mount, such as fs-1234.efs.eu-west-2.amazonaws.com.",
        },
    ],
    taggable: true,
    rank: 0,
    slow: true,
    protected: true,
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
        &[
            ("Encrypted", "encrypted"),
            ("KmsKeyId", "kms_key_id"),
            ("PerformanceMode", "performance_mode"),
            ("ThroughputMode", "throughput_mode"),
            ("ProvisionedThroughputInMibps", "provisioned_throughput"),
        ],
    );
    if let Some(t) = get("transition_to_ia") {
        props.insert(
            "LifecyclePolicies".into(),
            json!([{ "TransitionToIA": cfn.value(t) }]),
        );
    }
    if let Some(Value::Bool(b)) = get("backup") {
        props.insert(
            "BackupPolicy".into(),
            json!({ "Status": if *b { "ENABLED" } else { "DISABLED" } }),
        );
    }
    // A file system's tags are `FileSystemTags`.
    if let Some(Value::Map(tags)) = get("tags") {
        props.insert(
            "FileSystemTags".into(),
            Json::Array(
                tags.iter()
                    .map(|(k, v)| json!({ "Key": k, "Value": cfn.value(v) }))
                    .collect(),
            ),
        );
    }
    props
}

/// CloudFormation returns no DNS name: the template builds it.
fn dns_name(id: &str) -> Json {
    json!({ "Fn::Sub": [
        "${FileSystem}.efs.${AWS::Region}.${AWS::URLSuffix}",
        { "FileSystem": { "Ref": id } }
    ] })
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EFS::FileSystem",
    &[
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("Arn")),
        ("dns_name", CfnAttr::Expr(dns_name)),
        ("kms_key_id", CfnAttr::Unavailable),
    ],
    properties,
)
.deleting(super::retained_unless_unprotected);

static FIXTURE: Fixture = Fixture {
    create: "efs contract {\n  protect          = false\n  transition_to_ia = \"AFTER_30_DAYS\"\n}\n",
    update: "efs contract {\n  protect          = false\n  transition_to_ia = \"AFTER_7_DAYS\"\n  tags             = { team = \"web\" }\n}\n",
    replace: Some(
        "efs contract {\n  protect          = false\n  encrypted        = false\n  transition_to_ia = \"AFTER_7_DAYS\"\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::FileSystemKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
