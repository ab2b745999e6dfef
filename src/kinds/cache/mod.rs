//! `cache`: an ElastiCache cache, a Redis replication group or a
//! Memcached cluster (Moodle's session or application cache).
//!
//! Read: one paginated describe each of replication groups and cache
//! clusters (ElastiCache has no tag filter: caches named for the stack,
//! tags of those state does not know). Changed in place: node type,
//! version, security groups, Multi-AZ and failover, tags; the rest makes a
//! new cache. Protected: a delete or replace needs the opt-in, and a Redis
//! delete keeps a final snapshot unless `skip_final_snapshot`.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Lack, Step};
use crate::schema::{
    ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "cache",
    service: "elasticache",
    summary: "An ElastiCache cache: a Redis replication group or a Memcached cluster (Moodle's session or application cache).",
    attrs: &[
        required("engine", Type::String, "redis or memcached.")
            .force_new()
            .one_of(&["redis", "memcached"]),
        computed_optional(
            "name",
            Type::String,
            "The cache id; defaults to `<stack>-<block name>`.",
        )
        .force_new()
        .validate(crate::schema::elasticache_id),
        computed_optional(
            "engine_version",
            Type::String,
            "Such as \"7.1\"; AWS's latest when omitted.",
        )
        .version(),
        required(
            "node_type",
            Type::String,
            "Such as \"cache.t4g.small\" or \"cache.r6g.large\".",
        )
        .validate(crate::schema::cache_node_type),
        optional(
            "num_nodes",
            Type::Number,
            "1",
            "Redis: the primary plus replicas. Memcached: the nodes.",
        )
        .force_new(),
        optional(
            "multi_az",
            Type::Bool,
            "false",
            "Redis: fail over to a replica in another availability zone.",
        ),
        optional(
            "automatic_failover",
            Type::Bool,
            "false",
            "Redis: promote a replica when the primary fails.",
        ),
        optional(
            "at_rest_encryption",
            Type::Bool,
            "true",
            "Redis: encrypt data at rest.",
        )
        .force_new(),
        optional(
            "transit_encryption",
            Type::Bool,
            "false",
            "Redis: TLS between clients and the cache.",
        )
        .force_new(),
        optional(
            "auth_token_secret_arn",
            Type::String,
            "null",
            "Redis: a `secret` whose value is the AUTH token clients must give (16 to 128 printable characters, none of @ \" /); needs `transit_encryption`. mdl reads the token from Secrets Manager when it makes the cache or the ARN changes, and keeps only the ARN. A new ARN rotates the token: the old one keeps working too until AWS is told otherwise.",
        ),
        optional(
            "snapshot_retention_days",
            Type::Number,
            "0",
            "Redis: days an automatic daily snapshot is kept (0 to 35); 0 takes none. Memcached keeps no data to snapshot.",
        ),
        optional(
            "az_mode",
            Type::String,
            "\"single-az\"",
            "Memcached: spread nodes across availability zones.",
        )
        .force_new()
        .one_of(&["single-az", "cross-az"]),
        required("subnet_group_name", Type::String, "The cache subnet group.").force_new(),
        optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "[]",
            "Security groups that allow the web tier in.",
        ),
        optional(
            "skip_final_snapshot",
            Type::Bool,
            "false",
            "Redis: delete without a final snapshot. By default a snapshot named `<id>-final-<time>` is kept (Memcached keeps no data to snapshot).",
        )
        .create_only(),
        TAGS,
    ],
    computed: &[
        ID,
        crate::schema::ARN,
        ComputedSchema {
            name: "endpoint",
            doc: "Redis: the primary endpoint. Memcached: the configuration endpoint.",
        },
        ComputedSchema {
            name: "reader_endpoint",
            doc: "Redis: the reader endpoint.",
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

fn memcached(attrs: &IndexMap<String, Value>) -> bool {
    attrs.get("engine").and_then(Value::as_str) == Some("memcached")
}

fn type_by(attrs: &IndexMap<String, Value>) -> &'static str {
    if memcached(attrs) {
        "AWS::ElastiCache::CacheCluster"
    } else {
        "AWS::ElastiCache::ReplicationGroup"
    }
}

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    if memcached(attrs) {
        let mut props = super::cfn_values(cfn, attrs, &[("ClusterName", "name")]);
        props.insert("Engine".into(), json!("memcached"));
        props.extend(super::cfn_properties(
            cfn,
            attrs,
            &[
                ("EngineVersion", "engine_version"),
                ("CacheNodeType", "node_type"),
                ("NumCacheNodes", "num_nodes"),
                ("AZMode", "az_mode"),
                ("CacheSubnetGroupName", "subnet_group_name"),
                ("VpcSecurityGroupIds", "security_group_ids"),
            ],
        ));
        return props;
    }
    let mut props = super::cfn_values(cfn, attrs, &[("ReplicationGroupId", "name")]);
    props.insert(
        "ReplicationGroupDescription".into(),
        json!(cfn.address().to_string()),
    );
    props.insert("Engine".into(), json!("redis"));
    props.extend(super::cfn_properties(
        cfn,
        attrs,
        &[
            ("EngineVersion", "engine_version"),
            ("CacheNodeType", "node_type"),
            ("NumCacheClusters", "num_nodes"),
            ("MultiAZEnabled", "multi_az"),
            ("AutomaticFailoverEnabled", "automatic_failover"),
            ("AtRestEncryptionEnabled", "at_rest_encryption"),
            ("TransitEncryptionEnabled", "transit_encryption"),
            ("CacheSubnetGroupName", "subnet_group_name"),
            ("SecurityGroupIds", "security_group_ids"),
        ],
    ));
    // The token is resolved by CloudFormation from the secret, never
    // written into the template.
    if let Some(arn) = attrs
        .get("auth_token_secret_arn")
        .filter(|v| **v != Value::Null)
    {
        props.insert(
            "AuthToken".into(),
            json!({ "Fn::Sub": ["{{resolve:secretsmanager:${Arn}}}", { "Arn": cfn.value(arn) }] }),
        );
    }
    props
}

