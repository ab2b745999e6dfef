//! EC2 launch templates and single instances (a bastion).
//!
//! Launch templates: one describe of the stack's templates, then the
//! default version of each. Instances: one paginated describe; terminated
//! instances and those of Auto Scaling groups are left out.

use std::time::Duration;

use aws_sdk_ec2::types::{
    Filter, InstanceNetworkInterfaceSpecification, InstanceStateName, InstanceType,
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataOptionsRequest, RequestLaunchTemplateData, ResourceType,
    VolumeType,
};
use aws_smithy_types::base64;
use indexmap::IndexMap;

use super::call::failed;
use super::ec2::{Ec2, live, missing, tag_spec};
use super::fields::{b, list, n, opt, req_s, s, strings, to_i32};
use super::wait_until;
use crate::lang::ResourceAddr;
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

const SERVICE: &str = "ec2";

/// Attributes of a launch template that live in its versions.
const TEMPLATE_DATA: &[&str] = &[
    "image_id",
    "instance_type",
    "security_group_ids",
    "instance_profile_arn",
    "key_name",
    "user_data",
    "root_volume_gib",
    "require_imdsv2",
];

fn template_data(
    attrs: &IndexMap<String, Value>,
) -> Result<RequestLaunchTemplateData, ProviderError> {
    let mut data = RequestLaunchTemplateData::builder()
        .set_image_id(s(attrs, "image_id"))
        .set_instance_type(s(attrs, "instance_type").map(|t| InstanceType::from(t.as_str())))
        .set_security_group_ids(Some(strings(attrs, "security_group_ids")))
        .set_key_name(s(attrs, "key_name"))
        .set_user_data(s(attrs, "user_data").map(|u| base64::encode(u.as_bytes())))
        .metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_tokens(if b(attrs, "require_imdsv2").unwrap_or(true) {
                    LaunchTemplateHttpTokensState::Required
                } else {
                    LaunchTemplateHttpTokensState::Optional
                })
                .build(),
        );
    if let Some(profile) = s(attrs, "instance_profile_arn") {
        data = data.iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .arn(profile)
                .build(),
        );
    }
    if let Some(size) = n(attrs, "root_volume_gib") {
        data = data.block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name("/dev/xvda")
                .ebs(
                    LaunchTemplateEbsBlockDeviceRequest::builder()
                        .volume_size(to_i32(size, "root_volume_gib", SERVICE)?)
                        .volume_type(VolumeType::Gp3)
                        .encrypted(true)
                        .build(),
                )
                .build(),
        );
    }
    Ok(data.build())
}

