//! `listener`: a load balancer's listener, forwarding to a target group,
//! redirecting HTTP to HTTPS, or answering 404.
//!
//! Read: the listeners of the stack's load balancers, one call each
//! (shared with listener rules), tags twenty a call. Changed in place:
//! port, protocol, certificate, TLS policy, default action and tags.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

const ARN_ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The ARN of the resource.",
};

/// The TLS policy of a new HTTPS listener that names none: TLS 1.3 and
/// 1.2 only, where AWS's own default still takes TLS 1.0.
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

pub static SCHEMA: KindSchema = KindSchema {
    name: "listener",
    service: "elasticloadbalancingv2",
    summary: "A listener of a load balancer: HTTP that redirects to HTTPS, or HTTPS that forwards to a target group.",
    attrs: &[
        required("load_balancer_arn", Type::String, "The load balancer.").force_new(),
        required("port", Type::Number, "The port, such as 443.").range(1.0, 65535.0),
        required("protocol", Type::String, "HTTP or HTTPS.").one_of(&["HTTP", "HTTPS"]),
        optional(
            "certificate_arn",
            Type::String,
            "null",
            "The ACM certificate of an HTTPS listener.",
        ),
        computed_optional(
            "ssl_policy",
            Type::String,
            "The TLS policy of an HTTPS listener. A new HTTPS listener without one gets ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.3 and 1.2 only); an existing listener keeps its own until one is given.",
        ),
        optional(
            "default_action",
            Type::String,
            "\"forward\"",
            "What requests no rule matches get.",
        )
        .one_of(&["forward", "redirect-https", "fixed-response"]),
        optional(
            "target_group_arn",
            Type::String,
            "null",
            "With default_action = \"forward\": the target group.",
        ),
        TAGS,
    ],
    computed: &[ARN_ID, crate::schema::ARN],
    taggable: true,
    rank: 4,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

/// A listener's properties; CloudFormation tags no listener.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[
            ("LoadBalancerArn", "load_balancer_arn"),
            ("Port", "port"),
            ("Protocol", "protocol"),
        ],
    );
    if let Some(c) = get("certificate_arn") {
        props.insert(
            "Certificates".into(),
            json!([{ "CertificateArn": cfn.value(c) }]),
        );
        props.insert(
            "SslPolicy".into(),
            get("ssl_policy").map_or_else(|| json!(DEFAULT_SSL_POLICY), |p| cfn.value(p)),
        );
    }
    let action = match get("default_action").and_then(Value::as_str) {
        Some("redirect-https") => json!({
            "Type": "redirect",
            "RedirectConfig": { "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301" }
        }),
        Some("fixed-response") => json!({
            "Type": "fixed-response",
            "FixedResponseConfig": { "StatusCode": "404", "ContentType": "text/plain" }
        }),
        _ => json!({
            "Type": "forward",
            "TargetGroupArn": get("target_group_arn").map_or(Json::Null, |t| cfn.value(t))
        }),
    };
    props.insert("DefaultActions".into(), json!([action]));
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ElasticLoadBalancingV2::Listener",
    &[
        // A listener's `Ref` is its ARN, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Ref),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        balanced!(),
        r#"listener contract {
  load_balancer_arn = load_balancer.main.arn
  port              = 80
  protocol          = "HTTP"
  target_group_arn  = target_group.main.arn
}
"#
    ),
    update: concat!(
        balanced!(),
        r#"listener contract {
  load_balancer_arn = load_balancer.main.arn
  port              = 8080
  protocol          = "HTTP"
  target_group_arn  = target_group.main.arn
}
"#
    ),
    replace: Some(concat!(
        balanced!(),
        r#"listener contract {
  load_balancer_arn = load_balancer.other.arn
  port              = 8080
  protocol          = "HTTP"
  target_group_arn  = target_group.main.arn
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::ListenerKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
