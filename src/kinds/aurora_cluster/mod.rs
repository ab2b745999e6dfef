//! `aurora_cluster`: an Aurora MySQL or PostgreSQL cluster, Serverless v2
//! or provisioned. RDS generates its master password and keeps it in
//! Secrets Manager (`master_user_secret_arn`).
//!
//! Read: one paginated `DescribeDBClusters`, tags included. Changed in
//! place: security groups, capacity, backup retention, engine version and
//! tags. Protected: a delete or replace needs the opt-in; while protected
//! the cluster carries AWS's DeletionProtection, and a delete keeps a
//! final snapshot unless `skip_final_snapshot`.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "aurora_cluster",
    service: "rds",
    summary: "An Aurora MySQL or PostgreSQL cluster. Its master password is generated and kept in Secrets Manager by RDS.",
    attrs: &[
        required("engine", Type::String, "aurora-mysql or aurora-postgresql.")
            .force_new()
            .one_of(&["aurora-mysql", "aurora-postgresql"]),
        computed_optional("engine_version", Type::String, "Such as \"8.0.mysql_aurora.3.02.2\" or \"13.8\"; a prefix is enough.").version(),
        computed_optional("name", Type::String, "The cluster identifier; defaults to `<stack>-<block name>`.").force_new()
        .validate(crate::schema::rds_id),
        optional("database_name", Type::String, "null", "A database to create with the cluster.").force_new(),
        optional("master_username", Type::String, "\"moodle\"", "The master user.").force_new(),
        required("subnet_group_name", Type::String, "The DB subnet group.").force_new(),
        optional("security_group_ids", Type::Set(&Type::String), "[]", "Security groups that allow the web tier in."),
        optional("serverless_min_capacity", Type::Number, "null", "Serverless v2: the least ACUs, such as 0.5."),
        optional("serverless_max_capacity", Type::Number, "null", "Serverless v2: the most ACUs, such as 64."),
        optional("backup_retention_days", Type::Number, "30", "Days of automated backups."),
        optional("storage_encrypted", Type::Bool, "true", "Encrypt the storage.").force_new(),
        computed_optional("kms_key_id", Type::String, "The KMS key; the AWS-managed key when omitted.").force_new(),
        optional(
            "skip_final_snapshot",
            Type::Bool,
            "false",
            "Delete without a final snapshot. By default a snapshot named `<id>-final-<time>` is kept.",
        )
        .create_only(),
        TAGS,
    ],
    computed: &[
        ID,
        crate::schema::ARN,
        ComputedSchema {
            name: "endpoint",
            doc: "The writer endpoint.",
        },
        ComputedSchema {
            name: "reader_endpoint",
            doc: "The reader endpoint.",
        },
        ComputedSchema {
            name: "port",
            doc: "The port clients connect to.",
        },
        ComputedSchema {
            name: "master_user_secret_arn",
            doc: "The Secrets Manager secret holding the master password.",
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
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[
            ("DBClusterIdentifier", "name"),
            ("Engine", "engine"),
            ("EngineVersion", "engine_version"),
            ("DatabaseName", "database_name"),
            ("MasterUsername", "master_username"),
        ],
    );
    // RDS generates the password and keeps it in Secrets Manager.
    props.insert("ManageMasterUserPassword".into(), json!(true));
    props.extend(super::cfn_values(
        cfn,
        attrs,
        &[
            ("DBSubnetGroupName", "subnet_group_name"),
            ("VpcSecurityGroupIds", "security_group_ids"),
        ],
    ));
    if let (Some(min), Some(max)) = (
        get("serverless_min_capacity"),
        get("serverless_max_capacity"),
    ) {
        props.insert(
            "ServerlessV2ScalingConfiguration".into(),
            json!({ "MinCapacity": cfn.value(min), "MaxCapacity": cfn.value(max) }),
        );
    }
    props.extend(super::cfn_properties(
        cfn,
        attrs,
        &[
            ("BackupRetentionPeriod", "backup_retention_days"),
            ("StorageEncrypted", "storage_encrypted"),
            ("KmsKeyId", "kms_key_id"),
        ],
    ));
    props
}

/// A final snapshot unless the block skips it, whether or not protected.
fn deletion_policy(_: &dyn CfnValues, attrs: &IndexMap<String, Value>) -> Option<&'static str> {
    if attrs.get("skip_final_snapshot") == Some(&Value::Bool(true)) {
        Some("Delete")
    } else {
        Some("Snapshot")
    }
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::RDS::DBCluster",
    &[
        // A cluster's `Ref` is its identifier, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("DBClusterArn")),
        ("endpoint", CfnAttr::GetAtt("Endpoint.Address")),
        ("reader_endpoint", CfnAttr::GetAtt("ReadEndpoint.Address")),
        ("port", CfnAttr::GetAtt("Endpoint.Port")),
        (
            "master_user_secret_arn",
            CfnAttr::GetAtt("MasterUserSecret.SecretArn"),
        ),
    ],
    properties,
)
.deleting(deletion_policy);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        db_net!(),
        r#"aurora_cluster contract {
  engine              = "aurora-postgresql"
  subnet_group_name   = db_subnet_group.main.id
  skip_final_snapshot = true
  protect             = false
}
"#
    ),
    update: concat!(
        db_net!(),
        r#"aurora_cluster contract {
  engine                = "aurora-postgresql"
  subnet_group_name     = db_subnet_group.main.id
  backup_retention_days = 7
  skip_final_snapshot   = true
  protect               = false
}
"#
    ),
    replace: Some(concat!(
        db_net!(),
        r#"aurora_cluster contract {
  name                  = "contract-cluster-2"
  engine                = "aurora-postgresql"
  subnet_group_name     = db_subnet_group.main.id
  database_name         = "moodle"
  backup_retention_days = 7
  skip_final_snapshot   = true
  protect               = false
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Clusters,
    identity: Identity::LowercaseName,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
