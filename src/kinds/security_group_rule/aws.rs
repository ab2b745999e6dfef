//! Standalone security group rules: EC2's `sgr-` resources, tagged, read
//! by `DescribeSecurityGroupRules`.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    Filter, ResourceType, SecurityGroupRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use indexmap::IndexMap;

use crate::kinds::security_group::aws::{Peer, permission};
use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, filter, live, tag_spec};
use crate::provider::aws::fields::{always, int, req_s, s};
use crate::provider::{ADDRESS_TAG, LiveResource, ProviderError};
use crate::value::Value;

const DESCRIBE: &str = "DescribeSecurityGroupRules";

/// Ports as mdl writes them: AWS answers -1 for a rule of every protocol,
/// whose ports mean nothing, and mdl's default there is 0.
fn port(protocol: &str, p: Option<i32>) -> Value {
    Value::Number(if protocol == "-1" {
        0.0
    } else {
        f64::from(p.unwrap_or(0))
    })
}

/// A rule of `DescribeSecurityGroupRules` as the kind's attributes (tags
/// aside).
fn attrs_of(r: &SecurityGroupRule) -> Result<IndexMap<String, Value>, ProviderError> {
    let field = |v, name| always(v, SERVICE, DESCRIBE, name);
    let protocol = field(r.ip_protocol(), "IpProtocol")?;
    let mut attrs = IndexMap::new();
    attrs.insert(
        "security_group_id".into(),
        Value::str(field(r.group_id(), "GroupId")?),
    );
    attrs.insert(
        "direction".into(),
        Value::str(if r.is_egress() == Some(true) {
            "egress"
        } else {
            "ingress"
        }),
    );
    attrs.insert("protocol".into(), Value::str(protocol));
    attrs.insert("from_port".into(), port(protocol, r.from_port()));
    attrs.insert("to_port".into(), port(protocol, r.to_port()));
    attrs.insert(
        "cidr_block".into(),
        r.cidr_ipv4().map_or(Value::Null, Value::str),
    );
    attrs.insert(
        "referenced_security_group_id".into(),
        r.referenced_group_info()
            .and_then(|g| g.group_id())
            .map_or(Value::Null, Value::str),
    );
    attrs.insert(
        "description".into(),
        Value::str(r.description().unwrap_or_default()),
    );
    Ok(attrs)
}

/// A rule that is a block of its own, as its group sees it.
pub(crate) struct Standalone {
    pub group_id: String,
    pub egress: bool,
    attrs: IndexMap<String, Value>,
}

impl Standalone {
    /// Whether `rule`, one of the group's `ingress` or `egress` entries
    /// (one source each), is this rule. Descriptions aside: AWS holds one
    /// rule per protocol, ports and peer.
    pub fn is(&self, rule: &Value) -> bool {
        let Some(m) = rule.as_map() else {
            return false;
        };
        let a = |k: &str| self.attrs.get(k);
        let listed = |k: &str| {
            m.get(k)
                .and_then(Value::as_list)
                .and_then(|l| l.first())
                .cloned()
                .unwrap_or(Value::Null)
        };
        let peer = a("referenced_security_group_id").filter(|v| **v != Value::Null);
        let own = peer.and_then(Value::as_str) == Some(self.group_id.as_str());
        m.get("protocol") == a("protocol")
            && m.get("from_port") == a("from_port")
            && m.get("to_port") == a("to_port")
            && (m.get("self") == Some(&Value::Bool(true))) == own
            && (own
                || (listed("cidr_blocks") == *a("cidr_block").unwrap_or(&Value::Null)
                    && listed("security_groups") == *peer.unwrap_or(&Value::Null)))
    }
}

