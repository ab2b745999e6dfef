//! Fargate task definitions. They have no batched describe: those state
//! knows are described one by one, others are found by the stack's family
//! prefix. A change registers a new revision; a delete deregisters.

use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, EfsAuthorizationConfig, EfsTransitEncryption,
    EfsVolumeConfiguration, KeyValuePair, LogConfiguration, LogDriver, MountPoint, NetworkMode,
    PortMapping, Secret, Tag, TaskDefinitionField, TaskDefinitionStatus, TransportProtocol, Volume,
};
use indexmap::IndexMap;

use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::ecs::{Ecs, SERVICE};
use crate::provider::aws::ecs::{blocks, map_pairs, resource, string_map};
use crate::provider::aws::fields::{
    always, b, int, list, n, opt, s, strings, to_i32, with_applied,
};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

crate::on_service!(TaskDefinitions(Ecs));

impl TaskDefinitions {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let all = self
            .read_task_definitions(req.stack, &req.known_ids)
            .await?;
        Ok(crate::provider::aws::of_stack(all, &req))
    }

    async fn read_task_definitions(
        &self,
        stack: &str,
        known: &[String],
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let mut arns: Vec<String> = known.to_vec();
        let found = crate::all_items!(
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
                .collect::<Result<_, _>>()?;
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
            crate::provider::aws::tags::read_sdk(&mut r, described.tags());
            out.push(r);
        }
        Ok(out)
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let family = s(&attrs, "family")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let arn = self.register(&family, &attrs, tags).await?;
                let all = self
                    .read_task_definitions(req.stack, std::slice::from_ref(&arn))
                    .await?;
                let live =
                    crate::provider::aws::changed(SERVICE, "ecs_task_definition", &arn, all)?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                self.update_tags(&prior, &attrs).await?;
                let all = self
                    .read_task_definitions(req.stack, std::slice::from_ref(&prior.id))
                    .await?;
                let mut live =
                    crate::provider::aws::changed(SERVICE, "ecs_task_definition", &prior.id, all)?;
                for (k, v) in &attrs {
                    live.attrs.insert(k.clone(), v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                self.client
                    .deregister_task_definition()
                    .task_definition(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeregisterTaskDefinition"))?;
                Ok(ApplyResponse { live: None })
            }
        }
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
        crate::provider::aws::fields::answered(
            out.task_definition().and_then(|t| t.task_definition_arn()),
            SERVICE,
            "RegisterTaskDefinition",
            "taskDefinitionArn",
        )
    }
}

/// A container definition in the shape of the schema's `container` block.
fn container_value(c: &ContainerDefinition) -> Result<Value, ProviderError> {
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
        string_map(
            c.environment()
                .iter()
                .map(|kv| {
                    // A variable set to nothing comes back without a value.
                    Ok((
                        always(
                            kv.name(),
                            SERVICE,
                            "DescribeTaskDefinition",
                            "environment name",
                        )?
                        .to_string(),
                        kv.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect::<Result<Vec<_>, ProviderError>>()?
                .into_iter(),
        ),
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
    Ok(Value::Map(m))
}

crate::aws_kind!(
    /// The `ecs_task_definition` kind's AWS side.
    TaskDefinitionKind => |aws| TaskDefinitions(Ecs::of(aws))
);
