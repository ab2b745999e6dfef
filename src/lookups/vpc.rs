//! `existing_vpc`: a VPC made outside this stack, by id or by tags, with
//! its subnets. One `DescribeVpcs` for every block that names an id, one
//! per block that names tags (EC2 ANDs a call's filters), then one paged
//! `DescribeSubnets` for all the VPCs found.

use indexmap::IndexMap;

use super::{Answer, Context, Found, Lookup, Miss, Query};
use crate::provider::ProviderError;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::filter;
use crate::schema::{ComputedSchema, KindSchema, Type, optional};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema {
    exactly_one_of: &["id", "tags"],
    ..KindSchema::lookup(
        "existing_vpc",
        "ec2",
        "Lookup: a VPC made outside this stack, found by id or by tags, with its subnets.",
        &[
            optional(
                "id",
                Type::String,
                "null",
                "The VPC's id, such as vpc-0123456789abcdef0.",
            ),
            optional(
                "tags",
                Type::Map(&Type::String),
                "null",
                "Tags the VPC has (all of them); exactly one VPC may match.",
            ),
            optional(
                "subnet_tags",
                Type::Map(&Type::String),
                "null",
                "Only the VPC's subnets with these tags (all of them), such as { Tier = \"private\" }.",
            ),
        ],
        &[
            ComputedSchema {
                name: "id",
                doc: "The VPC's id.",
            },
            ComputedSchema {
                name: "cidr_block",
                doc: "The VPC's primary IPv4 range.",
            },
            ComputedSchema {
                name: "subnet_ids",
                doc: "Its subnets' ids, in order of availability zone, then range.",
            },
            ComputedSchema {
                name: "subnet_availability_zones",
                doc: "Each subnet's availability zone, in the order of subnet_ids.",
            },
            ComputedSchema {
                name: "subnet_cidr_blocks",
                doc: "Each subnet's range, in the order of subnet_ids.",
            },
        ],
    )
};

