//! `scaling_policy`: a policy of an EC2 Auto Scaling group, written
//! beside the group. Simple scaling (one adjustment, then a cooldown) and
//! step scaling (an adjustment per band of the alarm's breach) are driven
//! by `alarm` blocks that name the policy's ARN in their actions, as the
//! reference architecture scales its web tier at 75 % and 25 % CPU.
//! Target tracking on a predefined metric is a policy too; a group's own
//! `cpu_target` is the shorter way to write the usual one.
//!
//! Policies carry no tags: one is known by its id, `GROUP/NAME` (names are
//! unique only within a group), and read from one paginated
//! `DescribePolicies` of each group state names. `PutScalingPolicy`
//! writes the whole policy, so everything but the group and the name
//! changes in place.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Physical};
use crate::schema::{
    BlockSchema, ComputedSchema, KindSchema, Type, computed_optional, optional, required,
};
use crate::value::Value;

static STEP: BlockSchema = BlockSchema {
    attrs: &[
        optional(
            "lower_bound",
            Type::Number,
            "null",
            "The band starts this far past the alarm's threshold (inclusive); null for no lower end.",
        ),
        optional(
            "upper_bound",
            Type::Number,
            "null",
            "The band ends this far past the threshold (exclusive); null for no upper end.",
        ),
        required(
            "adjustment",
            Type::Number,
            "Instances to add (negative: remove) while the metric is in this band.",
        ),
    ],
    exactly_one_of: &[],
};

/// The predefined metrics a target-tracking policy of a group may follow
/// without a resource label.
const TARGET_METRICS: &[&str] = &[
    "ASGAverageCPUUtilization",
    "ASGAverageNetworkIn",
    "ASGAverageNetworkOut",
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
];

/// The default metric a target-tracking policy follows.
pub(crate) fn default_metric(attrs: &IndexMap<String, Value>) -> &'static str {
    if ecs(attrs) {
        "ECSServiceAverageCPUUtilization"
    } else {
        "ASGAverageCPUUtilization"
    }
}

/// Whether the policy is an ECS service's (Application Auto Scaling).
pub(crate) fn ecs(attrs: &IndexMap<String, Value>) -> bool {
    attrs.get("ecs_service").is_some_and(|v| *v != Value::Null)
}

pub static SCHEMA: KindSchema = KindSchema {
    name: "scaling_policy",
    service: "autoscaling",
    summary: "A scaling policy of an Auto Scaling group or an ECS service: simple (`scaling_adjustment`, groups only), step (`step` blocks) or target tracking (`target_value`). Simple and step policies act when an `alarm` names their `arn` in its `alarm_actions`. Set exactly one of the three.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The policy's name, unique within its group; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "autoscaling_group",
            Type::String,
            "null",
            "The Auto Scaling group's name: `autoscaling_group.web.name`. Set this or `ecs_service`.",
        )
        .force_new(),
        optional(
            "ecs_service",
            Type::String,
            "null",
            "An ECS service's `resource_id` (`ecs_service.web.resource_id`), whose `max_count` registers it for scaling; its policies are step or target tracking. Set this or `autoscaling_group`.",
        )
        .force_new(),
        computed_optional(
            "adjustment_type",
            Type::String,
            "What an adjustment counts (simple and step): ChangeInCapacity (instances, when not given), ExactCapacity or PercentChangeInCapacity.",
        )
        .one_of(&[
            "ChangeInCapacity",
            "ExactCapacity",
            "PercentChangeInCapacity",
        ]),
        optional(
            "scaling_adjustment",
            Type::Number,
            "null",
            "Simple scaling: the one adjustment made when the alarm fires, such as 1 or -1.",
        ),
        optional(
            "cooldown",
            Type::Number,
            "null",
            "Seconds after an adjustment before another: simple scaling of a group (null for its `default_cooldown`), step scaling of an ECS service.",
        ),
        optional(
            "step",
            Type::Blocks(&STEP),
            "[]",
            "Step scaling: one `step { lower_bound, upper_bound, adjustment }` block per band of the alarm's breach.",
        ),
        computed_optional(
            "metric_aggregation_type",
            Type::String,
            "Step scaling: how the alarm's metric is aggregated: Average (AWS's default), Minimum or Maximum.",
        )
        .one_of(&["Average", "Minimum", "Maximum"]),
        optional(
            "estimated_instance_warmup",
            Type::Number,
            "null",
            "Step and target tracking: seconds before a new instance's metrics count; null for the group's default.",
        ),
        optional(
            "target_value",
            Type::Number,
            "null",
            "Target tracking: the value of `target_metric` to keep, such as 75 (% CPU).",
        ),
        computed_optional(
            "target_metric",
            Type::String,
            "Target tracking: the predefined metric to follow; ASGAverageCPUUtilization (a group) or ECSServiceAverageCPUUtilization (a service) when not given.",
        )
        .one_of(TARGET_METRICS),
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "GROUP/NAME.",
        },
        ComputedSchema {
            name: "arn",
            doc: "The policy's ARN: what an alarm's `alarm_actions` name.",
        },
    ],
    taggable: false,
    rank: 6,
    slow: false,
    protected: false,
    exactly_one_of: &["scaling_adjustment", "step", "target_value"],
};

