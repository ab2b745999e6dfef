//! `flow_log`: a VPC's flow logs, to a CloudWatch Logs group (through an
//! IAM role the logs service assumes) or to an S3 bucket. A record of who
//! talked to what, which the reference architecture keeps and an incident
//! needs.
//!
//! Read: one `DescribeFlowLogs` by the stack tag. AWS changes nothing of a
//! flow log but its tags: any other change is a new one.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "flow_log",
    service: "ec2",
    summary: "A VPC's flow logs, to a log group (with the IAM role that delivers them) or to an S3 bucket. Set exactly one of `log_group_name` and `s3_bucket_arn`.",
    attrs: &[
        required("vpc_id", Type::String, "The VPC whose traffic is logged.").force_new(),
        optional(
            "traffic_type",
            Type::String,
            "\"ALL\"",
            "What is logged: \"ALL\", \"ACCEPT\" (allowed traffic) or \"REJECT\" (refused traffic).",
        )
        .force_new()
        .one_of(&["ALL", "ACCEPT", "REJECT"]),
        optional(
            "log_group_name",
            Type::String,
            "null",
            "The CloudWatch Logs group the records go to, such as `log_group.flow.name`; needs `iam_role_arn`.",
        )
        .force_new(),
        optional(
            "iam_role_arn",
            Type::String,
            "null",
            "The role the logs service assumes to write to the log group (trusting \"vpc-flow-logs.amazonaws.com\", allowed logs:CreateLogStream, logs:PutLogEvents and logs:DescribeLogStreams on the group).",
        )
        .force_new(),
        optional(
            "s3_bucket_arn",
            Type::String,
            "null",
            "The S3 bucket the records go to (an ARN, optionally with a folder: `arn:aws:s3:::BUCKET/flow/`).",
        )
        .force_new(),
        optional(
            "max_aggregation_interval",
            Type::Number,
            "600",
            "Seconds over which packets are gathered into one record: 60 or 600.",
        )
        .force_new()
        .one_of(&["60", "600"]),
        TAGS,
    ],
    computed: &[ComputedSchema {
        name: "id",
        doc: "The flow log's id (`fl-...`).",
    }],
    taggable: true,
    rank: 2,
    slow: false,
    protected: false,
    exactly_one_of: &["log_group_name", "s3_bucket_arn"],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_values(cfn, attrs, &[("ResourceId", "vpc_id")]);
    props.insert("ResourceType".into(), json!("VPC"));
    let to_bucket = attrs
        .get("s3_bucket_arn")
        .is_some_and(|v| *v != Value::Null);
    props.insert(
        "LogDestinationType".into(),
        json!(if to_bucket { "s3" } else { "cloud-watch-logs" }),
    );
    props.extend(super::cfn_properties(
        cfn,
        attrs,
        &[
            ("TrafficType", "traffic_type"),
            ("LogGroupName", "log_group_name"),
            ("DeliverLogsPermissionArn", "iam_role_arn"),
            ("LogDestination", "s3_bucket_arn"),
            ("MaxAggregationInterval", "max_aggregation_interval"),
        ],
    ));
    props
}

static CLOUDFORMATION: CfnMapping =
    CfnMapping::of("AWS::EC2::FlowLog", &[("id", CfnAttr::Ref)], properties);

/// A VPC, a log group and the role that delivers to it.
macro_rules! logged {
    () => {
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

log_group flow {
  retention_days = 30
}

iam_role flow {
  trusted_service = "vpc-flow-logs.amazonaws.com"
  inline_policy   = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\",\"logs:DescribeLogStreams\"],\"Resource\":\"*\"}]}"
}

"#
    };
}

static FIXTURE: Fixture = Fixture {
    create: concat!(
        logged!(),
        r#"flow_log contract {
  vpc_id         = vpc.main.id
  log_group_name = log_group.flow.name
  iam_role_arn   = iam_role.flow.arn
}
"#
    ),
    update: concat!(
        logged!(),
        r#"flow_log contract {
  vpc_id         = vpc.main.id
  log_group_name = log_group.flow.name
  iam_role_arn   = iam_role.flow.arn
  tags           = { team = "network" }
}
"#
    ),
    replace: Some(concat!(
        logged!(),
        r#"flow_log contract {
  vpc_id         = vpc.main.id
  traffic_type   = "REJECT"
  log_group_name = log_group.flow.name
  iam_role_arn   = iam_role.flow.arn
  tags           = { team = "network" }
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::AWS,
    identity: Identity::Assigned,
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
