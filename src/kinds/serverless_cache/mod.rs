//! `serverless_cache`: an ElastiCache Serverless cache (Valkey, Redis or
//! Memcached), the reference architecture's default session cache. AWS
//! sizes it; the block may bound its storage and its compute (ECPUs) to
//! cap the bill. Clients reach it over TLS only.
//!
//! Read: one paginated `DescribeServerlessCaches` (ElastiCache has no tag
//! filter: caches named for the stack, tags of those state does not know),
//! and only when the configuration or the state names the kind. Changed
//! in place: description, limits, security groups, snapshots, user group,
//! and an engine upgrade AWS allows (Redis to Valkey, a newer major
//! version). Protected: a delete or replace needs the opt-in, and a Redis
//! or Valkey delete keeps a final snapshot unless `skip_final_snapshot`.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Lack, Step};
use crate::schema::{
    ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "serverless_cache",
    service: "elasticache",
    summary: "An ElastiCache Serverless cache (Valkey, Redis or Memcached) that AWS sizes, within the limits the block sets: Moodle's session or application cache without nodes to choose. TLS only.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The cache's name (lower case, at most 40 characters); defaults to `<stack>-<block name>`.",
        )
        .force_new()
        .validate(crate::schema::elasticache_id),
        required(
            "engine",
            Type::String,
            "valkey, redis or memcached. Redis becomes Valkey in place; other changes make a new cache.",
        )
        .one_of(&["valkey", "redis", "memcached"]),
        computed_optional(
            "major_engine_version",
            Type::String,
            "Such as \"8\" (Valkey) or \"7\" (Redis); AWS's latest when omitted. Raised in place.",
        ),
        optional("description", Type::String, "\"\"", "What the cache is for."),
        optional(
            "max_data_storage_gb",
            Type::Number,
            "null",
            "The most data it may hold, in GB (1 to 5000); null for no cap.",
        ),
        optional(
            "min_data_storage_gb",
            Type::Number,
            "null",
            "The least data storage billed, in GB, kept ready for bursts; null for none.",
        ),
        optional(
            "max_ecpu_per_second",
            Type::Number,
            "null",
            "The most ElastiCache Processing Units a second (1000 to 15000000); null for no cap.",
        ),
        optional(
            "min_ecpu_per_second",
            Type::Number,
            "null",
            "The least ECPUs a second kept ready; null for none.",
        ),
        required(
            "subnet_ids",
            Type::Set(&Type::String),
            "The (data tier) subnets, two or three in different zones.",
        )
        .force_new(),
        required(
            "security_group_ids",
            Type::Set(&Type::String),
            "Security groups that allow the web tier in (port 6379, or 11211 for Memcached).",
        ),
        computed_optional(
            "kms_key_id",
            Type::String,
            "A KMS key to encrypt data at rest; an AWS-owned key when omitted.",
        )
        .force_new(),
        optional(
            "snapshot_retention_days",
            Type::Number,
            "0",
            "Valkey and Redis: days an automatic daily snapshot is kept (0 to 35); 0 takes none.",
        ),
        computed_optional(
            "daily_snapshot_time",
            Type::String,
            "Valkey and Redis: when the daily snapshot starts, \"HH:MM\" UTC.",
        ),
        optional(
            "user_group_id",
            Type::String,
            "null",
            "Valkey and Redis: the user group whose users may connect (ElastiCache RBAC); null for none.",
        ),
        optional(
            "skip_final_snapshot",
            Type::Bool,
            "false",
            "Valkey and Redis: delete without a final snapshot. By default a snapshot named `<name>-final-<time>` is kept.",
        )
        .create_only(),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The cache's name.",
        },
        crate::schema::ARN,
        ComputedSchema {
            name: "endpoint",
            doc: "The endpoint clients connect to, over TLS.",
        },
        ComputedSchema {
            name: "reader_endpoint",
            doc: "Valkey and Redis: the endpoint for reads from replicas.",
        },
        ComputedSchema {
            name: "port",
            doc: "The port clients connect to.",
        },
    ],
    taggable: true,
    rank: 4,
    slow: true,
    protected: true,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(cfn, attrs, &[("ServerlessCacheName", "name")]);
    // CloudFormation needs a name (it makes none): the block's logical id,
    // as ElastiCache takes names (lower case, at most 40 characters).
    if !props.contains_key("ServerlessCacheName") {
        let mut name = cfn.logical_id().to_lowercase();
        name.truncate(40);
        props.insert("ServerlessCacheName".into(), json!(name));
    }
    props.extend(super::cfn_properties(
        cfn,
        attrs,
        &[
            ("Engine", "engine"),
            ("MajorEngineVersion", "major_engine_version"),
            ("SubnetIds", "subnet_ids"),
            ("SecurityGroupIds", "security_group_ids"),
            ("KmsKeyId", "kms_key_id"),
            ("DailySnapshotTime", "daily_snapshot_time"),
            ("UserGroupId", "user_group_id"),
        ],
    ));
    if let Some(d) = get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
    {
        props.insert("Description".into(), json!(d));
    }
    if attrs.get("engine").and_then(Value::as_str) != Some("memcached") {
        props.extend(super::cfn_values(
            cfn,
            attrs,
            &[("SnapshotRetentionLimit", "snapshot_retention_days")],
        ));
    }
    let mut limits = serde_json::Map::new();
    let mut storage = serde_json::Map::new();
    for (key, attr) in [
        ("Maximum", "max_data_storage_gb"),
        ("Minimum", "min_data_storage_gb"),
    ] {
        if let Some(v) = get(attr) {
            storage.insert(key.into(), cfn.value(v));
        }
    }
    if !storage.is_empty() {
        storage.insert("Unit".into(), json!("GB"));
        limits.insert("DataStorage".into(), Json::Object(storage));
    }
    let mut ecpu = serde_json::Map::new();
    for (key, attr) in [
        ("Maximum", "max_ecpu_per_second"),
        ("Minimum", "min_ecpu_per_second"),
    ] {
        if let Some(v) = get(attr) {
            ecpu.insert(key.into(), cfn.value(v));
        }
    }
    if !ecpu.is_empty() {
        limits.insert("ECPUPerSecond".into(), Json::Object(ecpu));
    }
    if !limits.is_empty() {
        props.insert("CacheUsageLimits".into(), Json::Object(limits));
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ElastiCache::ServerlessCache",
    &[
        // A serverless cache's `Ref` is its name, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("ARN")),
        ("endpoint", CfnAttr::GetAtt("Endpoint.Address")),
        ("reader_endpoint", CfnAttr::GetAtt("ReaderEndpoint.Address")),
        ("port", CfnAttr::GetAtt("Endpoint.Port")),
    ],
    properties,
)
.deleting(super::retained_unless_unprotected);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        net!(),
        r#"security_group cache {
  vpc_id = vpc.main.id
}

