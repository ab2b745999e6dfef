//! ECS: clusters, Fargate task definitions and services, with application
//! auto scaling for services.
//!
//! A refresh lists the clusters and describes them a hundred at a time;
//! services of the stack's clusters are described ten at a time; scaling
//! targets and policies are one describe each. Task definitions have no
//! batched describe: those state knows are described one by one, others
//! are found by the stack's family prefix.

use std::time::Duration;

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ClusterField, ClusterSetting, ClusterSettingName,
    Compatibility, ContainerDefinition, EfsAuthorizationConfig, EfsTransitEncryption,
    EfsVolumeConfiguration, KeyValuePair, LaunchType, LoadBalancer, LogConfiguration, LogDriver,
    MountPoint, NetworkConfiguration, NetworkMode, PortMapping, Secret, ServiceField, Tag,
    TaskDefinitionField, TaskDefinitionStatus, TransportProtocol, Volume,
};
use indexmap::IndexMap;

use super::call::{failed, unbuilt};
use super::fields::{b, int, list, n, opt, req_s, s, strings, to_i32, with_applied};
use super::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "ecs";
const POLICY: &str = "mdl-cpu";

pub struct Ecs {
    client: Client,
    scaling: aws_sdk_applicationautoscaling::Client,
    region: String,
}

fn resource(id: &str) -> LiveResource {
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(id));
    computed.insert("arn".into(), Value::str(id));
    LiveResource {
        addr: None,
        stack: None,
        id: id.to_string(),
        attrs: IndexMap::new(),
        computed,
    }
}

fn string_map(pairs: impl Iterator<Item = (String, String)>) -> Value {
    let mut m: IndexMap<String, Value> = pairs.map(|(k, v)| (k, Value::String(v))).collect();
    m.sort_keys();
    Value::Map(m)
}

fn map_pairs(attrs: &IndexMap<String, Value>, k: &str) -> Vec<(String, String)> {
    attrs
        .get(k)
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn blocks<'a>(attrs: &'a IndexMap<String, Value>, k: &str) -> Vec<&'a IndexMap<String, Value>> {
    attrs
        .get(k)
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .collect()
}

