//! `aurora_instance`: an instance of an Aurora cluster; the first is the
//! writer, the others readers. Its engine is its cluster's.
//!
//! Read: one paginated `DescribeDBInstances`, tags included. Changed in
//! place: the instance class and tags.

mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{ComputedSchema, KindSchema, TAGS, Type, computed_optional, required};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "aurora_instance",
    service: "rds",
    summary: "An instance of an Aurora cluster: the first is the writer, the others readers.",
    attrs: &[
        required(
            "cluster_id",
            Type::String,
            "The cluster (`aurora_cluster.NAME.id`).",
        )
        .force_new(),
        required(
            "instance_class",
            Type::String,
            "Such as \"db.serverless\" or \"db.r6g.large\".",
        )
        .validate(crate::schema::db_instance_class),
        computed_optional(
            "name",
            Type::String,
            "The instance identifier; defaults to `<stack>-<block name>`.",
        )
        .force_new()
        .validate(crate::schema::rds_id),
        TAGS,
    ],
    computed: &[
        ID,
        crate::schema::ARN,
        ComputedSchema {
            name: "endpoint",
            doc: "The instance's own endpoint.",
        },
        ComputedSchema {
            name: "availability_zone",
            doc: "Where AWS placed it.",
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
    let mut props = super::cfn_values(
        cfn,
        attrs,
        &[
            ("DBClusterIdentifier", "cluster_id"),
            ("DBInstanceClass", "instance_class"),
            ("DBInstanceIdentifier", "name"),
        ],
    );
    // An instance's engine is its cluster's.
    if let Some(engine) = attrs
        .get("cluster_id")
        .and_then(|c| cfn.referenced(c))
        .and_then(|cluster| cluster.get("engine").cloned())
    {
        props.insert("Engine".into(), cfn.value(&engine));
    }
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::RDS::DBInstance",
    &[
        // An instance's `Ref` is its identifier, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::GetAtt("DBInstanceArn")),
        ("endpoint", CfnAttr::GetAtt("Endpoint.Address")),
        ("availability_zone", CfnAttr::Unavailable),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        cluster!(),
        "aurora_instance contract {\n  cluster_id     = aurora_cluster.main.id\n  instance_class = \"db.r6g.large\"\n}\n"
    ),
    update: concat!(
        cluster!(),
        "aurora_instance contract {\n  cluster_id     = aurora_cluster.main.id\n  instance_class = \"db.r6g.xlarge\"\n}\n"
    ),
    replace: Some(concat!(
        cluster!(),
        "aurora_instance contract {\n  name           = \"contract-instance-2\"\n  cluster_id     = aurora_cluster.main.id\n  instance_class = \"db.r6g.xlarge\"\n}\n"
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::Instances,
    identity: Identity::LowercaseName,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