/// The policy's type, from which of the three ways the block is written.
pub(crate) fn policy_type(attrs: &IndexMap<String, Value>) -> &'static str {
    let set = |k: &str| attrs.get(k).is_some_and(|v| *v != Value::Null);
    if set("target_value") {
        "TargetTrackingScaling"
    } else if attrs
        .get("step")
        .and_then(Value::as_list)
        .is_some_and(|s| !s.is_empty())
    {
        "StepScaling"
    } else {
        "SimpleScaling"
    }
}

/// An ECS service's policy: Application Auto Scaling's, on the service's
/// scalable target.
fn ecs_properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let ty = policy_type(attrs);
    let mut props = serde_json::Map::new();
    props.insert(
        "PolicyName".into(),
        get("name").map_or_else(|| json!(cfn.logical_id()), |n| cfn.value(n)),
    );
    props.insert("PolicyType".into(), json!(ty));
    let service = get("ecs_service");
    match service.and_then(|v| cfn.reference_to(v)) {
        // The service's block exports its scalable target beside it.
        Some((_, service_id)) => {
            props.insert(
                "ScalingTargetId".into(),
                json!({ "Ref": format!("{service_id}ScalingTarget") }),
            );
        }
        None => {
            props.insert("ServiceNamespace".into(), json!("ecs"));
            props.insert(
                "ScalableDimension".into(),
                json!("ecs:service:DesiredCount"),
            );
            props.insert(
                "ResourceId".into(),
                service.map_or(Json::Null, |v| cfn.value(v)),
            );
        }
    }
    if ty == "TargetTrackingScaling" {
        props.insert(
            "TargetTrackingScalingPolicyConfiguration".into(),
            json!({
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": get("target_metric").map_or(json!(default_metric(attrs)), |v| cfn.value(v))
                },
                "TargetValue": get("target_value").map_or(Json::Null, |v| cfn.value(v)),
            }),
        );
        return props;
    }
    let mut config = super::cfn_values(
        cfn,
        attrs,
        &[
            ("AdjustmentType", "adjustment_type"),
            ("MetricAggregationType", "metric_aggregation_type"),
            ("Cooldown", "cooldown"),
        ],
    );
    config
        .entry("AdjustmentType")
        .or_insert_with(|| json!("ChangeInCapacity"));
    config.insert("StepAdjustments".into(), step_adjustments(cfn, attrs));
    props.insert(
        "StepScalingPolicyConfiguration".into(),
        Json::Object(config),
    );
    props
}

/// The `step` blocks of a policy's attributes, each as its map.
fn step_blocks(attrs: &IndexMap<String, Value>) -> impl Iterator<Item = &IndexMap<String, Value>> {
    attrs
        .get("step")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
}

/// The `step` blocks as CloudFormation's step adjustments.
fn step_adjustments(cfn: &dyn CfnValues, attrs: &IndexMap<String, Value>) -> Json {
    Json::Array(
        step_blocks(attrs)
            .map(|s| {
                let mut step = serde_json::Map::new();
                for (key, attr) in [
                    ("MetricIntervalLowerBound", "lower_bound"),
                    ("MetricIntervalUpperBound", "upper_bound"),
                    ("ScalingAdjustment", "adjustment"),
                ] {
                    if let Some(v) = s.get(attr).filter(|v| **v != Value::Null) {
                        step.insert(key.into(), cfn.value(v));
                    }
                }
                Json::Object(step)
            })
            .collect(),
    )
}

fn type_by(attrs: &IndexMap<String, Value>) -> &'static str {
    if ecs(attrs) {
        "AWS::ApplicationAutoScaling::ScalingPolicy"
    } else {
        "AWS::AutoScaling::ScalingPolicy"
    }
}

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    if ecs(attrs) {
        return ecs_properties(cfn, attrs);
    }
    let mut props = asg_properties(cfn, attrs);
    // Simple and step policies need one; AWS's usual is instances.
    if !props.contains_key("TargetTrackingConfiguration") {
        props
            .entry("AdjustmentType")
            .or_insert_with(|| json!("ChangeInCapacity"));
    }
    props
}

