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

/// The `step` blocks, as both APIs take them: lower and upper bound, and
/// the adjustment.
type Step = (Option<f64>, Option<f64>, Option<i32>);

fn steps(
    attrs: &IndexMap<String, Value>,
    service: &'static str,
) -> Result<Vec<Step>, ProviderError> {
    super::step_blocks(attrs)
        .map(|step| {
            Ok((
                step.get("lower_bound").and_then(Value::as_f64),
                step.get("upper_bound").and_then(Value::as_f64),
                int(step, "adjustment", service)?,
            ))
        })
        .collect()
}

/// A step as a `step` block, as both APIs answer it.
fn step_value(lower: Option<f64>, upper: Option<f64>, adjustment: Option<i32>) -> Value {
    let mut step = IndexMap::new();
    step.insert(
        "lower_bound".into(),
        lower.map_or(Value::Null, Value::Number),
    );
    step.insert(
        "upper_bound".into(),
        upper.map_or(Value::Null, Value::Number),
    );
    step.insert(
        "adjustment".into(),
        adjustment.map_or(Value::Null, |a| Value::Number(f64::from(a))),
    );
    Value::Map(step)
}

pub struct Policies;

/// A policy's group (or ECS service) and name, from its id: `GROUP/NAME`,
/// or `service/CLUSTER/SERVICE/NAME`. Neither a group's name nor a
/// service's holds a `/` (AWS refuses it); a policy's name may.
fn split_id(id: &str) -> (&str, &str) {
    if id.starts_with("service/") {
        let mut cut = id.match_indices('/').map(|(i, _)| i);
        if let Some(at) = cut.nth(2) {
            return (&id[..at], &id[at + 1..]);
        }
    }
    id.split_once('/').unwrap_or((id, ""))
}

