//! `certificate`: an ACM certificate validated by DNS. Its validation
//! records are an output, for `dns_record` blocks that prove the domain.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, optional, required};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    name: "certificate",
    service: "acm",
    summary: "An ACM certificate validated by DNS; its validation records are an output for dns_record.",
    attrs: &[
        required(
            "domain_name",
            Type::String,
            "The main name, such as \"vle.example.ac.uk\".",
        )
        .force_new(),
        optional(
            "subject_alternative_names",
            Type::Set(&Type::String),
            "[]",
            "More names, such as [\"*.vle.example.ac.uk\"].",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[
        ComputedSchema {
            name: "id",
            doc: "The certificate's ARN.",
        },
        ComputedSchema {
            name: "arn",
            doc: "The certificate's ARN.",
        },
        ComputedSchema {
            name: "status",
            doc: "PENDING_VALIDATION until the DNS records exist, then ISSUED.",
        },
        ComputedSchema {
            name: "validation_records",
            doc: "The CNAME records that prove the domain: a list of { name, type, value }.",
        },
    ],
    taggable: true,
    rank: 0,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_properties(cfn, attrs, &[("DomainName", "domain_name")]);
    if let Some(v) = attrs
        .get("subject_alternative_names")
        .filter(|v| v.as_list().is_some_and(|l| !l.is_empty()))
    {
        props.insert("SubjectAlternativeNames".into(), cfn.value(v));
    }
    props.insert("ValidationMethod".into(), json!("DNS"));
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::CertificateManager::Certificate",
    &[
        ("id", CfnAttr::Ref),
        ("arn", CfnAttr::Ref),
        ("status", CfnAttr::Unavailable),
        // A template cannot name them: CloudFormation validates by DNS
        // itself when the zone is given, which export does not write.
        ("validation_records", CfnAttr::Unavailable),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: "certificate contract {\n  domain_name = \"contract.example.ac.uk\"\n}\n",
    update: "certificate contract {\n  domain_name = \"contract.example.ac.uk\"\n  tags        = { team = \"web\" }\n}\n",
    replace: Some(
        "certificate contract {\n  domain_name = \"contract2.example.ac.uk\"\n  tags        = { team = \"web\" }\n}\n",
    ),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Certificates,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
