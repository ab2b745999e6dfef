//! What `cache_subnet_group` and `db_subnet_group` share: one shape (a
//! name, a description, subnets, tags) on two services. Each kind keeps its
//! own folder, docs, mapping and AWS calls; this holds their attributes and
//! their template properties.

use indexmap::IndexMap;
use serde_json::json;

use super::{CfnValues, Json};
use crate::schema::{AttrSchema, TAGS, Type, computed_optional, optional, required};
use crate::value::Value;

/// The attributes, with what the subnets are for (`subnets`).
pub(crate) const fn attrs(subnets: &'static str) -> [AttrSchema; 4] {
    [
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
        required("subnet_ids", Type::Set(&Type::String), subnets),
        TAGS,
    ]
}

/// The template properties, under the type's own names for the group's
/// name and description (`AWS::RDS::DBSubnetGroup` says
/// `DBSubnetGroupDescription`, `AWS::ElastiCache::SubnetGroup` says
/// `Description`).
pub(crate) fn properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
    name: &'static str,
    description: &'static str,
) -> serde_json::Map<String, Json> {
    let mut props = super::cfn_values(cfn, attrs, &[(name, "name")]);
    props.insert(
        description.into(),
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
