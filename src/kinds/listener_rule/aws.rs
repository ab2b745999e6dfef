//! Listener rules: those of the listeners of the stack's load balancers,
//! listed one listener a call (shared with listeners), tags together. A
//! rule without a priority takes the next free one, claimed one at a time.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, HostHeaderConditionConfig, PathPatternConditionConfig, RuleCondition,
    Tag,
};
use indexmap::IndexMap;
use tokio::sync::Mutex;

use crate::provider::aws::call::failed;
use crate::provider::aws::elasticloadbalancingv2::{Elbv2, SERVICE};
use crate::provider::aws::fields::{n, req_s, s, strings, to_i32, with_applied};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

/// Rule priorities are chosen and claimed one at a time, in the process.
static PRIORITIES: Mutex<()> = Mutex::const_new(());

crate::on_service!(Rules(Elbv2));

impl Rules {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        Ok(ReadResponse {
            resources: self.listeners_or_rules(&req, true).await?,
        })
    }

    /// The rule as it is right after a change.
    async fn find(
        &self,
        arn: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<LiveResource, ProviderError> {
        let listener = req_s(attrs, "listener_arn", SERVICE, "DescribeRules")?;
        crate::provider::aws::changed(
            SERVICE,
            "listener_rule",
            arn,
            self.read_rules(&listener).await?,
        )
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let arn = self.create_rule(&attrs, tags).await?;
                let live = self.find(&arn, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                if ["host_headers", "path_patterns", "target_group_arn"]
                    .iter()
                    .any(|k| changed(k))
                {
                    self.client
                        .modify_rule()
                        .rule_arn(&prior.id)
                        .set_conditions(Some(conditions(&attrs)))
                        .actions(forward(&attrs)?)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ModifyRule"))?;
                }
                if let Some(p) = n(&attrs, "priority")
                    && changed("priority")
                {
                    self.client
                        .set_rule_priorities()
                        .rule_priorities(
                            aws_sdk_elasticloadbalancingv2::types::RulePriorityPair::builder()
                                .rule_arn(&prior.id)
                                .priority(to_i32(p, "priority", SERVICE)?)
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(failed(SERVICE, "SetRulePriorities"))?;
                }
                self.update_tags(&prior, &attrs).await?;
                let live = self.find(&prior.id, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_rule()
                    .rule_arn(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteRule"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    /// Create a rule at its priority, or at the next free one: one past the
    /// highest in use on the listener.
    async fn create_rule(
        &self,
        attrs: &IndexMap<String, Value>,
        tags: Vec<Tag>,
    ) -> Result<String, ProviderError> {
        let listener = req_s(attrs, "listener_arn", SERVICE, "CreateRule")?;
        let _claim = PRIORITIES.lock().await;
        let priority = match n(attrs, "priority") {
            Some(p) => p,
            None => {
                let rules = self.read_rules(&listener).await?;
                rules
                    .iter()
                    .filter_map(|r| n(&r.attrs, "priority"))
                    .max()
                    .unwrap_or(0)
                    + 1
            }
        };
        let out = self
            .client
            .create_rule()
            .listener_arn(&listener)
            .priority(to_i32(priority, "priority", SERVICE)?)
            .set_conditions(Some(conditions(attrs)))
            .actions(forward(attrs)?)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateRule"))?;
        crate::provider::aws::fields::answered(
            out.rules().first().and_then(|r| r.rule_arn()),
            SERVICE,
            "CreateRule",
            "RuleArn",
        )
    }
}

pub(crate) fn forward(attrs: &IndexMap<String, Value>) -> Result<Action, ProviderError> {
    let tg = s(attrs, "target_group_arn").ok_or_else(|| {
        ProviderError::new(
            SERVICE,
            "forward",
            "a forward action needs `target_group_arn`; or set default_action = \"redirect-https\"",
        )
    })?;
    Ok(Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build())
}

fn conditions(attrs: &IndexMap<String, Value>) -> Vec<RuleCondition> {
    let mut out = Vec::new();
    let hosts = strings(attrs, "host_headers");
    if !hosts.is_empty() {
        out.push(
            RuleCondition::builder()
                .field("host-header")
                .host_header_config(
                    HostHeaderConditionConfig::builder()
                        .set_values(Some(hosts))
                        .build(),
                )
                .build(),
        );
    }
    let paths = strings(attrs, "path_patterns");
    if !paths.is_empty() {
        out.push(
            RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(
                    PathPatternConditionConfig::builder()
                        .set_values(Some(paths))
                        .build(),
                )
                .build(),
        );
    }
    out
}

crate::aws_kind!(
    /// The `listener_rule` kind's AWS side.
    RuleKind => |aws| Rules(Elbv2::of(aws))
);
