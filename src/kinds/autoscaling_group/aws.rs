//! EC2 Auto Scaling: groups of web servers with a target-tracking CPU
//! policy.
//!
//! A refresh is one paginated describe of the stack's groups (by tag) and
//! one paginated describe of scaling policies.

use std::time::Duration;

use aws_sdk_autoscaling::Client;
use aws_sdk_autoscaling::types::{
    Filter, LaunchTemplateSpecification, MetricType, PredefinedMetricSpecification, Tag,
    TargetTrackingConfiguration,
};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{
    always, b, int, list, n, opt, s, strings, to_i32, with_applied,
};
use crate::provider::aws::wait_until;
use crate::provider::{
    ADDRESS_TAG, ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest,
    ReadResponse, STACK_TAG,
};
use crate::value::Value;

const SERVICE: &str = "autoscaling";

crate::sdk_client!(Client);
/// The name the CPU policy had before it was named after its group; still
/// read, and replaced by the new name at the next change.
const LEGACY_POLICY: &str = "mdl-cpu";

/// The target-tracking CPU policy of a group. AWS keeps policy names per
/// group, but moto_server keeps them per account: one name for every
/// group would leave all groups but the last without a policy there.
fn policy_name(group: &str) -> String {
    let mut name = format!("mdl-cpu-{group}");
    // PolicyName is at most 255 characters.
    while name.len() > 255 {
        name.pop();
    }
    name
}

pub struct AutoScaling {
    client: Client,
}

fn tag(group: &str, k: &str, v: &str) -> Tag {
    Tag::builder()
        .resource_id(group)
        .resource_type("auto-scaling-group")
        .key(k)
        .value(v)
        .propagate_at_launch(true)
        .build()
}

