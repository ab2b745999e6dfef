//! `cdn`: a CloudFront distribution in front of the load balancer, one
//! custom origin and one default behaviour.
//!
//! Read: one paginated `ListDistributions`, and one tag read per
//! distribution (CloudFront has no batched tag read). Changes take minutes to deploy: mdl waits until
//! the distribution is `Deployed`. Every attribute changes in place; a
//! delete disables the distribution first, as CloudFront requires.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "cdn",
    service: "cloudfront",
    summary: "A CloudFront distribution in front of the load balancer. Changes take minutes to deploy; mdl waits for them.",
    attrs: &[
        required(
            "origin_domain_name",
            Type::String,
            "The origin: the load balancer's `dns_name`.",
        ),
        optional(
            "origin_protocol",
            Type::String,
            "\"https-only\"",
            "How CloudFront reaches the origin.",
        )
        .one_of(&["http-only", "https-only", "match-viewer"]),
        optional(
            "aliases",
            Type::Set(&Type::String),
            "[]",
            "Domain names it answers for; needs `certificate_arn`.",
        ),
        optional(
            "certificate_arn",
            Type::String,
            "null",
            "An ACM certificate in us-east-1 covering the aliases.",
        ),
        optional(
            "price_class",
            Type::String,
            "\"PriceClass_All\"",
            "Which edge locations serve it.",
        )
        .one_of(&["PriceClass_All", "PriceClass_200", "PriceClass_100"]),
        optional(
            "cache_policy_id",
            Type::String,
            "\"4135ea2d-6df8-44a3-9df4-4b5a84be39ad\"",
            "The default behaviour's cache policy; managed CachingDisabled by default, as Moodle pages are dynamic.",
        ),
        optional(
            "origin_request_policy_id",
            Type::String,
            "\"216adef6-5c7f-47e4-b989-5492eafa07d3\"",
            "What is forwarded to the origin; managed AllViewer by default (host, cookies, query strings).",
        ),
        optional("comment", Type::String, "null", "A comment."),
        optional("enabled", Type::Bool, "true", "Whether it serves requests."),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The distribution id, such as E2QWRUHAPOMQZL.",
        },
        crate::schema::ARN,
        ComputedSchema {
            name: "dns_name",
            doc: "The distribution's domain name, such as d111111abcdef8.cloudfront.net.",
        },
        ComputedSchema {
            name: "zone_id",
            doc: "CloudFront's Route 53 hosted zone, for alias records.",
        },
    ],
    taggable: true,
    rank: 5,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
    let mut origin = serde_json::Map::new();
    origin.insert("Id".into(), json!("mdl-origin"));
    origin.extend(super::cfn_values(
        cfn,
        attrs,
        &[("DomainName", "origin_domain_name")],
    ));
    origin.insert(
        "CustomOriginConfig".into(),
        json!({
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": get("origin_protocol").map_or_else(|| json!("https-only"), |p| cfn.value(p)),
            "OriginSSLProtocols": ["TLSv1.2"],
        }),
    );
    let mut behavior = serde_json::Map::new();
    behavior.insert("TargetOriginId".into(), json!("mdl-origin"));
    behavior.insert("ViewerProtocolPolicy".into(), json!("redirect-to-https"));
    behavior.extend(super::cfn_values(
        cfn,
        attrs,
        &[
            ("CachePolicyId", "cache_policy_id"),
            ("OriginRequestPolicyId", "origin_request_policy_id"),
        ],
    ));
    behavior.insert("Compress".into(), json!(true));
    behavior.insert(
        "AllowedMethods".into(),
        json!(["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]),
    );
    behavior.insert("CachedMethods".into(), json!(["GET", "HEAD"]));
    let mut dist = serde_json::Map::new();
    dist.insert("Origins".into(), json!([origin]));
    dist.insert("DefaultCacheBehavior".into(), Json::Object(behavior));
    if let Some(Value::List(aliases)) = get("aliases")
        && !aliases.is_empty()
    {
        dist.insert("Aliases".into(), cfn.value(&Value::List(aliases.clone())));
    }
    dist.extend(super::cfn_values(cfn, attrs, &[("Comment", "comment")]));
    dist.insert(
        "Enabled".into(),
        get("enabled").map_or_else(|| json!(true), |e| cfn.value(e)),
    );
    dist.extend(super::cfn_values(
        cfn,
        attrs,
        &[("PriceClass", "price_class")],
    ));
    dist.insert("HttpVersion".into(), json!("http2and3"));
    dist.insert(
        "ViewerCertificate".into(),
        match get("certificate_arn") {
            Some(arn) => json!({
                "AcmCertificateArn": cfn.value(arn),
                "SslSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            }),
            None => json!({ "CloudFrontDefaultCertificate": true }),
        },
    );
    let mut props = serde_json::Map::new();
    props.insert("DistributionConfig".into(), Json::Object(dist));
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

/// A distribution's ARN, which CloudFormation does not return.
fn arn(id: &str) -> Json {
    json!({
        "Fn::Join": ["", ["arn:", { "Ref": "AWS::Partition" }, ":cloudfront::", { "Ref": "AWS::AccountId" }, ":distribution/", { "Ref": id }]]
    })
}

/// Every CloudFront distribution lives in this hosted zone.
fn zone_id(_: &str) -> Json {
    json!("Z2FDTNDATAQYW2")
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::CloudFront::Distribution",
    &[
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Expr(arn)),
        ("dns_name", CfnAttr::GetAtt("DomainName")),
        ("zone_id", CfnAttr::Expr(zone_id)),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: "cdn contract {\n  origin_domain_name = \"origin.example.ac.uk\"\n  comment            = \"one\"\n}\n",
    update: "cdn contract {\n  origin_domain_name = \"origin.example.ac.uk\"\n  comment            = \"two\"\n  price_class        = \"PriceClass_100\"\n}\n",
    // Every attribute of a distribution changes in place.
    replace: None,
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Distributions,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
