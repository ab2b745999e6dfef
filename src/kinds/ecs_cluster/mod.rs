//! `ecs_cluster`: an ECS cluster for Fargate services.
//!
//! Read: the clusters listed, described a hundred at a time, tags and
//! settings included. Changed in place: Container Insights and tags.

mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, computed_optional, optional};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "ecs_cluster",
    service: "ecs",
    summary: "An ECS cluster for Fargate services.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The cluster name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "container_insights",
            Type::Bool,
            "false",
            "CloudWatch Container Insights metrics.",
        ),
        TAGS,
    ],
    computed: &[ID, crate::schema::ARN],
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
    let mut props = super::cfn_values(cfn, attrs, &[("ClusterName", "name")]);
    let on = attrs.get("container_insights") == Some(&Value::Bool(true));
    props.insert(
        "ClusterSettings".into(),
        json!([{ "Name": "containerInsights", "Value": if on { "enabled" } else { "disabled" } }]),
    );
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

/// A stack names a cluster by its name; mdl knows it by its ARN.
fn import_id(p: &super::Physical<'_>) -> Result<String, String> {
    if p.id.starts_with("arn:") {
        return Ok(p.id.to_string());
    }
    Ok(format!(
        "arn:{}:ecs:{}:{}:cluster/{}",
        p.stack.partition, p.stack.region, p.stack.account, p.id
    ))
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ECS::Cluster",
    &[
        // mdl's id for a cluster is its ARN; its `Ref` is its name.
        ("id", CfnAttr::GetAtt("Arn")),
        ("arn", CfnAttr::GetAtt("Arn")),
        ("name", CfnAttr::Ref),
    ],
    properties,
)
.importing(import_id);

static FIXTURE: Fixture = Fixture {
    create: "ecs_cluster contract {\n}\n",
    // moto 5.2.5 has no UpdateClusterSettings (container_insights): the
    // update changes tags.
    update: "ecs_cluster contract {\n  tags = { team = \"web\" }\n}\n",
    replace: Some("ecs_cluster contract {\n  name = \"contract-cluster-2\"\n}\n"),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::ClusterKind,
    identity: Identity::Assigned,
    per_resource_reads: false,
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