/// A map argument as (key, value) pairs, in the order written.
pub(super) fn tag_pairs(args: &IndexMap<String, Value>, name: &str) -> Vec<(String, String)> {
    match args.get(name) {
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// How tags are written in a message: `Name = "x", Tier = "y"`.
pub(super) fn shown(tags: &[(String, String)]) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k} = {v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Vpc {
    id: String,
    cidr: String,
}

async fn vpcs(
    client: &aws_sdk_ec2::Client,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<Vpc>, ProviderError> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .describe_vpcs()
            .set_filters(Some(filters.clone()))
            .set_next_token(token)
            .send()
            .await
            .map_err(failed("ec2", "DescribeVpcs"))?;
        for v in out.vpcs() {
            found.push(Vpc {
                id: v.vpc_id().unwrap_or_default().to_string(),
                cidr: v.cidr_block().unwrap_or_default().to_string(),
            });
        }
        token = out.next_token().map(ToString::to_string);
        if token.is_none() {
            return Ok(found);
        }
    }
}

fn read<'a>(
    cx: &'a Context<'a>,
    queries: &'a [Query<'a>],
) -> futures_util::future::BoxFuture<'a, Result<Vec<Found>, ProviderError>> {
    Box::pin(async move {
        let client: aws_sdk_ec2::Client = cx.provider.client();
        // Every id at once: a filter (not VpcIds), so that an id that does
        // not exist is left out instead of failing the call.
        let ids: Vec<&str> = queries.iter().filter_map(|q| q.str("id")).collect();
        let by_id = if ids.is_empty() {
            Vec::new()
        } else {
            vpcs(&client, vec![filter("vpc-id", ids)]).await?
        };
        let by_tags = futures_util::future::try_join_all(queries.iter().map(|q| {
            let client = &client;
            async move {
                let tags = tag_pairs(q.args, "tags");
                if q.str("id").is_some() || tags.is_empty() {
                    return Ok(Vec::new());
                }
                vpcs(
                    client,
                    tags.iter()
                        .map(|(k, v)| filter(&format!("tag:{k}"), [v.clone()]))
                        .collect(),
                )
                .await
            }
        }))
        .await?;
        let mut chosen: Vec<Result<&Vpc, Miss>> = Vec::new();
        for (q, tagged) in queries.iter().zip(&by_tags) {
            chosen.push(match q.str("id") {
                Some(id) => by_id.iter().find(|v| v.id == id).ok_or_else(|| {
                    Miss::not_found(
                        "id",
                        format!("`{}`: the region {} has no VPC {id}", q.addr, cx.region),
                        "check the id, the region and the account (`mdl plan` says which it reads)",
                    )
                }),
                None => {
                    let tags = shown(&tag_pairs(q.args, "tags"));
                    match tagged.as_slice() {
                        [one] => Ok(one),
                        [] => Err(Miss::not_found(
                            "tags",
                            format!("`{}`: no VPC in {} has the tags {tags}", q.addr, cx.region),
                            "check the tags' names and values (they are case-sensitive), or give the VPC's `id`",
                        )),
                        many => Err(Miss::ambiguous(
                            "tags",
                            format!(
                                "`{}`: {} VPCs have the tags {tags}: {}",
                                q.addr,
                                many.len(),
                                many.iter().map(|v| v.id.as_str()).collect::<Vec<_>>().join(", ")
                            ),
                            "add a tag that only one of them has, or give the VPC's `id`",
                        )),
                    }
                }
            });
        }
        // The subnets of every VPC found, in one paged call.
        let mut vpc_ids: Vec<String> = chosen
            .iter()
            .filter_map(|c| c.as_ref().ok().map(|v| v.id.clone()))
            .collect();
        vpc_ids.sort();
        vpc_ids.dedup();
        let mut subnets = Vec::new();
        if !vpc_ids.is_empty() {
            let mut token = None;
            loop {
                let out = client
                    .describe_subnets()
                    .filters(filter("vpc-id", vpc_ids.clone()))
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(failed("ec2", "DescribeSubnets"))?;
                subnets.extend(out.subnets().iter().cloned());
                token = out.next_token().map(ToString::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        subnets.sort_by(|a, b| {
            (a.availability_zone(), a.cidr_block()).cmp(&(b.availability_zone(), b.cidr_block()))
        });
        Ok(queries
            .iter()
            .zip(chosen)
            .map(|(q, vpc)| {
                let vpc = vpc?;
                let wanted = tag_pairs(q.args, "subnet_tags");
                let mine: Vec<_> = subnets
                    .iter()
                    .filter(|s| s.vpc_id() == Some(vpc.id.as_str()))
                    .filter(|s| {
                        wanted.iter().all(|(k, v)| {
                            s.tags().iter().any(|t| {
                                t.key() == Some(k.as_str()) && t.value() == Some(v.as_str())
                            })
                        })
                    })
                    .collect();
                let list = |f: &dyn Fn(&aws_sdk_ec2::types::Subnet) -> Option<&str>| {
                    Value::List(
                        mine.iter()
                            .map(|s| Value::str(f(s).unwrap_or_default()))
                            .collect(),
                    )
                };
                let mut answer = Answer::new();
                answer.insert("id".into(), Value::str(&vpc.id));
                answer.insert("cidr_block".into(), Value::str(&vpc.cidr));
                answer.insert("subnet_ids".into(), list(&|s| s.subnet_id()));
                answer.insert(
                    "subnet_availability_zones".into(),
                    list(&|s| s.availability_zone()),
                );
                answer.insert("subnet_cidr_blocks".into(), list(&|s| s.cidr_block()));
                Ok(answer)
            })
            .collect())
    })
}

pub static LOOKUP: Lookup = Lookup {
    schema: &SCHEMA,
    read,
    cloudformation: |_, _| None,
};
