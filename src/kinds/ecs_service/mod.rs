//! `ecs_service`: a Fargate service, behind a target group, scaled on CPU
//! by Application Auto Scaling (a scalable target and a target-tracking
//! policy) while `max_count` is set.
//!
//! Read: the services of the stack's clusters, ten a call, then one
//! describe each of scaling targets and policies. Changed in place:
//! the task definition, the count, the network and scaling; while scaled,
//! the desired count is the scaler's.

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
    computed: &[
        ID,
        crate::schema::ARN,
        crate::schema::ComputedSchema {
            name: "resource_id",
            doc: "The service in Application Auto Scaling, `service/CLUSTER/NAME`: what a `scaling_policy`'s `ecs_service` names.",
        },
    ],
    taggable: true,
    rank: 5,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

/// The service's properties, and its auto scaling (a scalable target and
/// a CPU target-tracking policy) as resources of their own.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[
            ("ServiceName", "name"),
            ("Cluster", "cluster_arn"),
            ("TaskDefinition", "task_definition_arn"),
            ("DesiredCount", "desired_count"),
            ("EnableExecuteCommand", "enable_execute_command"),
        ],
    );
    props.insert("LaunchType".into(), json!("FARGATE"));
    props.insert(
        "NetworkConfiguration".into(),
        json!({ "AwsvpcConfiguration": super::awsvpc(cfn, attrs) }),
    );
    if let Some(tg) = get("target_group_arn") {
        props.insert(
            "LoadBalancers".into(),
            json!([{
                "TargetGroupArn": cfn.value(tg),
                "ContainerName": get("container_name").map_or(Json::Null, |c| cfn.value(c)),
                "ContainerPort": get("container_port").map_or(json!(80), |p| cfn.value(p))
            }]),
        );
    }
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    let id = cfn.logical_id();
    let cluster = get("cluster_arn").map_or(Json::Null, |c| cfn.value(c));
    if let Some(max) = get("max_count") {
        let target = serde_json::Map::from_iter([
            ("ServiceNamespace".to_string(), json!("ecs")),
            (
                "ScalableDimension".to_string(),
                json!("ecs:service:DesiredCount"),
            ),
            (
                "MinCapacity".to_string(),
                get("min_count").map_or(json!(1), |m| cfn.value(m)),
            ),
            ("MaxCapacity".to_string(), cfn.value(max)),
            (
                "ResourceId".to_string(),
                json!({ "Fn::Join": ["/", [
                    "service",
                    { "Fn::Select": [1, { "Fn::Split": ["/", cluster] }] },
                    { "Fn::GetAtt": [id, "Name"] }
                ]] }),
            ),
        ]);
        cfn.also(
            format!("{id}ScalingTarget"),
            "AWS::ApplicationAutoScaling::ScalableTarget",
            target,
            Vec::new(),
        );
        if let Some(cpu) = get("cpu_target") {
            let policy = serde_json::Map::from_iter([
                ("PolicyName".to_string(), json!(format!("{id}-cpu"))),
                ("PolicyType".to_string(), json!("TargetTrackingScaling")),
                (
                    "ScalingTargetId".to_string(),
                    json!({ "Ref": format!("{id}ScalingTarget") }),
                ),
                (
                    "TargetTrackingScalingPolicyConfiguration".to_string(),
                    json!({
                        "TargetValue": cfn.value(cpu),
                        "PredefinedMetricSpecification": { "PredefinedMetricType": "ECSServiceAverageCPUUtilization" }
                    }),
                ),
            ]);
            cfn.also(
                format!("{id}CpuPolicy"),
                "AWS::ApplicationAutoScaling::ScalingPolicy",
                policy,
                Vec::new(),
            );
        }
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ECS::Service",
    &[
        // A service's `Ref` is its ARN, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Ref),
        ("name", CfnAttr::GetAtt("Name")),
        // A scaling policy names the service's scalable target instead.
        ("resource_id", CfnAttr::Unavailable),
    ],
    properties,
)
.with_parts(&[
    (
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "its min_count and max_count",
    ),
    (
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "its cpu_target",
    ),
]);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        tasks!(),
        r#"ecs_service contract {
  cluster_arn         = ecs_cluster.main.arn
  task_definition_arn = ecs_task_definition.main.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
}
"#
    ),
    update: concat!(
        tasks!(),
        r#"ecs_service contract {
  cluster_arn         = ecs_cluster.main.arn
  task_definition_arn = ecs_task_definition.main.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
  desired_count       = 2
}
"#
    ),
    replace: Some(concat!(
        tasks!(),
        r#"ecs_service contract {
  name                = "contract-service-2"
  cluster_arn         = ecs_cluster.main.arn
  task_definition_arn = ecs_task_definition.main.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
  desired_count       = 2
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::ServiceKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
