//! Listeners: those of the stack's load balancers, listed one load
//! balancer a call (shared with listener rules), tags together.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, ProtocolEnum,
    RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::elasticloadbalancingv2::{Elbv2, SERVICE};
use crate::provider::aws::fields::{int, req_s, s, with_applied};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

crate::on_service!(Listeners(Elbv2));

impl Listeners {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        Ok(ReadResponse {
            resources: self.listeners_or_rules(&req, false).await?,
        })
    }

    /// The listener as it is right after a change.
    async fn find(
        &self,
        arn: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<LiveResource, ProviderError> {
        let lb = req_s(attrs, "load_balancer_arn", SERVICE, "DescribeListeners")?;
        crate::provider::aws::changed(SERVICE, "listener", arn, self.read_listeners(&lb).await?)
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let out = self
                    .client
                    .create_listener()
                    .load_balancer_arn(req_s(
                        &attrs,
                        "load_balancer_arn",
                        SERVICE,
                        "CreateListener",
                    )?)
                    .port(int(&attrs, "port", SERVICE)?.unwrap_or(80))
                    .protocol(ProtocolEnum::from(
                        s(&attrs, "protocol").as_deref().unwrap_or("HTTP"),
                    ))
                    .set_certificates(certificates(&attrs))
                    .set_ssl_policy(s(&attrs, "ssl_policy").or_else(|| {
                        (s(&attrs, "protocol").as_deref() == Some("HTTPS"))
                            .then(|| super::DEFAULT_SSL_POLICY.to_string())
                    }))
                    .default_actions(default_action(&attrs)?)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateListener"))?;
                let arn = crate::provider::aws::fields::answered(
                    out.listeners().first().and_then(|l| l.listener_arn()),
                    SERVICE,
                    "CreateListener",
                    "ListenerArn",
                )?;
                let live = self.find(&arn, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                if [
                    "port",
                    "protocol",
                    "certificate_arn",
                    "ssl_policy",
                    "default_action",
                    "target_group_arn",
                ]
                .iter()
                .any(|k| changed(k))
                {
                    self.client
                        .modify_listener()
                        .listener_arn(&prior.id)
                        .port(int(&attrs, "port", SERVICE)?.unwrap_or(80))
                        .protocol(ProtocolEnum::from(
                            s(&attrs, "protocol").as_deref().unwrap_or("HTTP"),
                        ))
                        .set_certificates(certificates(&attrs))
                        .set_ssl_policy(s(&attrs, "ssl_policy"))
                        .default_actions(default_action(&attrs)?)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ModifyListener"))?;
                }
                self.update_tags(&prior, &attrs).await?;
                let live = self.find(&prior.id, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_listener()
                    .listener_arn(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteListener"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}

fn certificates(attrs: &IndexMap<String, Value>) -> Option<Vec<Certificate>> {
    s(attrs, "certificate_arn").map(|arn| vec![Certificate::builder().certificate_arn(arn).build()])
}

fn default_action(attrs: &IndexMap<String, Value>) -> Result<Action, ProviderError> {
    match s(attrs, "default_action").as_deref().unwrap_or("forward") {
        "redirect-https" => Ok(Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .protocol("HTTPS")
                    .port("443")
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build(),
            )
            .build()),
        "fixed-response" => Ok(Action::builder()
            .r#type(ActionTypeEnum::FixedResponse)
            .fixed_response_config(
                FixedResponseActionConfig::builder()
                    .status_code("404")
                    .content_type("text/plain")
                    .message_body("Not found")
                    .build(),
            )
            .build()),
        _ => crate::kinds::listener_rule::aws::forward(attrs),
    }
}

crate::aws_kind!(
    /// The `listener` kind's AWS side.
    ListenerKind => |aws| Listeners(Elbv2::of(aws))
);
