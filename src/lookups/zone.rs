//! `existing_zone`: a Route 53 hosted zone made outside this stack, by
//! its domain. One paged `ListHostedZones` for every block.

use super::{Answer, Context, Found, Lookup, Miss, Query, domain};
use crate::provider::ProviderError;
use crate::schema::{ComputedSchema, KindSchema, Type, optional, required};
use crate::value::Value;

const SERVICE: &str = "route53";

pub static SCHEMA: KindSchema = KindSchema::lookup(
    "existing_zone",
    "route53",
    "Lookup: a Route 53 hosted zone made outside this stack, found by its domain.",
    &[
        required(
            "name",
            Type::String,
            "The zone's domain, such as \"example.ac.uk\".",
        )
        .dns_name(),
        optional(
            "private",
            Type::Bool,
            "false",
            "Find the private zone of this name (a VPC's) instead of the public one.",
        ),
    ],
    &[
        ComputedSchema {
            name: "id",
            doc: "The zone id, such as Z0123456789ABCDEFGHIJ.",
        },
        ComputedSchema {
            name: "name",
            doc: "The zone's domain, without the trailing dot.",
        },
    ],
);

fn read<'a>(
    cx: &'a Context<'a>,
    queries: &'a [Query<'a>],
) -> futures_util::future::BoxFuture<'a, Result<Vec<Found>, ProviderError>> {
    Box::pin(async move {
        let client: aws_sdk_route53::Client = cx.provider.client();
        let zones = crate::all_items!(client.list_hosted_zones(), "ListHostedZones");
        Ok(queries
            .iter()
            .map(|q| {
                let name = domain(q.str("name").unwrap_or_default());
                let private = matches!(q.args.get("private"), Some(Value::Bool(true)));
                let which = if private { "private" } else { "public" };
                let matching: Vec<_> = zones
                    .iter()
                    .filter(|z| domain(z.name()) == name)
                    .filter(|z| z.config().is_some_and(|c| c.private_zone()) == private)
                    .collect();
                match matching.as_slice() {
                    [z] => {
                        let mut answer = Answer::new();
                        answer.insert(
                            "id".into(),
                            Value::str(crate::kinds::dns_zone::aws::zone_id(z.id())),
                        );
                        answer.insert("name".into(), Value::str(&name));
                        Ok(answer)
                    }
                    [] => Err(Miss::not_found(
                        "name",
                        format!("`{}`: the account has no {which} hosted zone `{name}`", q.addr),
                        if private {
                            "check the domain, or drop `private = true` to find the public zone"
                        } else {
                            "check the domain, or set `private = true` to find a VPC's private zone"
                        },
                    )),
                    many => Err(Miss::ambiguous(
                        "name",
                        format!(
                            "`{}`: the account has {} {which} hosted zones `{name}`: {}",
                            q.addr,
                            many.len(),
                            many.iter()
                                .map(|z| crate::kinds::dns_zone::aws::zone_id(z.id()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        "delete the zones no one delegates to, or refer to the zone by its id as a literal or a param",
                    )),
                }
            })
            .collect())
    })
}

pub static LOOKUP: Lookup = Lookup {
    schema: &SCHEMA,
    read,
    cloudformation: |_, _| None::<serde_json::Value>,
};
