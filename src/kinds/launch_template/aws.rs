//! EC2 launch templates: one describe of the stack's templates, then the
//! default version of each. A change of what instances get makes a new
//! default version.

use aws_sdk_ec2::types::{
    Filter, InstanceType, LaunchTemplateBlockDeviceMappingRequest,
    LaunchTemplateEbsBlockDeviceRequest, LaunchTemplateHttpTokensState,
    LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataOptionsRequest, LaunchTemplatesMonitoringRequest,
    RequestLaunchTemplateData, ResourceType, VolumeType,
};
use aws_smithy_types::base64;
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, live, missing, tag_spec};
use crate::provider::aws::fields::{always, b, list, n, opt, s, strings, to_i32};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

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
    "detailed_monitoring",
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
    if b(attrs, "detailed_monitoring") == Some(true) {
        data = data.monitoring(
            LaunchTemplatesMonitoringRequest::builder()
                .enabled(true)
                .build(),
        );
    }
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

crate::on_service!(Templates(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Templates {
    const ID_FILTER: &'static str = "launch-template-id";

    fn of(ec2: Ec2) -> Self {
        Templates(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        // DescribeLaunchTemplates selects by id with a parameter, not a filter.
        let mut call = self.client.describe_launch_templates();
        if f.name() == Some("launch-template-id") {
            call = call.set_launch_template_ids(Some(f.values().to_vec()));
        } else {
            call = call.filters(f);
        }
        let templates = crate::all_items!(call, "DescribeLaunchTemplates");
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
            defaults = crate::all_items!(
                self.client
                    .describe_launch_template_versions()
                    .versions("$Default"),
                "DescribeLaunchTemplateVersions"
            );
        }
        let mut out = Vec::new();
        for t in templates {
            let id = always(
                t.launch_template_id(),
                SERVICE,
                "DescribeLaunchTemplates",
                "LaunchTemplateId",
            )?;
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
                attrs.insert(
                    "detailed_monitoring".into(),
                    Value::Bool(data.monitoring().and_then(|m| m.enabled()) == Some(true)),
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
            out.push(live(
                crate::provider::aws::tags::split(t.tags()),
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
    async fn update(
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

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        self.client
            .delete_launch_template()
            .launch_template_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(failed(SERVICE, "DeleteLaunchTemplate"))
    }
}

/// The `launch_template` kind's AWS side.
pub static AWS: Tagged<Templates> = Tagged(std::marker::PhantomData);
