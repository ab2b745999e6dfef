//! The kinds that run Moodle: ECS clusters, Fargate task
//! definitions and services with application auto scaling, scheduled
//! tasks (cron), and the EC2 side: launch templates, Auto Scaling groups
//! and single instances (a bastion).

use super::*;

const ID: ComputedSchema = ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
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
