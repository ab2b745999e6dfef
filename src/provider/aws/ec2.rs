//! EC2: VPCs, subnets, internet and NAT gateways (with their elastic IPs),
//! route tables, VPC peering and security groups.
//!
//! Reads are one paginated describe per kind filtered by the `mdl:stack`
//! tag, plus one describe by id only for state ids the tag filter missed.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, ConnectivityType, DomainType, Filter, IpPermission, IpRange,
    ResourceType, Tag, TagSpecification, UserIdGroupPair,
};
use indexmap::IndexMap;

use super::call::failed;
use super::fields::{b, int, req_s, s};
use super::wait_until;
use crate::lang::ResourceAddr;
use crate::provider::{
    ADDRESS_TAG, ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest,
    ReadResponse, STACK_TAG,
};
use crate::value::Value;

pub(crate) const SERVICE: &str = "ec2";

pub struct Ec2 {
    pub(crate) client: Client,
}

pub(crate) fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

pub(crate) fn missing(op: &'static str, what: &str) -> ProviderError {
    ProviderError::new(SERVICE, op, format!("the response has no {what}"))
}

pub(crate) use super::tags::Split as Tags;

pub(crate) fn tag_spec(
    rt: ResourceType,
    stack: &str,
    addr: &ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> TagSpecification {
    let tags = super::tags::pairs(stack, addr, attrs)
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(tags))
        .build()
}

fn bool_attr(v: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(v).build()
}

pub(crate) fn live(
    tags: Tags,
    id: &str,
    mut attrs: IndexMap<String, Value>,
    mut computed: IndexMap<String, Value>,
) -> LiveResource {
    computed.insert("id".into(), Value::str(id));
    attrs.insert("tags".into(), tags.user);
    LiveResource {
        addr: tags.addr,
        stack: tags.stack,
        id: id.to_string(),
        attrs,
        computed,
    }
}

/// A resource known only by its id (just created).
pub(crate) fn bare(id: &str) -> LiveResource {
    LiveResource {
        addr: None,
        stack: None,
        id: id.to_string(),
        attrs: IndexMap::new(),
        computed: IndexMap::new(),
    }
}

/// A route's id is `TABLE_CIDR`.
fn split_route_id(id: &str) -> (&str, &str) {
    id.split_once('_').unwrap_or((id, ""))
}

/// The filter that selects resources of a kind by id.
fn id_filter(kind: &str) -> Result<&'static str, ProviderError> {
    Ok(match kind {
        "vpc" => "vpc-id",
        "subnet" => "subnet-id",
        "internet_gateway" => "internet-gateway-id",
        "nat_gateway" => "nat-gateway-id",
        "route_table" => "route-table-id",
        "vpc_peering" => "vpc-peering-connection-id",
        "security_group" => "group-id",
        other => return Err(super::call::not_this_services(SERVICE, "describe", other)),
    })
}

