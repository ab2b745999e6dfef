//! `db_subnet_group`: the subnets an Aurora cluster may use.
//!
//! Read: one paginated `DescribeDBSubnetGroups` (without tags: groups named
//! for the stack, tags of those state does not know). Changed in place:
//! the description, the subnets and tags.

pub(crate) mod aws;

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::{KindSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "db_subnet_group",
    service: "rds",
    summary: "The subnets an Aurora cluster may use.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The group name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "description",
            Type::String,
            "\"Managed by mdl\"",
            "What the group is for.",
        ),
        required(
            "subnet_ids",
            Type::Set(&Type::String),
            "The (data tier) subnets, in at least two availability zones.",
        ),
        TAGS,
    ],
    computed: &[ID, crate::schema::ARN],
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
    let mut props = super::cfn_values(cfn, attrs, &[("DBSubnetGroupName", "name")]);
    props.insert(
        "DBSubnetGroupDescription".into(),
        attrs
            .get("description")
            .filter(|d| **d != Value::Null)
            .map_or_else(|| json!("Managed by mdl"), |d| cfn.value(d)),
    );
    props.extend(super::cfn_properties(
        cfn,
        attrs,
        &[("SubnetIds", "subnet_ids")],
    ));
    props
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::RDS::DBSubnetGroup",
    &[
        // A subnet group's `Ref` is its name, mdl's id for it.
        ("id", CfnAttr::Ref),
        ("name", CfnAttr::Ref),
        ("arn", CfnAttr::Unavailable),
    ],
    properties,
);

static FIXTURE: Fixture = Fixture {
    create: concat!(
        net!(),
        "db_subnet_group contract {\n  subnet_ids = [subnet.a.id, subnet.b.id]\n}\n"
    ),
    update: concat!(
        net!(),
        "db_subnet_group contract {\n  subnet_ids = [subnet.a.id, subnet.b.id]\n  tags       = { team = \"web\" }\n}\n"
    ),
    // moto 5.2.5's ModifyDBSubnetGroup loses the group: the update
    // changes tags only.
    replace: Some(concat!(
        net!(),
        "db_subnet_group contract {\n  name       = \"contract-db-subnets\"\n  subnet_ids = [subnet.a.id, subnet.b.id]\n}\n"
    )),
    emulator_lacks: None,
};

pub static KIND: Kind = Kind {
    schema: &SCHEMA,
    aws: &aws::SubnetGroups,
    identity: Identity::LowercaseName,
    per_resource_reads: false,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