/// The rules of these groups that are blocks of their own (of any stack):
/// those tagged with an mdl address, and those state holds as rules
/// (`claimed`: adopted by an import, untagged until the next apply). One
/// call, whatever the number of groups.
pub(crate) async fn standalone(
    client: &Client,
    group_ids: &[&str],
    claimed: &[String],
) -> Result<Vec<Standalone>, ProviderError> {
    if group_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut call = client
        .describe_security_group_rules()
        .filters(filter("group-id", group_ids.iter().copied()));
    // Untagged claimed rules are among every rule of the groups.
    if claimed.is_empty() {
        call = call.filters(filter("tag-key", [ADDRESS_TAG]));
    }
    let rules = crate::all_items!(call, "DescribeSecurityGroupRules");
    rules
        .iter()
        // Filters are checked again: not every AWS-compatible endpoint
        // applies every filter.
        .filter(|r| {
            r.tags().iter().any(|t| t.key() == Some(ADDRESS_TAG))
                || r.security_group_rule_id()
                    .is_some_and(|id| claimed.iter().any(|c| c == id))
        })
        .map(|r| {
            Ok(Standalone {
                group_id: always(r.group_id(), SERVICE, DESCRIBE, "GroupId")?.to_string(),
                egress: r.is_egress() == Some(true),
                attrs: attrs_of(r)?,
            })
        })
        .collect()
}

/// The rule's protocol, ports, peer and description, as the calls that
/// create and change it take them.
struct Wanted<'a> {
    protocol: String,
    ports: (Option<i32>, Option<i32>),
    peer: Peer<'a>,
    description: Option<&'a str>,
}

impl<'a> Wanted<'a> {
    fn of(
        attrs: &'a IndexMap<String, Value>,
        op: &'static str,
    ) -> Result<Wanted<'a>, ProviderError> {
        let text = |k: &str| attrs.get(k).and_then(Value::as_str);
        let peer = match (text("cidr_block"), text("referenced_security_group_id")) {
            (Some(cidr), None) => Peer::Cidr(cidr),
            (None, Some(group)) => Peer::Group(group),
            _ => {
                return Err(ProviderError::new(
                    SERVICE,
                    op,
                    "a rule needs exactly one of `cidr_block` and `referenced_security_group_id`",
                ));
            }
        };
        Ok(Wanted {
            protocol: s(attrs, "protocol").unwrap_or_else(|| "tcp".into()),
            ports: (
                int(attrs, "from_port", SERVICE)?,
                int(attrs, "to_port", SERVICE)?,
            ),
            peer,
            description: text("description").filter(|d| !d.is_empty()),
        })
    }

    /// The rule as the authorize calls take it.
    fn permission(&self) -> aws_sdk_ec2::types::IpPermission {
        permission(&self.protocol, self.ports, self.peer, self.description)
    }
}

fn egress(attrs: &IndexMap<String, Value>) -> bool {
    s(attrs, "direction").as_deref() == Some("egress")
}