impl Ec2 {
    pub fn new(client: Client) -> Ec2 {
        Ec2 { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        if req.kind.name == "route" {
            // Routes carry no tags: those state knows are read.
            return Ok(ReadResponse {
                resources: self.read_routes(&req.known_ids).await?,
            });
        }
        // Filters are checked again here: not every AWS-compatible
        // endpoint applies every filter.
        let mut resources = if req.ids_only {
            Vec::new()
        } else {
            self.describe(
                req.kind.name,
                filter(&format!("tag:{STACK_TAG}"), [req.stack]),
            )
            .await?
        };
        resources.retain(|r| r.stack.as_deref() == Some(req.stack));
        let found: HashSet<&str> = resources.iter().map(|r| r.id.as_str()).collect();
        let lost: Vec<String> = req
            .known_ids
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .cloned()
            .collect();
        if !lost.is_empty() {
            let mut more = self
                .describe(
                    req.kind.name,
                    filter(id_filter(req.kind.name)?, lost.clone()),
                )
                .await?;
            more.retain(|r| lost.contains(&r.id));
            resources.extend(more);
        }
        // What the batched describe cannot show and no state records:
        // read per resource, only for resources the state does not know.
        if req.kind.name == "vpc" {
            for r in resources
                .iter_mut()
                .filter(|r| req.full || !req.known_ids.contains(&r.id))
            {
                self.read_vpc_dns(r).await?;
            }
        }
        Ok(ReadResponse { resources })
    }

    async fn read_vpc_dns(&self, vpc: &mut LiveResource) -> Result<(), ProviderError> {
        use aws_sdk_ec2::types::VpcAttributeName;
        for (name, key) in [
            (VpcAttributeName::EnableDnsSupport, "enable_dns_support"),
            (VpcAttributeName::EnableDnsHostnames, "enable_dns_hostnames"),
        ] {
            let out = self
                .client
                .describe_vpc_attribute()
                .vpc_id(&vpc.id)
                .attribute(name)
                .send()
                .await
                .map_err(failed(SERVICE, "DescribeVpcAttribute"))?;
            let value = if key == "enable_dns_support" {
                out.enable_dns_support().and_then(|v| v.value())
            } else {
                out.enable_dns_hostnames().and_then(|v| v.value())
            };
            if let Some(v) = value {
                vpc.attrs.insert(key.into(), Value::Bool(v));
            }
        }
        Ok(())
    }

    async fn describe(&self, kind: &str, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        match kind {
            "vpc" => self.read_vpcs(f).await,
            "subnet" => self.read_subnets(f).await,
            "internet_gateway" => self.read_igws(f).await,
            "nat_gateway" => self.read_nats(f).await,
            "route_table" => self.read_route_tables(f).await,
            "vpc_peering" => self.read_peerings(f).await,
            "security_group" => self.read_security_groups(f).await,
            other => Err(ProviderError::new(
                SERVICE,
                "read",
                format!("kind `{other}` is not an EC2 kind"),
            )),
        }
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let kind = req.kind.name;
        match req.op {
            Operation::Create { attrs } => {
                let id = match kind {
                    "vpc" => self.create_vpc(req.stack, req.addr, &attrs).await?,
                    "subnet" => self.create_subnet(req.stack, req.addr, &attrs).await?,
                    "internet_gateway" => self.create_igw(req.stack, req.addr, &attrs).await?,
                    "nat_gateway" => self.create_nat(req.stack, req.addr, &attrs).await?,
                    "route_table" => self.create_route_table(req.stack, req.addr, &attrs).await?,
                    "vpc_peering" => self.create_peering(req.stack, req.addr, &attrs).await?,
                    "security_group" => {
                        self.create_security_group(req.stack, req.addr, &attrs)
                            .await?
                    }
                    "route" => self.put_route(&attrs, false).await?,
                    other => {
                        return Err(ProviderError::new(
                            SERVICE,
                            "create",
                            format!("kind `{other}` is not an EC2 kind"),
                        ));
                    }
                };
                // Attributes the describe cannot see (user data) are
                // recorded as applied.
                self.read_one(kind, &id).await.map(|l| ApplyResponse {
                    live: Some(super::fields::with_applied(l, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                self.update_tags(&prior, &attrs).await?;
                match kind {
                    "vpc" => self.update_vpc(&prior, &attrs).await?,
                    "subnet" => self.update_subnet(&prior, &attrs).await?,
                    "internet_gateway" => self.update_igw(&prior, &attrs).await?,
                    "route_table" => self.update_route_table(&prior, &attrs).await?,
                    "security_group" => self.update_security_group(&prior, &attrs).await?,
                    "route" => {
                        self.put_route(&attrs, true).await?;
                    }
                    "nat_gateway" | "vpc_peering" => {}
                    other => {
                        return Err(ProviderError::new(
                            SERVICE,
                            "update",
                            format!("kind `{other}` is not an EC2 kind"),
                        ));
                    }
                }
                let mut l = self.read_one(kind, &prior.id).await?;
                // Attributes the describe cannot see keep their applied value.
                for (k, v) in &attrs {
                    l.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Ok(ApplyResponse { live: Some(l) })
            }
            Operation::Delete { prior } => {
                match kind {
                    "vpc" => self
                        .client
                        .delete_vpc()
                        .vpc_id(&prior.id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(failed(SERVICE, "DeleteVpc"))?,
                    "subnet" => self
                        .client
                        .delete_subnet()
                        .subnet_id(&prior.id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(failed(SERVICE, "DeleteSubnet"))?,
                    "internet_gateway" => self.delete_igw(&prior).await?,
                    "nat_gateway" => self.delete_nat(&prior).await?,
                    "route_table" => self.delete_route_table(&prior).await?,
                    "vpc_peering" => self
                        .client
                        .delete_vpc_peering_connection()
                        .vpc_peering_connection_id(&prior.id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(failed(SERVICE, "DeleteVpcPeeringConnection"))?,
                    "security_group" => self
                        .client
                        .delete_security_group()
                        .group_id(&prior.id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(failed(SERVICE, "DeleteSecurityGroup"))?,
                    "route" => {
                        let (table, cidr) = split_route_id(&prior.id);
                        self.client
                            .delete_route()
                            .route_table_id(table)
                            .destination_cidr_block(cidr)
                            .send()
                            .await
                            .map(|_| ())
                            .map_err(failed(SERVICE, "DeleteRoute"))?
                    }
                    other => {
                        return Err(ProviderError::new(
                            SERVICE,
                            "delete",
                            format!("kind `{other}` is not an EC2 kind"),
                        ));
                    }
                }
                Ok(ApplyResponse { live: None })
            }
        }
    }

    async fn read_one(&self, kind: &str, id: &str) -> Result<LiveResource, ProviderError> {
        let found = if kind == "route" {
            self.read_routes(&[id.to_string()]).await?
        } else {
            self.describe(kind, filter(id_filter(kind)?, [id])).await?
        };
        found.into_iter().find(|r| r.id == id).ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                "describe",
                format!("{kind} `{id}` was not found right after it was changed"),
            )
        })
    }

    pub(crate) async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        // EC2 removes tags named by key, as tags without a value.
        super::tags::retag(
            prior,
            attrs,
            |keys| async move {
                let removed = keys.iter().map(|k| Tag::builder().key(k).build()).collect();
                self.client
                    .delete_tags()
                    .resources(&prior.id)
                    .set_tags(Some(removed))
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "DeleteTags"))
            },
            |pairs| async move {
                self.client
                    .create_tags()
                    .resources(&prior.id)
                    .set_tags(Some(super::tags::of_pairs(&pairs)?))
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "CreateTags"))
            },
        )
        .await
    }

    // ---- Routes in tables mdl does not manage ----

    async fn read_routes(&self, ids: &[String]) -> Result<Vec<LiveResource>, ProviderError> {
        let mut tables: Vec<&str> = ids.iter().map(|id| split_route_id(id).0).collect();
        tables.sort_unstable();
        tables.dedup();
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        let found = all_items!(
            self.client
                .describe_route_tables()
                .filters(filter("route-table-id", tables.iter().copied())),
            "DescribeRouteTables"
        );
        let mut out = Vec::new();
        for t in found {
            let Some(table) = t.route_table_id() else {
                continue;
            };
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

    // ---- VPC ----

    async fn read_vpcs(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let vpcs = all_items!(self.client.describe_vpcs().filters(f), "DescribeVpcs");
        Ok(vpcs
            .iter()
            .filter_map(|v| {
                let id = v.vpc_id()?;
                let tags = super::tags::split(v.tags());
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "cidr_block".into(),
                    Value::str(v.cidr_block().unwrap_or_default()),
                );
                let mut computed = IndexMap::new();
                computed.insert(
                    "owner_id".into(),
                    Value::str(v.owner_id().unwrap_or_default()),
                );
                Some(live(tags, id, attrs, computed))
            })
            .collect())
    }

    async fn create_vpc(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let out = self
            .client
            .create_vpc()
            .cidr_block(req_s(attrs, "cidr_block", SERVICE, "CreateVpc")?)
            .tag_specifications(tag_spec(ResourceType::Vpc, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateVpc"))?;
        let id = out
            .vpc()
            .and_then(|v| v.vpc_id())
            .ok_or_else(|| missing("CreateVpc", "VPC id"))?
            .to_string();
        let prior = bare(&id);
        self.update_vpc(&prior, attrs).await?;
        Ok(id)
    }

    async fn update_vpc(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        // AWS takes one attribute per call.
        for key in ["enable_dns_support", "enable_dns_hostnames"] {
            let Some(want) = b(attrs, key) else { continue };
            if b(&prior.attrs, key) == Some(want) {
                continue;
            }
            let call = self.client.modify_vpc_attribute().vpc_id(&prior.id);
            let call = if key == "enable_dns_support" {
                call.enable_dns_support(bool_attr(want))
            } else {
                call.enable_dns_hostnames(bool_attr(want))
            };
            call.send()
                .await
                .map_err(failed(SERVICE, "ModifyVpcAttribute"))?;
        }
        Ok(())
    }

    // ---- Subnet ----

    async fn read_subnets(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let subnets = all_items!(self.client.describe_subnets().filters(f), "DescribeSubnets");
        Ok(subnets
            .iter()
            .filter_map(|sn| {
                let id = sn.subnet_id()?;
                let tags = super::tags::split(sn.tags());
                let mut attrs = IndexMap::new();
                attrs.insert("vpc_id".into(), Value::str(sn.vpc_id().unwrap_or_default()));
                attrs.insert(
                    "cidr_block".into(),
                    Value::str(sn.cidr_block().unwrap_or_default()),
                );
                attrs.insert(
                    "availability_zone".into(),
                    Value::str(sn.availability_zone().unwrap_or_default()),
                );
                attrs.insert(
                    "map_public_ip_on_launch".into(),
                    Value::Bool(sn.map_public_ip_on_launch().unwrap_or(false)),
                );
                let mut computed = IndexMap::new();
                computed.insert(
                    "availability_zone".into(),
                    Value::str(sn.availability_zone().unwrap_or_default()),
                );
                Some(live(tags, id, attrs, computed))
            })
            .collect())
    }

    async fn create_subnet(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let out = self
            .client
            .create_subnet()
            .vpc_id(req_s(attrs, "vpc_id", SERVICE, "CreateSubnet")?)
            .cidr_block(req_s(attrs, "cidr_block", SERVICE, "CreateSubnet")?)
            .set_availability_zone(s(attrs, "availability_zone"))
            .tag_specifications(tag_spec(ResourceType::Subnet, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateSubnet"))?;
        let id = out
            .subnet()
            .and_then(|v| v.subnet_id())
            .ok_or_else(|| missing("CreateSubnet", "subnet id"))?
            .to_string();
        if b(attrs, "map_public_ip_on_launch") == Some(true) {
            let prior = bare(&id);
            self.update_subnet(&prior, attrs).await?;
        }
        Ok(id)
    }

    async fn update_subnet(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        if let Some(want) = b(attrs, "map_public_ip_on_launch")
            && b(&prior.attrs, "map_public_ip_on_launch") != Some(want)
        {
            self.client
                .modify_subnet_attribute()
                .subnet_id(&prior.id)
                .map_public_ip_on_launch(bool_attr(want))
                .send()
                .await
                .map_err(failed(SERVICE, "ModifySubnetAttribute"))?;
        }
        Ok(())
    }

    // ---- Internet gateway ----

    async fn read_igws(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let igws = all_items!(
            self.client.describe_internet_gateways().filters(f),
            "DescribeInternetGateways"
        );
        Ok(igws
            .iter()
            .filter_map(|g| {
                let id = g.internet_gateway_id()?;
                let tags = super::tags::split(g.tags());
                let mut attrs = IndexMap::new();
                let vpc = g
                    .attachments()
                    .first()
                    .and_then(|a| a.vpc_id())
                    .map_or(Value::Null, Value::str);
                attrs.insert("vpc_id".into(), vpc);
                Some(live(tags, id, attrs, IndexMap::new()))
            })
            .collect())
    }

    async fn create_igw(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let out = self
            .client
            .create_internet_gateway()
            .tag_specifications(tag_spec(ResourceType::InternetGateway, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateInternetGateway"))?;
        let id = out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .ok_or_else(|| missing("CreateInternetGateway", "gateway id"))?
            .to_string();
        let prior = bare(&id);
        self.update_igw(&prior, attrs).await?;
        Ok(id)
    }

    /// Move the attachment: detach from the old VPC, attach to the new.
    async fn update_igw(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let old = s(&prior.attrs, "vpc_id");
        let new = s(attrs, "vpc_id");
        if old == new {
            return Ok(());
        }
        if let Some(old) = old {
            self.client
                .detach_internet_gateway()
                .internet_gateway_id(&prior.id)
                .vpc_id(old)
                .send()
                .await
                .map_err(failed(SERVICE, "DetachInternetGateway"))?;
        }
        if let Some(new) = new {
            self.client
                .attach_internet_gateway()
                .internet_gateway_id(&prior.id)
                .vpc_id(new)
                .send()
                .await
                .map_err(failed(SERVICE, "AttachInternetGateway"))?;
        }
        Ok(())
    }

    async fn delete_igw(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        let none = IndexMap::new();
        self.update_igw(prior, &none).await?;
        self.client
            .delete_internet_gateway()
            .internet_gateway_id(&prior.id)
            .send()
            .await
            .map_err(failed(SERVICE, "DeleteInternetGateway"))?;
        Ok(())
    }

    // ---- NAT gateway ----

    async fn read_nats(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let nats = all_items!(
            self.client
                .describe_nat_gateways()
                .filter(f)
                .filter(filter("state", ["pending", "available", "failed"])),
            "DescribeNatGateways"
        );
        Ok(nats
            .iter()
            .filter_map(|n| {
                let id = n.nat_gateway_id()?;
                let tags = super::tags::split(n.tags());
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "subnet_id".into(),
                    Value::str(n.subnet_id().unwrap_or_default()),
                );
                let connectivity = n.connectivity_type().map_or("public", |c| c.as_str());
                attrs.insert("connectivity_type".into(), Value::str(connectivity));
                let mut computed = IndexMap::new();
                let address = n.nat_gateway_addresses().first();
                computed.insert(
                    "public_ip".into(),
                    address
                        .and_then(|a| a.public_ip())
                        .map_or(Value::Null, Value::str),
                );
                computed.insert(
                    "allocation_id".into(),
                    address
                        .and_then(|a| a.allocation_id())
                        .map_or(Value::Null, Value::str),
                );
                computed.insert(
                    "state".into(),
                    n.state().map_or(Value::Null, |s| Value::str(s.as_str())),
                );
                Some(live(tags, id, attrs, computed))
            })
            .collect())
    }

    async fn create_nat(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let public = s(attrs, "connectivity_type").as_deref() != Some("private");
        let allocation = if public {
            Some(self.nat_address(stack, addr).await?)
        } else {
            None
        };
        let out = self
            .client
            .create_nat_gateway()
            .subnet_id(req_s(attrs, "subnet_id", SERVICE, "CreateNatGateway")?)
            .set_allocation_id(allocation)
            .connectivity_type(if public {
                ConnectivityType::Public
            } else {
                ConnectivityType::Private
            })
            .tag_specifications(tag_spec(ResourceType::Natgateway, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateNatGateway"))?;
        let id = out
            .nat_gateway()
            .and_then(|n| n.nat_gateway_id())
            .ok_or_else(|| missing("CreateNatGateway", "gateway id"))?
            .to_string();
        wait_until(
            &format!("NAT gateway {id}"),
            Duration::from_secs(15 * 60),
            || async {
                let l = self.read_one("nat_gateway", &id).await?;
                match l.computed.get("state").and_then(Value::as_str) {
                    Some("available") => Ok(true),
                    Some("failed") => Err(ProviderError::new(
                        SERVICE,
                        "CreateNatGateway",
                        format!("NAT gateway {id} failed"),
                    )),
                    _ => Ok(false),
                }
            },
        )
        .await?;
        Ok(id)
    }

    /// The elastic IP for a public NAT gateway: an unassociated one left
    /// tagged for this address by an interrupted apply, else a new one.
    async fn nat_address(&self, stack: &str, addr: &ResourceAddr) -> Result<String, ProviderError> {
        // The address is matched here, not in the filter: filter values
        // are patterns, and an address holds `[` and `"`.
        let existing = self
            .client
            .describe_addresses()
            .filters(filter(&format!("tag:{STACK_TAG}"), [stack]))
            .send()
            .await
            .map_err(failed(SERVICE, "DescribeAddresses"))?;
        let wanted = addr.to_string();
        if let Some(free) = existing
            .addresses()
            .iter()
            .filter(|a| {
                a.tags()
                    .iter()
                    .any(|t| t.key() == Some(ADDRESS_TAG) && t.value() == Some(wanted.as_str()))
            })
            .find(|a| a.association_id().is_none_or(str::is_empty))
            .and_then(|a| a.allocation_id())
        {
            return Ok(free.to_string());
        }
        let out = self
            .client
            .allocate_address()
            .domain(DomainType::Vpc)
            .tag_specifications(tag_spec(
                ResourceType::ElasticIp,
                stack,
                addr,
                &IndexMap::new(),
            ))
            .send()
            .await
            .map_err(failed(SERVICE, "AllocateAddress"))?;
        out.allocation_id()
            .map(ToString::to_string)
            .ok_or_else(|| missing("AllocateAddress", "allocation id"))
    }

    async fn delete_nat(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        // Gone already (a delete interrupted after this call): its elastic
        // IP is still to be released.
        match self
            .client
            .delete_nat_gateway()
            .nat_gateway_id(&prior.id)
            .send()
            .await
            .map_err(failed(SERVICE, "DeleteNatGateway"))
        {
            Err(e) if e.is_not_found() => {}
            other => {
                other?;
            }
        }
        let id = prior.id.clone();
        wait_until(
            &format!("NAT gateway {id} to be deleted"),
            Duration::from_secs(15 * 60),
            || async {
                let found = self
                    .describe("nat_gateway", filter("nat-gateway-id", [id.as_str()]))
                    .await?;
                Ok(!found.iter().any(|r| r.id == id))
            },
        )
        .await?;
        if let Some(allocation) = prior.computed.get("allocation_id").and_then(Value::as_str) {
            match self
                .client
                .release_address()
                .allocation_id(allocation)
                .send()
                .await
                .map_err(failed(SERVICE, "ReleaseAddress"))
            {
                Err(e) if e.is_not_found() => {}
                other => {
                    other?;
                }
            }
        }
        Ok(())
    }

    // ---- Route table ----

    async fn read_route_tables(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let tables = all_items!(
            self.client.describe_route_tables().filters(f),
            "DescribeRouteTables"
        );
        Ok(tables
            .iter()
            .filter_map(|t| {
                let id = t.route_table_id()?;
                let tags = super::tags::split(t.tags());
                let routes: Vec<Value> = t
                    .routes()
                    .iter()
                    .filter(|r| {
                        r.gateway_id() != Some("local") && r.destination_cidr_block().is_some()
                    })
                    .filter(|r| r.origin().is_none_or(|o| o.as_str() == "CreateRoute"))
                    .map(|r| {
                        let mut m = IndexMap::new();
                        m.insert(
                            "cidr_block".to_string(),
                            Value::str(r.destination_cidr_block().unwrap_or_default()),
                        );
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
                let subnets: Vec<Value> = t
                    .associations()
                    .iter()
                    .filter(|a| a.main() != Some(true))
                    .filter_map(|a| {
                        let subnet = a.subnet_id()?;
                        associations.insert(
                            subnet.to_string(),
                            Value::str(a.route_table_association_id().unwrap_or_default()),
                        );
                        Some(Value::str(subnet))
                    })
                    .collect();
                let mut attrs = IndexMap::new();
                attrs.insert("vpc_id".into(), Value::str(t.vpc_id().unwrap_or_default()));
                attrs.insert("route".into(), Value::List(routes));
                attrs.insert("subnet_ids".into(), Value::List(subnets));
                let mut computed = IndexMap::new();
                computed.insert("associations".into(), Value::Map(associations));
                Some(live(tags, id, attrs, computed))
            })
            .collect())
    }

    async fn create_route_table(
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
        let id = out
            .route_table()
            .and_then(|t| t.route_table_id())
            .ok_or_else(|| missing("CreateRouteTable", "route table id"))?
            .to_string();
        let prior = bare(&id);
        self.update_route_table(&prior, attrs).await?;
        Ok(id)
    }

    async fn update_route_table(
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

    async fn delete_route_table(&self, prior: &LiveResource) -> Result<(), ProviderError> {
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

    // ---- VPC peering ----

    async fn read_peerings(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let peerings = all_items!(
            self.client.describe_vpc_peering_connections().filters(f),
            "DescribeVpcPeeringConnections"
        );
        Ok(peerings
            .iter()
            .filter(|p| {
                let code = p
                    .status()
                    .and_then(|s| s.code())
                    .map(|c| c.as_str())
                    .unwrap_or_default();
                !matches!(
                    code,
                    "deleted" | "deleting" | "rejected" | "failed" | "expired"
                )
            })
            .filter_map(|p| {
                let id = p.vpc_peering_connection_id()?;
                let tags = super::tags::split(p.tags());
                let requester = p.requester_vpc_info();
                let accepter = p.accepter_vpc_info();
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "vpc_id".into(),
                    requester
                        .and_then(|r| r.vpc_id())
                        .map_or(Value::Null, Value::str),
                );
                attrs.insert(
                    "peer_vpc_id".into(),
                    accepter
                        .and_then(|r| r.vpc_id())
                        .map_or(Value::Null, Value::str),
                );
                attrs.insert(
                    "peer_owner_id".into(),
                    accepter
                        .and_then(|r| r.owner_id())
                        .map_or(Value::Null, Value::str),
                );
                attrs.insert(
                    "peer_region".into(),
                    accepter
                        .and_then(|r| r.region())
                        .map_or(Value::Null, Value::str),
                );
                let mut computed = IndexMap::new();
                let status = p
                    .status()
                    .and_then(|s| s.code())
                    .map_or(Value::Null, |c| Value::str(c.as_str()));
                computed.insert("status".into(), status);
                Some(live(tags, id, attrs, computed))
            })
            .collect())
    }

    async fn create_peering(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let out = self
            .client
            .create_vpc_peering_connection()
            .vpc_id(req_s(
                attrs,
                "vpc_id",
                SERVICE,
                "CreateVpcPeeringConnection",
            )?)
            .peer_vpc_id(req_s(
                attrs,
                "peer_vpc_id",
                SERVICE,
                "CreateVpcPeeringConnection",
            )?)
            .set_peer_owner_id(s(attrs, "peer_owner_id"))
            .set_peer_region(s(attrs, "peer_region"))
            .tag_specifications(tag_spec(
                ResourceType::VpcPeeringConnection,
                stack,
                addr,
                attrs,
            ))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateVpcPeeringConnection"))?;
        let id = out
            .vpc_peering_connection()
            .and_then(|p| p.vpc_peering_connection_id())
            .ok_or_else(|| missing("CreateVpcPeeringConnection", "peering id"))?
            .to_string();
        if b(attrs, "auto_accept") != Some(false) {
            wait_until(
                &format!("VPC peering {id} to be ready to accept"),
                Duration::from_secs(5 * 60),
                || async {
                    let l = self.read_one("vpc_peering", &id).await?;
                    Ok(l.computed.get("status").and_then(Value::as_str)
                        != Some("initiating-request"))
                },
            )
            .await?;
            self.client
                .accept_vpc_peering_connection()
                .vpc_peering_connection_id(&id)
                .send()
                .await
                .map_err(failed(SERVICE, "AcceptVpcPeeringConnection"))?;
            wait_until(
                &format!("VPC peering {id} to become active"),
                Duration::from_secs(5 * 60),
                || async {
                    let l = self.read_one("vpc_peering", &id).await?;
                    Ok(l.computed.get("status").and_then(Value::as_str) == Some("active"))
                },
            )
            .await?;
        }
        Ok(id)
    }

    // ---- Security group ----

    async fn read_security_groups(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = all_items!(
            self.client.describe_security_groups().filters(f),
            "DescribeSecurityGroups"
        );
        Ok(groups
            .iter()
            .filter_map(|g| {
                let id = g.group_id()?;
                let tags = super::tags::split(g.tags());
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "name".into(),
                    Value::str(g.group_name().unwrap_or_default()),
                );
                attrs.insert(
                    "description".into(),
                    Value::str(g.description().unwrap_or_default()),
                );
                attrs.insert("vpc_id".into(), Value::str(g.vpc_id().unwrap_or_default()));
                attrs.insert(
                    "ingress".into(),
                    Value::List(permissions_to_rules(id, g.ip_permissions())),
                );
                attrs.insert(
                    "egress".into(),
                    Value::List(permissions_to_rules(id, g.ip_permissions_egress())),
                );
                Some(live(tags, id, attrs, IndexMap::new()))
            })
            .collect())
    }

    async fn create_security_group(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let name = s(attrs, "name").unwrap_or_else(|| format!("{stack}-{}", addr.slug()));
        let out = self
            .client
            .create_security_group()
            .group_name(name)
            .description(s(attrs, "description").unwrap_or_else(|| "Managed by mdl".into()))
            .vpc_id(req_s(attrs, "vpc_id", SERVICE, "CreateSecurityGroup")?)
            .tag_specifications(tag_spec(ResourceType::SecurityGroup, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateSecurityGroup"))?;
        let id = out
            .group_id()
            .ok_or_else(|| missing("CreateSecurityGroup", "group id"))?
            .to_string();
        // A new group comes with AWS's allow-all egress rule.
        let mut prior = bare(&id);
        let default_egress = crate::schema::kind("security_group")
            .and_then(|k| k.attr("egress"))
            .and_then(|a| a.default_value())
            .unwrap_or(Value::List(Vec::new()));
        prior.attrs.insert("egress".into(), default_egress);
        self.update_security_group(&prior, attrs).await?;
        Ok(id)
    }

    async fn update_security_group(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        for direction in ["ingress", "egress"] {
            let kind = crate::schema::kind("security_group");
            let norm = |a: &IndexMap<String, Value>| -> Vec<Value> {
                let mut only = IndexMap::new();
                if let Some(v) = a.get(direction) {
                    only.insert(direction.to_string(), v.clone());
                }
                // Rules hold no secret: no salt is needed.
                kind.map(|k| crate::schema::normalize::normalize(k, &only, ""))
                    .and_then(|m| {
                        m.get(direction)
                            .and_then(Value::as_list)
                            .map(<[Value]>::to_vec)
                    })
                    .unwrap_or_default()
            };
            let old = norm(&prior.attrs);
            let new = norm(attrs);
            let revoke: Vec<IpPermission> = old
                .iter()
                .filter(|r| !new.contains(r))
                .map(|r| rule_to_permission(&prior.id, r))
                .collect::<Result<_, _>>()?;
            let grant: Vec<IpPermission> = new
                .iter()
                .filter(|r| !old.contains(r))
                .map(|r| rule_to_permission(&prior.id, r))
                .collect::<Result<_, _>>()?;
            if !revoke.is_empty() {
                if direction == "ingress" {
                    self.client
                        .revoke_security_group_ingress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(revoke))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "RevokeSecurityGroupIngress"))?;
                } else {
                    self.client
                        .revoke_security_group_egress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(revoke))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "RevokeSecurityGroupEgress"))?;
                }
            }
            if !grant.is_empty() {
                if direction == "ingress" {
                    self.client
                        .authorize_security_group_ingress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(grant))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "AuthorizeSecurityGroupIngress"))?;
                } else {
                    self.client
                        .authorize_security_group_egress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(grant))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "AuthorizeSecurityGroupEgress"))?;
                }
            }
        }
        Ok(())
    }
}

/// AWS groups rules by protocol and ports; mdl keeps one rule per source.
fn permissions_to_rules(own_id: &str, perms: &[IpPermission]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in perms {
        let protocol = p.ip_protocol().unwrap_or("-1");
        let all = protocol == "-1";
        let port =
            |v: Option<i32>| Value::Number(if all { 0.0 } else { f64::from(v.unwrap_or(0)) });
        let rule =
            |cidr: Option<&str>, group: Option<&str>, is_self: bool, description: Option<&str>| {
                let mut m = IndexMap::new();
                m.insert("protocol".to_string(), Value::str(protocol));
                m.insert("from_port".to_string(), port(p.from_port()));
                m.insert("to_port".to_string(), port(p.to_port()));
                m.insert(
                    "cidr_blocks".to_string(),
                    Value::List(cidr.map(Value::str).into_iter().collect()),
                );
                m.insert(
                    "security_groups".to_string(),
                    Value::List(group.map(Value::str).into_iter().collect()),
                );
                m.insert("self".to_string(), Value::Bool(is_self));
                m.insert(
                    "description".to_string(),
                    Value::str(description.unwrap_or_default()),
                );
                Value::Map(m)
            };
        for r in p.ip_ranges() {
            out.push(rule(r.cidr_ip(), None, false, r.description()));
        }
        for g in p.user_id_group_pairs() {
            let gid = g.group_id().unwrap_or_default();
            if gid == own_id {
                out.push(rule(None, None, true, g.description()));
            } else {
                out.push(rule(None, Some(gid), false, g.description()));
            }
        }
    }
    out
}

/// One normalized rule (exactly one source) as an `IpPermission`.
/// A normalised rule (one source) as EC2's permission; a rule without a
/// protocol or a source is an error, not a rule left out.
fn rule_to_permission(own_id: &str, rule: &Value) -> Result<IpPermission, ProviderError> {
    let unusable = || {
        ProviderError::new(
            SERVICE,
            "build",
            format!("a security group rule mdl cannot send: {rule}"),
        )
    };
    let m = rule.as_map().ok_or_else(unusable)?;
    let protocol = m
        .get("protocol")
        .and_then(Value::as_str)
        .ok_or_else(unusable)?;
    let description = m
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty());
    let mut b = IpPermission::builder().ip_protocol(protocol);
    if protocol != "-1" {
        b = b
            .from_port(int(m, "from_port", SERVICE)?.unwrap_or(0))
            .to_port(int(m, "to_port", SERVICE)?.unwrap_or(0));
    }
    let first = |k: &str| {
        m.get(k)
            .and_then(Value::as_list)
            .and_then(|l| l.first())
            .and_then(Value::as_str)
    };
    if let Some(cidr) = first("cidr_blocks") {
        b = b.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .set_description(description.map(Into::into))
                .build(),
        );
    } else if let Some(group) = first("security_groups") {
        b = b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(group)
                .set_description(description.map(Into::into))
                .build(),
        );
    } else if m.get("self").and_then(Value::as_bool) == Some(true) {
        b = b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(own_id)
                .set_description(description.map(Into::into))
                .build(),
        );
    } else {
        return Err(unusable());
    }
    Ok(b.build())
}

