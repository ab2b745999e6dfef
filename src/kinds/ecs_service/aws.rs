//! Fargate services with their application auto scaling. Services of the
//! stack's clusters are described ten at a time; scaling targets and
//! policies are one describe each.

use std::time::Duration;

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, LaunchType, LoadBalancer, NetworkConfiguration,
    ServiceField,
};
use indexmap::IndexMap;

use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::ecs::resource;
use crate::provider::aws::ecs::{Ecs, SERVICE};
use crate::provider::aws::fields::{always, b, int, list, n, opt, req_s, s, strings, to_i32};
use crate::provider::aws::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

/// The target-tracking CPU policy mdl puts on a scaled service.
const POLICY: &str = "mdl-cpu";

crate::on_service!(Services(Ecs));

impl Services {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let all = {
            let clusters = self.read_clusters().await?;
            let mut services = Vec::new();
            // The stack's clusters, and those of services known by id
            // (`arn:...:service/CLUSTER/NAME`), which may be another's.
            let holds_known = |c: &LiveResource| {
                c.attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| {
                        let part = format!(":service/{name}/");
                        req.known_ids.iter().any(|id| id.contains(&part))
                    })
            };
            for c in clusters
                .iter()
                .filter(|c| c.stack.as_deref() == Some(req.stack) || holds_known(c))
            {
                services.extend(self.read_services(&c.id).await?);
            }
            self.read_scaling(&mut services).await?;
            services
        };
        Ok(crate::provider::aws::of_stack(all, &req))
    }

    async fn read_services(&self, cluster: &str) -> Result<Vec<LiveResource>, ProviderError> {
        let arns = crate::all_items!(self.client.list_services().cluster(cluster), "ListServices");
        let mut out = Vec::new();
        for chunk in arns.chunks(10) {
            let described = self
                .client
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .include(ServiceField::Tags)
                .send()
                .await
                .map_err(failed(SERVICE, "DescribeServices"))?;
            for svc in described
                .services()
                .iter()
                .filter(|s| s.status() == Some("ACTIVE"))
            {
                let arn = always(svc.service_arn(), SERVICE, "DescribeServices", "serviceArn")?;
                let mut r = resource(arn);
                r.attrs.insert("name".into(), opt(svc.service_name()));
                r.attrs.insert("cluster_arn".into(), opt(svc.cluster_arn()));
                r.attrs
                    .insert("task_definition_arn".into(), opt(svc.task_definition()));
                r.attrs.insert(
                    "desired_count".into(),
                    Value::Number(f64::from(svc.desired_count())),
                );
                let vpc = svc
                    .network_configuration()
                    .and_then(|n| n.awsvpc_configuration());
                r.attrs.insert(
                    "subnet_ids".into(),
                    list(vpc.map(|v| v.subnets().to_vec()).unwrap_or_default()),
                );
                r.attrs.insert(
                    "security_group_ids".into(),
                    list(
                        vpc.map(|v| v.security_groups().to_vec())
                            .unwrap_or_default(),
                    ),
                );
                r.attrs.insert(
                    "assign_public_ip".into(),
                    Value::Bool(
                        vpc.and_then(|v| v.assign_public_ip())
                            .is_some_and(|a| a.as_str() == "ENABLED"),
                    ),
                );
                let lb = svc.load_balancers().first();
                r.attrs.insert(
                    "target_group_arn".into(),
                    opt(lb.and_then(|l| l.target_group_arn())),
                );
                r.attrs.insert(
                    "container_name".into(),
                    opt(lb.and_then(|l| l.container_name())),
                );
                if let Some(port) = lb.and_then(|l| l.container_port()) {
                    r.attrs
                        .insert("container_port".into(), Value::Number(f64::from(port)));
                }
                // Some endpoints leave the flag out; state's value stands.
                if svc.enable_execute_command() {
                    r.attrs
                        .insert("enable_execute_command".into(), Value::Bool(true));
                }
                crate::provider::aws::tags::read_sdk(&mut r, svc.tags());
                r.computed.insert(
                    "resource_id".into(),
                    Value::String(scaling_id(
                        always(svc.cluster_arn(), SERVICE, "DescribeServices", "clusterArn")?,
                        always(
                            svc.service_name(),
                            SERVICE,
                            "DescribeServices",
                            "serviceName",
                        )?,
                    )),
                );
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Scaling targets and policies: one describe each for all services.
    async fn read_scaling(&self, services: &mut [LiveResource]) -> Result<(), ProviderError> {
        if services.is_empty() {
            return Ok(());
        }
        let targets = self
            .scaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(failed("application-autoscaling", "DescribeScalableTargets"))?;
        let policies = self
            .scaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(failed("application-autoscaling", "DescribeScalingPolicies"))?;
        for svc in services.iter_mut() {
            let id = svc
                .computed
                .get("resource_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let target = targets.iter().find(|t| t.resource_id() == id);
            let policy = policies
                .iter()
                .find(|p| p.resource_id() == id && p.policy_name() == POLICY);
            svc.attrs.insert(
                "min_count".into(),
                target.map_or(Value::Null, |t| Value::Number(f64::from(t.min_capacity()))),
            );
            svc.attrs.insert(
                "max_count".into(),
                target.map_or(Value::Null, |t| Value::Number(f64::from(t.max_capacity()))),
            );
            svc.attrs.insert(
                "cpu_target".into(),
                policy
                    .and_then(|p| p.target_tracking_scaling_policy_configuration())
                    .map_or(Value::Null, |c| Value::Number(c.target_value())),
            );
        }
        Ok(())
    }

    /// The service as it is right after a change.
    async fn find(
        &self,
        arn: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<LiveResource, ProviderError> {
        let mut services = self
            .read_services(&req_s(attrs, "cluster_arn", SERVICE, "DescribeServices")?)
            .await?;
        self.read_scaling(&mut services).await?;
        crate::provider::aws::changed(SERVICE, "ecs_service", arn, services)
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let arn = {
                    let out = self
                        .client
                        .create_service()
                        .cluster(req_s(&attrs, "cluster_arn", SERVICE, "CreateService")?)
                        .service_name(&name)
                        .task_definition(req_s(
                            &attrs,
                            "task_definition_arn",
                            SERVICE,
                            "CreateService",
                        )?)
                        .desired_count(int(&attrs, "desired_count", SERVICE)?.unwrap_or(1))
                        .launch_type(LaunchType::Fargate)
                        .network_configuration(network(&attrs)?)
                        .set_load_balancers(load_balancers(&attrs)?)
                        .enable_execute_command(b(&attrs, "enable_execute_command").unwrap_or(true))
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "CreateService"))?;
                    let svc = out.service();
                    let arn = crate::provider::aws::fields::answered(
                        svc.and_then(|s| s.service_arn()),
                        SERVICE,
                        "CreateService",
                        "serviceArn",
                    )?;
                    let cluster = always(
                        svc.and_then(|s| s.cluster_arn()),
                        SERVICE,
                        "CreateService",
                        "clusterArn",
                    )?;
                    let id = scaling_id(cluster, &name);
                    self.update_scaling(&id, &IndexMap::new(), &attrs).await?;
                    arn
                };
                let live = self.find(&arn, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(crate::provider::aws::fields::with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                let scaled = attrs.get("max_count").is_some_and(|v| *v != Value::Null);
                let desired = if scaled || !changed("desired_count") {
                    None
                } else {
                    int(&attrs, "desired_count", SERVICE)?
                };
                if changed("task_definition_arn")
                    || desired.is_some()
                    || [
                        "subnet_ids",
                        "security_group_ids",
                        "assign_public_ip",
                        "enable_execute_command",
                    ]
                    .iter()
                    .any(|k| changed(k))
                {
                    self.client
                        .update_service()
                        .cluster(s(&prior.attrs, "cluster_arn").unwrap_or_default())
                        .service(&prior.id)
                        .set_task_definition(s(&attrs, "task_definition_arn"))
                        .set_desired_count(desired)
                        .network_configuration(network(&attrs)?)
                        .enable_execute_command(b(&attrs, "enable_execute_command").unwrap_or(true))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "UpdateService"))?;
                }
                if ["min_count", "max_count", "cpu_target"]
                    .iter()
                    .any(|k| changed(k))
                {
                    let id = prior
                        .computed
                        .get("resource_id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    self.update_scaling(&id, &prior.attrs, &attrs).await?;
                }
                self.update_tags(&prior, &attrs).await?;
                let mut live = self.find(&prior.id, &attrs).await?;
                for (k, v) in &attrs {
                    if k != "desired_count" {
                        live.attrs.insert(k.clone(), v.clone());
                    }
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                let id = prior
                    .computed
                    .get("resource_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let mut none = IndexMap::new();
                none.insert("max_count".to_string(), Value::Null);
                self.update_scaling(&id, &prior.attrs, &none).await?;
                let cluster = s(&prior.attrs, "cluster_arn").unwrap_or_default();
                self.client
                    .delete_service()
                    .cluster(&cluster)
                    .service(&prior.id)
                    .force(true)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteService"))?;
                let arn = prior.id.clone();
                wait_until(
                    &format!("service {arn} to drain"),
                    Duration::from_secs(20 * 60),
                    || async {
                        Ok(!self
                            .read_services(&cluster)
                            .await?
                            .iter()
                            .any(|s| s.id == arn))
                    },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    /// Register, change or remove the scaling target and CPU policy.
    async fn update_scaling(
        &self,
        resource_id: &str,
        old: &IndexMap<String, Value>,
        new: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let had = old.get("max_count").is_some_and(|v| *v != Value::Null);
        match n(new, "max_count") {
            Some(max) => {
                self.scaling
                    .register_scalable_target()
                    .service_namespace(ServiceNamespace::Ecs)
                    .resource_id(resource_id)
                    .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                    .min_capacity(int(new, "min_count", SERVICE)?.unwrap_or(1))
                    .max_capacity(to_i32(max, "max_count", SERVICE)?)
                    .send()
                    .await
                    .map_err(failed("application-autoscaling", "RegisterScalableTarget"))?;
                if let Some(target) = new.get("cpu_target").and_then(Value::as_f64) {
                    let metric = PredefinedMetricSpecification::builder()
                        .predefined_metric_type(MetricType::EcsServiceAverageCpuUtilization)
                        .build()
                        .map_err(unbuilt(SERVICE))?;
                    self.scaling
                        .put_scaling_policy()
                        .policy_name(POLICY)
                        .service_namespace(ServiceNamespace::Ecs)
                        .resource_id(resource_id)
                        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                        .policy_type(PolicyType::TargetTrackingScaling)
                        .target_tracking_scaling_policy_configuration(
                            TargetTrackingScalingPolicyConfiguration::builder()
                                .target_value(target)
                                .predefined_metric_specification(metric)
                                .build()
                                .map_err(unbuilt(SERVICE))?,
                        )
                        .send()
                        .await
                        .map_err(failed("application-autoscaling", "PutScalingPolicy"))?;
                }
            }
            None if had => {
                self.scaling
                    .deregister_scalable_target()
                    .service_namespace(ServiceNamespace::Ecs)
                    .resource_id(resource_id)
                    .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                    .send()
                    .await
                    .map_err(failed(
                        "application-autoscaling",
                        "DeregisterScalableTarget",
                    ))?;
            }
            None => {}
        }
        Ok(())
    }
}

/// Application Auto Scaling's name for a service.
fn scaling_id(cluster_arn: &str, service: &str) -> String {
    let cluster = cluster_arn.rsplit('/').next().unwrap_or(cluster_arn);
    format!("service/{cluster}/{service}")
}

fn network(attrs: &IndexMap<String, Value>) -> Result<NetworkConfiguration, ProviderError> {
    let public = if b(attrs, "assign_public_ip").unwrap_or(false) {
        AssignPublicIp::Enabled
    } else {
        AssignPublicIp::Disabled
    };
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(strings(attrs, "subnet_ids")))
        .set_security_groups(Some(strings(attrs, "security_group_ids")))
        .assign_public_ip(public)
        .build()
        .map_err(unbuilt(SERVICE))?;
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(vpc)
        .build())
}

fn load_balancers(
    attrs: &IndexMap<String, Value>,
) -> Result<Option<Vec<LoadBalancer>>, ProviderError> {
    let Some(tg) = s(attrs, "target_group_arn") else {
        return Ok(None);
    };
    Ok(Some(vec![
        LoadBalancer::builder()
            .target_group_arn(tg)
            .set_container_name(s(attrs, "container_name"))
            .container_port(int(attrs, "container_port", SERVICE)?.unwrap_or(80))
            .build(),
    ]))
}

crate::aws_kind!(
    /// The `ecs_service` kind's AWS side.
    ServiceKind => |aws| Services(Ecs::of(aws))
);