crate::on_service!(Rules(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for Rules {
    const ID_FILTER: &'static str = "security-group-rule-id";

    fn of(ec2: Ec2) -> Self {
        Rules(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let rules = crate::all_items!(
            self.client.describe_security_group_rules().filters(f),
            "DescribeSecurityGroupRules"
        );
        rules
            .iter()
            .map(|r| {
                let id = always(
                    r.security_group_rule_id(),
                    SERVICE,
                    DESCRIBE,
                    "SecurityGroupRuleId",
                )?;
                let tags = crate::provider::aws::tags::split(r.tags());
                Ok(live(tags, id, attrs_of(r)?, IndexMap::new()))
            })
            .collect()
    }

    async fn create(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let op = if egress(attrs) {
            "AuthorizeSecurityGroupEgress"
        } else {
            "AuthorizeSecurityGroupIngress"
        };
        let group = req_s(attrs, "security_group_id", SERVICE, op)?;
        let rule = Wanted::of(attrs, op)?.permission();
        let tags = tag_spec(ResourceType::SecurityGroupRule, stack, addr, attrs);
        let added = if egress(attrs) {
            self.client
                .authorize_security_group_egress()
                .group_id(group)
                .ip_permissions(rule)
                .tag_specifications(tags)
                .send()
                .await
                .map_err(failed(SERVICE, op))?
                .security_group_rules
        } else {
            self.client
                .authorize_security_group_ingress()
                .group_id(group)
                .ip_permissions(rule)
                .tag_specifications(tags)
                .send()
                .await
                .map_err(failed(SERVICE, op))?
                .security_group_rules
        };
        let id = added
            .unwrap_or_default()
            .first()
            .and_then(|r| r.security_group_rule_id().map(ToString::to_string));
        Ok(always(id.as_deref(), SERVICE, op, "SecurityGroupRules")?.to_string())
    }

    async fn update(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        const OP: &str = "ModifySecurityGroupRules";
        let changed = |k: &str| attrs.get(k) != prior.attrs.get(k);
        if ![
            "protocol",
            "from_port",
            "to_port",
            "cidr_block",
            "referenced_security_group_id",
            "description",
        ]
        .into_iter()
        .any(changed)
        {
            return Ok(());
        }
        let w = Wanted::of(attrs, OP)?;
        let mut rule = SecurityGroupRuleRequest::builder()
            .ip_protocol(&w.protocol)
            .set_description(w.description.map(ToString::to_string));
        rule = match w.peer {
            Peer::Cidr(cidr) => rule.cidr_ipv4(cidr),
            Peer::Group(group) => rule.referenced_group_id(group),
        };
        if w.protocol != "-1" {
            rule = rule
                .from_port(w.ports.0.unwrap_or(0))
                .to_port(w.ports.1.unwrap_or(0));
        }
        self.client
            .modify_security_group_rules()
            .group_id(req_s(attrs, "security_group_id", SERVICE, OP)?)
            .security_group_rules(
                SecurityGroupRuleUpdate::builder()
                    .security_group_rule_id(&prior.id)
                    .security_group_rule(rule.build())
                    .build(),
            )
            .send()
            .await
            .map(drop)
            .map_err(failed(SERVICE, OP))
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        let op = if egress(&prior.attrs) {
            "RevokeSecurityGroupEgress"
        } else {
            "RevokeSecurityGroupIngress"
        };
        let group = req_s(&prior.attrs, "security_group_id", SERVICE, op)?;
        let gone = if egress(&prior.attrs) {
            self.client
                .revoke_security_group_egress()
                .group_id(group)
                .security_group_rule_ids(&prior.id)
                .send()
                .await
                .map(drop)
                .map_err(failed(SERVICE, op))
        } else {
            self.client
                .revoke_security_group_ingress()
                .group_id(group)
                .security_group_rule_ids(&prior.id)
                .send()
                .await
                .map(drop)
                .map_err(failed(SERVICE, op))
        };
        match gone {
            // Already gone (or its group with it): what the delete wanted.
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }
}

/// The `security_group_rule` kind's AWS side.
pub static AWS: Tagged<Rules> = Tagged(std::marker::PhantomData);

/// Every rule of these groups, as `security_group_rule` resources: for an
/// import that writes some of a group's rules as blocks of their own.
pub(crate) async fn rules_of(
    client: Client,
    group_ids: Vec<String>,
) -> Result<Vec<LiveResource>, ProviderError> {
    if group_ids.is_empty() {
        return Ok(Vec::new());
    }
    Rules(Ec2::new(client))
        .describe(filter("group-id", group_ids))
        .await
}

/// Whether `entry`, one of a group's `ingress` or `egress` entries (one
/// source), is the rule `rule` read by [`rules_of`].
pub(crate) fn is_entry(rule: &LiveResource, entry: &Value) -> bool {
    Standalone {
        group_id: s(&rule.attrs, "security_group_id").unwrap_or_default(),
        egress: egress(&rule.attrs),
        attrs: rule.attrs.clone(),
    }
    .is(entry)
}