/// How one tagged EC2 kind is described, created, changed and deleted; a
/// kind's folder implements it on a wrapper of `Ec2`, and `Tagged` reads
/// and applies it as every tagged EC2 kind is: one describe filtered by
/// the stack tag, one by id for state's ids the filter missed.
#[async_trait::async_trait]
pub(crate) trait Ec2Resource:
    std::ops::Deref<Target = Ec2> + Send + Sync + Sized + 'static
{
    /// The describe filter that selects the kind by id.
    const ID_FILTER: &'static str;

    fn of(ec2: Ec2) -> Self;

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError>;

    /// What the describe cannot show: read per resource, only for those
    /// state does not know.
    async fn details(&self, _resource: &mut LiveResource) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Create it; its id.
    async fn create(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError>;

    /// Change what differs from `prior` (tags aside).
    async fn update(
        &self,
        _prior: &LiveResource,
        _attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError>;

    /// The resource as it is right after a change.
    async fn read_one(&self, id: &str) -> Result<LiveResource, ProviderError> {
        self.describe(filter(Self::ID_FILTER, [id]))
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!("`{id}` was not found right after it was changed"),
                )
            })
    }
}

/// A tagged EC2 kind's AWS side.
pub(crate) struct Tagged<K>(pub std::marker::PhantomData<K>);

