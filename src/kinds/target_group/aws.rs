//! Target groups: from the shared describe of target groups (tags
//! included).

use aws_sdk_elasticloadbalancingv2::types::{Matcher, ProtocolEnum, TargetTypeEnum};

use crate::provider::aws::call::failed;
use crate::provider::aws::elasticloadbalancingv2::{Elbv2, SERVICE};
use crate::provider::aws::fields::{int, req_s, s, with_applied};
use crate::provider::{
    ApplyRequest, ApplyResponse, Operation, ProviderError, ReadRequest, ReadResponse,
};

/// The health check's settings, changed together by `ModifyTargetGroup`.
const HEALTH_CHECK: [&str; 6] = [
    "health_check_path",
    "health_check_interval",
    "health_check_timeout",
    "healthy_threshold",
    "unhealthy_threshold",
    "matcher",
];

/// The HTTP codes that pass the health check.
fn matcher(attrs: &indexmap::IndexMap<String, crate::value::Value>) -> Option<Matcher> {
    s(attrs, "matcher").map(|codes| Matcher::builder().http_code(codes).build())
}

crate::on_service!(Groups(Elbv2));

impl Groups {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let all = if req.ids_only {
            let mut groups = self.read_target_groups_by(&req.known_ids).await?;
            self.tag(&mut groups).await?;
            groups
        } else {
            self.balancers(req.share).await?.groups.clone()
        };
        Ok(ReadResponse {
            resources: crate::provider::aws::of_stack(all, &req).resources,
        })
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let out = self
                    .client
                    .create_target_group()
                    .name(s(&attrs, "name").unwrap_or_else(|| {
                        crate::kinds::load_balancer::aws::lb_name(req.stack, req.addr)
                    }))
                    .port(int(&attrs, "port", SERVICE)?.unwrap_or(80))
                    .protocol(ProtocolEnum::from(
                        s(&attrs, "protocol").as_deref().unwrap_or("HTTP"),
                    ))
                    .target_type(TargetTypeEnum::from(
                        s(&attrs, "target_type").as_deref().unwrap_or("ip"),
                    ))
                    .vpc_id(req_s(&attrs, "vpc_id", SERVICE, "CreateTargetGroup")?)
                    .set_health_check_path(s(&attrs, "health_check_path"))
                    .set_health_check_interval_seconds(int(
                        &attrs,
                        "health_check_interval",
                        SERVICE,
                    )?)
                    .set_health_check_timeout_seconds(int(&attrs, "health_check_timeout", SERVICE)?)
                    .set_healthy_threshold_count(int(&attrs, "healthy_threshold", SERVICE)?)
                    .set_unhealthy_threshold_count(int(&attrs, "unhealthy_threshold", SERVICE)?)
                    .set_matcher(matcher(&attrs))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateTargetGroup"))?;
                let arn = crate::provider::aws::fields::answered(
                    out.target_groups()
                        .first()
                        .and_then(|g| g.target_group_arn()),
                    SERVICE,
                    "CreateTargetGroup",
                    "TargetGroupArn",
                )?;
                let live = crate::provider::aws::changed(
                    SERVICE,
                    "target_group",
                    &arn,
                    self.read_target_groups().await?,
                )?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                if HEALTH_CHECK.iter().any(|k| {
                    attrs
                        .get(*k)
                        .is_some_and(|v| prior.attrs.get(*k) != Some(v))
                }) {
                    self.client
                        .modify_target_group()
                        .target_group_arn(&prior.id)
                        .set_health_check_path(s(&attrs, "health_check_path"))
                        .set_health_check_interval_seconds(int(
                            &attrs,
                            "health_check_interval",
                            SERVICE,
                        )?)
                        .set_health_check_timeout_seconds(int(
                            &attrs,
                            "health_check_timeout",
                            SERVICE,
                        )?)
                        .set_healthy_threshold_count(int(&attrs, "healthy_threshold", SERVICE)?)
                        .set_unhealthy_threshold_count(int(&attrs, "unhealthy_threshold", SERVICE)?)
                        .set_matcher(matcher(&attrs))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "ModifyTargetGroup"))?;
                }
                self.update_tags(&prior, &attrs).await?;
                let live = crate::provider::aws::changed(
                    SERVICE,
                    "target_group",
                    &prior.id,
                    self.read_target_groups().await?,
                )?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_target_group()
                    .target_group_arn(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteTargetGroup"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}

crate::aws_kind!(
    /// The `target_group` kind's AWS side.
    TargetGroupKind => |aws| Groups(Elbv2::of(aws))
);
