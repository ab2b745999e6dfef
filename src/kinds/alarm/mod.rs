//! `alarm`: a CloudWatch metric alarm, such as the reference's web tier
//! alarms at 75 % and 25 % CPU that drive its step scaling, or one that
//! tells a person.
//!
//! Read: one paginated `DescribeAlarms` of the region's metric alarms,
//! then `ListTagsForResource` for each (ten at once). `PutMetricAlarm`
//! writes the whole alarm, so everything but the name changes in place.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "alarm",
    service: "cloudwatch",
    summary: "A CloudWatch metric alarm: a statistic of one metric over a period, compared with a threshold, and what to do when it crosses (scaling policies, notifications).",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The alarm's name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        required(
            "namespace",
            Type::String,
            "The metric's namespace, such as \"AWS/EC2\" or \"AWS/ECS\".",
        ),
        required(
            "metric_name",
            Type::String,
            "The metric, such as \"CPUUtilization\".",
        ),
        optional(
            "dimensions",
            Type::Map(&Type::String),
            "{}",
            "Which of the metric's series: `{ AutoScalingGroupName = autoscaling_group.web.name }`.",
        ),
        optional(
            "statistic",
            Type::String,
            "\"Average\"",
            "How the period's data points are combined: Average, Sum, Minimum, Maximum or SampleCount.",
        )
        .one_of(&["Average", "Sum", "Minimum", "Maximum", "SampleCount"]),
        optional(
            "period",
            Type::Number,
            "300",
            "Seconds in one period: 10, 20, 30 or a multiple of 60.",
        ),
        optional(
            "evaluation_periods",
            Type::Number,
            "1",
            "How many periods in a row must cross the threshold.",
        ),
        required("threshold", Type::Number, "The value compared with."),
        required(
            "comparison",
            Type::String,
            "How the statistic is compared with the threshold: GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold.",
        )
        .one_of(&[
            "GreaterThanOrEqualToThreshold",
            "GreaterThanThreshold",
            "LessThanThreshold",
            "LessThanOrEqualToThreshold",
        ]),
        optional(
            "treat_missing_data",
            Type::String,
            "\"missing\"",
            "A period without data: \"missing\", \"ignore\", \"breaching\" or \"notBreaching\".",
        )
        .one_of(&["missing", "ignore", "breaching", "notBreaching"]),
        optional(
            "alarm_actions",
            Type::Set(&Type::String),
            "[]",
            "ARNs to act on when the alarm fires: scaling policies, SNS topics.",
        ),
        optional(
            "ok_actions",
            Type::Set(&Type::String),
            "[]",
            "ARNs to act on when it returns to OK.",
        ),
        optional("description", Type::String, "\"\"", "What the alarm means."),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The alarm's name.",
        },
        ComputedSchema {
            name: "arn",
            doc: "The alarm's ARN.",
        },
    ],
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
    let mut props = super::cfn_properties(
        cfn,
        attrs,
        &[
            ("AlarmName", "name"),
            ("Namespace", "namespace"),
            ("MetricName", "metric_name"),
            ("Statistic", "statistic"),
            ("Period", "period"),
            ("EvaluationPeriods", "evaluation_periods"),
            ("Threshold", "threshold"),
            ("ComparisonOperator", "comparison"),
            ("TreatMissingData", "treat_missing_data"),
            ("AlarmActions", "alarm_actions"),
            ("OKActions", "ok_actions"),
        ],
    );
    let dimensions: Vec<Json> = attrs
        .get("dimensions")
        .and_then(Value::as_map)
        .into_iter()
        .flatten()
        .map(|(k, v)| json!({ "Name": k, "Value": cfn.value(v) }))
        .collect();
    if !dimensions.is_empty() {
        props.insert("Dimensions".into(), Json::Array(dimensions));
    }
    if let Some(d) = attrs
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
    {
        props.insert("AlarmDescription".into(), json!(d));
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::CloudWatch::Alarm",
    &[
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("Arn")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: r#"alarm contract {
  namespace   = "AWS/EC2"
  metric_name = "CPUUtilization"
  dimensions  = { AutoScalingGroupName = "web" }
  threshold   = 75
  comparison  = "GreaterThanOrEqualToThreshold"
}
"#,
    update: r#"alarm contract {
  namespace          = "AWS/EC2"
  metric_name        = "CPUUtilization"
  dimensions         = { AutoScalingGroupName = "web" }
  period             = 60
  evaluation_periods = 2
  threshold          = 80
  comparison         = "GreaterThanOrEqualToThreshold"
  description        = "The web tier is busy"
  tags               = { team = "web" }
}
"#,
    replace: Some(
        r#"alarm contract {
  name               = "contract-alarm-renamed"
  namespace          = "AWS/EC2"
  metric_name        = "CPUUtilization"
  dimensions         = { AutoScalingGroupName = "web" }
  period             = 60
  evaluation_periods = 2
  threshold          = 80
  comparison         = "GreaterThanOrEqualToThreshold"
  description        = "The web tier is busy"
  tags               = { team = "web" }
}
"#,
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Alarms,
    identity: Identity::Name,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
