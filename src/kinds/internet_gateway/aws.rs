//! Internet gateways and their attachment to a VPC: one describe by the
//! stack tag.

use aws_sdk_ec2::types::{Filter, ResourceType};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, live, tag_spec};
use crate::provider::aws::fields::{always, s};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

crate::on_service!(Gateways(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Gateways {
    const ID_FILTER: &'static str = "internet-gateway-id";

    fn of(ec2: Ec2) -> Self {
        Gateways(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let igws = crate::all_items!(
            self.client.describe_internet_gateways().filters(f),
            "DescribeInternetGateways"
        );
        igws.iter()
            .map(|g| {
                let id = always(
                    g.internet_gateway_id(),
                    SERVICE,
                    "DescribeInternetGateways",
                    "InternetGatewayId",
                )?;
                let tags = crate::provider::aws::tags::split(g.tags());
                let mut attrs = IndexMap::new();
                let vpc = g
                    .attachments()
                    .first()
                    .and_then(|a| a.vpc_id())
                    .map_or(Value::Null, Value::str);
                attrs.insert("vpc_id".into(), vpc);
                Ok(live(tags, id, attrs, IndexMap::new()))
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
            .create_internet_gateway()
            .tag_specifications(tag_spec(ResourceType::InternetGateway, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateInternetGateway"))?;
        let id = out.internet_gateway().and_then(|g| g.internet_gateway_id());
        self.created("CreateInternetGateway", id, "gateway id", attrs)
            .await
    }

    /// Move the attachment: detach from the old VPC, attach to the new.
    async fn update(
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

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        let none = IndexMap::new();
        self.update(prior, &none).await?;
        self.client
            .delete_internet_gateway()
            .internet_gateway_id(&prior.id)
            .send()
            .await
            .map_err(failed(SERVICE, "DeleteInternetGateway"))?;
        Ok(())
    }
}

/// The `internet_gateway` kind's AWS side.
pub static AWS: Tagged<Gateways> = Tagged(std::marker::PhantomData);
