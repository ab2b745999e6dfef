//! `efs_mount_target`: a mount target of an EFS file system in one subnet
//! (one per availability zone).
//!
//! Read: the mount targets of each of the stack's file systems, several
//! calls at once; security groups only for those state does not know.
//! Mount targets carry no tags: state holds their address. Changed in
//! place: security groups.

mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, ID, KindSchema, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
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

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    super::cfn_values(
        cfn,
        attrs,
        &[
            ("FileSystemId", "file_system_id"),
            ("SubnetId", "subnet_id"),
            ("SecurityGroups", "security_groups"),
        ],
    )
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EFS::MountTarget",
    &[
        ("id", CfnAttr::Ref),
        ("ip_address", CfnAttr::GetAtt("IpAddress")),
        ("availability_zone", CfnAttr::Unavailable),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        storage!(),
        r#"efs_mount_target contract {
  file_system_id  = efs.data.id
  subnet_id       = subnet.a.id
  security_groups = [security_group.efs.id]
}
"#
    ),
    update: concat!(
        storage!(),
        r#"efs_mount_target contract {
  file_system_id  = efs.data.id
  subnet_id       = subnet.a.id
  security_groups = [security_group.efs.id, security_group.extra.id]
}
"#
    ),
    replace: Some(concat!(
        storage!(),
        r#"efs_mount_target contract {
  file_system_id  = efs.data.id
  subnet_id       = subnet.b.id
  security_groups = [security_group.efs.id, security_group.extra.id]
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::MountTargetKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
