//! What the load balancing kinds share (`load_balancer`, `target_group`,
//! `listener`, `listener_rule`, in src/kinds): a refresh makes one
//! paginated describe of load balancers and of target groups, then lists
//! the listeners of the stack's load balancers and the rules of their
//! listeners; tags come from `DescribeTags`, twenty ARNs a call. The four
//! kinds share these reads (`ReadShare`): each is made once per refresh.

use std::sync::Arc;

use aws_sdk_elasticloadbalancingv2::Client;
use futures_util::StreamExt;
use indexmap::IndexMap;

use super::call::failed;
use super::{CALLS_AT_ONCE, all_at_once};
use crate::provider::aws::fields::{always, list, opt};
use crate::provider::{LiveResource, ProviderError, ReadRequest, ReadShare};
use crate::value::Value;

pub(crate) const SERVICE: &str = "elasticloadbalancingv2";

crate::sdk_client!(Client);

/// The account's load balancers and target groups, tagged.
pub(crate) struct Balancers {
    pub lbs: Vec<LiveResource>,
    pub groups: Vec<LiveResource>,
}

/// The listeners of the stack's load balancers and their rules, tagged.
pub(crate) struct Listeners {
    pub listeners: Vec<LiveResource>,
    pub rules: Vec<LiveResource>,
}

/// The ELBv2 client.
pub(crate) struct Elbv2 {
    pub client: Client,
}