/// An Auto Scaling group's policy.
fn asg_properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let ty = policy_type(attrs);
    let mut props = super::cfn_values(cfn, attrs, &[("AutoScalingGroupName", "autoscaling_group")]);
    props.insert("PolicyType".into(), json!(ty));
    match ty {
        "TargetTrackingScaling" => {
            props.insert(
                "TargetTrackingConfiguration".into(),
                json!({
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": get("target_metric").map_or(json!(default_metric(attrs)), |v| cfn.value(v))
                    },
                    "TargetValue": get("target_value").map_or(Json::Null, |v| cfn.value(v)),
                }),
            );
            props.extend(super::cfn_values(
                cfn,
                attrs,
                &[("EstimatedInstanceWarmup", "estimated_instance_warmup")],
            ));
        }
        "StepScaling" => {
            props.extend(super::cfn_values(
                cfn,
                attrs,
                &[
                    ("AdjustmentType", "adjustment_type"),
                    ("MetricAggregationType", "metric_aggregation_type"),
                    ("EstimatedInstanceWarmup", "estimated_instance_warmup"),
                ],
            ));
            props.insert("StepAdjustments".into(), step_adjustments(cfn, attrs));
        }
        _ => {
            props.extend(super::cfn_values(
                cfn,
                attrs,
                &[
                    ("AdjustmentType", "adjustment_type"),
                    ("ScalingAdjustment", "scaling_adjustment"),
                ],
            ));
            // CloudFormation types the cooldown as a string.
            if let Some(n) = get("cooldown").and_then(Value::as_i64) {
                props.insert("Cooldown".into(), json!(n.to_string()));
            }
        }
    }
    props
}

/// A policy's physical id is its ARN, which ends in
/// `:autoScalingGroupName/GROUP:policyName/NAME`.
fn import_id(p: &Physical<'_>) -> Result<String, String> {
    split_arn(p.id)
        .map(|(group, name)| format!("{group}/{name}"))
        .ok_or_else(|| format!("`{}` is not a scaling policy's ARN", p.id))
}

/// The group (or the ECS service, `service/CLUSTER/NAME`) and the name in
/// a policy's ARN.
pub(crate) fn split_arn(arn: &str) -> Option<(&str, &str)> {
    let (rest, name) = arn.rsplit_once(":policyName/")?;
    if let Some((_, group)) = rest.rsplit_once(":autoScalingGroupName/") {
        return Some((group, name));
    }
    let (_, service) = rest.rsplit_once(":resource/ecs/")?;
    Some((service, name))
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::AutoScaling::ScalingPolicy",
    &[
        // A policy's `Ref` is its ARN; CloudFormation names it itself.
        ("arn", CfnAttr::Ref),
        ("id", CfnAttr::Unavailable),
        ("name", CfnAttr::Unavailable),
    ],
    properties,
)
.importing(import_id)
.typed_by(type_by, &["AWS::ApplicationAutoScaling::ScalingPolicy"]);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        templated!(),
        r#"autoscaling_group web {
  launch_template_id = launch_template.main.id
  min_size           = 0
  max_size           = 2
  subnet_ids         = [subnet.a.id, subnet.b.id]
}

scaling_policy contract {
  autoscaling_group  = autoscaling_group.web.name
  scaling_adjustment = 1
  cooldown           = 300
}
"#
    ),
    update: concat!(
        templated!(),
        r#"autoscaling_group web {
  launch_template_id = launch_template.main.id
  min_size           = 0
  max_size           = 2
  subnet_ids         = [subnet.a.id, subnet.b.id]
}

scaling_policy contract {
  autoscaling_group         = autoscaling_group.web.name
  estimated_instance_warmup = 120
  step {
    lower_bound = 0
    upper_bound = 20
    adjustment  = 1
  }
  step {
    lower_bound = 20
    adjustment  = 2
  }
}
"#
    ),
    replace: Some(concat!(
        templated!(),
        r#"autoscaling_group web {
  launch_template_id = launch_template.main.id
  min_size           = 0
  max_size           = 2
  subnet_ids         = [subnet.a.id, subnet.b.id]
}

scaling_policy contract {
  name                      = "contract-policy-2"
  autoscaling_group         = autoscaling_group.web.name
  estimated_instance_warmup = 120
  step {
    lower_bound = 0
    upper_bound = 20
    adjustment  = 1
  }
  step {
    lower_bound = 20
    adjustment  = 2
  }
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Policies,
    identity: Identity::NameWithin(&["autoscaling_group", "ecs_service"]),
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};

#[cfg(test)]
mod tests {
    use super::split_arn;

    #[test]
    fn a_policy_arn_gives_its_group_and_name() {
        assert_eq!(
            split_arn(
                "arn:aws:autoscaling:eu-west-2:123456789012:scalingPolicy:0f1e2d3c-aaaa-bbbb-cccc-0123456789ab:autoScalingGroupName/web-asg:policyName/ScaleUp"
            ),
            Some(("web-asg", "ScaleUp"))
        );
        assert_eq!(
            split_arn(
                "arn:aws:autoscaling:eu-west-2:123456789012:scalingPolicy:0f1e2d3c-aaaa-bbbb-cccc-0123456789ab:resource/ecs/service/moodle/web:policyName/ScaleOut"
            ),
            Some(("service/moodle/web", "ScaleOut"))
        );
        assert_eq!(split_arn("arn:aws:sns:eu-west-2:123456789012:topic"), None);
    }
}
