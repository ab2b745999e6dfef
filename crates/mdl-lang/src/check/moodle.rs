//! Checks that know Moodle and AWS: settings each resource accepts on its
//! own but that fail at apply time or leave an estate fragile.

use crate::diagnostics::Diagnostic;
use crate::lang::{Config, Evaluator, Resource};
use crate::value::Value;

/// Every Moodle-aware diagnostic for a configuration.
pub fn check(config: &Config, eval: &Evaluator<'_>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for res in config.resources.values() {
        let attrs = eval.resource(res, &mut Vec::new());
        let num = |k: &str| attrs.get(k).and_then(Value::as_f64);
        let text = |k: &str| attrs.get(k).and_then(Value::as_str).map(str::to_string);
        let on = |k: &str| attrs.get(k) == Some(&Value::Bool(true));
        match res.kind.name {
            "autoscaling_group" => {
                if let (Some(min), Some(max)) = (num("min_size"), num("max_size"))
                    && min > max
                {
                    diags.push(
                        Diagnostic::error(
                            "moodle::capacity_range",
                            format!("min_size {min} is above max_size {max}"),
                            res.attr_span("min_size"),
                            "the fewest instances",
                        )
                        .with_label(res.attr_span("max_size"), "the most")
                        .with_help("AWS refuses the group: raise max_size or lower min_size"),
                    );
                }
                if let (Some(d), Some(min), Some(max)) =
                    (num("desired_capacity"), num("min_size"), num("max_size"))
                    && (d < min || d > max)
                {
                    diags.push(
                        Diagnostic::error(
                            "moodle::capacity_range",
                            format!("desired_capacity {d} is outside {min}..{max}"),
                            res.attr_span("desired_capacity"),
                            "outside min_size..max_size",
                        )
                        .with_help("set desired_capacity between min_size and max_size"),
                    );
                }
            }
            "ecs_service" => {
                if let (Some(min), Some(max)) = (num("min_count"), num("max_count"))
                    && min > max
                {
                    diags.push(
                        Diagnostic::error(
                            "moodle::capacity_range",
                            format!("min_count {min} is above max_count {max}"),
                            res.attr_span("min_count"),
                            "the fewest tasks",
                        )
                        .with_label(res.attr_span("max_count"), "the most")
                        .with_help("raise max_count or lower min_count"),
                    );
                }
            }
            "cache" => {
                let nodes = num("num_nodes").unwrap_or(1.0);
                if text("engine").as_deref() == Some("redis")
                    && nodes < 2.0
                    && (on("multi_az") || on("automatic_failover"))
                {
                    let attr = if on("multi_az") {
                        "multi_az"
                    } else {
                        "automatic_failover"
                    };
                    diags.push(
                        Diagnostic::error(
                            "moodle::single_node_failover",
                            format!("`{attr}` needs a replica, but the cache has one node"),
                            res.attr_span(attr),
                            "nothing to fail over to",
                        )
                        .with_label(res.attr_span("num_nodes"), "one node")
                        .with_help("set num_nodes = 2 or more, or turn multi_az and automatic_failover off"),
                    );
                }
                if text("engine").as_deref() == Some("memcached")
                    && nodes < 2.0
                    && text("az_mode").as_deref() == Some("cross-az")
                {
                    diags.push(
                        Diagnostic::error(
                            "moodle::single_node_failover",
                            "az_mode \"cross-az\" needs at least 2 nodes",
                            res.attr_span("az_mode"),
                            "one node cannot span zones",
                        )
                        .with_help("set num_nodes = 2 or more, or az_mode = \"single-az\""),
                    );
                }
            }
            "listener"
                if text("protocol").as_deref() == Some("HTTPS")
                    && attrs
                        .get("certificate_arn")
                        .is_none_or(|v| *v == Value::Null) =>
            {
                diags.push(
                    Diagnostic::error(
                        "moodle::https_without_certificate",
                        "an HTTPS listener needs a certificate",
                        res.attr_span("protocol"),
                        "HTTPS here",
                    )
                    .with_help("set certificate_arn to an ACM certificate for the site's domain"),
                );
            }
            "cdn" => {
                let aliases = attrs
                    .get("aliases")
                    .and_then(Value::as_list)
                    .is_some_and(|l| !l.is_empty());
                if aliases
                    && attrs
                        .get("certificate_arn")
                        .is_none_or(|v| *v == Value::Null)
                {
                    diags.push(
                        Diagnostic::error(
                            "moodle::cdn_without_certificate",
                            "a CDN that answers for a domain needs a certificate",
                            res.attr_span("aliases"),
                            "these names",
                        )
                        .with_help("set certificate_arn to an ACM certificate in us-east-1 covering the aliases"),
                    );
                }
            }
            _ => {}
        }
        open_to_the_world(config, eval, res, &mut diags);
    }
    shared_session_cache(config, eval, &mut diags);
    diags
}

