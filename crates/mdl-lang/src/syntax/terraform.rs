//! What a Terraform user types first, and the mdl form of it: the
//! top-level items Terraform has (`resource "aws_vpc" "main"`, `variable`,
//! `data`, `module`, `provider`, `locals`, quoted labels), and the AWS
//! provider's resource and data source types beside mdl's kinds and
//! lookups.

use crate::diagnostics::{Diagnostic, SourceId, Span};

/// Terraform AWS provider resource types and the mdl kind of each.
pub const RESOURCE_TYPES: &[(&str, &str)] = &[
    ("aws_vpc", "vpc"),
    ("aws_subnet", "subnet"),
    ("aws_internet_gateway", "internet_gateway"),
    ("aws_nat_gateway", "nat_gateway"),
    ("aws_route_table", "route_table"),
    ("aws_route", "route"),
    ("aws_vpc_peering_connection", "vpc_peering"),
    ("aws_security_group", "security_group"),
    ("aws_security_group_rule", "security_group_rule"),
    ("aws_vpc_security_group_ingress_rule", "security_group_rule"),
    ("aws_vpc_security_group_egress_rule", "security_group_rule"),
    ("aws_efs_file_system", "efs"),
    ("aws_efs_mount_target", "efs_mount_target"),
    ("aws_efs_access_point", "efs_access_point"),
    ("aws_elasticache_replication_group", "cache"),
    ("aws_elasticache_cluster", "cache"),
    ("aws_elasticache_subnet_group", "cache_subnet_group"),
    ("aws_elasticache_serverless_cache", "serverless_cache"),
    ("aws_rds_cluster", "aurora_cluster"),
    ("aws_rds_cluster_instance", "aurora_instance"),
    ("aws_db_subnet_group", "db_subnet_group"),
    ("aws_ecs_cluster", "ecs_cluster"),
    ("aws_ecs_service", "ecs_service"),
    ("aws_ecs_task_definition", "ecs_task_definition"),
    ("aws_autoscaling_group", "autoscaling_group"),
    ("aws_autoscaling_policy", "scaling_policy"),
    ("aws_appautoscaling_policy", "scaling_policy"),
    ("aws_launch_template", "launch_template"),
    ("aws_instance", "instance"),
    ("aws_lb", "load_balancer"),
    ("aws_alb", "load_balancer"),
    ("aws_lb_listener", "listener"),
    ("aws_alb_listener", "listener"),
    ("aws_lb_listener_rule", "listener_rule"),
    ("aws_lb_target_group", "target_group"),
    ("aws_alb_target_group", "target_group"),
    ("aws_acm_certificate", "certificate"),
    ("aws_route53_zone", "dns_zone"),
    ("aws_route53_record", "dns_record"),
    ("aws_cloudfront_distribution", "cdn"),
    ("aws_ssm_parameter", "ssm_parameter"),
    ("aws_secretsmanager_secret", "secret"),
    ("aws_iam_role", "iam_role"),
    ("aws_iam_instance_profile", "iam_instance_profile"),
    ("aws_s3_bucket", "s3_bucket"),
    ("aws_cloudwatch_log_group", "log_group"),
    ("aws_flow_log", "flow_log"),
    ("aws_cloudwatch_metric_alarm", "alarm"),
    ("aws_cloudwatch_event_rule", "scheduled_task"),
    ("aws_scheduler_schedule", "scheduled_task"),
];

/// Terraform data sources and the mdl lookup of each.
pub const DATA_SOURCES: &[(&str, &str)] = &[
    ("aws_ami", "ami"),
    ("aws_ssm_parameter", "ami"),
    ("aws_vpc", "existing_vpc"),
    ("aws_subnets", "existing_vpc"),
    ("aws_route53_zone", "existing_zone"),
    ("aws_acm_certificate", "existing_certificate"),
    ("aws_caller_identity", "caller"),
    ("aws_region", "caller"),
    ("aws_partition", "caller"),
    ("terraform_remote_state", "stack_outputs"),
];

