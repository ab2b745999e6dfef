//! The kinds that expose Moodle: application load balancers with their
//! target groups, listeners and rules, ACM certificates, Route 53 zones
//! and records, and a CloudFront distribution.

use super::*;

const ARN_ID: ComputedSchema = ComputedSchema {
    name: "id",
    doc: "The ARN of the resource.",
};

const ARN: ComputedSchema = ComputedSchema {
    name: "arn",
    doc: "The ARN of the resource.",
};

pub static LOAD_BALANCER: KindSchema = KindSchema {
    name: "load_balancer",
    service: "elasticloadbalancingv2",
    summary: "An application load balancer.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The name (32 characters at most); defaults to `<stack>-<block name>`.",
        )
        .force_new(),
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
        TAGS,
    ],
    computed: &[
        ARN_ID,
        ARN,
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

pub static TARGET_GROUP: KindSchema = KindSchema {
    name: "target_group",
    service: "elasticloadbalancingv2",
    summary: "A target group: where a listener sends requests (Fargate tasks by ip, instances by id).",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The name (32 characters at most); defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional("port", Type::Number, "80", "The port targets listen on.").force_new(),
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
        TAGS,
    ],
    computed: &[ARN_ID, ARN],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static LISTENER: KindSchema = KindSchema {
    name: "listener",
    service: "elasticloadbalancingv2",
    summary: "A listener of a load balancer: HTTP that redirects to HTTPS, or HTTPS that forwards to a target group.",
    attrs: &[
        required("load_balancer_arn", Type::String, "The load balancer.").force_new(),
        required("port", Type::Number, "The port, such as 443."),
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
            "The TLS policy of an HTTPS listener.",
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
    computed: &[ARN_ID, ARN],
    taggable: true,
    rank: 4,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static LISTENER_RULE: KindSchema = KindSchema {
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
    computed: &[ARN_ID, ARN],
    taggable: true,
    rank: 5,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};