/// Whether a scope (the first half of an id) is an ECS service's.
fn is_service(scope: &str) -> bool {
    scope.starts_with("service/")
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
    attrs.insert("ecs_service".into(), Value::Null);
    attrs.insert("adjustment_type".into(), opt(p.adjustment_type()));
    attrs.insert("scaling_adjustment".into(), number(p.scaling_adjustment()));
    attrs.insert("cooldown".into(), number(p.cooldown()));
    let steps = p
        .step_adjustments()
        .iter()
        .map(|s| {
            step_value(
                s.metric_interval_lower_bound(),
                s.metric_interval_upper_bound(),
                s.scaling_adjustment(),
            )
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
                s(attrs, "target_metric").unwrap_or_else(|| super::default_metric(attrs).into());
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
            let steps = steps(attrs, SERVICE)?
                .into_iter()
                .map(|(lower, upper, adjustment)| {
                    StepAdjustment::builder()
                        .set_metric_interval_lower_bound(lower)
                        .set_metric_interval_upper_bound(upper)
                        .set_scaling_adjustment(adjustment)
                        .build()
                })
                .collect();
            call = call
                .adjustment_type(
                    s(attrs, "adjustment_type").unwrap_or_else(|| "ChangeInCapacity".into()),
                )
                .set_metric_aggregation_type(s(attrs, "metric_aggregation_type"))
                .set_step_adjustments(Some(steps));
        }
        _ => {
            call = call
                .adjustment_type(
                    s(attrs, "adjustment_type").unwrap_or_else(|| "ChangeInCapacity".into()),
                )
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
async fn read_one(aws: &AwsProvider, id: &str) -> Result<LiveResource, ProviderError> {
    let (scope, _) = split_id(id);
    let found = if is_service(scope) {
        ecs::describe(&aws.client(), &[scope])
            .await?
            .iter()
            .map(ecs::live)
            .collect::<Result<Vec<_>, _>>()?
    } else {
        describe(&aws.client(), &[scope])
            .await?
            .iter()
            .map(live)
            .collect::<Result<Vec<_>, _>>()?
    };
    if let Some(found) = found.into_iter().find(|f| f.id == id) {
        return Ok(found);
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
        let mut scopes: Vec<&str> = req.known_ids.iter().map(|id| split_id(id).0).collect();
        scopes.sort_unstable();
        scopes.dedup();
        let (services, groups): (Vec<&str>, Vec<&str>) =
            scopes.into_iter().partition(|s| is_service(s));
        let mut found = Vec::new();
        if !groups.is_empty() {
            for p in describe(&aws.client(), &groups).await? {
                found.push(live(&p)?);
            }
        }
        if !services.is_empty() {
            for p in ecs::describe(&aws.client(), &services).await? {
                found.push(ecs::live(&p)?);
            }
        }
        found.retain(|r| req.known_ids.contains(&r.id));
        Ok(ReadResponse { resources: found })
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let client: Client = aws.client();
        match req.op {
            Operation::Create { attrs } => {
                let scope = match (s(&attrs, "autoscaling_group"), s(&attrs, "ecs_service")) {
                    (Some(group), None) => group,
                    (None, Some(service)) => service,
                    _ => {
                        return Err(ProviderError::new(
                            SERVICE,
                            "PutScalingPolicy",
                            "a scaling policy belongs to one Auto Scaling group or one ECS service: set exactly one of `autoscaling_group` and `ecs_service`",
                        ));
                    }
                };
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                if is_service(&scope) {
                    ecs::put(&aws.client(), &scope, &name, &attrs).await?;
                } else {
                    put(&client, &scope, &name, &attrs).await?;
                }
                let live = read_one(aws, &format!("{scope}/{name}")).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                let (scope, name) = split_id(&prior.id);
                if is_service(scope) {
                    ecs::put(&aws.client(), scope, name, &attrs).await?;
                } else {
                    put(&client, scope, name, &attrs).await?;
                }
                let live = read_one(aws, &prior.id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                let (scope, name) = split_id(&prior.id);
                if is_service(scope) {
                    ecs::delete(&aws.client(), scope, name).await?;
                } else {
                    client
                        .delete_policy()
                        .auto_scaling_group_name(scope)
                        .policy_name(name)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "DeletePolicy"))?;
                }
                Ok(ApplyResponse { live: None })
            }
        }
    }
}

// ---- ECS services: Application Auto Scaling ----

mod ecs {
    use aws_sdk_applicationautoscaling::Client;
    use aws_sdk_applicationautoscaling::types::{
        AdjustmentType, MetricAggregationType, MetricType, PolicyType,
        PredefinedMetricSpecification, ScalableDimension, ScalingPolicy, ServiceNamespace,
        StepAdjustment, StepScalingPolicyConfiguration, TargetTrackingScalingPolicyConfiguration,
    };
    use indexmap::IndexMap;

    use super::super::{default_metric, policy_type};
    use crate::provider::aws::call::{failed, unbuilt};
    use crate::provider::aws::fields::{always, int, opt, s};
    use crate::provider::{LiveResource, ProviderError};
    use crate::value::Value;

    const SERVICE: &str = "application-autoscaling";

    /// The policies of these services (`service/CLUSTER/NAME`).
    pub(super) async fn describe(
        client: &Client,
        services: &[&str],
    ) -> Result<Vec<ScalingPolicy>, ProviderError> {
        let mut out = Vec::new();
        for service in services {
            let pages = client
                .describe_scaling_policies()
                .service_namespace(ServiceNamespace::Ecs)
                .resource_id(*service)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(failed(SERVICE, "DescribeScalingPolicies"))?;
            out.extend(
                pages
                    .iter()
                    .flat_map(|p| p.scaling_policies().iter().cloned()),
            );
        }
        Ok(out)
    }

    /// A service's policy as mdl sees it.
    pub(super) fn live(p: &ScalingPolicy) -> Result<LiveResource, ProviderError> {
        const OP: &str = "DescribeScalingPolicies";
        let service = always(Some(p.resource_id()), SERVICE, OP, "ResourceId")?;
        let name = always(Some(p.policy_name()), SERVICE, OP, "PolicyName")?;
        let arn = always(Some(p.policy_arn()), SERVICE, OP, "PolicyARN")?;
        let id = format!("{service}/{name}");
        let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(f64::from(n)));
        let step = p.step_scaling_policy_configuration();
        let tracking = p.target_tracking_scaling_policy_configuration();
        let mut attrs = IndexMap::new();
        attrs.insert("name".into(), Value::str(name));
        attrs.insert("autoscaling_group".into(), Value::Null);
        attrs.insert("ecs_service".into(), Value::str(service));
        attrs.insert(
            "adjustment_type".into(),
            opt(step
                .and_then(StepScalingPolicyConfiguration::adjustment_type)
                .map(AdjustmentType::as_str)),
        );
        attrs.insert("scaling_adjustment".into(), Value::Null);
        attrs.insert(
            "cooldown".into(),
            number(step.and_then(StepScalingPolicyConfiguration::cooldown)),
        );
        let steps = step
            .map(StepScalingPolicyConfiguration::step_adjustments)
            .unwrap_or_default()
            .iter()
            .map(|s| {
                super::step_value(
                    s.metric_interval_lower_bound(),
                    s.metric_interval_upper_bound(),
                    Some(s.scaling_adjustment()),
                )
            })
            .collect();
        attrs.insert("step".into(), Value::List(steps));
        attrs.insert(
            "metric_aggregation_type".into(),
            opt(step
                .and_then(StepScalingPolicyConfiguration::metric_aggregation_type)
                .map(MetricAggregationType::as_str)),
        );
        attrs.insert("estimated_instance_warmup".into(), Value::Null);
        attrs.insert(
            "target_value".into(),
            tracking.map_or(Value::Null, |t| Value::Number(t.target_value())),
        );
        attrs.insert(
            "target_metric".into(),
            opt(tracking
                .and_then(TargetTrackingScalingPolicyConfiguration::predefined_metric_specification)
                .map(|m| m.predefined_metric_type().as_str())),
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

    /// Write the whole policy.
    pub(super) async fn put(
        client: &Client,
        service: &str,
        name: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        const OP: &str = "PutScalingPolicy";
        let call = client
            .put_scaling_policy()
            .policy_name(name)
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(service)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount);
        let call = match policy_type(attrs) {
            "TargetTrackingScaling" => {
                let metric =
                    s(attrs, "target_metric").unwrap_or_else(|| default_metric(attrs).into());
                call.policy_type(PolicyType::TargetTrackingScaling)
                    .target_tracking_scaling_policy_configuration(
                        TargetTrackingScalingPolicyConfiguration::builder()
                            .predefined_metric_specification(
                                PredefinedMetricSpecification::builder()
                                    .predefined_metric_type(MetricType::from(metric.as_str()))
                                    .build()
                                    .map_err(unbuilt(SERVICE))?,
                            )
                            .set_target_value(attrs.get("target_value").and_then(Value::as_f64))
                            .build()
                            .map_err(unbuilt(SERVICE))?,
                    )
            }
            "StepScaling" => {
                let steps = super::steps(attrs, SERVICE)?
                    .into_iter()
                    .map(|(lower, upper, adjustment)| {
                        StepAdjustment::builder()
                            .set_metric_interval_lower_bound(lower)
                            .set_metric_interval_upper_bound(upper)
                            .set_scaling_adjustment(adjustment)
                            .build()
                            .map_err(unbuilt(SERVICE))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                call.policy_type(PolicyType::StepScaling)
                    .step_scaling_policy_configuration(
                        StepScalingPolicyConfiguration::builder()
                            .adjustment_type(AdjustmentType::from(
                                s(attrs, "adjustment_type")
                                    .as_deref()
                                    .unwrap_or("ChangeInCapacity"),
                            ))
                            .set_metric_aggregation_type(
                                s(attrs, "metric_aggregation_type")
                                    .map(|a| MetricAggregationType::from(a.as_str())),
                            )
                            .set_cooldown(int(attrs, "cooldown", SERVICE)?)
                            .set_step_adjustments(Some(steps))
                            .build(),
                    )
            }
            _ => {
                return Err(ProviderError::new(
                    SERVICE,
                    OP,
                    "an ECS service's policies are step or target tracking (Application Auto Scaling has no simple scaling): write `step` blocks instead of `scaling_adjustment`",
                ));
            }
        };
        call.send().await.map(drop).map_err(failed(SERVICE, OP))
    }

    pub(super) async fn delete(
        client: &Client,
        service: &str,
        name: &str,
    ) -> Result<(), ProviderError> {
        client
            .delete_scaling_policy()
            .policy_name(name)
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(service)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
            .map(drop)
            .map_err(failed(SERVICE, "DeleteScalingPolicy"))
    }
}