/// The mdl kind of a Terraform resource type.
pub fn kind_of(terraform_type: &str) -> Option<&'static str> {
    RESOURCE_TYPES
        .iter()
        .find(|(t, _)| *t == terraform_type)
        .map(|(_, k)| *k)
}

/// The mdl lookup of a Terraform data source.
fn lookup_of(terraform_type: &str) -> Option<&'static str> {
    DATA_SOURCES
        .iter()
        .find(|(t, _)| *t == terraform_type)
        .map(|(_, k)| *k)
}

/// A token of the line an item starts with: a word, a quoted string, or
/// one other character; with where it starts and ends.
fn tokens(line: &str) -> Vec<(usize, usize, &str)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < 4 {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'"' {
            let end = line[i + 1..].find('"').map_or(b.len(), |n| i + 1 + n + 1);
            out.push((i, end, &line[i..end]));
            i = end;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                i += 1;
            }
            out.push((start, i, &line[start..i]));
        } else {
            let len = line[i..].chars().next().map_or(1, char::len_utf8);
            out.push((i, i + len, &line[i..i + len]));
            i += len;
        }
    }
    out
}

fn unquote(s: &str) -> Option<&str> {
    s.strip_prefix('"')?.strip_suffix('"')
}

/// The diagnostic for an item that did not parse and starts the way a
/// Terraform item does, with the mdl form to write; `None` otherwise.
pub fn hint(source: SourceId, text: &str, pos: usize) -> Option<Diagnostic> {
    let line = text[pos..].split('\n').next().unwrap_or_default();
    let toks = tokens(line);
    let word = |i: usize| toks.get(i).map(|t| t.2);
    let label = |i: usize| word(i).and_then(unquote);
    let span_to =
        |i: usize| Span::new(source, pos + toks[0].0, pos + toks[i.min(toks.len() - 1)].1);
    let first = word(0)?;
    let (message, help, last) = match (first, label(1), label(2)) {
        ("resource", Some(ty), Some(name)) => {
            let help = match kind_of(ty) {
                Some(kind) => format!("write `{kind} {name} {{ ... }}`; `mdl docs {kind}` lists its attributes"),
                None => format!(
                    "write `KIND {name} {{ ... }}` with one of mdl's kinds (`mdl docs` lists them); mdl has no `{ty}`"
                ),
            };
            (
                format!("`resource \"{ty}\" \"{name}\"` is Terraform's form"),
                help,
                2,
            )
        }
        ("data", Some(ty), Some(name)) => {
            let help = match lookup_of(ty) {
                Some(lookup) => format!(
                    "mdl's lookups are blocks too: write `{lookup} {name} {{ ... }}` (`mdl docs {lookup}`)"
                ),
                None => "mdl's lookups are ami, existing_vpc, existing_zone, existing_certificate, stack_outputs and caller: `mdl docs LOOKUP`".to_string(),
            };
            (
                format!("`data \"{ty}\" \"{name}\"` is Terraform's form"),
                help,
                2,
            )
        }
        ("variable", Some(name), _) => (
            format!("`variable \"{name}\"` is Terraform's form"),
            format!(
                "mdl calls it a param: write `param {name}: string = \"default\" {{ doc = \"...\" }}` and refer to it as `param.{name}`"
            ),
            1,
        ),
        ("output", Some(name), _) => (
            format!("`output \"{name}\" {{ value = ... }}` is Terraform's form"),
            format!("write `output {name} = VALUE`"),
            1,
        ),
        ("module", Some(name), _) => (
            format!("`module \"{name}\"` is Terraform's form"),
            format!(
                "write `use \"std/ha\"` (or `use \"./PATH.moodle\" as KIND`), then `ha {name} {{ ... }}`: an instance of the module"
            ),
            1,
        ),
        ("provider", _, _) => (
            "mdl has no `provider` block".to_string(),
            "credentials and region come from the AWS environment (AWS_PROFILE, AWS_REGION, `aws sso login`); pin them with `stack NAME { region = \"eu-west-2\"  account_id = \"123456789012\" }`".to_string(),
            1,
        ),
        ("terraform", _, _) if word(1) == Some("{") => (
            "mdl has no `terraform` block".to_string(),
            "the stack's settings go in `stack NAME { backend = \"s3://BUCKET/PREFIX\" }`".to_string(),
            0,
        ),
        ("locals", _, _) if word(1) == Some("{") => (
            "mdl has no `locals` block".to_string(),
            "give the value a param with a default (`param x = ...`, `param.x`), or write it where it is used".to_string(),
            0,
        ),
        (kind, Some(name), _)
            if word(2) == Some("{")
                && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            let kind = kind_of(kind).unwrap_or(kind);
            (
                "block names are not quoted".to_string(),
                format!("write `{kind} {name} {{`"),
                1,
            )
        }
        _ => return None,
    };
    Some(
        Diagnostic::error(
            "parse::terraform_syntax",
            message,
            span_to(last),
            "Terraform's syntax",
        )
        .with_help(help),
    )
}

