//! EventBridge: ECS scheduled tasks, a rule on a schedule whose one target
//! runs a Fargate task (Moodle's cron).
//!
//! A refresh lists the rules of the default bus, reads their tags
//! concurrently (EventBridge has no batched tag read), then the target of
//! each rule of the stack.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::{
    AssignPublicIp, AwsVpcConfiguration, EcsParameters, LaunchType, NetworkConfiguration, Rule,
    RuleState, Tag, Target,
};
use indexmap::IndexMap;

use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::fields::{always, b, int, list, opt, req_s, s, strings, with_applied};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "eventbridge";

crate::sdk_client!(Client);
const TARGET_ID: &str = "mdl-task";

pub struct EventBridge {
    client: Client,
}

/// A schedule expression EventBridge accepts (also checked by `mdl
/// validate` when the value is known then).
fn check_schedule(expr: &str) -> Result<(), ProviderError> {
    super::schedule_expression(expr).map_err(|why| {
        ProviderError::new(
            SERVICE,
            "PutRule",
            format!("schedule \"{expr}\" {why}: write \"rate(5 minutes)\", \"rate(1 minute)\" or \"cron(0/2 * * * ? *)\""),
        )
    })
}

fn target(attrs: &IndexMap<String, Value>) -> Result<Target, ProviderError> {
    let op = "PutTargets";
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(strings(attrs, "subnet_ids")))
        .set_security_groups(Some(strings(attrs, "security_group_ids")))
        .assign_public_ip(if b(attrs, "assign_public_ip").unwrap_or(false) {
            AssignPublicIp::Enabled
        } else {
            AssignPublicIp::Disabled
        })
        .build()
        .map_err(unbuilt(SERVICE))?;
    let ecs = EcsParameters::builder()
        .task_definition_arn(req_s(attrs, "task_definition_arn", SERVICE, op)?)
        .task_count(int(attrs, "task_count", SERVICE)?.unwrap_or(1))
        .launch_type(LaunchType::Fargate)
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(vpc)
                .build(),
        )
        .build()
        .map_err(unbuilt(SERVICE))?;
    let command = strings(attrs, "command");
    let input = match (s(attrs, "container_name"), command.is_empty()) {
        (_, true) => None,
        (Some(container), false) => Some(
            serde_json::json!({
                "containerOverrides": [{ "name": container, "command": command }]
            })
            .to_string(),
        ),
        (None, false) => {
            return Err(ProviderError::new(
                SERVICE,
                op,
                "`command` needs `container_name`: the container whose command it replaces",
            ));
        }
    };
    Target::builder()
        .id(TARGET_ID)
        .arn(req_s(attrs, "cluster_arn", SERVICE, op)?)
        .role_arn(req_s(attrs, "role_arn", SERVICE, op)?)
        .ecs_parameters(ecs)
        .set_input(input)
        .build()
        .map_err(unbuilt(SERVICE))
}

impl EventBridge {
    pub fn new(client: Client) -> EventBridge {
        EventBridge { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let rules = self.list_rules().await?;
        let tag_reads = rules.iter().map(|r| async move {
            self.client
                .list_tags_for_resource()
                .resource_arn(always(r.arn(), SERVICE, "ListRules", "Arn")?)
                .send()
                .await
                .map_err(failed(SERVICE, "ListTagsForResource"))
        });
        let tags = futures_util::future::join_all(tag_reads).await;
        let mut out = Vec::new();
        for (rule, t) in rules.iter().zip(tags) {
            let mut r = rule_value(rule)?;
            crate::provider::aws::tags::read_sdk(&mut r, t?.tags());
            if r.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&r.id) {
                self.read_target(&mut r).await?;
                out.push(r);
            }
        }
        Ok(ReadResponse { resources: out })
    }

