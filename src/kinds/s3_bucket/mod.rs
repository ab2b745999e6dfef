//! `s3_bucket`: an S3 bucket, private by default: all four public-access
//! blocks on, objects owned by the bucket's account, encrypted at rest,
//! with versioning, lifecycle rules and a bucket policy as asked. Where the
//! load balancer's access logs and VPC flow logs go.
//!
//! Read: one paginated `ListBuckets` of the region, the tags of each
//! (`GetBucketTagging`, ten at once), then the settings of the stack's
//! buckets, one call per setting. Changed in place: every setting and
//! tags. A new name is a new bucket. Like the other kinds that hold data,
//! a bucket is protected: deleting it (and every object in it) needs
//! `protect = false` or `--allow-destroy`.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    BlockSchema, ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

/// A bucket name as S3 takes it: 3 to 63 lowercase letters, digits, `-`
/// and `.`, starting and ending with a letter or digit.
fn valid_name(name: &str) -> Result<(), String> {
    if !(3..=63).contains(&name.len()) {
        return Err(format!(
            "must be 3 to 63 characters long, not {}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.')))
    {
        return Err(format!(
            "may hold lowercase letters, digits, `-` and `.` only, not `{c}`"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Err("must start and end with a letter or a digit".into());
    }
    if name.contains("..") {
        return Err("may not hold two dots in a row".into());
    }
    Ok(())
}

static LIFECYCLE: BlockSchema = BlockSchema {
    attrs: &[
        required("id", Type::String, "The rule's name, unique in the bucket."),
        optional(
            "prefix",
            Type::String,
            "\"\"",
            "The keys the rule applies to: those starting with this; \"\" for all.",
        ),
        optional(
            "expiration_days",
            Type::Number,
            "null",
            "Days after which current objects expire.",
        ),
        optional(
            "noncurrent_expiration_days",
            Type::Number,
            "null",
            "Days after which versions no longer current are deleted.",
        ),
        optional(
            "abort_incomplete_upload_days",
            Type::Number,
            "null",
            "Days after which unfinished multipart uploads are given up.",
        ),
    ],
    exactly_one_of: &[],
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "s3_bucket",
    service: "s3",
    summary: "An S3 bucket, private by default (public access blocked, objects owned by the bucket's account, encrypted at rest): where access logs and flow logs go.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The bucket's name, global across every AWS account: give one no one else has. Defaults to `<stack>-<block name>` (in lower case, `-` for `_`).",
        )
        .force_new()
        .validate(valid_name),
        optional(
            "versioning",
            Type::Bool,
            "false",
            "Keep every version of every object (suspended, not removed, when turned off).",
        ),
        optional(
            "encryption",
            Type::String,
            "\"AES256\"",
            "Default encryption at rest: \"AES256\" (S3's keys) or \"aws:kms\".",
        )
        .one_of(&["AES256", "aws:kms"]),
        optional(
            "kms_key_id",
            Type::String,
            "null",
            "The KMS key for \"aws:kms\"; null for the account's S3 key.",
        ),
        optional(
            "block_public_access",
            Type::Bool,
            "true",
            "All four public-access blocks: no public ACL or policy is accepted or honoured.",
        ),
        optional(
            "object_ownership",
            Type::String,
            "\"BucketOwnerEnforced\"",
            "Who owns uploaded objects: \"BucketOwnerEnforced\" (the bucket's account; ACLs off), \"BucketOwnerPreferred\" or \"ObjectWriter\".",
        )
        .one_of(&["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]),
        optional(
            "lifecycle_rule",
            Type::Blocks(&LIFECYCLE),
            "[]",
            "A lifecycle rule; one `lifecycle_rule { ... }` block each.",
        ),
        optional(
            "policy",
            Type::String,
            "null",
            "The bucket policy, a JSON document as a string (`${...}` puts ARNs in it); null for none.",
        ),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The bucket's name.",
        },
        ComputedSchema {
            name: "arn",
            doc: "The bucket's ARN, `arn:aws:s3:::NAME`.",
        },
    ],
    taggable: true,
    rank: 0,
    slow: false,
    protected: true,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(cfn, attrs, &[("BucketName", "name")]);
    if get("versioning") == Some(&Value::Bool(true)) {
        props.insert(
            "VersioningConfiguration".into(),
            json!({ "Status": "Enabled" }),
        );
    }
    let mut default = serde_json::Map::new();
    default.insert(
        "SSEAlgorithm".into(),
        get("encryption").map_or(json!("AES256"), |v| cfn.value(v)),
    );
    if let Some(key) = get("kms_key_id") {
        default.insert("KMSMasterKeyID".into(), cfn.value(key));
    }
    props.insert(
        "BucketEncryption".into(),
        json!({ "ServerSideEncryptionConfiguration": [{ "ServerSideEncryptionByDefault": default }] }),
    );
    let block = get("block_public_access") != Some(&Value::Bool(false));
    props.insert(
        "PublicAccessBlockConfiguration".into(),
        json!({
            "BlockPublicAcls": block,
            "BlockPublicPolicy": block,
            "IgnorePublicAcls": block,
            "RestrictPublicBuckets": block,
        }),
    );
    props.insert(
        "OwnershipControls".into(),
        json!({ "Rules": [{ "ObjectOwnership": get("object_ownership").map_or(json!("BucketOwnerEnforced"), |v| cfn.value(v)) }] }),
    );
    let rules: Vec<Json> = get("lifecycle_rule")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .map(|r| {
            let n = |k: &str| {
                r.get(k)
                    .filter(|v| **v != Value::Null)
                    .map(|v| cfn.value(v))
            };
            let mut rule = serde_json::Map::new();
            rule.insert("Id".into(), n("id").unwrap_or(Json::Null));
            rule.insert("Status".into(), json!("Enabled"));
            rule.insert("Prefix".into(), n("prefix").unwrap_or(json!("")));
            if let Some(d) = n("expiration_days") {
                rule.insert("ExpirationInDays".into(), d);
            }
            if let Some(d) = n("noncurrent_expiration_days") {
                rule.insert(
                    "NoncurrentVersionExpiration".into(),
                    json!({ "NoncurrentDays": d }),
                );
            }
            if let Some(d) = n("abort_incomplete_upload_days") {
                rule.insert(
                    "AbortIncompleteMultipartUpload".into(),
                    json!({ "DaysAfterInitiation": d }),
                );
            }
            Json::Object(rule)
        })
        .collect();
    if !rules.is_empty() {
        props.insert("LifecycleConfiguration".into(), json!({ "Rules": rules }));
    }
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    if let Some(Value::String(doc)) = get("policy") {
        let document = cfn.document(doc);
        let own = cfn.logical_id();
        let mut policy = serde_json::Map::new();
        policy.insert("Bucket".into(), json!({ "Ref": own }));
        policy.insert("PolicyDocument".into(), document);
        cfn.also(
            format!("{own}Policy"),
            "AWS::S3::BucketPolicy",
            policy,
            vec![],
        );
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::S3::Bucket",
    &[
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("Arn")),
    ],
    properties,
)
.with_parts(&[("AWS::S3::BucketPolicy", "its `policy`")])
.deleting(super::retained_unless_unprotected);

static FIXTURE: Fixture = Fixture {
    create: "s3_bucket contract {\n  name    = \"mdl-contract-bucket\"\n  protect = false\n}\n",
    update: r#"s3_bucket contract {
  name       = "mdl-contract-bucket"
  protect    = false
  versioning = true
  lifecycle_rule {
    id                           = "logs"
    prefix                       = "alb/"
    expiration_days              = 90
    noncurrent_expiration_days   = 30
    abort_incomplete_upload_days = 7
  }
  policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::mdl-contract-bucket/*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}"
  tags   = { team = "web" }
}
"#,
    replace: Some(
        "s3_bucket contract {\n  name    = \"mdl-contract-bucket-2\"\n  protect = false\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Buckets,
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
    fn names_are_checked_as_s3_does() {
        assert!(valid_name("prod-vle-logs").is_ok());
        assert!(valid_name("a.b-1").is_ok());
        assert!(valid_name("ab").unwrap_err().contains("3 to 63"));
        assert!(valid_name("Prod").unwrap_err().contains("`P`"));
        assert!(valid_name("my_bucket").unwrap_err().contains("`_`"));
        assert!(valid_name("-abc").unwrap_err().contains("start and end"));
        assert!(valid_name("a..b").unwrap_err().contains("two dots"));
    }
}
