//! Security groups and their rules, one per source: one describe by the
//! stack tag.

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, UserIdGroupPair};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, bare, live, missing, tag_spec};
use crate::provider::aws::fields::{always, int, req_s, s};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

/// AWS groups rules by protocol and ports; mdl keeps one rule per source.
fn permissions_to_rules(own_id: &str, perms: &[IpPermission]) -> Result<Vec<Value>, ProviderError> {
    let field = |v, name| always(v, SERVICE, "DescribeSecurityGroups", name);
    let mut out = Vec::new();
    for p in perms {
        let protocol = field(p.ip_protocol(), "IpProtocol")?;
        let all = protocol == "-1";
        let port =
            |v: Option<i32>| Value::Number(if all { 0.0 } else { f64::from(v.unwrap_or(0)) });
        let rule =
            |cidr: Option<&str>, group: Option<&str>, is_self: bool, description: Option<&str>| {
                let mut m = IndexMap::new();
                m.insert("protocol".to_string(), Value::str(protocol));
                m.insert("from_port".to_string(), port(p.from_port()));
                m.insert("to_port".to_string(), port(p.to_port()));
                m.insert(
                    "cidr_blocks".to_string(),
                    Value::List(cidr.map(Value::str).into_iter().collect()),
                );
                m.insert(
                    "security_groups".to_string(),
                    Value::List(group.map(Value::str).into_iter().collect()),
                );
                m.insert("self".to_string(), Value::Bool(is_self));
                m.insert(
                    "description".to_string(),
                    Value::str(description.unwrap_or_default()),
                );
                Value::Map(m)
            };
        for r in p.ip_ranges() {
            let cidr = field(r.cidr_ip(), "CidrIp")?;
            out.push(rule(Some(cidr), None, false, r.description()));
        }
        for g in p.user_id_group_pairs() {
            let gid = field(g.group_id(), "GroupId")?;
            if gid == own_id {
                out.push(rule(None, None, true, g.description()));
            } else {
                out.push(rule(None, Some(gid), false, g.description()));
            }
        }
    }
    Ok(out)
}

/// A rule's peer: a range, or a group (the rule's own for `self`).
#[derive(Clone, Copy)]
pub(crate) enum Peer<'a> {
    Cidr(&'a str),
    Group(&'a str),
}

/// One rule as EC2's permission: the protocol, ports (left out for all
/// protocols, `-1`), one peer and a description.
pub(crate) fn permission(
    protocol: &str,
    ports: (Option<i32>, Option<i32>),
    peer: Peer<'_>,
    description: Option<&str>,
) -> IpPermission {
    let mut b = IpPermission::builder().ip_protocol(protocol);
    if protocol != "-1" {
        b = b
            .from_port(ports.0.unwrap_or(0))
            .to_port(ports.1.unwrap_or(0));
    }
    let description = description.filter(|d| !d.is_empty()).map(Into::into);
    match peer {
        Peer::Cidr(cidr) => b.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .set_description(description)
                .build(),
        ),
        Peer::Group(group) => b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(group)
                .set_description(description)
                .build(),
        ),
    }
    .build()
}

/// A normalised rule (one source) as EC2's permission; a rule without a
/// protocol or a source is an error, not a rule left out.
fn rule_to_permission(own_id: &str, rule: &Value) -> Result<IpPermission, ProviderError> {
    let unusable = || {
        ProviderError::new(
            SERVICE,
            "build",
            format!("a security group rule mdl cannot send: {rule}"),
        )
    };
    let m = rule.as_map().ok_or_else(unusable)?;
    let protocol = m
        .get("protocol")
        .and_then(Value::as_str)
        .ok_or_else(unusable)?;
    let first = |k: &str| {
        m.get(k)
            .and_then(Value::as_list)
            .and_then(|l| l.first())
            .and_then(Value::as_str)
    };
    let peer = if let Some(cidr) = first("cidr_blocks") {
        Peer::Cidr(cidr)
    } else if let Some(group) = first("security_groups") {
        Peer::Group(group)
    } else if m.get("self").and_then(Value::as_bool) == Some(true) {
        Peer::Group(own_id)
    } else {
        return Err(unusable());
    };
    Ok(permission(
        protocol,
        (int(m, "from_port", SERVICE)?, int(m, "to_port", SERVICE)?),
        peer,
        m.get("description").and_then(Value::as_str),
    ))
}