    async fn list_rules(&self) -> Result<Vec<Rule>, ProviderError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_rules()
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(failed(SERVICE, "ListRules"))?;
            out.extend(
                page.rules()
                    .iter()
                    .filter(|r| r.schedule_expression().is_some())
                    .cloned(),
            );
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
    }

    async fn read_target(&self, r: &mut LiveResource) -> Result<(), ProviderError> {
        let out = self
            .client
            .list_targets_by_rule()
            .rule(&r.id)
            .send()
            .await
            .map_err(failed(SERVICE, "ListTargetsByRule"))?;
        let Some(t) = out.targets().iter().find(|t| t.id() == TARGET_ID) else {
            return Ok(());
        };
        r.attrs.insert("cluster_arn".into(), Value::str(t.arn()));
        r.attrs.insert("role_arn".into(), opt(t.role_arn()));
        let ecs = t.ecs_parameters();
        r.attrs.insert(
            "task_definition_arn".into(),
            opt(ecs.map(|e| e.task_definition_arn())),
        );
        r.attrs.insert(
            "task_count".into(),
            Value::Number(f64::from(ecs.and_then(|e| e.task_count()).unwrap_or(1))),
        );
        if let Some(vpc) = ecs
            .and_then(|e| e.network_configuration())
            .and_then(|n| n.awsvpc_configuration())
        {
            r.attrs
                .insert("subnet_ids".into(), list(vpc.subnets().iter().cloned()));
            r.attrs.insert(
                "security_group_ids".into(),
                list(vpc.security_groups().iter().cloned()),
            );
            r.attrs.insert(
                "assign_public_ip".into(),
                Value::Bool(
                    vpc.assign_public_ip()
                        .is_some_and(|a| *a == AssignPublicIp::Enabled),
                ),
            );
        }
        let input: Option<serde_json::Value> = t.input().and_then(|i| serde_json::from_str(i).ok());
        let over = input
            .as_ref()
            .and_then(|i| i.get("containerOverrides"))
            .and_then(|o| o.get(0));
        r.attrs.insert(
            "container_name".into(),
            opt(over.and_then(|o| o.get("name")).and_then(|n| n.as_str())),
        );
        r.attrs.insert(
            "command".into(),
            list(
                over.and_then(|o| o.get("command"))
                    .and_then(|c| c.as_array())
                    .map(|c| {
                        c.iter()
                            .filter_map(|v| v.as_str().map(ToString::to_string))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            ),
        );
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<LiveResource, ProviderError> {
        let rule = self
            .client
            .describe_rule()
            .name(name)
            .send()
            .await
            .map_err(failed(SERVICE, "DescribeRule"))?;
        let mut r = rule_resource(
            name,
            rule.arn(),
            rule.schedule_expression(),
            rule.state(),
            rule.description(),
        );
        self.read_target(&mut r).await?;
        Ok(r)
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                self.put(
                    &name,
                    &attrs,
                    Some(crate::provider::aws::tags::sdk_tags(
                        req.stack, req.addr, &attrs,
                    )?),
                )
                .await?;
                let live = self.find(&name).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                if attrs
                    .iter()
                    .any(|(k, v)| k != "tags" && prior.attrs.get(k) != Some(v))
                {
                    self.put(&prior.id, &attrs, None).await?;
                }
                self.update_tags(&prior, &attrs).await?;
                let live = self.find(&prior.id).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                self.client
                    .remove_targets()
                    .rule(&prior.id)
                    .ids(TARGET_ID)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "RemoveTargets"))?;
                self.client
                    .delete_rule()
                    .name(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteRule"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    async fn put(
        &self,
        name: &str,
        attrs: &IndexMap<String, Value>,
        tags: Option<Vec<Tag>>,
    ) -> Result<(), ProviderError> {
        let schedule = req_s(attrs, "schedule", SERVICE, "PutRule")?;
        check_schedule(&schedule)?;
        let target = target(attrs)?;
        self.client
            .put_rule()
            .name(name)
            .schedule_expression(schedule)
            .state(if b(attrs, "enabled").unwrap_or(true) {
                RuleState::Enabled
            } else {
                RuleState::Disabled
            })
            .set_description(s(attrs, "description"))
            .set_tags(tags)
            .send()
            .await
            .map_err(failed(SERVICE, "PutRule"))?;
        let out = self
            .client
            .put_targets()
            .rule(name)
            .targets(target)
            .send()
            .await
            .map_err(failed(SERVICE, "PutTargets"))?;
        if out.failed_entry_count() > 0 {
            let why = out
                .failed_entries()
                .iter()
                .filter_map(|e| e.error_message())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ProviderError::new(SERVICE, "PutTargets", why));
        }
        Ok(())
    }

    async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let arn = prior
            .computed
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        crate::retag_by!(self.client, SERVICE, arn, prior, attrs,
            remove: untag_resource(resource_arn).set_tag_keys => "UntagResource",
            set: tag_resource(resource_arn).set_tags => "TagResource")
    }
}

fn rule_value(rule: &Rule) -> Result<LiveResource, ProviderError> {
    Ok(rule_resource(
        always(rule.name(), SERVICE, "ListRules", "Name")?,
        rule.arn(),
        rule.schedule_expression(),
        rule.state(),
        rule.description(),
    ))
}

fn rule_resource(
    name: &str,
    arn: Option<&str>,
    schedule: Option<&str>,
    state: Option<&RuleState>,
    description: Option<&str>,
) -> LiveResource {
    let mut r = LiveResource {
        addr: None,
        stack: None,
        id: name.to_string(),
        attrs: IndexMap::new(),
        computed: IndexMap::new(),
    };
    r.computed.insert("id".into(), Value::str(name));
    r.computed.insert("arn".into(), opt(arn));
    r.attrs.insert("name".into(), Value::str(name));
    r.attrs.insert("schedule".into(), opt(schedule));
    r.attrs.insert(
        "enabled".into(),
        Value::Bool(state != Some(&RuleState::Disabled)),
    );
    r.attrs.insert("description".into(), opt(description));
    r
}

crate::aws_kind!(
    /// The `scheduled_task` kind's AWS side.
    Rules => |aws| EventBridge::new(aws.client())
);