fn endpoint(attrs: &IndexMap<String, Value>) -> &'static str {
    if memcached(attrs) {
        "ConfigurationEndpoint.Address"
    } else {
        "PrimaryEndPoint.Address"
    }
}

fn reader_endpoint(attrs: &IndexMap<String, Value>) -> &'static str {
    if memcached(attrs) {
        "ConfigurationEndpoint.Address"
    } else {
        "ReaderEndPoint.Address"
    }
}

fn port(attrs: &IndexMap<String, Value>) -> &'static str {
    if memcached(attrs) {
        "ConfigurationEndpoint.Port"
    } else {
        "PrimaryEndPoint.Port"
    }
}

/// Only a Redis group keeps data to retain.
fn deletion_policy(cfn: &dyn CfnValues, attrs: &IndexMap<String, Value>) -> Option<&'static str> {
    if memcached(attrs) {
        None
    } else {
        super::retained_unless_unprotected(cfn, attrs)
    }
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ElastiCache::ReplicationGroup",
    &[
        // A cache's `Ref` is its name, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::Unavailable),
        ("endpoint", CfnAttr::GetAttBy(endpoint)),
        ("reader_endpoint", CfnAttr::GetAttBy(reader_endpoint)),
        ("port", CfnAttr::GetAttBy(port)),
    ],
    properties,
)
.typed_by(type_by, &["AWS::ElastiCache::CacheCluster"])
.deleting(deletion_policy);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        cache_net!(),
        r#"cache contract {
  engine              = "redis"
  node_type           = "cache.t4g.small"
  subnet_group_name   = cache_subnet_group.main.id
  skip_final_snapshot = true
  protect             = false
}
"#
    ),
    update: concat!(
        cache_net!(),
        r#"cache contract {
  engine              = "redis"
  node_type           = "cache.t4g.medium"
  subnet_group_name   = cache_subnet_group.main.id
  skip_final_snapshot = true
  protect             = false
}
"#
    ),
    replace: Some(concat!(
        cache_net!(),
        r#"cache contract {
  name                = "contract-cache-2"
  engine              = "redis"
  node_type           = "cache.t4g.medium"
  transit_encryption  = true
  subnet_group_name   = cache_subnet_group.main.id
  skip_final_snapshot = true
  protect             = false
}
"#
    )),
    // The destroy deletes the subnet group too.
    emulator_lacks: Some(Lack {
        call: "DeleteCacheSubnetGroup",
        at: Step::Destroy,
    }),
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::CacheKind,
    identity: Identity::LowercaseName,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
