//! Scaling policies of EC2 Auto Scaling groups.

use aws_sdk_autoscaling::Client;
use aws_sdk_autoscaling::types::{
    MetricType, PredefinedMetricSpecification, ScalingPolicy, StepAdjustment,
    TargetTrackingConfiguration,
};
use indexmap::IndexMap;

use super::policy_type;
use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{always, int, opt, s};
use crate::provider::aws::{AwsKind, AwsProvider};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "autoscaling";

pub struct Policies;

/// A policy's group and name, from its id `GROUP/NAME`. A group's name
/// may hold no `/` (AWS refuses it), a policy's name may.
fn split_id(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or((id, ""))
}

/// The policies of these groups.
async fn describe(client: &Client, groups: &[&str]) -> Result<Vec<ScalingPolicy>, ProviderError> {
    let mut out = Vec::new();
    for group in groups {
        out.extend(crate::all_items!(
            client.describe_policies().auto_scaling_group_name(*group),
            "DescribePolicies"
        ));
    }
    Ok(out)
}

/// A policy as mdl sees it.
fn live(p: &ScalingPolicy) -> Result<LiveResource, ProviderError> {
    const OP: &str = "DescribePolicies";
    let group = always(
        p.auto_scaling_group_name(),
        SERVICE,
        OP,
        "AutoScalingGroupName",
    )?;
    let name = always(p.policy_name(), SERVICE, OP, "PolicyName")?;
    let arn = always(p.policy_arn(), SERVICE, OP, "PolicyARN")?;
    let id = format!("{group}/{name}");
    let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(f64::from(n)));
    let mut attrs = IndexMap::new();
    attrs.insert("name".into(), Value::str(name));
    attrs.insert("autoscaling_group".into(), Value::str(group));
    attrs.insert(
        "adjustment_type".into(),
        Value::str(p.adjustment_type().unwrap_or("ChangeInCapacity")),
    );
    attrs.insert("scaling_adjustment".into(), number(p.scaling_adjustment()));
    attrs.insert("cooldown".into(), number(p.cooldown()));
    let steps = p
        .step_adjustments()
        .iter()
        .map(|s| {
            let mut step = IndexMap::new();
            step.insert(
                "lower_bound".into(),
                s.metric_interval_lower_bound()
                    .map_or(Value::Null, Value::Number),
            );
            step.insert(
                "upper_bound".into(),
                s.metric_interval_upper_bound()
                    .map_or(Value::Null, Value::Number),
            );
            step.insert("adjustment".into(), number(s.scaling_adjustment()));
            Value::Map(step)
        })
        .collect();
    attrs.insert("step".into(), Value::List(steps));
    attrs.insert(
        "metric_aggregation_type".into(),
        opt(p.metric_aggregation_type()),
    );
    attrs.insert(
        "estimated_instance_warmup".into(),
        number(p.estimated_instance_warmup()),
    );
    let tracking = p.target_tracking_configuration();
    attrs.insert(
        "target_value".into(),
        tracking
            .and_then(TargetTrackingConfiguration::target_value)
            .map_or(Value::Null, Value::Number),
    );
    // A customised metric is not one mdl writes: read as null, it differs
    // from any block's.
    attrs.insert(
        "target_metric".into(),
        opt(tracking
            .and_then(TargetTrackingConfiguration::predefined_metric_specification)
            .and_then(PredefinedMetricSpecification::predefined_metric_type)
            .map(MetricType::as_str)),
    );
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(&id));
    computed.insert("arn".into(), Value::str(arn));
    Ok(LiveResource {
        addr: None,
        stack: None,
        id,
        attrs,
        computed,
    })
}

/// Write the whole policy (`PutScalingPolicy` creates or replaces it).
async fn put(
    client: &Client,
    group: &str,
    name: &str,
    attrs: &IndexMap<String, Value>,
) -> Result<(), ProviderError> {
    let ty = policy_type(attrs);
    let mut call = client
        .put_scaling_policy()
        .auto_scaling_group_name(group)
        .policy_name(name)
        .policy_type(ty)
        .set_estimated_instance_warmup(int(attrs, "estimated_instance_warmup", SERVICE)?);
    match ty {
        "TargetTrackingScaling" => {
            let metric =
                s(attrs, "target_metric").unwrap_or_else(|| super::TARGET_METRICS[0].into());
            call = call.target_tracking_configuration(
                TargetTrackingConfiguration::builder()
                    .predefined_metric_specification(
                        PredefinedMetricSpecification::builder()
                            .predefined_metric_type(MetricType::from(metric.as_str()))
                            .build(),
                    )
                    .set_target_value(attrs.get("target_value").and_then(Value::as_f64))
                    .build(),
            );
        }
        "StepScaling" => {
            let mut steps = Vec::new();
            for step in attrs
                .get("step")
                .and_then(Value::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_map)
            {
                steps.push(
                    StepAdjustment::builder()
                        .set_metric_interval_lower_bound(
                            step.get("lower_bound").and_then(Value::as_f64),
                        )
                        .set_metric_interval_upper_bound(
                            step.get("upper_bound").and_then(Value::as_f64),
                        )
                        .set_scaling_adjustment(int(step, "adjustment", SERVICE)?)
                        .build(),
                );
            }
            call = call
                .set_adjustment_type(s(attrs, "adjustment_type"))
                .set_metric_aggregation_type(s(attrs, "metric_aggregation_type"))
                .set_step_adjustments(Some(steps));
        }
        _ => {
            call = call
                .set_adjustment_type(s(attrs, "adjustment_type"))
                .set_scaling_adjustment(int(attrs, "scaling_adjustment", SERVICE)?)
                .set_cooldown(int(attrs, "cooldown", SERVICE)?);
        }
    }
    call.send()
        .await
        .map(drop)
        .map_err(failed(SERVICE, "PutScalingPolicy"))
}

/// The policy `id`, after a change.
async fn read_one(client: &Client, id: &str) -> Result<LiveResource, ProviderError> {
    let (group, _) = split_id(id);
    for p in describe(client, &[group]).await? {
        let found = live(&p)?;
        if found.id == id {
            return Ok(found);
        }
    }
    Err(ProviderError::new(
        SERVICE,
        "DescribePolicies",
        format!("scaling policy `{id}` was not found right after it was changed"),
    ))
}

#[async_trait::async_trait]
impl AwsKind for Policies {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        // Policies carry no tags: those state knows are read, from one
        // describe of each of their groups.
        let mut groups: Vec<&str> = req.known_ids.iter().map(|id| split_id(id).0).collect();
        groups.sort_unstable();
        groups.dedup();
        if groups.is_empty() {
            return Ok(ReadResponse {
                resources: Vec::new(),
            });
        }
        let client: Client = aws.client();
        let mut resources = Vec::new();
        for p in describe(&client, &groups).await? {
            let r = live(&p)?;
            if req.known_ids.contains(&r.id) {
                resources.push(r);
            }
        }
        Ok(ReadResponse { resources })
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let client: Client = aws.client();
        match req.op {
            Operation::Create { attrs } => {
                let group = s(&attrs, "autoscaling_group").ok_or_else(|| {
                    ProviderError::new(SERVICE, "PutScalingPolicy", "the policy names no group")
                })?;
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                put(&client, &group, &name, &attrs).await?;
                let live = read_one(&client, &format!("{group}/{name}")).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                let (group, name) = split_id(&prior.id);
                put(&client, group, name, &attrs).await?;
                let live = read_one(&client, &prior.id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                let (group, name) = split_id(&prior.id);
                client
                    .delete_policy()
                    .auto_scaling_group_name(group)
                    .policy_name(name)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeletePolicy"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
