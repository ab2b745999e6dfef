//! Elastic Load Balancing v2: application load balancers, target groups,
//! listeners and listener rules.
//!
//! A refresh makes one paginated describe of load balancers and of target
//! groups, then lists the listeners of the stack's load balancers and the
//! rules of their listeners; tags come from `DescribeTags`, twenty ARNs a
//! call. The four kinds share these reads (`ReadShare`): each is made once
//! per refresh.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, HostHeaderConditionConfig,
    LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
    PathPatternConditionConfig, ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
    RuleCondition, Tag, TargetTypeEnum,
};
use futures_util::StreamExt;
use indexmap::IndexMap;
use tokio::sync::Mutex;

use super::call::failed;
use super::fields::{b, int, list, n, opt, req_s, s, strings, to_i32, with_applied};
use super::{CALLS_AT_ONCE, all_at_once, wait_until};
use crate::lang::ResourceAddr;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
    ReadShare,
};
use crate::value::Value;

const SERVICE: &str = "elasticloadbalancingv2";

/// The account's load balancers and target groups, tagged.
struct Balancers {
    lbs: Vec<LiveResource>,
    groups: Vec<LiveResource>,
}

/// The listeners of the stack's load balancers and their rules, tagged.
struct Listeners {
    listeners: Vec<LiveResource>,
    rules: Vec<LiveResource>,
}

pub struct Elbv2 {
    client: Client,
    /// Rule priorities are chosen and claimed one at a time.
    priorities: Mutex<()>,
}

fn resource(
    id: &str,
    attrs: IndexMap<String, Value>,
    mut computed: IndexMap<String, Value>,
) -> LiveResource {
    computed.insert("id".into(), Value::str(id));
    computed.insert("arn".into(), Value::str(id));
    LiveResource {
        addr: None,
        stack: None,
        id: id.to_string(),
        attrs,
        computed,
    }
}

/// A load balancer or target group name: 32 characters at most, letters,
/// digits, hyphens. A longer default name keeps its start and ends in a
/// digest of the whole, so that names stay unique.
fn lb_name(stack: &str, addr: &ResourceAddr) -> String {
    let name = crate::schema::default_name(stack, addr);
    if name.len() <= 32 {
        return name.trim_end_matches('-').to_string();
    }
    let digest = crate::schema::digest(&name);
    let hash = &digest["sha256:".len().."sha256:".len() + 8];
    format!("{}-{hash}", name[..23].trim_end_matches('-'))
}

/// The load balancer of a listener or rule, from its ARN:
/// `...:listener/app/NAME/LB/L` and `...:listener-rule/app/NAME/LB/L/R`
/// belong to `...:loadbalancer/app/NAME/LB`.
fn load_balancer_of(arn: &str) -> Option<String> {
    let (prefix, path) = arn
        .split_once(":listener-rule/")
        .or_else(|| arn.split_once(":listener/"))?;
    let parts: Vec<&str> = path.split('/').collect();
    (parts.len() >= 3).then(|| format!("{prefix}:loadbalancer/{}", parts[..3].join("/")))
}

/// Load balancers as live resources.
fn load_balancers(
    lbs: &[aws_sdk_elasticloadbalancingv2::types::LoadBalancer],
) -> Vec<LiveResource> {
    lbs.iter()
        .filter_map(|lb| {
            let arn = lb.load_balancer_arn()?;
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), opt(lb.load_balancer_name()));
            attrs.insert(
                "internal".into(),
                Value::Bool(lb.scheme().is_some_and(|s| s.as_str() == "internal")),
            );
            attrs.insert(
                "subnet_ids".into(),
                list(lb.availability_zones().iter().filter_map(|z| z.subnet_id())),
            );
            attrs.insert(
                "security_group_ids".into(),
                list(lb.security_groups().iter().cloned()),
            );
            let mut computed = IndexMap::new();
            computed.insert("dns_name".into(), opt(lb.dns_name()));
            computed.insert("zone_id".into(), opt(lb.canonical_hosted_zone_id()));
            computed.insert(
                "state".into(),
                opt(lb.state().and_then(|s| s.code()).map(|c| c.as_str())),
            );
            Some(resource(arn, attrs, computed))
        })
        .collect()
}

