//! `efs_access_point`: an EFS access point, a root directory and POSIX
//! identity for clients.
//!
//! Read: one paginated `DescribeAccessPoints`, tags included. Changed in
//! place: tags; the rest makes a new access point.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Lack, Step};
use crate::schema::{ARN, ID, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
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

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(cfn, attrs, &[("FileSystemId", "file_system_id")]);
    let mut root = super::cfn_values(cfn, attrs, &[("Path", "root_path")]);
    if let (Some(uid), Some(gid)) = (get("owner_uid"), get("owner_gid")) {
        let mut info = serde_json::Map::new();
        info.insert("OwnerUid".into(), super::cfn_text(cfn, uid));
        info.insert("OwnerGid".into(), super::cfn_text(cfn, gid));
        info.insert(
            "Permissions".into(),
            get("permissions").map_or_else(|| json!("0755"), |p| super::cfn_text(cfn, p)),
        );
        root.insert("CreationInfo".into(), Json::Object(info));
    }
    props.insert("RootDirectory".into(), Json::Object(root));
    if let (Some(uid), Some(gid)) = (get("posix_uid"), get("posix_gid")) {
        props.insert(
            "PosixUser".into(),
            json!({ "Uid": super::cfn_text(cfn, uid), "Gid": super::cfn_text(cfn, gid) }),
        );
    }
    // An access point's tags are `AccessPointTags`.
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("AccessPointTags".into(), tags);
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::EFS::AccessPoint",
    &[("id", CfnAttr::Ref), ("arn", CfnAttr::GetAtt("Arn"))],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: r#"efs data {
  protect = false
}

efs_access_point contract {
  file_system_id = efs.data.id
  root_path      = "/moodle"
  posix_uid      = 33
  posix_gid      = 33
}
"#,
    update: r#"efs data {
  protect = false
}

efs_access_point contract {
  file_system_id = efs.data.id
  root_path      = "/moodle"
  posix_uid      = 33
  posix_gid      = 33
  tags           = { team = "web" }
}
"#,
    replace: Some(
        r#"efs data {
  protect = false
}

efs_access_point contract {
  file_system_id = efs.data.id
  root_path      = "/other"
  posix_uid      = 33
  posix_gid      = 33
  tags           = { team = "web" }
}
"#,
    ),
    // moto 5.2.5 tags file systems only.
    emulator_lacks: Some(Lack {
        call: "efs TagResource",
        at: Step::Update,
    }),
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::AccessPointKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
