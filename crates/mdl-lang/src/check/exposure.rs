//! Checks of where things are reachable from and where they are: an
//! administration or database port open to the whole internet (a
//! warning), and availability zones outside the stack's region (an error:
//! AWS refuses them).

use crate::diagnostics::{Diagnostic, Span};
use crate::lang::{Config, Evaluator};
use crate::value::Value;

/// Ports nobody should reach from the whole internet, and what listens
/// there.
const SENSITIVE_PORTS: &[(i64, &str)] = &[
    (22, "SSH"),
    (3389, "remote desktop"),
    (3306, "MySQL and Aurora MySQL"),
    (5432, "PostgreSQL"),
    (6379, "Redis"),
    (11211, "Memcached"),
    (2049, "NFS (EFS)"),
];

fn everyone(cidr: &Value) -> bool {
    matches!(cidr.as_str(), Some("0.0.0.0/0" | "::/0"))
}

/// The sensitive ports a rule opens: all of them for protocol `-1`.
fn opened(protocol: Option<&str>, from: Option<i64>, to: Option<i64>) -> Vec<(i64, &'static str)> {
    let all = matches!(protocol, Some("-1" | "all"));
    if !all
        && !matches!(
            protocol.map(str::to_ascii_lowercase).as_deref(),
            Some("tcp") | None
        )
    {
        return Vec::new();
    }
    let (from, to) = (from.unwrap_or(0), to.unwrap_or(0));
    SENSITIVE_PORTS
        .iter()
        .copied()
        .filter(|(p, _)| all || (from <= *p && *p <= to))
        .collect()
}

/// The warning for the ports a rule opens to everyone, if it opens any
/// that matter.
fn warning(
    ports: &[(i64, &str)],
    addr: &crate::lang::ResourceAddr,
    span: Span,
) -> Option<Diagnostic> {
    let (port, what) = ports.first()?;
    let opened = if ports.len() == SENSITIVE_PORTS.len() {
        "every port, SSH and the database ports among them,".to_string()
    } else {
        format!("{what} (port {port})")
    };
    Some(
        Diagnostic::warning(
            "check::open_to_the_internet",
            format!("{opened} is open to the whole internet in `{addr}`"),
            span,
            "ingress from 0.0.0.0/0",
        )
        .with_help(match port {
            22 | 3389 => "allow an office or VPN range (a bastion's ssh_cidr), or reach the servers with SSM Session Manager and open no port",
            _ => "allow the security group of the web servers or tasks instead of a CIDR range",
        }),
    )
}

/// Security groups and rules that open SSH, remote desktop or a
/// database port to 0.0.0.0/0 or ::/0. Groups already refused for
/// exposing a database (`moodle::open_to_the_world`) are not warned of
/// again.
pub(super) fn open_ports(
    config: &Config,
    eval: &Evaluator<'_>,
    reported: &[Diagnostic],
    diags: &mut Vec<Diagnostic>,
) {
    for res in config.resources.values() {
        let already = reported.iter().any(|d| {
            d.code == "moodle::open_to_the_world" && d.message.contains(&format!("`{}`", res.addr))
        });
        if already {
            continue;
        }
        match res.kind.name {
            "security_group" => {
                let Some(rules) = eval.resource_attr(res, "ingress") else {
                    continue;
                };
                let span = res
                    .block
                    .body
                    .nested()
                    .find(|n| n.name.name == "ingress")
                    .map_or(res.block.name.span, |n| n.span);
                for rule in rules
                    .as_list()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Value::as_map)
                {
                    let open = rule
                        .get("cidr_blocks")
                        .and_then(Value::as_list)
                        .unwrap_or_default()
                        .iter()
                        .any(everyone);
                    if !open {
                        continue;
                    }
                    let ports = opened(
                        rule.get("protocol").and_then(Value::as_str),
                        rule.get("from_port").and_then(Value::as_i64),
                        rule.get("to_port").and_then(Value::as_i64),
                    );
                    diags.extend(warning(&ports, &res.addr, span));
                }
            }
            "security_group_rule" => {
                let text = |k: &str| {
                    eval.resource_attr(res, k)
                        .and_then(|v| v.as_str().map(str::to_string))
                };
                let number = |k: &str| eval.resource_attr(res, k).and_then(|v| v.as_i64());
                if text("direction").as_deref() != Some("ingress")
                    || !eval
                        .resource_attr(res, "cidr_block")
                        .is_some_and(|c| everyone(&c))
                {
                    continue;
                }
                let ports = opened(
                    text("protocol").as_deref(),
                    number("from_port"),
                    number("to_port"),
                );
                diags.extend(warning(&ports, &res.addr, res.attr_span("cidr_block")));
            }
            _ => {}
        }
    }
}

/// The region of an availability zone's name: `eu-west-2` of
/// `eu-west-2a` (and of the Local Zone `us-west-2-lax-1a`).
pub fn zone_region(zone: &str) -> Option<&'static str> {
    crate::schema::REGIONS
        .iter()
        .copied()
        .filter(|r| {
            zone.strip_prefix(r).is_some_and(|rest| {
                rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase())
                    || rest.starts_with('-')
            })
        })
        .max_by_key(|r| r.len())
}

/// Availability zones (the attributes named `availability_zone`) that are
/// not in `region`, the region the stack runs in: AWS refuses them.
pub fn zones_in_region(config: &Config, region: &str, code: &'static str) -> Vec<Diagnostic> {
    let eval = Evaluator::new(config, &crate::lang::NoComputed);
    let mut diags = Vec::new();
    for res in config.resources.values() {
        if res.kind.attr("availability_zone").is_none() {
            continue;
        }
        let Some(Value::String(zone)) = eval.resource_attr(res, "availability_zone") else {
            continue;
        };
        match zone_region(&zone) {
            Some(r) if r != region => diags.push(
                Diagnostic::error(
                    code,
                    format!("the availability zone `{zone}` is in {r}, and the stack is in {region}"),
                    res.attr_span("availability_zone"),
                    format!("a zone of {r}"),
                )
                .with_help(format!(
                    "use a zone of {region} (such as \"{region}a\"), or run in {r} (AWS_REGION, --region, or the stack's `region`)"
                )),
            ),
            _ => {}
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_name_their_regions() {
        assert_eq!(zone_region("eu-west-2a"), Some("eu-west-2"));
        assert_eq!(zone_region("us-west-2-lax-1a"), Some("us-west-2"));
        assert_eq!(zone_region("us-gov-west-1b"), Some("us-gov-west-1"));
        assert_eq!(zone_region("eu-west-9z"), None);
    }

    #[test]
    fn rules_open_the_ports_they_cover() {
        assert_eq!(opened(Some("tcp"), Some(0), Some(65535))[0].0, 22);
        assert_eq!(
            opened(Some("-1"), Some(0), Some(0)).len(),
            SENSITIVE_PORTS.len()
        );
        assert!(opened(Some("tcp"), Some(443), Some(443)).is_empty());
        assert!(opened(Some("udp"), Some(22), Some(22)).is_empty());
    }
}