/// Help for a block whose kind is a Terraform word (`terraform { }`,
/// `locals { }`, `aws_vpc main { }`).
pub fn kind_help(kind: &str) -> Option<String> {
    if let Some(k) = kind_of(kind) {
        return Some(format!("did you mean `{k}`? (Terraform's `{kind}`)"));
    }
    match kind {
        "terraform" => Some("mdl has no `terraform` block: the stack's settings go in `stack NAME { backend = \"s3://BUCKET/PREFIX\" }`".into()),
        "locals" => Some("mdl has no `locals` block: give the value a param with a default (`param x = ...`, `param.x`), or write it where it is used".into()),
        "provider" => Some("mdl has no `provider` block: credentials and region come from the AWS environment; pin them with `stack NAME { region = \"...\" }`".into()),
        "resource" | "data" | "variable" | "module" => Some(format!(
            "`{kind}` is Terraform's: mdl writes `KIND NAME {{ ... }}` (`mdl docs language`)"
        )),
        _ => None,
    }
}

/// Help for a reference that starts the way a Terraform one does
/// (`var.x`, `local.x`, `data.aws_vpc.main`, `aws_vpc.main`).
pub fn reference_help(head: &str, name: &str) -> Option<String> {
    if let Some(k) = kind_of(head) {
        return Some(format!("did you mean `{k}.{name}`? (Terraform's `{head}`)"));
    }
    match head {
        "var" => Some(format!("mdl calls variables params: write `param.{name}`")),
        "local" => Some("mdl has no locals: use a param with a default (`param.NAME`)".into()),
        "data" => Some(match lookup_of(name) {
            Some(l) => format!(
                "lookups are referred to as `{l}.NAME.ATTRIBUTE` (Terraform's `data.{name}`)"
            ),
            None => {
                "lookups are referred to as `LOOKUP.NAME.ATTRIBUTE`, such as `ami.web.id`".into()
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(text: &str) -> String {
        let d = hint(SourceId::default(), text, 0).expect("a hint");
        d.help.unwrap_or_default()
    }

    #[test]
    fn terraform_items_get_the_mdl_form() {
        assert!(help("resource \"aws_vpc\" \"main\" {\n").contains("`vpc main { ... }`"));
        assert!(help("data \"aws_ami\" \"web\" {}").contains("`ami web { ... }`"));
        assert!(help("variable \"cidr\" {}").contains("param cidr: string"));
        assert!(help("output \"id\" {").contains("`output id = VALUE`"));
        assert!(help("vpc \"main\" {").contains("`vpc main {`"));
        assert!(help("aws_vpc \"main\" {").contains("`vpc main {`"));
        assert!(help("provider \"aws\" {").contains("stack NAME"));
        assert!(hint(SourceId::default(), "vpc main {", 0).is_none());
    }
}
