//! `ecs_task_definition`: a Fargate task definition, its containers and
//! EFS volumes.
//!
//! Read: those state knows described one by one (no batched describe),
//! others found by the stack's family prefix. A change of what runs
//! registers a new revision; tags change in place.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    BlockSchema, ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

static CONTAINER: BlockSchema = BlockSchema {
    attrs: &[
        required("name", Type::String, "The container name."),
        required(
            "image",
            Type::String,
            "The image, such as \"123.dkr.ecr.eu-west-2.amazonaws.com/vle-repo:moodle-ecs-docker-8.0\".",
        ),
        optional(
            "cpu",
            Type::Number,
            "0",
            "CPU units reserved for the container.",
        ),
        optional("memory", Type::Number, "null", "Hard memory limit in MiB."),
        optional(
            "port",
            Type::Number,
            "null",
            "The container port (TCP) to expose.",
        ),
        optional(
            "environment",
            Type::Map(&Type::String),
            "{}",
            "Environment variables.",
        ),
        optional(
            "secrets",
            Type::Map(&Type::String),
            "{}",
            "Variables read from SSM or Secrets Manager: name to ARN.",
        ),
        optional(
            "volume",
            Type::String,
            "null",
            "A `volume` block's name to mount.",
        ),
        optional(
            "mount_path",
            Type::String,
            "null",
            "Where to mount it, such as \"/moodle_data_root\".",
        ),
        optional(
            "command",
            Type::List(&Type::String),
            "[]",
            "The command, replacing the image's.",
        ),
        optional(
            "log_group",
            Type::String,
            "null",
            "A CloudWatch Logs group for the awslogs driver.",
        ),
        optional(
            "essential",
            Type::Bool,
            "true",
            "Whether the task stops when this container stops.",
        ),
    ],
    exactly_one_of: &[],
};