fn decode_user_data(encoded: Option<&str>) -> Value {
    encoded
        .and_then(|e| base64::decode(e).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map_or(Value::Null, Value::String)
}

impl Ec2 {
    // ---- Launch templates ----

    pub(super) async fn read_launch_templates(
        &self,
        f: Filter,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        // DescribeLaunchTemplates selects by id with a parameter, not a filter.
        let mut call = self.client.describe_launch_templates();
        if f.name() == Some("launch-template-id") {
            call = call.set_launch_template_ids(Some(f.values().to_vec()));
        } else {
            call = call.filters(f);
        }
        let templates = all_items!(call, "DescribeLaunchTemplates");
        // The default version of each: of one template by its id; of
        // several, the default versions of every template in the account
        // in one paginated call rather than one call each.
        let mut defaults = Vec::new();
        if templates.len() <= 1 {
            for id in templates.iter().filter_map(|t| t.launch_template_id()) {
                let out = self
                    .client
                    .describe_launch_template_versions()
                    .launch_template_id(id)
                    .versions("$Default")
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DescribeLaunchTemplateVersions"))?;
                defaults.extend(out.launch_template_versions().iter().cloned());
            }
        } else {
            defaults = all_items!(
                self.client
                    .describe_launch_template_versions()
                    .versions("$Default"),
                "DescribeLaunchTemplateVersions"
            );
        }
        let mut out = Vec::new();
        for t in templates {
            let Some(id) = t.launch_template_id() else {
                continue;
            };
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), opt(t.launch_template_name()));
            if let Some(data) = defaults
                .iter()
                .find(|v| v.launch_template_id() == Some(id))
                .and_then(|v| v.launch_template_data())
            {
                attrs.insert("image_id".into(), opt(data.image_id()));
                attrs.insert(
                    "instance_type".into(),
                    opt(data.instance_type().map(InstanceType::as_str)),
                );
                attrs.insert(
                    "security_group_ids".into(),
                    list(data.security_group_ids().iter().cloned()),
                );
                attrs.insert(
                    "instance_profile_arn".into(),
                    opt(data.iam_instance_profile().and_then(|p| p.arn())),
                );
                attrs.insert("key_name".into(), opt(data.key_name()));
                attrs.insert("user_data".into(), decode_user_data(data.user_data()));
                let root = data
                    .block_device_mappings()
                    .iter()
                    .find(|m| m.device_name() == Some("/dev/xvda"))
                    .and_then(|m| m.ebs())
                    .and_then(|e| e.volume_size());
                attrs.insert(
                    "root_volume_gib".into(),
                    root.map_or(Value::Null, |v| Value::Number(f64::from(v))),
                );
                // An endpoint that leaves metadata options out keeps the
                // applied value.
                if let Some(tokens) = data.metadata_options().and_then(|m| m.http_tokens()) {
                    attrs.insert(
                        "require_imdsv2".into(),
                        Value::Bool(tokens.as_str() == "required"),
                    );
                }
            }
            let mut computed = IndexMap::new();
            computed.insert(
                "latest_version".into(),
                t.latest_version_number()
                    .map_or(Value::Null, |v| Value::Number(v as f64)),
            );
            out.push(live(super::tags::split(t.tags()), id, attrs, computed));
        }
        Ok(out)
    }

    pub(super) async fn create_launch_template(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let name = s(attrs, "name").unwrap_or_else(|| crate::schema::default_name(stack, addr));
        let out = self
            .client
            .create_launch_template()
            .launch_template_name(name)
            .launch_template_data(template_data(attrs)?)
            .tag_specifications(tag_spec(ResourceType::LaunchTemplate, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateLaunchTemplate"))?;
        out.launch_template()
            .and_then(|t| t.launch_template_id())
            .map(ToString::to_string)
            .ok_or_else(|| missing("CreateLaunchTemplate", "launch template id"))
    }

    /// A new version with the whole template data, made the default.
    pub(super) async fn update_launch_template(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        if !TEMPLATE_DATA.iter().any(|k| {
            attrs
                .get(*k)
                .is_some_and(|v| prior.attrs.get(*k) != Some(v))
        }) {
            return Ok(());
        }
        let out = self
            .client
            .create_launch_template_version()
            .launch_template_id(&prior.id)
            .launch_template_data(template_data(attrs)?)
            .send()
            .await
            .map_err(failed(SERVICE, "CreateLaunchTemplateVersion"))?;
        let version = out
            .launch_template_version()
            .and_then(|v| v.version_number())
            .ok_or_else(|| missing("CreateLaunchTemplateVersion", "version number"))?;
        self.client
            .modify_launch_template()
            .launch_template_id(&prior.id)
            .default_version(version.to_string())
            .send()
            .await
            .map_err(failed(SERVICE, "ModifyLaunchTemplate"))?;
        Ok(())
    }

    // ---- Instances ----

    pub(super) async fn read_instances(
        &self,
        f: Filter,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let reservations = all_items!(
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
            let Some(id) = i.instance_id() else { continue };
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
            let mut computed = IndexMap::new();
            computed.insert("private_ip".into(), opt(i.private_ip_address()));
            computed.insert("public_ip".into(), opt(i.public_ip_address()));
            out.push(live(super::tags::split(i.tags()), id, attrs, computed));
        }
        Ok(out)
    }

    pub(super) async fn create_instance(
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

    pub(super) async fn update_instance(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
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

    pub(super) async fn terminate_instance(
        &self,
        prior: &LiveResource,
    ) -> Result<(), ProviderError> {
        self.client
            .terminate_instances()
            .instance_ids(&prior.id)
            .send()
            .await
            .map_err(failed(SERVICE, "TerminateInstances"))?;
        self.wait_instance(&prior.id, InstanceStateName::Terminated)
            .await
    }

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