crate::on_service!(Groups(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Groups {
    const ID_FILTER: &'static str = "group-id";

    fn of(ec2: Ec2) -> Self {
        Groups(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let groups = crate::all_items!(
            self.client.describe_security_groups().filters(f),
            "DescribeSecurityGroups"
        );
        let field = |v, name| always(v, SERVICE, "DescribeSecurityGroups", name);
        let ids: Vec<&str> = groups.iter().filter_map(|g| g.group_id()).collect();
        let standalone = crate::kinds::security_group_rule::aws::standalone(
            &self.client,
            &ids,
            &self.claimed_rules,
        )
        .await?;
        // A rule that is a block of its own is not the group's.
        let own = |id: &str, egress: bool, rules: Vec<Value>| -> Vec<Value> {
            rules
                .into_iter()
                .filter(|r| {
                    !standalone
                        .iter()
                        .any(|s| s.group_id == id && s.egress == egress && s.is(r))
                })
                .collect()
        };
        groups
            .iter()
            .map(|g| {
                let id = field(g.group_id(), "GroupId")?;
                let tags = crate::provider::aws::tags::split(g.tags());
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "name".into(),
                    Value::str(field(g.group_name(), "GroupName")?),
                );
                // AWS requires a description; an empty one comes back absent.
                attrs.insert(
                    "description".into(),
                    Value::str(g.description().unwrap_or_default()),
                );
                attrs.insert("vpc_id".into(), Value::str(field(g.vpc_id(), "VpcId")?));
                attrs.insert(
                    "ingress".into(),
                    Value::List(own(
                        id,
                        false,
                        permissions_to_rules(id, g.ip_permissions())?,
                    )),
                );
                attrs.insert(
                    "egress".into(),
                    Value::List(own(
                        id,
                        true,
                        permissions_to_rules(id, g.ip_permissions_egress())?,
                    )),
                );
                Ok(live(tags, id, attrs, IndexMap::new()))
            })
            .collect()
    }

    async fn create(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let name = s(attrs, "name").unwrap_or_else(|| format!("{stack}-{}", addr.slug()));
        let out = self
            .client
            .create_security_group()
            .group_name(name)
            .description(s(attrs, "description").unwrap_or_else(|| "Managed by mdl".into()))
            .vpc_id(req_s(attrs, "vpc_id", SERVICE, "CreateSecurityGroup")?)
            .tag_specifications(tag_spec(ResourceType::SecurityGroup, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateSecurityGroup"))?;
        let id = out
            .group_id()
            .ok_or_else(|| missing("CreateSecurityGroup", "group id"))?
            .to_string();
        // A new group comes with AWS's allow-all egress rule.
        let mut prior = bare(&id);
        let default_egress = crate::kinds::schema("security_group")
            .and_then(|k| k.attr("egress"))
            .and_then(|a| a.default_value())
            .unwrap_or(Value::List(Vec::new()));
        prior.attrs.insert("egress".into(), default_egress);
        self.update(&prior, attrs).await?;
        Ok(id)
    }

    async fn update(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        for direction in ["ingress", "egress"] {
            let kind = crate::kinds::schema("security_group");
            let norm = |a: &IndexMap<String, Value>| -> Vec<Value> {
                let mut only = IndexMap::new();
                if let Some(v) = a.get(direction) {
                    only.insert(direction.to_string(), v.clone());
                }
                // Rules hold no secret: no salt is needed.
                kind.map(|k| crate::schema::normalize::normalize(k, &only, ""))
                    .and_then(|m| {
                        m.get(direction)
                            .and_then(Value::as_list)
                            .map(<[Value]>::to_vec)
                    })
                    .unwrap_or_default()
            };
            let old = norm(&prior.attrs);
            let new = norm(attrs);
            let revoke: Vec<IpPermission> = old
                .iter()
                .filter(|r| !new.contains(r))
                .map(|r| rule_to_permission(&prior.id, r))
                .collect::<Result<_, _>>()?;
            let grant: Vec<IpPermission> = new
                .iter()
                .filter(|r| !old.contains(r))
                .map(|r| rule_to_permission(&prior.id, r))
                .collect::<Result<_, _>>()?;
            if !revoke.is_empty() {
                if direction == "ingress" {
                    self.client
                        .revoke_security_group_ingress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(revoke))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "RevokeSecurityGroupIngress"))?;
                } else {
                    self.client
                        .revoke_security_group_egress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(revoke))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "RevokeSecurityGroupEgress"))?;
                }
            }
            if !grant.is_empty() {
                if direction == "ingress" {
                    self.client
                        .authorize_security_group_ingress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(grant))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "AuthorizeSecurityGroupIngress"))?;
                } else {
                    self.client
                        .authorize_security_group_egress()
                        .group_id(&prior.id)
                        .set_ip_permissions(Some(grant))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "AuthorizeSecurityGroupEgress"))?;
                }
            }
        }
        Ok(())
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        self.client
            .delete_security_group()
            .group_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(failed(SERVICE, "DeleteSecurityGroup"))
    }
}

/// The `security_group` kind's AWS side.
pub static AWS: Tagged<Groups> = Tagged(std::marker::PhantomData);
