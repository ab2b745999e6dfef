//! Subnets: one describe by the stack tag.

use aws_sdk_ec2::types::{Filter, ResourceType};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{
    Ec2, Ec2Resource, SERVICE, Tagged, bare, bool_attr, live, missing, tag_spec,
};
use crate::provider::aws::fields::{always, b, req_s, s};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

crate::on_service!(Subnets(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Subnets {
    const ID_FILTER: &'static str = "subnet-id";

    fn of(ec2: Ec2) -> Self {
        Subnets(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let subnets =
            crate::all_items!(self.client.describe_subnets().filters(f), "DescribeSubnets");
        let field = |v, name| always(v, SERVICE, "DescribeSubnets", name);
        subnets
            .iter()
            .map(|sn| {
                let id = field(sn.subnet_id(), "SubnetId")?;
                let zone = field(sn.availability_zone(), "AvailabilityZone")?;
                let tags = crate::provider::aws::tags::split(sn.tags());
                let mut attrs = IndexMap::new();
                attrs.insert("vpc_id".into(), Value::str(field(sn.vpc_id(), "VpcId")?));
                attrs.insert(
                    "cidr_block".into(),
                    Value::str(field(sn.cidr_block(), "CidrBlock")?),
                );
                attrs.insert("availability_zone".into(), Value::str(zone));
                attrs.insert(
                    "map_public_ip_on_launch".into(),
                    Value::Bool(sn.map_public_ip_on_launch().unwrap_or(false)),
                );
                let mut computed = IndexMap::new();
                computed.insert("availability_zone".into(), Value::str(zone));
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
            self.update(&prior, attrs).await?;
        }
        Ok(id)
    }

    async fn update(
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

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        self.client
            .delete_subnet()
            .subnet_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(failed(SERVICE, "DeleteSubnet"))
    }
}

/// The `subnet` kind's AWS side.
pub static AWS: Tagged<Subnets> = Tagged(std::marker::PhantomData);