serverless_cache contract {
  engine              = "valkey"
  subnet_ids          = [subnet.a.id, subnet.b.id]
  security_group_ids  = [security_group.cache.id]
  max_data_storage_gb = 10
  skip_final_snapshot = true
  protect             = false
}
"#
    ),
    update: concat!(
        net!(),
        r#"security_group cache {
  vpc_id = vpc.main.id
}

serverless_cache contract {
  engine              = "valkey"
  subnet_ids          = [subnet.a.id, subnet.b.id]
  security_group_ids  = [security_group.cache.id]
  max_data_storage_gb = 20
  skip_final_snapshot = true
  protect             = false
}
"#
    ),
    replace: Some(concat!(
        net!(),
        r#"security_group cache {
  vpc_id = vpc.main.id
}

serverless_cache contract {
  name                = "contract-serverless-2"
  engine              = "valkey"
  subnet_ids          = [subnet.a.id, subnet.b.id]
  security_group_ids  = [security_group.cache.id]
  max_data_storage_gb = 20
  skip_final_snapshot = true
  protect             = false
}
"#
    )),
    // moto_server has no ElastiCache Serverless at all: the first plan's
    // read is refused.
    emulator_lacks: Some(Lack {
        call: "DescribeServerlessCaches",
        at: Step::Create,
    }),
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::ServerlessCaches,
    identity: Identity::LowercaseName,
    per_resource_reads: false,
    read_when_unused: false,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