fn tags_for(
    group: &str,
    stack: &str,
    addr: &ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> Vec<Tag> {
    let mut tags = vec![
        tag(group, STACK_TAG, stack),
        tag(group, ADDRESS_TAG, &addr.to_string()),
    ];
    if let Some(Value::Map(user)) = attrs.get("tags") {
        for (k, v) in user {
            tags.push(tag(group, k, v.as_str().unwrap_or_default()));
        }
    }
    tags
}

fn template(attrs: &IndexMap<String, Value>) -> LaunchTemplateSpecification {
    LaunchTemplateSpecification::builder()
        .set_launch_template_id(s(attrs, "launch_template_id"))
        .version(s(attrs, "launch_template_version").unwrap_or_else(|| "$Default".into()))
        .build()
}

impl AutoScaling {
    pub fn new(client: Client) -> AutoScaling {
        AutoScaling { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let mut found = self
            .describe(Some(
                Filter::builder()
                    .name(format!("tag:{STACK_TAG}"))
                    .values(req.stack)
                    .build(),
            ))
            .await?;
        found.retain(|r| r.stack.as_deref() == Some(req.stack));
        let lost: Vec<String> = req
            .known_ids
            .iter()
            .filter(|id| !found.iter().any(|r| &r.id == *id))
            .cloned()
            .collect();
        if !lost.is_empty() {
            let mut more = self.describe_names(&lost).await?;
            more.retain(|r| lost.contains(&r.id));
            found.extend(more);
        }
        self.read_policies(&mut found).await?;
        Ok(ReadResponse { resources: found })
    }

    async fn describe(&self, filter: Option<Filter>) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = crate::all_items!(
            self.client
                .describe_auto_scaling_groups()
                .set_filters(filter.map(|f| vec![f])),
            "DescribeAutoScalingGroups"
        );
        groups.iter().map(group_value).collect()
    }

    async fn describe_names(&self, names: &[String]) -> Result<Vec<LiveResource>, ProviderError> {
        let mut out = Vec::new();
        for chunk in names.chunks(50) {
            let groups = crate::all_items!(
                self.client
                    .describe_auto_scaling_groups()
                    .set_auto_scaling_group_names(Some(chunk.to_vec())),
                "DescribeAutoScalingGroups"
            );
            for g in groups.iter() {
                out.push(group_value(g)?);
            }
        }
        Ok(out)
    }

    async fn read_policies(&self, groups: &mut [LiveResource]) -> Result<(), ProviderError> {
        if groups.is_empty() {
            return Ok(());
        }
        let policies = crate::all_items!(self.client.describe_policies(), "DescribePolicies");
        for g in groups.iter_mut() {
            let name = policy_name(&g.id);
            let of_group = |wanted: &str| {
                policies.iter().find(|p| {
                    p.auto_scaling_group_name() == Some(g.id.as_str())
                        && p.policy_name() == Some(wanted)
                })
            };
            let target = of_group(&name)
                .or_else(|| of_group(LEGACY_POLICY))
                .and_then(|p| p.target_tracking_configuration())
                .and_then(TargetTrackingConfiguration::target_value);
            g.attrs.insert(
                "cpu_target".into(),
                target.map_or(Value::Null, Value::Number),
            );
        }
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<LiveResource, ProviderError> {
        let mut found = self.describe_names(&[name.to_string()]).await?;
        self.read_policies(&mut found).await?;
        found.into_iter().find(|r| r.id == name).ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                "describe",
                format!("Auto Scaling group `{name}` was not found right after it was changed"),
            )
        })
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let min = n(&attrs, "min_size").unwrap_or(1);
                self.client
                    .create_auto_scaling_group()
                    .auto_scaling_group_name(&name)
                    .launch_template(template(&attrs))
                    .min_size(to_i32(min, "min_size", SERVICE)?)
                    .max_size(
                        int(&attrs, "max_size", SERVICE)?
                            .ok_or_else(|| missing_attr("max_size", "CreateAutoScalingGroup"))?,
                    )
                    .desired_capacity(match int(&attrs, "desired_capacity", SERVICE)? {
                        Some(d) => d,
                        None => to_i32(min, "min_size", SERVICE)?,
                    })
                    .vpc_zone_identifier(strings(&attrs, "subnet_ids").join(","))
                    .set_target_group_arns(Some(strings(&attrs, "target_group_arns")))
                    .health_check_type(
                        s(&attrs, "health_check_type").unwrap_or_else(|| "EC2".into()),
                    )
                    .health_check_grace_period(
                        int(&attrs, "health_check_grace_period", SERVICE)?.unwrap_or(300),
                    )
                    .set_default_cooldown(int(&attrs, "default_cooldown", SERVICE)?)
                    .set_tags(Some(tags_for(&name, req.stack, req.addr, &attrs)))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateAutoScalingGroup"))?;
                self.put_policy(&name, &IndexMap::new(), &attrs).await?;
                if b(&attrs, "wait_for_capacity").unwrap_or(true) {
                    self.wait_for_capacity(&name, min).await?;
                }
                let live = self.find(&name).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                let scaled = attrs.get("cpu_target").is_some_and(|v| *v != Value::Null);
                let desired = if scaled || !changed("desired_capacity") {
                    None
                } else {
                    int(&attrs, "desired_capacity", SERVICE)?
                };
                if desired.is_some()
                    || [
                        "launch_template_id",
                        "launch_template_version",
                        "min_size",
                        "max_size",
                        "subnet_ids",
                        "health_check_type",
                        "health_check_grace_period",
                        "default_cooldown",
                    ]
                    .iter()
                    .any(|k| changed(k))
                {
                    self.client
                        .update_auto_scaling_group()
                        .auto_scaling_group_name(&prior.id)
                        .launch_template(template(&attrs))
                        .set_min_size(int(&attrs, "min_size", SERVICE)?)
                        .set_max_size(int(&attrs, "max_size", SERVICE)?)
                        .set_desired_capacity(desired)
                        .vpc_zone_identifier(strings(&attrs, "subnet_ids").join(","))
                        .set_health_check_type(s(&attrs, "health_check_type"))
                        .set_health_check_grace_period(int(
                            &attrs,
                            "health_check_grace_period",
                            SERVICE,
                        )?)
                        .set_default_cooldown(int(&attrs, "default_cooldown", SERVICE)?)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "UpdateAutoScalingGroup"))?;
                }
                if changed("target_group_arns") {
                    let old = strings(&prior.attrs, "target_group_arns");
                    let new = strings(&attrs, "target_group_arns");
                    let added: Vec<String> =
                        new.iter().filter(|a| !old.contains(a)).cloned().collect();
                    let removed: Vec<String> =
                        old.iter().filter(|a| !new.contains(a)).cloned().collect();
                    if !added.is_empty() {
                        self.client
                            .attach_load_balancer_target_groups()
                            .auto_scaling_group_name(&prior.id)
                            .set_target_group_arns(Some(added))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "AttachLoadBalancerTargetGroups"))?;
                    }
                    if !removed.is_empty() {
                        self.client
                            .detach_load_balancer_target_groups()
                            .auto_scaling_group_name(&prior.id)
                            .set_target_group_arns(Some(removed))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DetachLoadBalancerTargetGroups"))?;
                    }
                }
                if changed("cpu_target") {
                    self.put_policy(&prior.id, &prior.attrs, &attrs).await?;
                }
                self.update_tags(&prior, &attrs).await?;
                let mut live = self.find(&prior.id).await?;
                for (k, v) in &attrs {
                    if k != "desired_capacity" {
                        live.attrs.insert(k.clone(), v.clone());
                    }
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_auto_scaling_group()
                    .auto_scaling_group_name(&prior.id)
                    .force_delete(true)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteAutoScalingGroup"))?;
                let name = prior.id.clone();
                wait_until(
                    &format!("Auto Scaling group {name} to be deleted"),
                    Duration::from_secs(20 * 60),
                    || async {
                        Ok(self
                            .describe_names(std::slice::from_ref(&name))
                            .await?
                            .is_empty())
                    },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    /// Put or delete the target-tracking CPU policy.
    async fn put_policy(
        &self,
        group: &str,
        old: &IndexMap<String, Value>,
        new: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        match new.get("cpu_target").and_then(Value::as_f64) {
            Some(target) => {
                let config = TargetTrackingConfiguration::builder()
                    .predefined_metric_specification(
                        PredefinedMetricSpecification::builder()
                            .predefined_metric_type(MetricType::AsgAverageCpuUtilization)
                            .build(),
                    )
                    .target_value(target)
                    .build();
                self.client
                    .put_scaling_policy()
                    .auto_scaling_group_name(group)
                    .policy_name(policy_name(group))
                    .policy_type("TargetTrackingScaling")
                    .target_tracking_configuration(config)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "PutScalingPolicy"))?;
                if old.get("cpu_target").is_some_and(|v| *v != Value::Null) {
                    self.delete_policies(group, &[LEGACY_POLICY.to_string()])
                        .await?;
                }
            }
            None if old.get("cpu_target").is_some_and(|v| *v != Value::Null) => {
                self.delete_policies(group, &[policy_name(group), LEGACY_POLICY.to_string()])
                    .await?;
            }
            None => {}
        }
        Ok(())
    }

    /// Delete those of these policies the group has.
    async fn delete_policies(&self, group: &str, names: &[String]) -> Result<(), ProviderError> {
        let found = self
            .client
            .describe_policies()
            .auto_scaling_group_name(group)
            .set_policy_names(Some(names.to_vec()))
            .send()
            .await
            .map_err(failed(SERVICE, "DescribePolicies"))?;
        for p in found.scaling_policies() {
            if p.auto_scaling_group_name() != Some(group) {
                continue;
            }
            let name = always(p.policy_name(), SERVICE, "DescribePolicies", "PolicyName")?;
            self.client
                .delete_policy()
                .auto_scaling_group_name(group)
                .policy_name(name)
                .send()
                .await
                .map_err(failed(SERVICE, "DeletePolicy"))?;
        }
        Ok(())
    }

    /// Wait until `min` instances are in service.
    async fn wait_for_capacity(&self, group: &str, min: i64) -> Result<(), ProviderError> {
        wait_until(
            &format!("{min} instance(s) of Auto Scaling group {group} to be in service"),
            Duration::from_secs(15 * 60),
            || async {
                let groups = crate::all_items!(
                    self.client
                        .describe_auto_scaling_groups()
                        .auto_scaling_group_names(group),
                    "DescribeAutoScalingGroups"
                );
                let in_service = groups
                    .iter()
                    .flat_map(|g| g.instances())
                    .filter(|i| i.lifecycle_state().map(|s| s.as_str()) == Some("InService"))
                    .count();
                Ok(in_service as i64 >= min)
            },
        )
        .await
    }

    async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        // Auto Scaling's tags name the group they are on.
        crate::provider::aws::tags::retag(
            prior,
            attrs,
            |keys| async move {
                self.client
                    .delete_tags()
                    .set_tags(Some(keys.iter().map(|k| tag(&prior.id, k, "")).collect()))
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "DeleteTags"))
            },
            |pairs| async move {
                self.client
                    .create_or_update_tags()
                    .set_tags(Some(
                        pairs.iter().map(|(k, v)| tag(&prior.id, k, v)).collect(),
                    ))
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "CreateOrUpdateTags"))
            },
        )
        .await
    }
}

