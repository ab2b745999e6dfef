//! VPC peering connections: one describe by the stack tag; a peer in the
//! same account is accepted too.
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, ResourceType};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, live, missing, tag_spec};
use crate::provider::aws::fields::{always, b, req_s, s};
use crate::provider::aws::wait_until;
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

crate::on_service!(Peerings(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Peerings {
    const ID_FILTER: &'static str = "vpc-peering-connection-id";

    fn of(ec2: Ec2) -> Self {
        Peerings(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let peerings = crate::all_items!(
            self.client.describe_vpc_peering_connections().filters(f),
            "DescribeVpcPeeringConnections"
        );
        let field = |v, name| always(v, SERVICE, "DescribeVpcPeeringConnections", name);
        let mut out = Vec::new();
        for p in &peerings {
            let code = field(
                p.status().and_then(|s| s.code()).map(|c| c.as_str()),
                "Status.Code",
            )?;
            if matches!(
                code,
                "deleted" | "deleting" | "rejected" | "failed" | "expired"
            ) {
                continue;
            }
            let id = field(p.vpc_peering_connection_id(), "VpcPeeringConnectionId")?;
            let tags = crate::provider::aws::tags::split(p.tags());
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
            computed.insert("status".into(), Value::str(code));
            out.push(live(tags, id, attrs, computed));
        }
        Ok(out)
    }

    async fn create(
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
                    let l = self.read_one(&id).await?;
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
                    let l = self.read_one(&id).await?;
                    Ok(l.computed.get("status").and_then(Value::as_str) == Some("active"))
                },
            )
            .await?;
        }
        Ok(id)
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        self.client
            .delete_vpc_peering_connection()
            .vpc_peering_connection_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(failed(SERVICE, "DeleteVpcPeeringConnection"))
    }
}

/// The `vpc_peering` kind's AWS side.
pub static AWS: Tagged<Peerings> = Tagged(std::marker::PhantomData);
