//! `load_balancer`: an application load balancer.
//!
//! Read: one paginated `DescribeLoadBalancers` a refresh, shared with the
//! other load balancing kinds, tags twenty a call; the idle timeout per
//! load balancer only for those state does not know. Changed in place:
//! subnets, security groups, idle timeout and tags.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{
    BlockSchema, ComputedSchema, KindSchema, TAGS, Type, computed_optional, optional, required,
};
use crate::value::Value;

const ARN_ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The ARN of the resource.",
};

static ACCESS_LOGS: BlockSchema = BlockSchema {
    attrs: &[
        required(
            "bucket",
            Type::String,
            "The S3 bucket's name, such as `s3_bucket.logs.name`.",
        ),
        optional(
            "prefix",
            Type::String,
            "\"\"",
            "The folder in the bucket; \"\" for its top.",
        ),
    ],
    exactly_one_of: &[],
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "load_balancer",
    service: "elasticloadbalancingv2",
    summary: "An application load balancer.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The name (32 characters at most); defaults to `<stack>-<block name>`.",
        )
        .force_new()
        .validate(crate::schema::elb_name),
        optional(
            "internal",
            Type::Bool,
            "false",
            "Internal rather than internet-facing.",
        )
        .force_new(),
        required(
            "subnet_ids",
            Type::Set(&Type::String),
            "Public subnets in at least two availability zones.",
        ),
        optional(
            "security_group_ids",
            Type::Set(&Type::String),
            "[]",
            "Security groups (HTTP and HTTPS in).",
        ),
        optional(
            "idle_timeout",
            Type::Number,
            "60",
            "Seconds an idle connection stays open.",
        ),
        optional(
            "drop_invalid_header_fields",
            Type::Bool,
            "true",
            "Drop HTTP headers whose names are not valid before they reach the web servers (request smuggling); AWS's own default is false.",
        ),
        optional(
            "access_logs",
            Type::Blocks(&ACCESS_LOGS),
            "[]",
            "Where the access logs go: one `access_logs { bucket = ..., prefix = ... }` block; none for no logs. The bucket's policy must let Elastic Load Balancing write to it.",
        ),
        TAGS,
    ],
    computed: &[
        ARN_ID,
        crate::schema::ARN,
        ComputedSchema {
            name: "dns_name",
            doc: "The load balancer's DNS name.",
        },
        ComputedSchema {
            name: "zone_id",
            doc: "Its Route 53 hosted zone, for alias records.",
        },
    ],
    taggable: true,
    rank: 3,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_values(cfn, attrs, &[("Name", "name")]);
    props.insert("Type".into(), json!("application"));
    props.insert(
        "Scheme".into(),
        json!(if attrs.get("internal") == Some(&Value::Bool(true)) {
            "internal"
        } else {
            "internet-facing"
        }),
    );
    props.extend(super::cfn_values(
        cfn,
        attrs,
        &[
            ("Subnets", "subnet_ids"),
            ("SecurityGroups", "security_group_ids"),
        ],
    ));
    let mut settings = Vec::new();
    if let Some(t) = attrs.get("idle_timeout").and_then(Value::as_i64) {
        settings.push(json!({ "Key": "idle_timeout.timeout_seconds", "Value": t.to_string() }));
    }
    if let Some(drop) = attrs
        .get("drop_invalid_header_fields")
        .and_then(Value::as_bool)
    {
        settings.push(json!({ "Key": "routing.http.drop_invalid_header_fields.enabled", "Value": drop.to_string() }));
    }
    if let Some(log) = attrs
        .get("access_logs")
        .and_then(Value::as_list)
        .and_then(|l| l.first())
        .and_then(Value::as_map)
    {
        settings.push(json!({ "Key": "access_logs.s3.enabled", "Value": "true" }));
        for (key, attr) in [
            ("access_logs.s3.bucket", "bucket"),
            ("access_logs.s3.prefix", "prefix"),
        ] {
            if let Some(v) = log.get(attr).filter(|v| **v != Value::Null) {
                settings.push(json!({ "Key": key, "Value": cfn.value(v) }));
            }
        }
    }
    if !settings.is_empty() {
        props.insert("LoadBalancerAttributes".into(), Json::Array(settings));
    }
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    &[
        // A load balancer's `Ref` is its ARN, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Ref),
        ("name", CfnAttr::GetAtt("LoadBalancerName")),
        ("dns_name", CfnAttr::GetAtt("DNSName")),
        ("zone_id", CfnAttr::GetAtt("CanonicalHostedZoneID")),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        net!(),
        "load_balancer contract {\n  subnet_ids = [subnet.a.id, subnet.b.id]\n}\n"
    ),
    update: concat!(
        net!(),
        r#"s3_bucket logs {
  name    = "mdl-contract-alb-logs"
  protect = false
}

load_balancer contract {
  subnet_ids   = [subnet.a.id, subnet.b.id]
  idle_timeout = 120
  access_logs {
    bucket = s3_bucket.logs.name
    prefix = "alb"
  }
}
"#
    ),
    replace: Some(concat!(
        net!(),
        "load_balancer contract {\n  internal     = true\n  subnet_ids   = [subnet.a.id, subnet.b.id]\n  idle_timeout = 120\n}\n"
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::LoadBalancerKind,
    identity: Identity::Assigned,
    per_resource_reads: true,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
