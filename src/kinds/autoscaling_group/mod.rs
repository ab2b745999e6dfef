//! `autoscaling_group`: an EC2 Auto Scaling group of web servers from a
//! launch template, optionally behind target groups and scaled on CPU by
//! a target-tracking policy mdl names after the group.
//!
//! Read: one paginated describe of the stack's groups (by tag) and one of
//! scaling policies. Changed in place: everything but the name; while
//! `cpu_target` is set the scaler owns the desired capacity. A create
//! waits until `min_size` instances are in service, unless told not to.

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
    name: "autoscaling_group",
    service: "autoscaling",
    summary: "An EC2 Auto Scaling group of web servers, optionally behind target groups and scaled on CPU. While `cpu_target` is set the scaler owns the desired capacity.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The group name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        required("launch_template_id", Type::String, "The launch template."),
        optional(
            "launch_template_version",
            Type::String,
            "\"$Default\"",
            "Which version: \"$Default\", \"$Latest\" or a number.",
        ),
        required("min_size", Type::Number, "The fewest instances."),
        required("max_size", Type::Number, "The most instances."),
        computed_optional(
            "desired_capacity",
            Type::Number,
            "Instances to run (min_size when created without it); left to the scaler while `cpu_target` is set.",
        )
        .ignored_when("cpu_target"),
        required(
            "subnet_ids",
            Type::Set(&Type::String),
            "The (app tier) subnets.",
        ),
        optional(
            "target_group_arns",
            Type::Set(&Type::String),
            "[]",
            "Target groups the instances register with.",
        ),
        optional(
            "health_check_type",
            Type::String,
            "\"EC2\"",
            "\"ELB\" to replace instances the load balancer finds unhealthy.",
        )
        .one_of(&["EC2", "ELB"]),
        optional(
            "health_check_grace_period",
            Type::Number,
            "300",
            "Seconds after launch before health checks count.",
        ),
        optional(
            "default_cooldown",
            Type::Number,
            "300",
            "Seconds after a simple scaling activity before another may start.",
        ),
        optional(
            "cpu_target",
            Type::Number,
            "null",
            "Target tracking: the average CPU % to keep, such as 75; setting it turns scaling on.",
        ),
        optional(
            "wait_for_capacity",
            Type::Bool,
            "true",
            "On create, wait until `min_size` instances are in service.",
        )
        .create_only(),
        TAGS,
    ],
    computed: &[ID, crate::schema::ARN],
    taggable: true,
    rank: 5,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

/// The group's properties, and its target-tracking policy as a resource
/// of its own (`<LogicalId>CpuPolicy`).
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(cfn, attrs, &[("AutoScalingGroupName", "name")]);
    let template = get("launch_template_id").map_or(Json::Null, |t| cfn.value(t));
    let version = match get("launch_template_version").and_then(Value::as_str) {
        Some("$Latest") => super::template_version(&template, "LatestVersionNumber"),
        Some(v) if v != "$Default" => json!(v),
        _ => super::template_version(&template, "DefaultVersionNumber"),
    };
    props.insert(
        "LaunchTemplate".into(),
        json!({ "LaunchTemplateId": template, "Version": version }),
    );
    // CloudFormation types the sizes and the cooldown as strings.
    for (name, key) in [
        ("MinSize", "min_size"),
        ("MaxSize", "max_size"),
        ("DesiredCapacity", "desired_capacity"),
        ("Cooldown", "default_cooldown"),
    ] {
        if let Some(n) = get(key).and_then(Value::as_i64) {
            props.insert(name.into(), json!(n.to_string()));
        }
    }
    props.extend(super::cfn_values(
        cfn,
        attrs,
        &[
            ("VPCZoneIdentifier", "subnet_ids"),
            ("TargetGroupARNs", "target_group_arns"),
            ("HealthCheckType", "health_check_type"),
            ("HealthCheckGracePeriod", "health_check_grace_period"),
        ],
    ));
    if let Some(Value::Map(tags)) = get("tags") {
        props.insert(
            "Tags".into(),
            Json::Array(
                tags.iter()
                    .map(|(k, v)| json!({ "Key": k, "Value": cfn.value(v), "PropagateAtLaunch": true }))
                    .collect(),
            ),
        );
    }
    if let Some(target) = get("cpu_target") {
        let id = cfn.logical_id();
        let policy = serde_json::Map::from_iter([
            ("AutoScalingGroupName".to_string(), json!({ "Ref": id })),
            ("PolicyType".to_string(), json!("TargetTrackingScaling")),
            (
                "TargetTrackingConfiguration".to_string(),
                json!({
                    "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageCPUUtilization" },
                    "TargetValue": cfn.value(target)
                }),
            ),
        ]);
        cfn.also(
            format!("{id}CpuPolicy"),
            "AWS::AutoScaling::ScalingPolicy",
            policy,
            Vec::new(),
        );
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::AutoScaling::AutoScalingGroup",
    &[
        // A group's `Ref` is its name, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::Unavailable),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        templated!(),
        r#"autoscaling_group contract {
  launch_template_id = launch_template.main.id
  min_size           = 0
  max_size           = 2
  subnet_ids         = [subnet.a.id, subnet.b.id]
}
"#
    ),
    update: concat!(
        templated!(),
        r#"autoscaling_group contract {
  launch_template_id = launch_template.main.id
  min_size           = 0
  max_size           = 3
  subnet_ids         = [subnet.a.id, subnet.b.id]
}
"#
    ),
    replace: Some(concat!(
        templated!(),
        r#"autoscaling_group contract {
  name               = "contract-group-2"
  launch_template_id = launch_template.main.id
  min_size           = 0
  max_size           = 3
  subnet_ids         = [subnet.a.id, subnet.b.id]
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Groups,
    identity: Identity::Name,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
