//! `cache_subnet_group`: the subnets an ElastiCache cache may use.
//!
//! Read: one paginated `DescribeCacheSubnetGroups` (ElastiCache has no tag
//! filter: groups named for the stack, tags of those state does not know).
//! Changed in place: the description, the subnets and tags.

mod aws;

use indexmap::IndexMap;

use super::{CfnAttr, CfnMapping, CfnValues, Fixture, Identity, Json, Kind, Lack, Step};
use crate::schema::KindSchema;
use crate::value::Value;

const ID: crate::schema::ComputedSchema = crate::schema::ComputedSchema {
    name: "id",
    doc: "The identifier of the resource.",
};

pub static SCHEMA: KindSchema = KindSchema {
    name: "cache_subnet_group",
    service: "elasticache",
    summary: "The subnets an ElastiCache cluster may use.",
    attrs: &super::subnet_group::attrs("The (data tier) subnets."),
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
    super::subnet_group::properties(cfn, attrs, "CacheSubnetGroupName", "Description")
}

static CLOUDFORMATION: CfnMapping = CfnMapping::of(
    "AWS::ElastiCache::SubnetGroup",
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
        "cache_subnet_group contract {\n  subnet_ids = [subnet.a.id]\n}\n"
    ),
    update: concat!(
        net!(),
        "cache_subnet_group contract {\n  subnet_ids = [subnet.a.id, subnet.b.id]\n}\n"
    ),
    replace: Some(concat!(
        net!(),
        "cache_subnet_group contract {\n  name       = \"contract-cache-subnets\"\n  subnet_ids = [subnet.a.id, subnet.b.id]\n}\n"
    )),
    // moto 5.2.5 has neither ModifyCacheSubnetGroup nor
    // DeleteCacheSubnetGroup.
    emulator_lacks: Some(Lack {
        call: "ModifyCacheSubnetGroup",
        at: Step::Update,
    }),
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