/// Target groups as live resources.
fn target_groups(
    groups: &[aws_sdk_elasticloadbalancingv2::types::TargetGroup],
) -> Vec<LiveResource> {
    groups
        .iter()
        .filter_map(|g| {
            let arn = g.target_group_arn()?;
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), opt(g.target_group_name()));
            attrs.insert(
                "port".into(),
                g.port()
                    .map_or(Value::Null, |p| Value::Number(f64::from(p))),
            );
            attrs.insert("protocol".into(), opt(g.protocol().map(|p| p.as_str())));
            attrs.insert(
                "target_type".into(),
                opt(g.target_type().map(|t| t.as_str())),
            );
            attrs.insert("vpc_id".into(), opt(g.vpc_id()));
            attrs.insert("health_check_path".into(), opt(g.health_check_path()));
            Some(resource(arn, attrs, IndexMap::new()))
        })
        .collect()
}

impl Elbv2 {
    pub fn new(client: Client) -> Elbv2 {
        Elbv2 {
            client,
            priorities: Mutex::new(()),
        }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let all = match req.kind.name {
            "load_balancer" if req.ids_only => {
                let mut lbs = self.read_load_balancers_by(&req.known_ids).await?;
                self.tag(&mut lbs).await?;
                lbs
            }
            "target_group" if req.ids_only => {
                let mut groups = self.read_target_groups_by(&req.known_ids).await?;
                self.tag(&mut groups).await?;
                groups
            }
            "load_balancer" => self.balancers(req.share).await?.lbs.clone(),
            "target_group" => self.balancers(req.share).await?.groups.clone(),
            "listener" | "listener_rule" => {
                let rules = req.kind.name == "listener_rule";
                let balancers = self.balancers(req.share).await?;
                let shared = req
                    .share
                    .get_or_read("elbv2/listeners", || {
                        self.read_listeners_and_rules(&balancers, req.stack)
                    })
                    .await?;
                let mut all = if rules {
                    shared.rules.clone()
                } else {
                    shared.listeners.clone()
                };
                // Listeners and rules state knows of load balancers
                // outside the stack (an import).
                let mut outside: Vec<&str> = req
                    .known_ids
                    .iter()
                    .filter_map(|a| load_balancer_of(a))
                    .filter_map(|lb| {
                        balancers
                            .lbs
                            .iter()
                            .find(|l| l.id == lb && l.stack.as_deref() != Some(req.stack))
                            .map(|l| l.id.as_str())
                    })
                    .collect();
                outside.sort_unstable();
                outside.dedup();
                let mut more = Vec::new();
                for lb in outside {
                    let listeners = self.read_listeners(lb).await?;
                    if rules {
                        for l in &listeners {
                            more.extend(self.read_rules(&l.id).await?);
                        }
                    } else {
                        more.extend(listeners);
                    }
                }
                self.tag(&mut more).await?;
                all.extend(more);
                all
            }
            other => {
                return Err(ProviderError::new(
                    SERVICE,
                    "read",
                    format!("kind `{other}` is not a load balancing kind"),
                ));
            }
        };
        let mut resources: Vec<LiveResource> = all
            .into_iter()
            .filter(|r| r.stack.as_deref() == Some(req.stack) || req.known_ids.contains(&r.id))
            .collect();
        // The idle timeout is an attribute, one call per load balancer:
        // read for those state does not know.
        if req.kind.name == "load_balancer" {
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
                let timeout = out
                    .attributes()
                    .iter()
                    .find(|a| a.key() == Some("idle_timeout.timeout_seconds"))
                    .and_then(|a| a.value()?.parse::<f64>().ok())
                    .unwrap_or(60.0);
                lb.attrs
                    .insert("idle_timeout".into(), Value::Number(timeout));
            }
        }
        Ok(ReadResponse { resources })
    }

    /// The account's load balancers and target groups, tagged: one
    /// paginated describe of each, at once, then their tags together; made
    /// once per refresh for the four kinds.
    async fn balancers(&self, share: &ReadShare) -> Result<Arc<Balancers>, ProviderError> {
        share
            .get_or_read("elbv2/balancers", || async {
                let (lbs, groups) = futures_util::future::join(
                    self.read_load_balancers(),
                    self.read_target_groups(),
                )
                .await;
                let mut all = lbs?;
                let lbs = all.len();
                all.extend(groups?);
                self.tag(&mut all).await?;
                let groups = all.split_off(lbs);
                Ok(Balancers { lbs: all, groups })
            })
            .await
    }

    /// The listeners of the stack's load balancers and the rules of those
    /// listeners, tagged together: a call per load balancer and per
    /// listener (the API lists no other way), several at once.
    async fn read_listeners_and_rules(
        &self,
        balancers: &Balancers,
        stack: &str,
    ) -> Result<Listeners, ProviderError> {
        let listeners = all_at_once(
            balancers
                .lbs
                .iter()
                .filter(|l| l.stack.as_deref() == Some(stack))
                .map(|l| self.read_listeners(&l.id))
                .collect(),
        )
        .await?;
        let mut rules =
            all_at_once(listeners.iter().map(|l| self.read_rules(&l.id)).collect()).await?;
        let mut all = listeners;
        let count = all.len();
        all.append(&mut rules);
        self.tag(&mut all).await?;
        let rules = all.split_off(count);
        Ok(Listeners {
            listeners: all,
            rules,
        })
    }

    /// Fill in tags, address and stack, twenty resources a call.
    async fn tag(&self, resources: &mut [LiveResource]) -> Result<(), ProviderError> {
        let chunks: Vec<Vec<String>> = resources
            .iter()
            .map(|r| r.id.clone())
            .collect::<Vec<_>>()
            .chunks(20)
            .map(<[String]>::to_vec)
            .collect();
        let calls = chunks.into_iter().map(|chunk| {
            self.client
                .describe_tags()
                .set_resource_arns(Some(chunk))
                .send()
        });
        // Several batches at once.
        let answers: Vec<_> = futures_util::stream::iter(calls)
            .buffered(CALLS_AT_ONCE)
            .collect()
            .await;
        for out in answers {
            let out = out.map_err(failed(SERVICE, "DescribeTags"))?;
            for d in out.tag_descriptions() {
                let Some(r) = resources
                    .iter_mut()
                    .find(|r| Some(r.id.as_str()) == d.resource_arn())
                else {
                    continue;
                };
                super::tags::read_sdk(r, d.tags());
            }
        }
        Ok(())
    }

    async fn read_load_balancers(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let lbs = all_items!(
            self.client.describe_load_balancers(),
            "DescribeLoadBalancers"
        );
        Ok(load_balancers(&lbs))
    }

    /// These load balancers only (per-resource reads); none when gone.
    async fn read_load_balancers_by(
        &self,
        arns: &[String],
    ) -> Result<Vec<LiveResource>, ProviderError> {
        match self
            .client
            .describe_load_balancers()
            .set_load_balancer_arns(Some(arns.to_vec()))
            .send()
            .await
        {
            Ok(out) => Ok(load_balancers(out.load_balancers())),
            Err(e)
                if aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata::code(&e)
                    == Some("LoadBalancerNotFound") =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(failed(SERVICE, "DescribeLoadBalancers")(e)),
        }
    }

    /// These target groups only (per-resource reads); none when gone.
    async fn read_target_groups_by(
        &self,
        arns: &[String],
    ) -> Result<Vec<LiveResource>, ProviderError> {
        match self
            .client
            .describe_target_groups()
            .set_target_group_arns(Some(arns.to_vec()))
            .send()
            .await
        {
            Ok(out) => Ok(target_groups(out.target_groups())),
            Err(e)
                if aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata::code(&e)
                    == Some("TargetGroupNotFound") =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(failed(SERVICE, "DescribeTargetGroups")(e)),
        }
    }

    async fn read_target_groups(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = all_items!(self.client.describe_target_groups(), "DescribeTargetGroups");
        Ok(target_groups(&groups))
    }

    async fn read_listeners(&self, lb_arn: &str) -> Result<Vec<LiveResource>, ProviderError> {
        let listeners = all_items!(
            self.client.describe_listeners().load_balancer_arn(lb_arn),
            "DescribeListeners"
        );
        Ok(listeners
            .iter()
            .filter_map(|l| {
                let arn = l.listener_arn()?;
                let mut attrs = IndexMap::new();
                attrs.insert("load_balancer_arn".into(), opt(l.load_balancer_arn()));
                attrs.insert(
                    "port".into(),
                    l.port()
                        .map_or(Value::Null, |p| Value::Number(f64::from(p))),
                );
                attrs.insert("protocol".into(), opt(l.protocol().map(|p| p.as_str())));
                attrs.insert(
                    "certificate_arn".into(),
                    opt(l.certificates().first().and_then(|c| c.certificate_arn())),
                );
                attrs.insert("ssl_policy".into(), opt(l.ssl_policy()));
                let action = l.default_actions().first();
                let kind = match action.and_then(|a| a.r#type()).map(|t| t.as_str()) {
                    Some("redirect") => "redirect-https",
                    Some("fixed-response") => "fixed-response",
                    _ => "forward",
                };
                attrs.insert("default_action".into(), Value::str(kind));
                attrs.insert(
                    "target_group_arn".into(),
                    opt(action.and_then(|a| a.target_group_arn())),
                );
                Some(resource(arn, attrs, IndexMap::new()))
            })
            .collect())
    }

    async fn read_rules(&self, listener_arn: &str) -> Result<Vec<LiveResource>, ProviderError> {
        let mut out = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .client
                .describe_rules()
                .listener_arn(listener_arn)
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(failed(SERVICE, "DescribeRules"))?;
            for r in page.rules().iter().filter(|r| r.is_default() != Some(true)) {
                let Some(arn) = r.rule_arn() else { continue };
                let values = |field: &str| -> Vec<String> {
                    r.conditions()
                        .iter()
                        .filter(|c| c.field() == Some(field))
                        .flat_map(|c| match field {
                            "host-header" => c
                                .host_header_config()
                                .map(|h| h.values().to_vec())
                                .unwrap_or_else(|| c.values().to_vec()),
                            _ => c
                                .path_pattern_config()
                                .map(|p| p.values().to_vec())
                                .unwrap_or_else(|| c.values().to_vec()),
                        })
                        .collect()
                };
                let mut attrs = IndexMap::new();
                attrs.insert("listener_arn".into(), Value::str(listener_arn));
                attrs.insert(
                    "priority".into(),
                    r.priority()
                        .and_then(|p| p.parse::<f64>().ok())
                        .map_or(Value::Null, Value::Number),
                );
                attrs.insert("host_headers".into(), list(values("host-header")));
                attrs.insert("path_patterns".into(), list(values("path-pattern")));
                attrs.insert(
                    "target_group_arn".into(),
                    opt(r.actions().first().and_then(|a| a.target_group_arn())),
                );
                out.push(resource(arn, attrs, IndexMap::new()));
            }
            marker = page.next_marker().map(ToString::to_string);
            if marker.is_none() {
                return Ok(out);
            }
        }
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let kind = req.kind.name;
        match req.op {
            Operation::Create { attrs } => {
                let tags = super::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let arn = match kind {
                    "load_balancer" => {
                        self.create_load_balancer(req.stack, req.addr, &attrs, tags)
                            .await?
                    }
                    "target_group" => {
                        let out = self
                            .client
                            .create_target_group()
                            .name(s(&attrs, "name").unwrap_or_else(|| lb_name(req.stack, req.addr)))
                            .port(int(&attrs, "port", SERVICE)?.unwrap_or(80))
                            .protocol(ProtocolEnum::from(
                                s(&attrs, "protocol").as_deref().unwrap_or("HTTP"),
                            ))
                            .target_type(TargetTypeEnum::from(
                                s(&attrs, "target_type").as_deref().unwrap_or("ip"),
                            ))
                            .vpc_id(req_s(&attrs, "vpc_id", SERVICE, "CreateTargetGroup")?)
                            .set_health_check_path(s(&attrs, "health_check_path"))
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "CreateTargetGroup"))?;
                        super::fields::answered(
                            out.target_groups()
                                .first()
                                .and_then(|g| g.target_group_arn()),
                            SERVICE,
                            "CreateTargetGroup",
                            "TargetGroupArn",
                        )?
                    }
                    "listener" => {
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
                            .set_ssl_policy(s(&attrs, "ssl_policy"))
                            .default_actions(default_action(&attrs)?)
                            .set_tags(Some(tags))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "CreateListener"))?;
                        super::fields::answered(
                            out.listeners().first().and_then(|l| l.listener_arn()),
                            SERVICE,
                            "CreateListener",
                            "ListenerArn",
                        )?
                    }
                    "listener_rule" => self.create_rule(&attrs, tags).await?,
                    other => return Err(super::call::not_this_services(SERVICE, "create", other)),
                };
                let live = self.find(kind, &arn, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                match kind {
                    "load_balancer" => {
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
                        if changed("idle_timeout") {
                            self.set_idle_timeout(&prior.id, &attrs).await?;
                        }
                    }
                    "target_group" if changed("health_check_path") => {
                        self.client
                            .modify_target_group()
                            .target_group_arn(&prior.id)
                            .set_health_check_path(s(&attrs, "health_check_path"))
                            .send()
                            .await
                            .map_err(failed(SERVICE, "ModifyTargetGroup"))?;
                    }
                    "listener"
                        if [
                            "port",
                            "protocol",
                            "certificate_arn",
                            "ssl_policy",
                            "default_action",
                            "target_group_arn",
                        ]
                        .iter()
                        .any(|k| changed(k)) =>
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
                    "listener_rule" => {
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
                    }
                    _ => {}
                }
                self.update_tags(&prior, &attrs).await?;
                let live = self.find(kind, &prior.id, &attrs).await?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Delete { prior } => {
                match kind {
                    "load_balancer" => {
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
                            || async {
                                Ok(!self.read_load_balancers().await?.iter().any(|l| l.id == id))
                            },
                        )
                        .await?;
                    }
                    "target_group" => {
                        self.client
                            .delete_target_group()
                            .target_group_arn(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteTargetGroup"))?;
                    }
                    "listener" => {
                        self.client
                            .delete_listener()
                            .listener_arn(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteListener"))?;
                    }
                    "listener_rule" => {
                        self.client
                            .delete_rule()
                            .rule_arn(&prior.id)
                            .send()
                            .await
                            .map_err(failed(SERVICE, "DeleteRule"))?;
                    }
                    other => return Err(super::call::not_this_services(SERVICE, "delete", other)),
                }
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
        let arn = super::fields::answered(
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
        if n(attrs, "idle_timeout").is_some_and(|t| t != 60) {
            self.set_idle_timeout(&arn, attrs).await?;
        }
        Ok(arn)
    }

    async fn set_idle_timeout(
        &self,
        arn: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        self.client
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .attributes(
                LoadBalancerAttribute::builder()
                    .key("idle_timeout.timeout_seconds")
                    .value(n(attrs, "idle_timeout").unwrap_or(60).to_string())
                    .build(),
            )
            .send()
            .await
            .map_err(failed(SERVICE, "ModifyLoadBalancerAttributes"))?;
        Ok(())
    }

    /// Create a rule at its priority, or at the next free one: one past the
    /// highest in use on the listener.
    async fn create_rule(
        &self,
        attrs: &IndexMap<String, Value>,
        tags: Vec<Tag>,
    ) -> Result<String, ProviderError> {
        let listener = req_s(attrs, "listener_arn", SERVICE, "CreateRule")?;
        let _claim = self.priorities.lock().await;
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
        super::fields::answered(
            out.rules().first().and_then(|r| r.rule_arn()),
            SERVICE,
            "CreateRule",
            "RuleArn",
        )
    }

    async fn find(
        &self,
        kind: &str,
        arn: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<LiveResource, ProviderError> {
        let all = match kind {
            "load_balancer" => self.read_load_balancers().await?,
            "target_group" => self.read_target_groups().await?,
            "listener" => {
                self.read_listeners(&req_s(
                    attrs,
                    "load_balancer_arn",
                    SERVICE,
                    "DescribeListeners",
                )?)
                .await?
            }
            "listener_rule" => {
                self.read_rules(&req_s(attrs, "listener_arn", SERVICE, "DescribeRules")?)
                    .await?
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

    async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        retag_by!(self.client, SERVICE, &prior.id, prior, attrs,
            remove: remove_tags(resource_arns).set_tag_keys => "RemoveTags",
            set: add_tags(resource_arns).set_tags => "AddTags")
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
        _ => forward(attrs),
    }
}

fn forward(attrs: &IndexMap<String, Value>) -> Result<Action, ProviderError> {
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
