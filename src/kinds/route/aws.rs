//! Routes in tables mdl does not otherwise manage (an on-premises VPC's
//! tables): they carry no tags, so those state knows are read, by their
//! tables. A route's id is `TABLE_CIDR`.

use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, SERVICE, bare, filter};
use crate::provider::aws::fields::{always, req_s, s, with_applied};
use crate::provider::aws::{AwsKind, AwsProvider};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

/// A route's id is `TABLE_CIDR`.
fn split_route_id(id: &str) -> (&str, &str) {
    id.split_once('_').unwrap_or((id, ""))
}

crate::on_service!(Routes(Ec2));

impl Routes {
    async fn read_routes(&self, ids: &[String]) -> Result<Vec<LiveResource>, ProviderError> {
        let mut tables: Vec<&str> = ids.iter().map(|id| split_route_id(id).0).collect();
        tables.sort_unstable();
        tables.dedup();
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        let found = crate::all_items!(
            self.client
                .describe_route_tables()
                .filters(filter("route-table-id", tables.iter().copied())),
            "DescribeRouteTables"
        );
        let mut out = Vec::new();
        for t in found {
            let table = always(
                t.route_table_id(),
                SERVICE,
                "DescribeRouteTables",
                "RouteTableId",
            )?;
            for r in t.routes() {
                let Some(cidr) = r.destination_cidr_block() else {
                    continue;
                };
                let id = format!("{table}_{cidr}");
                if !ids.contains(&id) {
                    continue;
                }
                let mut res = bare(&id);
                res.computed.insert("id".into(), Value::str(&id));
                res.attrs.insert("route_table_id".into(), Value::str(table));
                res.attrs
                    .insert("destination_cidr".into(), Value::str(cidr));
                let gateway = r.gateway_id().filter(|g| *g != "local");
                for (k, v) in [
                    ("gateway_id", gateway),
                    ("nat_gateway_id", r.nat_gateway_id()),
                    ("vpc_peering_connection_id", r.vpc_peering_connection_id()),
                ] {
                    res.attrs
                        .insert(k.into(), v.map_or(Value::Null, Value::str));
                }
                out.push(res);
            }
        }
        Ok(out)
    }

    /// Create a route, or replace its target.
    async fn put_route(
        &self,
        attrs: &IndexMap<String, Value>,
        replace: bool,
    ) -> Result<String, ProviderError> {
        let op = if replace {
            "ReplaceRoute"
        } else {
            "CreateRoute"
        };
        let table = req_s(attrs, "route_table_id", SERVICE, op)?;
        let cidr = req_s(attrs, "destination_cidr", SERVICE, op)?;
        if replace {
            self.client
                .replace_route()
                .route_table_id(&table)
                .destination_cidr_block(&cidr)
                .set_gateway_id(s(attrs, "gateway_id"))
                .set_nat_gateway_id(s(attrs, "nat_gateway_id"))
                .set_vpc_peering_connection_id(s(attrs, "vpc_peering_connection_id"))
                .send()
                .await
                .map_err(failed(SERVICE, "ReplaceRoute"))?;
        } else {
            self.client
                .create_route()
                .route_table_id(&table)
                .destination_cidr_block(&cidr)
                .set_gateway_id(s(attrs, "gateway_id"))
                .set_nat_gateway_id(s(attrs, "nat_gateway_id"))
                .set_vpc_peering_connection_id(s(attrs, "vpc_peering_connection_id"))
                .send()
                .await
                .map_err(failed(SERVICE, "CreateRoute"))?;
        }
        Ok(format!("{table}_{cidr}"))
    }

    /// The route as it is right after a change.
    async fn read_one(&self, id: &str) -> Result<LiveResource, ProviderError> {
        self.read_routes(&[id.to_string()])
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!("route `{id}` was not found right after it was changed"),
                )
            })
    }
}

/// The `route` kind's AWS side.
pub struct RouteKind;

#[async_trait::async_trait]
impl AwsKind for RouteKind {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        // Routes carry no tags: those state knows are read.
        Ok(ReadResponse {
            resources: Routes(Ec2::new(aws.client()))
                .read_routes(&req.known_ids)
                .await?,
        })
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let routes = Routes(Ec2::new(aws.client()));
        match req.op {
            Operation::Create { attrs } => {
                let id = routes.put_route(&attrs, false).await?;
                let live = routes.read_one(&id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                routes.put_route(&attrs, true).await?;
                let mut live = routes.read_one(&prior.id).await?;
                for (k, v) in &attrs {
                    live.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                let (table, cidr) = split_route_id(&prior.id);
                routes
                    .client
                    .delete_route()
                    .route_table_id(table)
                    .destination_cidr_block(cidr)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteRoute"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
