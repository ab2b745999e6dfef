//! `target_group`: where a listener sends requests (Fargate tasks by ip,
//! instances by id).
//!
//! Read: one paginated `DescribeTargetGroups` a refresh, shared with the
//! other load balancing kinds, tags twenty a call. Changed in place: the
//! health check path and tags.

mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

const ARN_ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The ARN of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "target_group",
    service: "elasticloadbalancingv2",
    summary: "A target group: where a listener sends requests (Fargate tasks by ip, instances by id).",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The name (32 characters at most); defaults to `<stack>-<block name>`.",
        )
        .force_new()
        .validate(crate::schema::elb_name),
        optional("port", Type::Number, "80", "The port targets listen on.")
            .range(1.0, 65535.0)
            .force_new(),
        optional(
            "protocol",
            Type::String,
            "\"HTTP\"",
            "HTTP or HTTPS to the targets.",
        )
        .force_new()
        .one_of(&["HTTP", "HTTPS"]),
        optional(
            "target_type",
            Type::String,
            "\"ip\"",
            "ip (Fargate) or instance (Auto Scaling).",
        )
        .force_new()
        .one_of(&["ip", "instance"]),
        required("vpc_id", Type::String, "The VPC of the targets.").force_new(),
        optional(
            "health_check_path",
            Type::String,
            "\"/\"",
            "The path probed, such as \"/status.txt\".",
        ),
        optional(
            "health_check_interval",
            Type::Number,
            "30",
            "Seconds between probes of one target (5 to 300).",
        ),
        optional(
            "health_check_timeout",
            Type::Number,
            "5",
            "Seconds a probe waits for its answer (2 to 120), less than the interval.",
        ),
        optional(
            "healthy_threshold",
            Type::Number,
            "5",
            "Probes in a row that must pass before a target takes traffic (2 to 10).",
        ),
        optional(
            "unhealthy_threshold",
            Type::Number,
            "2",
            "Probes in a row that must fail before a target is taken out (2 to 10).",
        ),
        optional(
            "matcher",
            Type::String,
            "\"200\"",
            "The HTTP codes that pass, such as \"200\" or \"200-399\".",
        ),
        TAGS,
    ],
    computed: &[ARN_ID, crate::schema::ARN],
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
    let mut props = super::cfn_properties(
        cfn,
        attrs,
        &[
            ("Name", "name"),
            ("Port", "port"),
            ("Protocol", "protocol"),
            ("TargetType", "target_type"),
            ("VpcId", "vpc_id"),
            ("HealthCheckPath", "health_check_path"),
            ("HealthCheckIntervalSeconds", "health_check_interval"),
            ("HealthCheckTimeoutSeconds", "health_check_timeout"),
            ("HealthyThresholdCount", "healthy_threshold"),
            ("UnhealthyThresholdCount", "unhealthy_threshold"),
        ],
    );
    if let Some(codes) = attrs.get("matcher").filter(|v| **v != Value::Null) {
        props.insert(
            "Matcher".into(),
            serde_json::json!({ "HttpCode": cfn.value(codes) }),
        );
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    &[
        // A target group's `Ref` is its ARN, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Ref),
        ("name", CfnAttr::GetAtt("TargetGroupName")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: "vpc main {\n  cidr_block = \"10.0.0.0/16\"\n}\n\ntarget_group contract {\n  vpc_id = vpc.main.id\n}\n",
    update: "vpc main {\n  cidr_block = \"10.0.0.0/16\"\n}\n\ntarget_group contract {\n  vpc_id              = vpc.main.id\n  health_check_path   = \"/status.txt\"\n  unhealthy_threshold = 5\n  matcher             = \"200-399\"\n}\n",
    replace: Some(
        "vpc main {\n  cidr_block = \"10.0.0.0/16\"\n}\n\ntarget_group contract {\n  vpc_id            = vpc.main.id\n  port              = 8080\n  health_check_path = \"/status.txt\"\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::TargetGroupKind,
    identity: Identity::Assigned,
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
