//! `caller`: the account and region a run is in, as confirmed before
//! anything is read (STS GetCallerIdentity; no call of its own).

use indexmap::IndexMap;

use super::{Answer, Context, Found, Lookup, Query};
use crate::schema::{ComputedSchema, KindSchema};
use crate::value::Value;

pub static SCHEMA: KindSchema = KindSchema::lookup(
    "caller",
    "sts",
    "Lookup: the AWS account, region and partition the run is in, for names unique across AWS and policies that name the account.",
    &[],
    &[
        ComputedSchema {
            name: "account_id",
            doc: "The 12-digit id of the account the credentials are for.",
        },
        ComputedSchema {
            name: "region",
            doc: "The region the stack lives in, such as `eu-west-2`.",
        },
        ComputedSchema {
            name: "partition",
            doc: "The ARN partition: `aws`, `aws-cn` or `aws-us-gov`.",
        },
    ],
);

fn read<'a>(
    cx: &'a Context<'a>,
    queries: &'a [Query<'a>],
) -> futures_util::future::BoxFuture<'a, Result<Vec<Found>, crate::provider::ProviderError>> {
    Box::pin(async move {
        let mut answer = Answer::new();
        answer.insert("account_id".into(), Value::str(cx.account_id));
        answer.insert("region".into(), Value::str(cx.region));
        answer.insert("partition".into(), Value::str(super::partition(cx.region)));
        Ok(queries.iter().map(|_| Ok(answer.clone())).collect())
    })
}

fn cloudformation(attr: &str, _args: &IndexMap<String, Value>) -> Option<serde_json::Value> {
    let pseudo = match attr {
        "account_id" => "AWS::AccountId",
        "region" => "AWS::Region",
        "partition" => "AWS::Partition",
        _ => return None,
    };
    Some(serde_json::json!({ "Ref": pseudo }))
}

pub static LOOKUP: Lookup = Lookup {
    schema: &SCHEMA,
    read,
    cloudformation,
};