pub(crate) fn resource(
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

/// The load balancer of a listener or rule, from its ARN:
/// `...:listener/app/NAME/LB/L` and `...:listener-rule/app/NAME/LB/L/R`
/// belong to `...:loadbalancer/app/NAME/LB`.
pub(crate) fn load_balancer_of(arn: &str) -> Option<String> {
    let (prefix, path) = arn
        .split_once(":listener-rule/")
        .or_else(|| arn.split_once(":listener/"))?;
    let parts: Vec<&str> = path.split('/').collect();
    (parts.len() >= 3).then(|| format!("{prefix}:loadbalancer/{}", parts[..3].join("/")))
}

/// Load balancers as live resources.
pub(crate) fn load_balancers(
    lbs: &[aws_sdk_elasticloadbalancingv2::types::LoadBalancer],
) -> Result<Vec<LiveResource>, ProviderError> {
    lbs.iter()
        .map(|lb| {
            let arn = always(
                lb.load_balancer_arn(),
                SERVICE,
                "DescribeLoadBalancers",
                "LoadBalancerArn",
            )?;
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
            Ok(resource(arn, attrs, computed))
        })
        .collect()
}

/// Target groups as live resources.
pub(crate) fn target_groups(
    groups: &[aws_sdk_elasticloadbalancingv2::types::TargetGroup],
) -> Result<Vec<LiveResource>, ProviderError> {
    groups
        .iter()
        .map(|g| {
            let arn = always(
                g.target_group_arn(),
                SERVICE,
                "DescribeTargetGroups",
                "TargetGroupArn",
            )?;
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
            let number = |n: Option<i32>| n.map_or(Value::Null, |n| Value::Number(f64::from(n)));
            attrs.insert(
                "health_check_interval".into(),
                number(g.health_check_interval_seconds()),
            );
            attrs.insert(
                "health_check_timeout".into(),
                number(g.health_check_timeout_seconds()),
            );
            attrs.insert(
                "healthy_threshold".into(),
                number(g.healthy_threshold_count()),
            );
            attrs.insert(
                "unhealthy_threshold".into(),
                number(g.unhealthy_threshold_count()),
            );
            attrs.insert(
                "matcher".into(),
                opt(g.matcher().and_then(|m| m.http_code())),
            );
            Ok(resource(arn, attrs, IndexMap::new()))
        })
        .collect()
}

impl Elbv2 {
    pub(crate) fn of(aws: &super::AwsProvider) -> Elbv2 {
        Elbv2 {
            client: aws.client(),
        }
    }

    /// The listeners (`rules` false) or the listener rules of the stack,
    /// and those state knows of load balancers outside it (an import).
    pub(crate) async fn listeners_or_rules(
        &self,
        req: &ReadRequest<'_>,
        rules: bool,
    ) -> Result<Vec<LiveResource>, ProviderError> {
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
        Ok(super::of_stack(all, req).resources)
    }

    /// The account's load balancers and target groups, tagged: one
    /// paginated describe of each, at once, then their tags together; made
    /// once per refresh for the four kinds.
    pub(crate) async fn balancers(
        &self,
        share: &ReadShare,
    ) -> Result<Arc<Balancers>, ProviderError> {
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
    pub(crate) async fn tag(&self, resources: &mut [LiveResource]) -> Result<(), ProviderError> {
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
                crate::provider::aws::tags::read_sdk(r, d.tags());
            }
        }
        Ok(())
    }

    pub(crate) async fn read_load_balancers(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let lbs = crate::all_items!(
            self.client.describe_load_balancers(),
            "DescribeLoadBalancers"
        );
        load_balancers(&lbs)
    }

    /// These load balancers only (per-resource reads); none when gone.
    pub(crate) async fn read_load_balancers_by(
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
            Ok(out) => load_balancers(out.load_balancers()),
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
    pub(crate) async fn read_target_groups_by(
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
            Ok(out) => target_groups(out.target_groups()),
            Err(e)
                if aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata::code(&e)
                    == Some("TargetGroupNotFound") =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(failed(SERVICE, "DescribeTargetGroups")(e)),
        }
    }

    pub(crate) async fn read_target_groups(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let groups =
            crate::all_items!(self.client.describe_target_groups(), "DescribeTargetGroups");
        target_groups(&groups)
    }

    pub(crate) async fn read_listeners(
        &self,
        lb_arn: &str,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let listeners = crate::all_items!(
            self.client.describe_listeners().load_balancer_arn(lb_arn),
            "DescribeListeners"
        );
        listeners
            .iter()
            .map(|l| {
                let arn = always(
                    l.listener_arn(),
                    SERVICE,
                    "DescribeListeners",
                    "ListenerArn",
                )?;
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
                Ok(resource(arn, attrs, IndexMap::new()))
            })
            .collect()
    }

    pub(crate) async fn read_rules(
        &self,
        listener_arn: &str,
    ) -> Result<Vec<LiveResource>, ProviderError> {
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
                let arn = always(r.rule_arn(), SERVICE, "DescribeRules", "RuleArn")?;
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

    pub(crate) async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        crate::retag_by!(self.client, SERVICE, &prior.id, prior, attrs,
            remove: remove_tags(resource_arns).set_tag_keys => "RemoveTags",
            set: add_tags(resource_arns).set_tags => "AddTags")
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, TargetGroup};

    /// A load balancer or target group without its ARN fails the read, by
    /// name, rather than vanishing from it (and being planned again).
    #[test]
    fn a_read_without_an_arn_fails_instead_of_leaving_the_resource_out() {
        let lb = |arn: Option<&str>| {
            LoadBalancer::builder()
                .set_load_balancer_arn(arn.map(ToString::to_string))
                .load_balancer_name("web")
                .build()
        };
        let read = super::load_balancers(&[lb(Some("arn:lb/1")), lb(None)]);
        assert_eq!(
            read.unwrap_err().to_string(),
            "elasticloadbalancingv2 DescribeLoadBalancers failed: the answer has no LoadBalancerArn"
        );
        assert_eq!(
            super::load_balancers(&[lb(Some("arn:lb/1"))])
                .unwrap()
                .len(),
            1
        );
        let tg = TargetGroup::builder().target_group_name("web").build();
        assert!(
            super::target_groups(&[tg])
                .unwrap_err()
                .to_string()
                .contains("no TargetGroupArn")
        );
    }
}
