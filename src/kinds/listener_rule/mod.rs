//! `listener_rule`: a listener rule forwarding requests by host or path to
//! a target group.
//!
//! Read: the rules of the stack's listeners, one call each (shared with
//! listeners), tags twenty a call. Changed in place: conditions, target,
//! priority and tags; a rule without a priority takes the next free one.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

const ARN_ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The ARN of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "listener_rule",
    service: "elasticloadbalancingv2",
    summary: "A rule of a listener: requests for these hosts or paths go to a target group. Without a priority, the next free one is taken and kept.",
    attrs: &[
        required("listener_arn", Type::String, "The listener.").force_new(),
        computed_optional(
            "priority",
            Type::Number,
            "1 to 50000; lower wins. Assigned when omitted, then stable.",
        ),
        optional(
            "host_headers",
            Type::Set(&Type::String),
            "[]",
            "Host names that match, such as [\"branch-a.vle.example.ac.uk\"].",
        ),
        optional(
            "path_patterns",
            Type::Set(&Type::String),
            "[]",
            "Paths that match, such as [\"/moodle/*\"].",
        ),
        required(
            "target_group_arn",
            Type::String,
            "Where matching requests go.",
        ),
        TAGS,
    ],
    computed: &[ARN_ID, crate::schema::ARN],
    taggable: true,
    rank: 5,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

/// A rule's properties; CloudFormation tags no listener rule.
fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[("ListenerArn", "listener_arn"), ("Priority", "priority")],
    );
    if !props.contains_key("Priority") {
        // mdl assigns free priorities when applying; a template needs them
        // written: the rule's place among its kind.
        props.insert("Priority".into(), json!(cfn.place()));
    }
    let mut conditions = Vec::new();
    for (field, key, config) in [
        ("host-header", "host_headers", "HostHeaderConfig"),
        ("path-pattern", "path_patterns", "PathPatternConfig"),
    ] {
        if let Some(values) = get(key).filter(|v| v.as_list().is_some_and(|l| !l.is_empty())) {
            conditions.push(json!({ "Field": field, config: { "Values": cfn.value(values) } }));
        }
    }
    props.insert("Conditions".into(), Json::Array(conditions));
    props.insert(
        "Actions".into(),
        json!([{ "Type": "forward", "TargetGroupArn": get("target_group_arn").map_or(Json::Null, |t| cfn.value(t)) }]),
    );
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    &[
        // A rule's `Ref` is its ARN, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Ref),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        listening!(),
        r#"listener_rule contract {
  listener_arn     = listener.main.arn
  priority         = 10
  path_patterns    = ["/a/*"]
  target_group_arn = target_group.main.arn
}
"#
    ),
    update: concat!(
        listening!(),
        r#"listener_rule contract {
  listener_arn     = listener.main.arn
  priority         = 10
  path_patterns    = ["/b/*"]
  target_group_arn = target_group.main.arn
}
"#
    ),
    replace: Some(concat!(
        listening!(),
        r#"listener_rule contract {
  listener_arn     = listener.other.arn
  priority         = 10
  path_patterns    = ["/b/*"]
  target_group_arn = target_group.main.arn
}
"#
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::RuleKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
