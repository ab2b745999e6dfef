//! NAT gateways with the elastic IP mdl allocates for a public one: one
//! describe by the stack tag. A delete releases the elastic IP too.
use std::time::Duration;

use aws_sdk_ec2::types::{ConnectivityType, DomainType, Filter, ResourceType};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{
    Ec2, Ec2Resource, SERVICE, Tagged, filter, live, missing, tag_spec,
};
use crate::provider::aws::fields::{always, req_s, s};
use crate::provider::aws::wait_until;
use crate::provider::{ADDRESS_TAG, LiveResource, ProviderError, STACK_TAG};
use crate::value::Value;

crate::on_service!(NatGateways(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for NatGateways {
    const ID_FILTER: &'static str = "nat-gateway-id";

    fn of(ec2: Ec2) -> Self {
        NatGateways(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let nats = crate::all_items!(
            self.client
                .describe_nat_gateways()
                .filter(f)
                .filter(filter("state", ["pending", "available", "failed"])),
            "DescribeNatGateways"
        );
        let field = |v, name| always(v, SERVICE, "DescribeNatGateways", name);
        nats.iter()
            .map(|n| {
                let id = field(n.nat_gateway_id(), "NatGatewayId")?;
                let tags = crate::provider::aws::tags::split(n.tags());
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "subnet_id".into(),
                    Value::str(field(n.subnet_id(), "SubnetId")?),
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
                let l = self.read_one(&id).await?;
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

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
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
                    .describe(filter("nat-gateway-id", [id.as_str()]))
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
}

impl NatGateways {
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
}

/// The `nat_gateway` kind's AWS side.
pub static AWS: Tagged<NatGateways> = Tagged(std::marker::PhantomData);