#[async_trait::async_trait]
impl<K: Ec2Resource> super::AwsKind for Tagged<K> {
    async fn read(
        &self,
        aws: &super::AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let kind = K::of(Ec2::new(aws.client()));
        // Filters are checked again here: not every AWS-compatible
        // endpoint applies every filter.
        let mut resources = if req.ids_only {
            Vec::new()
        } else {
            kind.describe(filter(&format!("tag:{STACK_TAG}"), [req.stack]))
                .await?
        };
        resources.retain(|r| r.stack.as_deref() == Some(req.stack));
        let found: HashSet<&str> = resources.iter().map(|r| r.id.as_str()).collect();
        let lost: Vec<String> = req
            .known_ids
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .cloned()
            .collect();
        if !lost.is_empty() {
            let mut more = kind.describe(filter(K::ID_FILTER, lost.clone())).await?;
            more.retain(|r| lost.contains(&r.id));
            resources.extend(more);
        }
        for r in resources
            .iter_mut()
            .filter(|r| req.full || !req.known_ids.contains(&r.id))
        {
            kind.details(r).await?;
        }
        Ok(ReadResponse { resources })
    }

    async fn apply(
        &self,
        aws: &super::AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let kind = K::of(Ec2::new(aws.client()));
        match req.op {
            Operation::Create { attrs } => {
                let id = kind.create(req.stack, req.addr, &attrs).await?;
                // Attributes the describe cannot see (user data) are
                // recorded as applied.
                let live = kind.read_one(&id).await?;
                Ok(ApplyResponse {
                    live: Some(super::fields::with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                kind.update_tags(&prior, &attrs).await?;
                kind.update(&prior, &attrs).await?;
                let mut live = kind.read_one(&prior.id).await?;
                // Attributes the describe cannot see keep their applied value.
                for (k, v) in &attrs {
                    live.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                kind.delete(&prior).await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