fn missing_attr(k: &str, op: &'static str) -> ProviderError {
    ProviderError::new(SERVICE, op, format!("`{k}` has no value"))
}

fn group_value(
    g: &aws_sdk_autoscaling::types::AutoScalingGroup,
) -> Result<LiveResource, ProviderError> {
    let name = always(
        g.auto_scaling_group_name(),
        SERVICE,
        "DescribeAutoScalingGroups",
        "AutoScalingGroupName",
    )?;
    let mut r = LiveResource {
        addr: None,
        stack: None,
        id: name.to_string(),
        attrs: IndexMap::new(),
        computed: IndexMap::new(),
    };
    r.computed.insert("id".into(), Value::str(name));
    r.computed
        .insert("arn".into(), opt(g.auto_scaling_group_arn()));
    r.attrs.insert("name".into(), Value::str(name));
    let lt = g.launch_template();
    r.attrs.insert(
        "launch_template_id".into(),
        opt(lt.and_then(|t| t.launch_template_id())),
    );
    r.attrs.insert(
        "launch_template_version".into(),
        opt(lt.and_then(|t| t.version())),
    );
    let num = |v: Option<i32>| v.map_or(Value::Null, |v| Value::Number(f64::from(v)));
    r.attrs.insert("min_size".into(), num(g.min_size()));
    r.attrs.insert("max_size".into(), num(g.max_size()));
    r.attrs
        .insert("desired_capacity".into(), num(g.desired_capacity()));
    r.attrs.insert(
        "subnet_ids".into(),
        list(
            g.vpc_zone_identifier()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty()),
        ),
    );
    r.attrs.insert(
        "target_group_arns".into(),
        list(g.target_group_arns().iter().cloned()),
    );
    r.attrs
        .insert("health_check_type".into(), opt(g.health_check_type()));
    r.attrs.insert(
        "health_check_grace_period".into(),
        num(g.health_check_grace_period()),
    );
    r.attrs
        .insert("default_cooldown".into(), num(g.default_cooldown()));
    crate::provider::aws::tags::read_into(
        &mut r,
        g.tags()
            .iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    );
    Ok(r)
}

crate::aws_kind!(
    /// The `autoscaling_group` kind's AWS side.
    Groups => |aws| AutoScaling::new(aws.client())
);
