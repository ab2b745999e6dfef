//! Single EC2 instances (a bastion): one paginated describe; terminated
//! instances and those of Auto Scaling groups are left out. A change of
//! type stops and starts the instance.

use std::time::Duration;

use aws_sdk_ec2::types::{
    Filter, HttpTokensState, InstanceMetadataOptionsRequest, InstanceNetworkInterfaceSpecification,
    InstanceStateName, InstanceType, ResourceType,
};
use aws_smithy_types::base64;
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, live, missing, tag_spec};
use crate::provider::aws::fields::{always, b, list, opt, req_s, s, strings};
use crate::provider::aws::wait_until;
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

/// Session tokens for the metadata service: required (IMDSv2) unless the
/// block says otherwise.
fn tokens(attrs: &IndexMap<String, Value>) -> HttpTokensState {
    if b(attrs, "require_imdsv2").unwrap_or(true) {
        HttpTokensState::Required
    } else {
        HttpTokensState::Optional
    }
}

crate::on_service!(Instances(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Instances {
    const ID_FILTER: &'static str = "instance-id";

    fn of(ec2: Ec2) -> Self {
        Instances(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let reservations = crate::all_items!(
            self.client.describe_instances().filters(f),
            "DescribeInstances"
        );
        let mut out = Vec::new();
        for i in reservations.iter().flat_map(|r| r.instances()) {
            let state = i.state().and_then(|s| s.name());
            if matches!(
                state,
                Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
            ) {
                continue;
            }
            // Instances an Auto Scaling group launched carry its tags, but
            // belong to the group.
            if i.tags()
                .iter()
                .any(|t| t.key() == Some("aws:autoscaling:groupName"))
            {
                continue;
            }
            let id = always(i.instance_id(), SERVICE, "DescribeInstances", "InstanceId")?;
            let mut attrs = IndexMap::new();
            attrs.insert("image_id".into(), opt(i.image_id()));
            attrs.insert(
                "instance_type".into(),
                opt(i.instance_type().map(InstanceType::as_str)),
            );
            attrs.insert("subnet_id".into(), opt(i.subnet_id()));
            // Some endpoints report the groups of an instance launched
            // with a network interface only on the interface.
            let groups = if i.security_groups().is_empty() {
                i.network_interfaces()
                    .iter()
                    .flat_map(|n| n.groups())
                    .filter_map(|g| g.group_id())
                    .collect::<Vec<_>>()
            } else {
                i.security_groups()
                    .iter()
                    .filter_map(|g| g.group_id())
                    .collect()
            };
            attrs.insert("security_group_ids".into(), list(groups));
            attrs.insert("key_name".into(), opt(i.key_name()));
            attrs.insert(
                "instance_profile_arn".into(),
                opt(i.iam_instance_profile().and_then(|p| p.arn())),
            );
            attrs.insert(
                "associate_public_ip".into(),
                Value::Bool(i.public_ip_address().is_some()),
            );
            // An endpoint that leaves metadata options out keeps the
            // applied value.
            if let Some(tokens) = i.metadata_options().and_then(|m| m.http_tokens()) {
                attrs.insert(
                    "require_imdsv2".into(),
                    Value::Bool(*tokens == HttpTokensState::Required),
                );
            }
            let mut computed = IndexMap::new();
            computed.insert("private_ip".into(), opt(i.private_ip_address()));
            computed.insert("public_ip".into(), opt(i.public_ip_address()));
            out.push(live(
                crate::provider::aws::tags::split(i.tags()),
                id,
                attrs,
                computed,
            ));
        }
        Ok(out)
    }

    async fn create(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let subnet = req_s(attrs, "subnet_id", SERVICE, "RunInstances")?;
        let groups = strings(attrs, "security_group_ids");
        let mut call = self
            .client
            .run_instances()
            .image_id(req_s(attrs, "image_id", SERVICE, "RunInstances")?)
            .instance_type(InstanceType::from(
                req_s(attrs, "instance_type", SERVICE, "RunInstances")?.as_str(),
            ))
            .min_count(1)
            .max_count(1)
            .set_key_name(s(attrs, "key_name"))
            .set_user_data(s(attrs, "user_data").map(|u| base64::encode(u.as_bytes())))
            .metadata_options(
                InstanceMetadataOptionsRequest::builder()
                    .http_tokens(tokens(attrs))
                    .build(),
            )
            .tag_specifications(tag_spec(ResourceType::Instance, stack, addr, attrs))
            .tag_specifications(tag_spec(ResourceType::Volume, stack, addr, attrs));
        if b(attrs, "associate_public_ip").unwrap_or(false) {
            call = call.network_interfaces(
                InstanceNetworkInterfaceSpecification::builder()
                    .device_index(0)
                    .subnet_id(subnet)
                    .associate_public_ip_address(true)
                    .set_groups(Some(groups))
                    .build(),
            );
        } else {
            call = call.subnet_id(subnet).set_security_group_ids(Some(groups));
        }
        if let Some(profile) = s(attrs, "instance_profile_arn") {
            call = call.iam_instance_profile(
                aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
                    .arn(profile)
                    .build(),
            );
        }
        let out = call.send().await.map_err(failed(SERVICE, "RunInstances"))?;
        let id = out
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .map(ToString::to_string)
            .ok_or_else(|| missing("RunInstances", "instance id"))?;
        self.wait_instance(&id, InstanceStateName::Running).await?;
        Ok(id)
    }

    async fn update(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
        if changed("require_imdsv2") {
            self.client
                .modify_instance_metadata_options()
                .instance_id(&prior.id)
                .http_tokens(tokens(attrs))
                .send()
                .await
                .map_err(failed(SERVICE, "ModifyInstanceMetadataOptions"))?;
        }
        if changed("security_group_ids") {
            self.client
                .modify_instance_attribute()
                .instance_id(&prior.id)
                .set_groups(Some(strings(attrs, "security_group_ids")))
                .send()
                .await
                .map_err(failed(SERVICE, "ModifyInstanceAttribute"))?;
        }
        if changed("instance_type") {
            // The type of a running instance cannot change: stop, change,
            // start.
            self.client
                .stop_instances()
                .instance_ids(&prior.id)
                .send()
                .await
                .map_err(failed(SERVICE, "StopInstances"))?;
            self.wait_instance(&prior.id, InstanceStateName::Stopped)
                .await?;
            self.client
                .modify_instance_attribute()
                .instance_id(&prior.id)
                .instance_type(
                    aws_sdk_ec2::types::AttributeValue::builder()
                        .set_value(s(attrs, "instance_type"))
                        .build(),
                )
                .send()
                .await
                .map_err(failed(SERVICE, "ModifyInstanceAttribute"))?;
            self.client
                .start_instances()
                .instance_ids(&prior.id)
                .send()
                .await
                .map_err(failed(SERVICE, "StartInstances"))?;
            self.wait_instance(&prior.id, InstanceStateName::Running)
                .await?;
        }
        Ok(())
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        self.client
            .terminate_instances()
            .instance_ids(&prior.id)
            .send()
            .await
            .map_err(failed(SERVICE, "TerminateInstances"))?;
        self.wait_instance(&prior.id, InstanceStateName::Terminated)
            .await
    }
}

impl Instances {
    /// Wait until the instance reaches `want` (terminated instances may
    /// also simply vanish).
    async fn wait_instance(&self, id: &str, want: InstanceStateName) -> Result<(), ProviderError> {
        wait_until(
            &format!("instance {id} to be {}", want.as_str()),
            Duration::from_secs(15 * 60),
            || async {
                let out = self
                    .client
                    .describe_instances()
                    .instance_ids(id)
                    .send()
                    .await;
                let out = match out {
                    Ok(o) => o,
                    Err(e)
                        if want == InstanceStateName::Terminated
                            && aws_sdk_ec2::error::ProvideErrorMetadata::code(&e)
                                == Some("InvalidInstanceID.NotFound") =>
                    {
                        return Ok(true);
                    }
                    Err(e) => return Err(failed(SERVICE, "DescribeInstances")(e)),
                };
                let state = out
                    .reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .find(|i| i.instance_id() == Some(id))
                    .and_then(|i| i.state())
                    .and_then(|s| s.name().cloned());
                Ok(match state {
                    None => want == InstanceStateName::Terminated,
                    Some(s) => s == want,
                })
            },
        )
        .await
    }
}

/// The `instance` kind's AWS side.
pub static AWS: Tagged<Instances> = Tagged(std::marker::PhantomData);