impl Ecs {
    pub fn new(
        client: Client,
        scaling: aws_sdk_applicationautoscaling::Client,
        region: String,
    ) -> Ecs {
        Ecs {
            client,
            scaling,
            region,
        }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let all = match req.kind.name {
            "ecs_cluster" => self.read_clusters().await?,
            "ecs_task_definition" => {
                self.read_task_definitions(req.stack, &req.known_ids)
                    .await?
            }
            "ecs_service" => {
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
            }
            other => {
                return Err(ProviderError::new(
                    SERVICE,
                    "read",
                    format!("kind `{other}` is not an ECS kind"),
                ));
            }
        };
        let resources = all
            .into_iter()
            .filter(|r| r.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&r.id))
            .collect();
        Ok(ReadResponse { resources })
    }

    async fn read_clusters(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let arns = all_items!(self.client.list_clusters(), "ListClusters");
        let mut out = Vec::new();
        for chunk in arns.chunks(100) {
            let described = self
                .client
                .describe_clusters()
                .set_clusters(Some(chunk.to_vec()))
                .include(ClusterField::Tags)
                .include(ClusterField::Settings)
                .send()
                .await
                .map_err(failed(SERVICE, "DescribeClusters"))?;
            for c in described
                .clusters()
                .iter()
                .filter(|c| c.status() != Some("INACTIVE"))
            {
                let Some(arn) = c.cluster_arn() else { continue };
                let mut r = resource(arn);
                r.attrs.insert("name".into(), opt(c.cluster_name()));
                let insights = c.settings().iter().any(|st| {
                    st.name().is_some_and(|n| n.as_str() == "containerInsights")
                        && st.value() == Some("enabled")
                });
                r.attrs
                    .insert("container_insights".into(), Value::Bool(insights));
                super::tags::read_sdk(&mut r, c.tags());
                out.push(r);
            }
        }
        Ok(out)
    }

    async fn read_task_definitions(
        &self,
        stack: &str,
        known: &[String],
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let mut arns: Vec<String> = known.to_vec();
        let found = all_items!(
            self.client
                .list_task_definitions()
                .family_prefix(format!("{stack}-"))
                .status(TaskDefinitionStatus::Active),
            "ListTaskDefinitions"
        );
        for a in found {
            if !arns.contains(&a) {
                arns.push(a);
            }
        }
        let mut out = Vec::new();
        for arn in arns {
            let described = match self
                .client
                .describe_task_definition()
                .task_definition(&arn)
                .include(TaskDefinitionField::Tags)
                .send()
                .await
            {
                Ok(d) => d,
                Err(e)
                    if aws_sdk_ecs::error::ProvideErrorMetadata::code(&e)
                        == Some("ClientException") =>
                {
                    continue;
                }
                Err(e) => return Err(failed(SERVICE, "DescribeTaskDefinition")(e)),
            };
            let Some(td) = described.task_definition() else {
                continue;
            };
            if td.status().is_some_and(|s| s.as_str() != "ACTIVE") {
                continue;
            }
            let mut r = resource(td.task_definition_arn().unwrap_or(&arn));
            r.attrs.insert("family".into(), opt(td.family()));
            r.attrs.insert(
                "cpu".into(),
                td.cpu()
                    .and_then(|c| c.parse::<f64>().ok())
                    .map_or(Value::Null, Value::Number),
            );
            r.attrs.insert(
                "memory".into(),
                td.memory()
                    .and_then(|c| c.parse::<f64>().ok())
                    .map_or(Value::Null, Value::Number),
            );
            r.attrs
                .insert("execution_role_arn".into(), opt(td.execution_role_arn()));
            r.attrs
                .insert("task_role_arn".into(), opt(td.task_role_arn()));
            let containers = td
                .container_definitions()
                .iter()
                .map(container_value)
                .collect();
            r.attrs.insert("container".into(), Value::List(containers));
            let volumes = td
                .volumes()
                .iter()
                .map(|v| {
                    let efs = v.efs_volume_configuration();
                    let mut m = IndexMap::new();
                    m.insert("name".to_string(), opt(v.name()));
                    m.insert(
                        "efs_file_system_id".to_string(),
                        opt(efs.map(|e| e.file_system_id())),
                    );
                    m.insert(
                        "efs_access_point_id".to_string(),
                        opt(efs
                            .and_then(|e| e.authorization_config())
                            .and_then(|a| a.access_point_id())),
                    );
                    m.insert(
                        "transit_encryption".to_string(),
                        Value::Bool(
                            efs.and_then(|e| e.transit_encryption())
                                .is_some_and(|t| t.as_str() == "ENABLED"),
                        ),
                    );
                    Value::Map(m)
                })
                .collect();
            r.attrs.insert("volume".into(), Value::List(volumes));
            r.computed
                .insert("revision".into(), Value::Number(f64::from(td.revision())));
            super::tags::read_sdk(&mut r, described.tags());
            out.push(r);
        }
        Ok(out)
    }

    async fn read_services(&self, cluster: &str) -> Result<Vec<LiveResource>, ProviderError> {
        let arns = all_items!(self.client.list_services().cluster(cluster), "ListServices");
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
                let Some(arn) = svc.service_arn() else {
                    continue;
                };
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
                super::tags::read_sdk(&mut r, svc.tags());
                r.computed.insert(
                    "resource_id".into(),
                    Value::String(scaling_id(
                        svc.cluster_arn().unwrap_or_default(),
                        svc.service_name().unwrap_or_default(),
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

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let kind = req.kind.name;
        match req.op {
            Operation::Create { attrs } => {
                let name = s(
                    &attrs,
                    if kind == "ecs_task_definition" {
                        "family"
                    } else {
                        "name"
                    },
                )
                .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let tags = super::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let arn = match kind {
                    "ecs_cluster" => {
                        let out = self
                            .client
                            .create_cluster()
                            .cluster_name(&name)
                            .settings(insights(&attrs))
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "CreateCluster"))?;
                        super::fields::answered(
                            out.cluster().and_then(|c| c.cluster_arn()),
                            SERVICE,
                            "CreateCluster",
                            "clusterArn",
                        )?
                    }
                    "ecs_task_definition" => self.register(&name, &attrs, tags).await?,
                    "ecs_service" => {
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
                            .enable_execute_command(
                                b(&attrs, "enable_execute_command").unwrap_or(true),
                            )
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "CreateService"))?;
                        let svc = out.service();
                        let arn = super::fields::answered(
                            svc.and_then(|s| s.service_arn()),
                            SERVICE,
                            "CreateService",
                            "serviceArn",
                        )?;
                        let id = scaling_id(
                            svc.and_then(|s| s.cluster_arn()).unwrap_or_default(),
                            &name,
                        );
                        self.update_scaling(&id, &IndexMap::new(), &attrs).await?;
                        arn
                    }
                    other => return Err(super::call::not_this_services(SERVICE, "create", other)),
                };
                let live = self.find(kind, req.stack, &arn, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                match kind {
                    "ecs_cluster" if changed("container_insights") => {
                        self.client
                            .update_cluster_settings()
                            .cluster(&prior.id)
                            .settings(insights(&attrs))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "UpdateClusterSettings"))?;
                    }
                    "ecs_service" => {
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
                                .enable_execute_command(
                                    b(&attrs, "enable_execute_command").unwrap_or(true),
                                )
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
                    }
                    _ => {}
                }
                self.update_tags(&prior, &attrs).await?;
                let mut live = self.find(kind, req.stack, &prior.id, &attrs).await?;
                for (k, v) in &attrs {
                    if k != "desired_count" {
                        live.attrs.insert(k.clone(), v.clone());
                    }
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                match kind {
                    "ecs_cluster" => {
                        self.client
                            .delete_cluster()
                            .cluster(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteCluster"))?;
                    }
                    "ecs_task_definition" => {
                        self.client
                            .deregister_task_definition()
                            .task_definition(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeregisterTaskDefinition"))?;
                    }
                    "ecs_service" => {
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
                    }
                    other => return Err(super::call::not_this_services(SERVICE, "delete", other)),
                }
                Ok(ApplyResponse { live: None })
            }
        }
    }

    async fn find(
        &self,
        kind: &str,
        stack: &str,
        arn: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<LiveResource, ProviderError> {
        let all = match kind {
            "ecs_cluster" => self.read_clusters().await?,
            "ecs_task_definition" => {
                self.read_task_definitions(stack, &[arn.to_string()])
                    .await?
            }
            "ecs_service" => {
                let mut services = self
                    .read_services(&req_s(attrs, "cluster_arn", SERVICE, "DescribeServices")?)
                    .await?;
                self.read_scaling(&mut services).await?;
                services
            }
            other => return Err(super::call::not_this_services(SERVICE, "describe", other)),
        };
        all.into_iter().find(|r| r.id == arn).ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                "describe",
                format!("{kind} {arn} was not found right after it was changed"),
            )
        })
    }

    async fn register(
        &self,
        family: &str,
        attrs: &IndexMap<String, Value>,
        tags: Vec<Tag>,
    ) -> Result<String, ProviderError> {
        let mut containers = Vec::new();
        for c in blocks(attrs, "container") {
            let mut def = ContainerDefinition::builder()
                .set_name(s(c, "name"))
                .set_image(s(c, "image"))
                .cpu(int(c, "cpu", SERVICE)?.unwrap_or(0))
                .set_memory(int(c, "memory", SERVICE)?)
                .essential(b(c, "essential").unwrap_or(true))
                .set_command(Some(strings(c, "command")).filter(|c| !c.is_empty()));
            if let Some(port) = n(c, "port") {
                def = def.port_mappings(
                    PortMapping::builder()
                        .container_port(to_i32(port, "port", SERVICE)?)
                        .protocol(TransportProtocol::Tcp)
                        .build(),
                );
            }
            for (k, v) in map_pairs(c, "environment") {
                def = def.environment(KeyValuePair::builder().name(k).value(v).build());
            }
            for (k, v) in map_pairs(c, "secrets") {
                def = def.secrets(
                    Secret::builder()
                        .name(k)
                        .value_from(v)
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                );
            }
            if let (Some(volume), Some(path)) = (s(c, "volume"), s(c, "mount_path")) {
                def = def.mount_points(
                    MountPoint::builder()
                        .source_volume(volume)
                        .container_path(path)
                        .build(),
                );
            }
            if let Some(group) = s(c, "log_group") {
                def = def.log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", group)
                        .options("awslogs-region", &self.region)
                        .options("awslogs-stream-prefix", family)
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                );
            }
            containers.push(def.build());
        }
        let mut volumes = Vec::new();
        for v in blocks(attrs, "volume") {
            let mut efs = EfsVolumeConfiguration::builder()
                .set_file_system_id(s(v, "efs_file_system_id"))
                .transit_encryption(if b(v, "transit_encryption").unwrap_or(true) {
                    EfsTransitEncryption::Enabled
                } else {
                    EfsTransitEncryption::Disabled
                });
            if let Some(ap) = s(v, "efs_access_point_id") {
                efs = efs.authorization_config(
                    EfsAuthorizationConfig::builder()
                        .access_point_id(ap)
                        .build(),
                );
            }
            volumes.push(
                Volume::builder()
                    .set_name(s(v, "name"))
                    .efs_volume_configuration(efs.build().map_err(unbuilt(SERVICE))?)
                    .build(),
            );
        }
        let out = self
            .client
            .register_task_definition()
            .family(family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu(n(attrs, "cpu").unwrap_or(512).to_string())
            .memory(n(attrs, "memory").unwrap_or(1024).to_string())
            .set_execution_role_arn(s(attrs, "execution_role_arn"))
            .set_task_role_arn(s(attrs, "task_role_arn"))
            .set_container_definitions(Some(containers))
            .set_volumes(Some(volumes))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(failed(SERVICE, "RegisterTaskDefinition"))?;
        super::fields::answered(
            out.task_definition().and_then(|t| t.task_definition_arn()),
            SERVICE,
            "RegisterTaskDefinition",
            "taskDefinitionArn",
        )
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

    async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        retag_by!(self.client, SERVICE, &prior.id, prior, attrs,
            remove: untag_resource(resource_arn).set_tag_keys => "UntagResource",
            set: tag_resource(resource_arn).set_tags => "TagResource")
    }
}

