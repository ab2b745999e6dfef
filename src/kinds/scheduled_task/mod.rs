//! `scheduled_task`: an ECS scheduled task, an EventBridge rule on a
//! schedule whose one target runs a Fargate task (Moodle's cron).
//!
//! Read: the rules of the default bus, their tags concurrently
//! (EventBridge has no batched tag read), then the target of each rule of
//! the stack. Changed in place: everything but the name (`PutRule`,
//! `PutTargets`, tags).

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "scheduled_task",
    service: "eventbridge",
    summary: "An ECS scheduled task: an EventBridge rule that runs a Fargate task on a schedule, such as Moodle's `admin/cli/cron.php` every minute.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The rule name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        required(
            "schedule",
            Type::String,
            "When to run: \"rate(1 minute)\", \"rate(5 minutes)\" or \"cron(0/2 * * * ? *)\".",
        )
        .validate(schedule_expression),
        required("cluster_arn", Type::String, "The cluster to run in."),
        required(
            "task_definition_arn",
            Type::String,
            "The task definition to run.",
        ),
        required(
            "role_arn",
            Type::String,
            "A role EventBridge assumes to run the task (trusted service \"events.amazonaws.com\").",
        ),
        required(
            "subnet_ids",
            Type::Set(&Type::String),
            "The subnets of the task.",
        ),
        optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "[]",
            "Security groups of the task.",
        ),
        optional(
            "assign_public_ip",
            Type::Bool,
            "false",
            "Give the task a public address.",
        ),
        optional(
            "container_name",
            Type::String,
            "null",
            "The container whose command is replaced; needed with `command`.",
        ),
        optional(
            "command",
            Type::List(&Type::String),
            "[]",
            "The command to run instead of the image's, such as [\"php\", \"admin/cli/cron.php\"].",
        ),
        optional("task_count", Type::Number, "1", "Tasks started each time."),
        optional("enabled", Type::Bool, "true", "Whether the schedule fires."),
        optional("description", Type::String, "null", "A description."),
        TAGS,
    ],
    computed: &[ID, crate::schema::ARN],
    taggable: true,
    rank: 6,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[
            ("Name", "name"),
            ("ScheduleExpression", "schedule"),
            ("Description", "description"),
        ],
    );
    let on = attrs.get("enabled") != Some(&Value::Bool(false));
    props.insert(
        "State".into(),
        json!(if on { "ENABLED" } else { "DISABLED" }),
    );
    let mut target = serde_json::Map::new();
    target.insert("Id".into(), json!("mdl-task"));
    target.extend(super::cfn_values(
        cfn,
        attrs,
        &[("Arn", "cluster_arn"), ("RoleArn", "role_arn")],
    ));
    let mut ecs = super::cfn_values(
        cfn,
        attrs,
        &[
            ("TaskDefinitionArn", "task_definition_arn"),
            ("TaskCount", "task_count"),
        ],
    );
    ecs.insert("LaunchType".into(), json!("FARGATE"));
    ecs.insert(
        "NetworkConfiguration".into(),
        json!({ "AwsVpcConfiguration": super::awsvpc(cfn, attrs) }),
    );
    target.insert("EcsParameters".into(), Json::Object(ecs));
    if let (Some(Value::String(container)), Some(Value::List(command))) =
        (attrs.get("container_name"), attrs.get("command"))
        && !command.is_empty()
    {
        let command: Vec<Json> = command.iter().map(Value::to_json).collect();
        target.insert(
            "Input".into(),
            json!(
                json!({ "containerOverrides": [{ "name": container, "command": command }] })
                    .to_string()
            ),
        );
    }
    props.insert("Targets".into(), json!([target]));
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::Events::Rule",
    &[
        // A rule's `Ref` is its name.
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("Arn")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        scheduled!(),
        r#"scheduled_task contract {
  schedule            = "rate(1 hour)"
  cluster_arn         = ecs_cluster.main.arn
  task_definition_arn = ecs_task_definition.main.arn
  role_arn            = iam_role.events.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
}
"#
    ),
    update: concat!(
        scheduled!(),
        r#"scheduled_task contract {
  schedule            = "rate(2 hours)"
  cluster_arn         = ecs_cluster.main.arn
  task_definition_arn = ecs_task_definition.main.arn
  role_arn            = iam_role.events.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
}
"#
    ),
    replace: Some(concat!(
        scheduled!(),
        r#"scheduled_task contract {
  name                = "contract-cron-2"
  schedule            = "rate(2 hours)"
  cluster_arn         = ecs_cluster.main.arn
  task_definition_arn = ecs_task_definition.main.arn
  role_arn            = iam_role.events.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Rules,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
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
