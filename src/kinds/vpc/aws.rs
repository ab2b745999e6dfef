//! VPCs: one describe by the stack tag; DNS settings read per VPC only
//! for VPCs state does not know.

use aws_sdk_ec2::types::{Filter, ResourceType};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, bool_attr, live, tag_spec};
use crate::provider::aws::fields::{always, b, req_s};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

crate::on_service!(Vpcs(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Vpcs {
    const ID_FILTER: &'static str = "vpc-id";

    fn of(ec2: Ec2) -> Self {
        Vpcs(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let vpcs = crate::all_items!(self.client.describe_vpcs().filters(f), "DescribeVpcs");
        let field = |v, name| always(v, SERVICE, "DescribeVpcs", name);
        vpcs.iter()
            .map(|v| {
                let id = field(v.vpc_id(), "VpcId")?;
                let tags = crate::provider::aws::tags::split(v.tags());
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "cidr_block".into(),
                    Value::str(field(v.cidr_block(), "CidrBlock")?),
                );
                let mut computed = IndexMap::new();
                computed.insert(
                    "owner_id".into(),
                    Value::str(field(v.owner_id(), "OwnerId")?),
                );
                Ok(live(tags, id, attrs, computed))
            })
            .collect()
    }

    async fn details(&self, vpc: &mut LiveResource) -> Result<(), ProviderError> {
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

    async fn create(
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
        let id = out.vpc().and_then(|v| v.vpc_id());
        self.created("CreateVpc", id, "VPC id", attrs).await
    }

    async fn update(
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

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        self.client
            .delete_vpc()
            .vpc_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(failed(SERVICE, "DeleteVpc"))
    }
}

/// The `vpc` kind's AWS side.
pub static AWS: Tagged<Vpcs> = Tagged(std::marker::PhantomData);
