//! The kinds that hold a Moodle site's data and settings: EFS file systems
//! with their mount targets and access points, SSM parameters and Secrets
//! Manager secrets. (ElastiCache and Aurora follow.)

use super::*;

const ID: ComputedSchema = ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

const ARN: ComputedSchema = ComputedSchema {
    name: "arn",
    doc: "The ARN of the resource.",
};

pub static EFS: KindSchema = KindSchema {
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

pub static EFS_MOUNT_TARGET: KindSchema = KindSchema {
    name: "efs_mount_target",
    service: "efs",
    summary: "A mount target of an EFS file system in one subnet (one per availability zone).",
    attrs: &[
        required("file_system_id", Type::String, "The file system.").force_new(),
        required(
            "subnet_id",
            Type::String,
            "The subnet the mount target sits in.",
        )
        .force_new(),
        optional(
            "security_groups",
            Type::Set(&Type::String),
            "[]",
            "Security groups that allow NFS (2049) from the web tier.",
        ),
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "ip_address",
            doc: "The mount target's address in the subnet.",
        },
        ComputedSchema {
            name: "availability_zone",
            doc: "The availability zone of the subnet.",
        },
    ],
    taggable: false,
    rank: 4,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

pub static EFS_ACCESS_POINT: KindSchema = KindSchema {
    name: "efs_access_point",
    service: "efs",
    summary: "An EFS access point: a root directory and POSIX identity for clients.",
    attrs: &[
        required("file_system_id", Type::String, "The file system.").force_new(),
        optional(
            "root_path",
            Type::String,
            "\"/\"",
            "The directory clients see as `/`.",
        )
        .force_new(),
        optional(
            "posix_uid",
            Type::Number,
            "null",
            "The user id every client acts as (33 is www-data).",
        )
        .force_new(),
        optional(
            "posix_gid",
            Type::Number,
            "null",
            "The group id every client acts as.",
        )
        .force_new(),
        optional(
            "owner_uid",
            Type::Number,
            "null",
            "Owner of root_path when EFS creates it.",
        )
        .force_new(),
        optional(
            "owner_gid",
            Type::Number,
            "null",
            "Group of root_path when EFS creates it.",
        )
        .force_new(),
        optional(
            "permissions",
            Type::String,
            "null",
            "Mode of root_path when EFS creates it, such as \"0755\".",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[ID, ARN],
    taggable: true,
    rank: 4,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};
