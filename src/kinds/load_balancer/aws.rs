//! Application load balancers: from the shared describe of load
//! balancers (tags included); the idle timeout, an attribute, read per
//! load balancer only for those state does not know.

use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, Tag,
};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::elasticloadbalancingv2::{Elbv2, SERVICE};
use crate::provider::aws::fields::{b, n, s, strings, with_applied};
use crate::provider::aws::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

/// A load balancer or target group name: 32 characters at most, letters,
/// digits, hyphens. A longer default name keeps its start and ends in a
/// digest of the whole, so that names stay unique.
pub(crate) fn lb_name(stack: &str, addr: &ResourceAddr) -> String {
    let name = crate::schema::default_name(stack, addr);
    if name.len() <= 32 {
        return name.trim_end_matches('-').to_string();
    }
    let digest = crate::schema::digest(&name);
    let hash = &digest["sha256:".len().."sha256:".len() + 8];
    format!("{}-{hash}", name[..23].trim_end_matches('-'))
}

crate::on_service!(Balancers(Elbv2));

impl Balancers {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let all = if req.ids_only {
            let mut lbs = self.read_load_balancers_by(&req.known_ids).await?;
            self.tag(&mut lbs).await?;
            lbs
        } else {
            self.balancers(req.share).await?.lbs.clone()
        };
        let mut resources = crate::provider::aws::of_stack(all, &req).resources;
        // The idle timeout is an attribute, one call per load balancer:
        // read for those state does not know.
        {
            for lb in resources
                .iter_mut()
                .filter(|r| req.full || !req.known_ids.contains(&r.id))
            {
                let out = self
                    .client
                    .describe_load_balancer_attributes()
                    .load_balancer_arn(&lb.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DescribeLoadBalancerAttributes"))?;
                let attribute = |key: &str| {
                    out.attributes()
                        .iter()
                        .find(|a| a.key() == Some(key))
                        .and_then(|a| a.value())
                };
                let timeout = attribute("idle_timeout.timeout_seconds")
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(60.0);
                lb.attrs
                    .insert("idle_timeout".into(), Value::Number(timeout));
                let logs = match attribute("access_logs.s3.bucket") {
                    Some(bucket)
                        if attribute("access_logs.s3.enabled") == Some("true")
                            && !bucket.is_empty() =>
                    {
                        let mut m = IndexMap::new();
                        m.insert("bucket".to_string(), Value::str(bucket));
                        m.insert(
                            "prefix".to_string(),
                            Value::str(attribute("access_logs.s3.prefix").unwrap_or_default()),
                        );
                        vec![Value::Map(m)]
                    }
                    _ => Vec::new(),
                };
                lb.attrs.insert("access_logs".into(), Value::List(logs));
                lb.attrs.insert(
                    "drop_invalid_header_fields".into(),
                    Value::Bool(
                        attribute("routing.http.drop_invalid_header_fields.enabled")
                            == Some("true"),
                    ),
                );
            }
        }
        Ok(ReadResponse { resources })
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let arn = self
                    .create_load_balancer(req.stack, req.addr, &attrs, tags)
                    .await?;
                let live = crate::provider::aws::changed(
                    SERVICE,
                    "load_balancer",
                    &arn,
                    self.read_load_balancers().await?,
                )?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                if changed("subnet_ids") {
                    self.client
                        .set_subnets()
                        .load_balancer_arn(&prior.id)
                        .set_subnets(Some(strings(&attrs, "subnet_ids")))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "SetSubnets"))?;
                }
                if changed("security_group_ids") {
                    self.client
                        .set_security_groups()
                        .load_balancer_arn(&prior.id)
                        .set_security_groups(Some(strings(&attrs, "security_group_ids")))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "SetSecurityGroups"))?;
                }
                if changed("idle_timeout")
                    || changed("access_logs")
                    || changed("drop_invalid_header_fields")
                {
                    self.set_attributes(&prior.id, &attrs).await?;
                }
                self.update_tags(&prior, &attrs).await?;
                let live = crate::provider::aws::changed(
                    SERVICE,
                    "load_balancer",
                    &prior.id,
                    self.read_load_balancers().await?,
                )?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_load_balancer()
                    .load_balancer_arn(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteLoadBalancer"))?;
                let id = prior.id.clone();
                wait_until(
                    &format!("load balancer {id} to be deleted"),
                    Duration::from_secs(10 * 60),
                    || async { Ok(!self.read_load_balancers().await?.iter().any(|l| l.id == id)) },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    async fn create_load_balancer(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
        tags: Vec<Tag>,
    ) -> Result<String, ProviderError> {
        let scheme = if b(attrs, "internal") == Some(true) {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let out = self
            .client
            .create_load_balancer()
            .name(s(attrs, "name").unwrap_or_else(|| lb_name(stack, addr)))
            .set_subnets(Some(strings(attrs, "subnet_ids")))
            .set_security_groups(Some(strings(attrs, "security_group_ids")))
            .scheme(scheme)
            .r#type(LoadBalancerTypeEnum::Application)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateLoadBalancer"))?;
        let arn = crate::provider::aws::fields::answered(
            out.load_balancers()
                .first()
                .and_then(|l| l.load_balancer_arn()),
            SERVICE,
            "CreateLoadBalancer",
            "LoadBalancerArn",
        )?;
        wait_until(
            &format!("load balancer {arn}"),
            Duration::from_secs(15 * 60),
            || async {
                let all = self.read_load_balancers().await?;
                Ok(all.iter().any(|l| {
                    l.id == arn && l.computed.get("state").and_then(Value::as_str) == Some("active")
                }))
            },
        )
        .await?;
        let logs = attrs
            .get("access_logs")
            .and_then(Value::as_list)
            .is_some_and(|l| !l.is_empty());
        // AWS makes a load balancer that keeps invalid headers.
        if logs
            || n(attrs, "idle_timeout").is_some_and(|t| t != 60)
            || b(attrs, "drop_invalid_header_fields").unwrap_or(true)
        {
            self.set_attributes(&arn, attrs).await?;
        }
        Ok(arn)
    }

    /// The attributes mdl manages: the idle timeout, invalid headers and
    /// access logs.
    async fn set_attributes(
        &self,
        arn: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        const OP: &str = "ModifyLoadBalancerAttributes";
        let logs = attrs
            .get("access_logs")
            .and_then(Value::as_list)
            .unwrap_or_default();
        if logs.len() > 1 {
            return Err(ProviderError::new(
                SERVICE,
                OP,
                "a load balancer writes its access logs to one place: give one `access_logs` block",
            ));
        }
        let log = logs.first().and_then(Value::as_map);
        let text = |k: &str| {
            log.and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let attribute = |key: &str, value: String| {
            LoadBalancerAttribute::builder()
                .key(key)
                .value(value)
                .build()
        };
        self.client
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .attributes(attribute(
                "idle_timeout.timeout_seconds",
                n(attrs, "idle_timeout").unwrap_or(60).to_string(),
            ))
            .attributes(attribute(
                "routing.http.drop_invalid_header_fields.enabled",
                b(attrs, "drop_invalid_header_fields")
                    .unwrap_or(true)
                    .to_string(),
            ))
            .attributes(attribute(
                "access_logs.s3.enabled",
                log.is_some().to_string(),
            ))
            .attributes(attribute(
                "access_logs.s3.bucket",
                text("bucket").to_string(),
            ))
            .attributes(attribute(
                "access_logs.s3.prefix",
                text("prefix").to_string(),
            ))
            .send()
            .await
            .map_err(failed(SERVICE, OP))?;
        Ok(())
    }
}

crate::aws_kind!(
    /// The `load_balancer` kind's AWS side.
    LoadBalancerKind => |aws| Balancers(Elbv2::of(aws))
);