static VOLUME: BlockSchema = BlockSchema {
    attrs: &[
        required("name", Type::String, "The volume name containers refer to."),
        required("efs_file_system_id", Type::String, "The EFS file system."),
        optional(
            "efs_access_point_id",
            Type::String,
            "null",
            "An EFS access point.",
        ),
        optional("transit_encryption", Type::Bool, "true", "TLS to EFS."),
    ],
    exactly_one_of: &[],
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "ecs_task_definition",
    service: "ecs",
    summary: "A Fargate task definition (awsvpc). Task definitions are immutable: a change registers a new revision.",
    attrs: &[
        computed_optional(
            "family",
            Type::String,
            "The family; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "cpu",
            Type::Number,
            "512",
            "CPU units for the task: 512 is 0.5 vCPU.",
        )
        .force_new(),
        optional(
            "memory",
            Type::Number,
            "1024",
            "Memory for the task in MiB.",
        )
        .force_new(),
        optional(
            "execution_role_arn",
            Type::String,
            "null",
            "The role that pulls images and reads secrets.",
        )
        .force_new(),
        optional(
            "task_role_arn",
            Type::String,
            "null",
            "The role the containers act as (ECS Exec needs one).",
        )
        .force_new(),
        optional(
            "container",
            Type::Blocks(&CONTAINER),
            "[]",
            "A container; one `container { ... }` block each.",
        )
        .force_new(),
        optional(
            "volume",
            Type::Blocks(&VOLUME),
            "[]",
            "An EFS volume; one `volume { ... }` block each.",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[
        ID,
        crate::schema::ARN,
        ComputedSchema {
            name: "revision",
            doc: "The revision number.",
        },
    ],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
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
            ("Family", "family"),
            ("ExecutionRoleArn", "execution_role_arn"),
            ("TaskRoleArn", "task_role_arn"),
        ],
    );
    // CloudFormation types the sizes as strings.
    for (name, key) in [("Cpu", "cpu"), ("Memory", "memory")] {
        if let Some(n) = get(key).and_then(Value::as_i64) {
            props.insert(name.into(), json!(n.to_string()));
        }
    }
    props.insert("NetworkMode".into(), json!("awsvpc"));
    props.insert("RequiresCompatibilities".into(), json!(["FARGATE"]));
    let family = get("family").map_or_else(|| json!(cfn.logical_id()), |f| cfn.value(f));
    let containers: Vec<Json> = get("container")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .map(|c| container(cfn, c, &family))
        .collect();
    props.insert("ContainerDefinitions".into(), Json::Array(containers));
    let volumes: Vec<Json> = get("volume")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .map(|v| {
            let mut efs = super::cfn_values(cfn, v, &[("FilesystemId", "efs_file_system_id")]);
            let tls = v.get("transit_encryption") != Some(&Value::Bool(false));
            efs.insert("TransitEncryption".into(), json!(if tls { "ENABLED" } else { "DISABLED" }));
            if let Some(ap) = v.get("efs_access_point_id").filter(|a| **a != Value::Null) {
                efs.insert("AuthorizationConfig".into(), json!({ "AccessPointId": cfn.value(ap) }));
            }
            json!({ "Name": v.get("name").map_or(Json::Null, |n| cfn.value(n)), "EFSVolumeConfiguration": efs })
        })
        .collect();
    if !volumes.is_empty() {
        props.insert("Volumes".into(), Json::Array(volumes));
    }
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

/// One container definition.
fn container(cfn: &dyn CfnValues, c: &IndexMap<String, Value>, family: &Json) -> Json {
    let mut d = super::cfn_values(
        cfn,
        c,
        &[
            ("Name", "name"),
            ("Image", "image"),
            ("Cpu", "cpu"),
            ("Memory", "memory"),
            ("Essential", "essential"),
            ("Command", "command"),
        ],
    );
    if d.get("Command")
        .and_then(Json::as_array)
        .is_some_and(Vec::is_empty)
    {
        d.remove("Command");
    }
    if let Some(port) = c.get("port").filter(|p| **p != Value::Null) {
        d.insert(
            "PortMappings".into(),
            json!([{ "ContainerPort": cfn.value(port), "Protocol": "tcp" }]),
        );
    }
    let pairs = |key: &str, value_name: &str| -> Vec<Json> {
        c.get(key)
            .and_then(Value::as_map)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| json!({ "Name": k, value_name: cfn.value(v) }))
                    .collect()
            })
            .unwrap_or_default()
    };
    let env = pairs("environment", "Value");
    if !env.is_empty() {
        d.insert("Environment".into(), Json::Array(env));
    }
    let secrets = pairs("secrets", "ValueFrom");
    if !secrets.is_empty() {
        d.insert("Secrets".into(), Json::Array(secrets));
    }
    if let (Some(volume), Some(path)) = (
        c.get("volume").filter(|v| **v != Value::Null),
        c.get("mount_path").filter(|v| **v != Value::Null),
    ) {
        d.insert(
            "MountPoints".into(),
            json!([{ "SourceVolume": cfn.value(volume), "ContainerPath": cfn.value(path) }]),
        );
    }
    if let Some(group) = c.get("log_group").filter(|v| **v != Value::Null) {
        d.insert(
            "LogConfiguration".into(),
            json!({ "LogDriver": "awslogs", "Options": {
                "awslogs-group": cfn.value(group),
                "awslogs-region": { "Ref": "AWS::Region" },
                "awslogs-stream-prefix": family
            } }),
        );
    }
    Json::Object(d)
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ECS::TaskDefinition",
    &[
        // A task definition's `Ref` is its ARN, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Ref),
        ("revision", CfnAttr::Unavailable),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: r#"ecs_task_definition contract {
  container {
    name  = "moodle"
    image = "moodle:4.4-php8.0"
    port  = 80
  }
}
"#,
    update: r#"ecs_task_definition contract {
  container {
    name  = "moodle"
    image = "moodle:4.4-php8.0"
    port  = 80
  }
  tags = { team = "web" }
}
"#,
    replace: Some(
        r#"ecs_task_definition contract {
  cpu    = 1024
  memory = 2048
  container {
    name  = "moodle"
    image = "moodle:4.4-php8.0"
    port  = 80
  }
  tags = { team = "web" }
}
"#,
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::TaskDefinitionKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
