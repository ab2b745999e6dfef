//! The kinds behind Moodle's database and caches: ElastiCache (Redis or
//! Memcached) and Aurora (MySQL or PostgreSQL).

use super::*;

const ID: ComputedSchema = ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

const ARN: ComputedSchema = ComputedSchema {
    name: "arn",
    doc: "The ARN of the resource.",
};

pub static DB_SUBNET_GROUP: KindSchema = KindSchema {
    name: "db_subnet_group",
    service: "rds",
    summary: "The subnets an Aurora cluster may use.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The group name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "description",
            Type::String,
            "\"Managed by mdl\"",
            "What the group is for.",
        ),
        required(
            "subnet_ids",
            Type::Set(&Type::String),
            "The (data tier) subnets, in at least two availability zones.",
        ),
        TAGS,
    ],
    computed: &[ID, ARN],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static AURORA_CLUSTER: KindSchema = KindSchema {
    name: "aurora_cluster",
    service: "rds",
    summary: "An Aurora MySQL or PostgreSQL cluster. Its master password is generated and kept in Secrets Manager by RDS.",
    attrs: &[
        required("engine", Type::String, "aurora-mysql or aurora-postgresql.")
            .force_new()
            .one_of(&["aurora-mysql", "aurora-postgresql"]),
        computed_optional("engine_version", Type::String, "Such as \"8.0.mysql_aurora.3.02.2\" or \"13.8\"; a prefix is enough.").version(),
        computed_optional("name", Type::String, "The cluster identifier; defaults to `<stack>-<block name>`.").force_new(),
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
        ARN,
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

pub static AURORA_INSTANCE: KindSchema = KindSchema {
    name: "aurora_instance",
    service: "rds",
    summary: "An instance of an Aurora cluster: the first is the writer, the others readers.",
    attrs: &[
        required(
            "cluster_id",
            Type::String,
            "The cluster (`aurora_cluster.NAME.id`).",
        )
        .force_new(),
        required(
            "instance_class",
            Type::String,
            "Such as \"db.serverless\" or \"db.r6g.large\".",
        ),
        computed_optional(
            "name",
            Type::String,
            "The instance identifier; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[
        ID,
        ARN,
        ComputedSchema {
            name: "endpoint",
            doc: "The instance's own endpoint.",
        },
        ComputedSchema {
            name: "availability_zone",
            doc: "Where AWS placed it.",
        },
    ],
    taggable: true,
    rank: 5,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};