/// A database, cache or file system whose security group lets anyone in.
fn open_to_the_world(
    config: &Config,
    eval: &Evaluator<'_>,
    res: &Resource,
    diags: &mut Vec<Diagnostic>,
) {
    let attr = match res.kind.name {
        "aurora_cluster" | "cache" => "security_group_ids",
        "efs_mount_target" => "security_groups",
        _ => return,
    };
    for sg_addr in eval.attr_references(res, attr) {
        let Some(sg) = config.resources.get(&sg_addr) else {
            continue;
        };
        if sg.kind.name != "security_group" {
            continue;
        }
        let sg_attrs = eval.resource(sg, &mut Vec::new());
        let open = sg_attrs
            .get("ingress")
            .and_then(Value::as_list)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_map)
            .any(|rule| {
                rule.get("cidr_blocks")
                    .and_then(Value::as_list)
                    .unwrap_or_default()
                    .iter()
                    .any(|c| matches!(c.as_str(), Some("0.0.0.0/0" | "::/0")))
            });
        if open {
            let what = match res.kind.name {
                "aurora_cluster" => "the database",
                "cache" => "a cache",
                _ => "the file system",
            };
            let span = sg
                .block
                .body
                .nested()
                .find(|n| n.name.name == "ingress")
                .map_or(sg.block.name.span, |n| n.span);
            diags.push(
                Diagnostic::error(
                    "moodle::open_to_the_world",
                    format!("{what} is open to the whole internet through `{sg_addr}`"),
                    span,
                    "ingress from 0.0.0.0/0",
                )
                .with_label(res.attr_span(attr), "attached here")
                .with_help(
                    "allow the web servers' or tasks' security group instead of a CIDR range",
                ),
            );
        }
    }
}

/// Sessions and the application cache on one cluster: when the cache
/// fills, evicting entries logs users out.
fn shared_session_cache(config: &Config, eval: &Evaluator<'_>, diags: &mut Vec<Diagnostic>) {
    for inst in config.modules.values() {
        if !inst.def.outputs.contains_key("session_cache_endpoint")
            || !inst.def.outputs.contains_key("application_cache_endpoint")
        {
            continue;
        }
        let caches = |name: &str| -> Vec<_> {
            eval.output_references(&inst.path, name)
                .into_iter()
                .filter(|a| a.kind == "cache")
                .collect()
        };
        let session = caches("session_cache_endpoint");
        let application = caches("application_cache_endpoint");
        if let Some(shared) = session.iter().find(|a| application.contains(a)) {
            diags.push(
                Diagnostic::warning(
                    "moodle::shared_session_cache",
                    format!("sessions and the application cache share one cluster, `{shared}`"),
                    inst.block.name.span,
                    "this estate",
                )
                .with_help("when the cache fills, evictions log users out: give sessions their own cluster (std/ha keeps them apart)"),
            );
        }
    }
}

/// A subnet's range inside its VPC's, and the subnets of one VPC apart,
/// where the ranges are known (AWS refuses either at apply).
pub(super) fn subnets_in_their_vpc(
    config: &Config,
    eval: &Evaluator<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    // The one attribute, not the whole resource, evaluated.
    let cidr = |res: &crate::lang::Resource| {
        eval.resource_attr(res, "cidr_block")
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|c| crate::schema::network_cidr(c).is_ok())
    };
    let mut seen: Vec<(&crate::lang::ResourceAddr, String, &crate::lang::Resource)> = Vec::new();
    for res in config
        .resources
        .values()
        .filter(|r| r.kind.name == "subnet")
    {
        let Some(vpc) = eval
            .references(res)
            .into_iter()
            .find(|(dep, _)| dep.kind == "vpc")
            .and_then(|(dep, _)| config.resources.get(&dep))
        else {
            continue;
        };
        let (Some(inner), Some(outer)) = (cidr(res), cidr(vpc)) else {
            continue;
        };
        if crate::schema::cidr_within(&inner, &outer) == Some(false) {
            diags.push(
                Diagnostic::error(
                    "check::subnet_outside_vpc",
                    format!("the subnet's range {inner} is not inside its VPC's {outer}"),
                    res.attr_span("cidr_block"),
                    "outside the VPC",
                )
                .with_label(vpc.attr_span("cidr_block"), "the VPC's range")
                .with_help(
                    "AWS refuses a subnet outside its VPC: give it a range inside the VPC's",
                ),
            );
            continue;
        }
        if let Some((vpc_addr, theirs, other)) = seen.iter().find(|(vpc_addr, c, _)| {
            **vpc_addr == vpc.addr && crate::schema::cidrs_overlap(&inner, c) == Some(true)
        }) {
            diags.push(
                Diagnostic::error(
                    "check::subnets_overlap",
                    format!(
                        "the subnet's range {inner} overlaps {theirs}, `{}`'s, in the same VPC",
                        other.addr
                    ),
                    res.attr_span("cidr_block"),
                    "overlaps another subnet",
                )
                .with_label(other.attr_span("cidr_block"), "the other subnet's range")
                .with_help(format!(
                    "AWS refuses overlapping subnets in one VPC (`{vpc_addr}`): give each a range of its own, such as with cidrsubnet()"
                )),
            );
            continue;
        }
        seen.push((&vpc.addr, inner, res));
    }
}
