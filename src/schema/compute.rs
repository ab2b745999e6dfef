//! The kinds that run Moodle: ECS clusters, Fargate task
//! definitions and services with application auto scaling, scheduled
//! tasks (cron), and the EC2 side: launch templates, Auto Scaling groups
//! and single instances (a bastion).

use super::*;

const ID: ComputedSchema = ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

const ARN: ComputedSchema = ComputedSchema {
    name: "arn",
    doc: "The ARN of the resource.",
};

pub static ECS_CLUSTER: KindSchema = KindSchema {
    name: "ecs_cluster",
    service: "ecs",
    summary: "An ECS cluster for Fargate services.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The cluster name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "container_insights",
            Type::Bool,
            "false",
            "CloudWatch Container Insights metrics.",
        ),
        TAGS,
    ],
    computed: &[ID, ARN],
    taggable: true,
    rank: 0,
    slow: false,
    protected: false,
    exactly_one_of: &[],
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

pub static ECS_TASK_DEFINITION: KindSchema = KindSchema {
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
        ARN,
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

pub static ECS_SERVICE: KindSchema = KindSchema {
    name: "ecs_service",
    service: "ecs",
    summary: "A Fargate service, optionally behind a target group and scaled on CPU. While `max_count` is set the scaler owns the desired count.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The service name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        required("cluster_arn", Type::String, "The cluster.").force_new(),
        required(
            "task_definition_arn",
            Type::String,
            "The task definition to run.",
        ),
        optional(
            "desired_count",
            Type::Number,
            "1",
            "Tasks to run; left to the scaler while `max_count` is set.",
        )
        .ignored_when("max_count"),
        required(
            "subnet_ids",
            Type::Set(&Type::String),
            "The (app tier) subnets of the tasks.",
        ),
        optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "[]",
            "Security groups of the tasks.",
        ),
        optional(
            "assign_public_ip",
            Type::Bool,
            "false",
            "Give tasks public addresses.",
        ),
        optional(
            "target_group_arn",
            Type::String,
            "null",
            "The target group the tasks register with.",
        )
        .force_new(),
        optional(
            "container_name",
            Type::String,
            "null",
            "The container the target group sends to.",
        )
        .force_new(),
        optional("container_port", Type::Number, "80", "Its port.").force_new(),
        optional(
            "enable_execute_command",
            Type::Bool,
            "true",
            "Allow `aws ecs execute-command` (cron, shells).",
        ),
        optional(
            "min_count",
            Type::Number,
            "null",
            "Auto scaling: the fewest tasks.",
        ),
        optional(
            "max_count",
            Type::Number,
            "null",
            "Auto scaling: the most tasks; setting it turns scaling on.",
        ),
        optional(
            "cpu_target",
            Type::Number,
            "null",
            "Auto scaling: the average CPU % to keep, such as 85.",
        ),
        TAGS,
    ],
    computed: &[ID, ARN],
    taggable: true,
    rank: 5,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

pub static LAUNCH_TEMPLATE: KindSchema = KindSchema {
    name: "launch_template",
    service: "ec2",
    summary: "An EC2 launch template for web servers. A change adds a version and makes it the default.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The template name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        required("image_id", Type::String, "The AMI."),
        required(
            "instance_type",
            Type::String,
            "The instance type, such as \"m6g.large\".",
        ),
        optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "[]",
            "Security groups of the instances.",
        ),
        optional(
            "instance_profile_arn",
            Type::String,
            "null",
            "The IAM instance profile.",
        ),
        optional("key_name", Type::String, "null", "An EC2 key pair for SSH."),
        optional(
            "user_data",
            Type::String,
            "null",
            "A boot script, as text (mdl encodes it).",
        ),
        optional(
            "root_volume_gib",
            Type::Number,
            "null",
            "Size of the root volume (gp3, device /dev/xvda) in GiB; the AMI's when unset.",
        ),
        optional(
            "require_imdsv2",
            Type::Bool,
            "true",
            "Require session tokens for the instance metadata service.",
        ),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "latest_version",
            doc: "The newest version number.",
        },
    ],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static INSTANCE: KindSchema = KindSchema {
    name: "instance",
    service: "ec2",
    summary: "A single EC2 instance, such as a bastion host.",
    attrs: &[
        required("image_id", Type::String, "The AMI.").force_new(),
        required(
            "instance_type",
            Type::String,
            "The instance type, such as \"t4g.nano\"; a change stops and starts the instance.",
        ),
        required("subnet_id", Type::String, "The subnet.").force_new(),
        // Without one, EC2 puts the instance in its VPC's default group.
        computed_optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "Security groups; without them, EC2 puts the instance in its VPC's default group.",
        ),
        optional(
            "associate_public_ip",
            Type::Bool,
            "false",
            "Give it a public address.",
        )
        .force_new(),
        optional("key_name", Type::String, "null", "An EC2 key pair for SSH.").force_new(),
        optional(
            "instance_profile_arn",
            Type::String,
            "null",
            "The IAM instance profile.",
        )
        .force_new(),
        optional(
            "user_data",
            Type::String,
            "null",
            "A boot script, as text (mdl encodes it).",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "private_ip",
            doc: "The private IPv4 address.",
        },
        ComputedSchema {
            name: "public_ip",
            doc: "The public IPv4 address, when it has one.",
        },
    ],
    taggable: true,
    rank: 5,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

/// A schedule expression EventBridge accepts: `rate(N unit)` or
/// `cron(six fields)`.
///
/// # Errors
/// What is wrong with it.
pub fn schedule_expression(expr: &str) -> Result<(), String> {
    let bad = |why: &str| Err(why.to_string());
    if let Some(inner) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let mut parts = inner.split_whitespace();
        let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return bad("is not a rate of the form rate(N unit)");
        };
        let Ok(count) = count.parse::<u32>() else {
            return bad("does not start with a whole number");
        };
        let singular = matches!(unit, "minute" | "hour" | "day");
        let plural = matches!(unit, "minutes" | "hours" | "days");
        if count == 0 || (count == 1 && !singular) || (count > 1 && !plural) {
            return bad("has a unit that does not match its number");
        }
        return Ok(());
    }
    if let Some(inner) = expr.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        if inner.split_whitespace().count() != 6 {
            return bad("does not have the six fields of an EventBridge cron");
        }
        return Ok(());
    }
    bad("is neither rate(...) nor cron(...)")
}

#[cfg(test)]
mod tests {
    use super::schedule_expression;

    #[test]
    fn schedules_eventbridge_accepts_pass_and_others_say_how_to_write_one() {
        for ok in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(2 hours)",
            "cron(0/2 * * * ? *)",
        ] {
            assert!(schedule_expression(ok).is_ok(), "{ok}");
        }
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "rate(five minutes)",
            "cron(*/2 * * * *)",
            "*/2 * * * *",
        ] {
            assert!(schedule_expression(bad).is_err(), "{bad}");
        }
    }
}
