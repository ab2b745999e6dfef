//! `db_subnet_group`: the subnets an Aurora cluster may use.
//!
//! Read: one paginated `DescribeDBSubnetGroups` (without tags: groups named
//! for the stack, tags of those state does not know). Changed in place:
//! the description, the subnets and tags.

pub(crate) mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind};
use crate::schema::KindSchema;
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "db_subnet_group",
    service: "rds",
    summary: "The subnets an Aurora cluster may use.",
    attrs: &super::subnet_group::attrs(
        "The (data tier) subnets, in at least two availability zones.",
    ),
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
    super::subnet_group::properties(cfn, attrs, "DBSubnetGroupName", "DBSubnetGroupDescription")
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
    read_when_unused: true,
    cloudformation: &CLOUDFORMATION,
    fixture: &FIXTURE,
};
