//! Route tables with their routes and subnet associations: one describe
//! by the stack tag.

use aws_sdk_ec2::types::{Filter, ResourceType};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, live, tag_spec};
use crate::provider::aws::fields::{always, req_s};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

crate::on_service!(Tables(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Tables {
    const ID_FILTER: &'static str = "route-table-id";

    fn of(ec2: Ec2) -> Self {
        Tables(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let tables = crate::all_items!(
            self.client.describe_route_tables().filters(f),
            "DescribeRouteTables"
        );
        let field = |v, name| always(v, SERVICE, "DescribeRouteTables", name);
        tables
            .iter()
            .map(|t| {
                let id = field(t.route_table_id(), "RouteTableId")?;
                let tags = crate::provider::aws::tags::split(t.tags());
                let routes: Vec<Value> = t
                    .routes()
                    .iter()
                    .filter(|r| r.gateway_id() != Some("local"))
                    .filter(|r| r.origin().is_none_or(|o| o.as_str() == "CreateRoute"))
                    // Routes to a prefix list or an IPv6 block are not mdl's.
                    .filter_map(|r| Some((r, r.destination_cidr_block()?)))
                    .map(|(r, cidr)| {
                        let mut m = IndexMap::new();
                        m.insert("cidr_block".to_string(), Value::str(cidr));
                        m.insert(
                            "gateway_id".to_string(),
                            r.gateway_id().map_or(Value::Null, Value::str),
                        );
                        m.insert(
                            "nat_gateway_id".to_string(),
                            r.nat_gateway_id().map_or(Value::Null, Value::str),
                        );
                        m.insert(
                            "vpc_peering_connection_id".to_string(),
                            r.vpc_peering_connection_id()
                                .map_or(Value::Null, Value::str),
                        );
                        Value::Map(m)
                    })
                    .collect();
                let mut associations = IndexMap::new();
                let mut subnets = Vec::new();
                // The main association, and a gateway's, name no subnet.
                for a in t.associations().iter().filter(|a| a.main() != Some(true)) {
                    let Some(subnet) = a.subnet_id() else {
                        continue;
                    };
                    let association =
                        field(a.route_table_association_id(), "RouteTableAssociationId")?;
                    associations.insert(subnet.to_string(), Value::str(association));
                    subnets.push(Value::str(subnet));
                }
                let mut attrs = IndexMap::new();
                attrs.insert("vpc_id".into(), Value::str(field(t.vpc_id(), "VpcId")?));
                attrs.insert("route".into(), Value::List(routes));
                attrs.insert("subnet_ids".into(), Value::List(subnets));
                let mut computed = IndexMap::new();
                computed.insert("associations".into(), Value::Map(associations));
                Ok(live(tags, id, attrs, computed))
            })
            .collect()
    }

    async fn create(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let out = self
            .client
            .create_route_table()
            .vpc_id(req_s(attrs, "vpc_id", SERVICE, "CreateRouteTable")?)
            .tag_specifications(tag_spec(ResourceType::RouteTable, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateRouteTable"))?;
        let id = out.route_table().and_then(|t| t.route_table_id());
        self.created("CreateRouteTable", id, "route table id", attrs)
            .await
    }

    async fn update(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let routes = |a: &IndexMap<String, Value>| -> IndexMap<String, IndexMap<String, Value>> {
            a.get("route")
                .and_then(Value::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(|r| {
                    let m = r.as_map()?;
                    Some((m.get("cidr_block")?.as_str()?.to_string(), m.clone()))
                })
                .collect()
        };
        let old = routes(&prior.attrs);
        let new = routes(attrs);
        for cidr in old.keys().filter(|c| !new.contains_key(*c)) {
            self.client
                .delete_route()
                .route_table_id(&prior.id)
                .destination_cidr_block(cidr)
                .send()
                .await
                .map_err(failed(SERVICE, "DeleteRoute"))?;
        }
        for (cidr, route) in &new {
            let target = |k: &str| {
                route
                    .get(k)
                    .and_then(Value::as_str)
                    .map(ToString::to_string)
            };
            match old.get(cidr) {
                Some(o) if o == route => {}
                Some(_) => {
                    self.client
                        .replace_route()
                        .route_table_id(&prior.id)
                        .destination_cidr_block(cidr)
                        .set_gateway_id(target("gateway_id"))
                        .set_nat_gateway_id(target("nat_gateway_id"))
                        .set_vpc_peering_connection_id(target("vpc_peering_connection_id"))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ReplaceRoute"))?;
                }
                None => {
                    self.client
                        .create_route()
                        .route_table_id(&prior.id)
                        .destination_cidr_block(cidr)
                        .set_gateway_id(target("gateway_id"))
                        .set_nat_gateway_id(target("nat_gateway_id"))
                        .set_vpc_peering_connection_id(target("vpc_peering_connection_id"))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "CreateRoute"))?;
                }
            }
        }
        let subnets = |a: &IndexMap<String, Value>| -> Vec<String> {
            a.get("subnet_ids")
                .and_then(Value::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_str().map(ToString::to_string))
                .collect()
        };
        let old_subnets = subnets(&prior.attrs);
        let new_subnets = subnets(attrs);
        let empty = IndexMap::new();
        let associations = prior
            .computed
            .get("associations")
            .and_then(Value::as_map)
            .unwrap_or(&empty);
        for subnet in old_subnets.iter().filter(|s| !new_subnets.contains(s)) {
            if let Some(assoc) = associations.get(subnet).and_then(Value::as_str) {
                self.client
                    .disassociate_route_table()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DisassociateRouteTable"))?;
            }
        }
        for subnet in new_subnets.iter().filter(|s| !old_subnets.contains(s)) {
            self.client
                .associate_route_table()
                .route_table_id(&prior.id)
                .subnet_id(subnet)
                .send()
                .await
                .map_err(failed(SERVICE, "AssociateRouteTable"))?;
        }
        Ok(())
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        if let Some(assocs) = prior.computed.get("associations").and_then(Value::as_map) {
            for assoc in assocs.values().filter_map(Value::as_str) {
                self.client
                    .disassociate_route_table()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DisassociateRouteTable"))?;
            }
        }
        self.client
            .delete_route_table()
            .route_table_id(&prior.id)
            .send()
            .await
            .map_err(failed(SERVICE, "DeleteRouteTable"))?;
        Ok(())
    }
}

/// The `route_table` kind's AWS side.
pub static AWS: Tagged<Tables> = Tagged(std::marker::PhantomData);