/// Application Auto Scaling's name for a service.
fn scaling_id(cluster_arn: &str, service: &str) -> String {
    let cluster = cluster_arn.rsplit('/').next().unwrap_or(cluster_arn);
    format!("service/{cluster}/{service}")
}

fn insights(attrs: &IndexMap<String, Value>) -> ClusterSetting {
    let on = b(attrs, "container_insights").unwrap_or(false);
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if on { "enabled" } else { "disabled" })
        .build()
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

/// A container definition in the shape of the schema's `container` block.
fn container_value(c: &ContainerDefinition) -> Value {
    let mut m = IndexMap::new();
    m.insert("name".to_string(), opt(c.name()));
    m.insert("image".to_string(), opt(c.image()));
    m.insert("cpu".to_string(), Value::Number(f64::from(c.cpu())));
    m.insert(
        "memory".to_string(),
        c.memory()
            .map_or(Value::Null, |v| Value::Number(f64::from(v))),
    );
    m.insert(
        "port".to_string(),
        c.port_mappings()
            .first()
            .and_then(|p| p.container_port())
            .map_or(Value::Null, |p| Value::Number(f64::from(p))),
    );
    m.insert(
        "environment".to_string(),
        string_map(c.environment().iter().map(|kv| {
            (
                kv.name().unwrap_or_default().to_string(),
                kv.value().unwrap_or_default().to_string(),
            )
        })),
    );
    m.insert(
        "secrets".to_string(),
        string_map(
            c.secrets()
                .iter()
                .map(|sec| (sec.name().to_string(), sec.value_from().to_string())),
        ),
    );
    let mount = c.mount_points().first();
    m.insert(
        "volume".to_string(),
        opt(mount.and_then(|p| p.source_volume())),
    );
    m.insert(
        "mount_path".to_string(),
        opt(mount.and_then(|p| p.container_path())),
    );
    m.insert("command".to_string(), list(c.command().iter().cloned()));
    m.insert(
        "log_group".to_string(),
        opt(c
            .log_configuration()
            .and_then(|l| l.options())
            .and_then(|o| o.get("awslogs-group"))
            .map(String::as_str)),
    );
    m.insert(
        "essential".to_string(),
        Value::Bool(c.essential().unwrap_or(true)),
    );
    Value::Map(m)
}
