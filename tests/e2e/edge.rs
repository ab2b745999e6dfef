//! Load balancing, certificates, DNS and CDN end to end: an ALB with an
//! HTTP listener that redirects to HTTPS, an HTTPS listener with an ACM
//! certificate, and listener rules whose priorities mdl assigns and keeps;
//! a CloudFront distribution in front of an ALB, a hosted zone, and alias
//! and plain records.

use crate::harness::Workspace;

const EDGE: &str = r#"
vpc main {
  cidr_block = "10.50.0.0/16"
}

subnet public_a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.50.1.0/24"
  availability_zone = "eu-west-2a"
}

subnet public_b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.50.2.0/24"
  availability_zone = "eu-west-2b"
}

security_group alb {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
}

certificate vle {
  domain_name               = "vle.example.ac.uk"
  subject_alternative_names = ["*.vle.example.ac.uk"]
}

load_balancer web {
  subnet_ids         = [subnet.public_a.id, subnet.public_b.id]
  security_group_ids = [security_group.alb.id]
}

target_group moodle {
  vpc_id            = vpc.main.id
  health_check_path = "/status.txt"
}

target_group branch_a {
  vpc_id = vpc.main.id
}

target_group branch_b {
  vpc_id = vpc.main.id
}

listener http {
  load_balancer_arn = load_balancer.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action    = "redirect-https"
}

listener https {
  load_balancer_arn = load_balancer.web.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = certificate.vle.arn
  target_group_arn  = target_group.moodle.arn
}

listener_rule branch_a {
  listener_arn     = listener.https.arn
  host_headers     = ["branch-a.vle.example.ac.uk"]
  target_group_arn = target_group.branch_a.arn
}

listener_rule branch_b {
  listener_arn     = listener.https.arn
  host_headers     = ["branch-b.vle.example.ac.uk"]
  target_group_arn = target_group.branch_b.arn
}

output alb = load_balancer.web.dns_name
output validation = certificate.vle.validation_records
"#;

fn priorities(ws: &Workspace) -> Vec<(String, i64)> {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.state_path()).unwrap()).unwrap();
    let mut out: Vec<(String, i64)> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["address"].as_str().unwrap().starts_with("listener_rule."))
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["attributes"]["priority"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn alb_with_https_redirect_certificate_and_rules() {
    let ws = Workspace::new("edge.moodle", EDGE);
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 13 added"),
        "{}",
        apply.all()
    );
    assert!(
        apply.stdout.contains("alb = \"edge-web-"),
        "{}",
        apply.all()
    );
    assert!(
        apply.stdout.contains("type = \"CNAME\""),
        "validation records are an output:\n{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Priorities were assigned, one each, and survive re-plans and updates.
    let assigned = priorities(&ws);
    let mut values: Vec<i64> = assigned.iter().map(|(_, p)| *p).collect();
    values.sort();
    values.dedup();
    assert_eq!(values.len(), 2, "{assigned:?}");

    ws.edit("branch-b.vle.example.ac.uk", "b.vle.example.ac.uk");
    ws.edit(
        "health_check_path = \"/status.txt\"",
        "health_check_path = \"/login/index.php\"",
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout
            .contains("# listener_rule.branch_b will be updated in place"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("# target_group.moodle will be updated in place"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    assert_eq!(priorities(&ws), assigned);

    let destroy = ws.expect("destroy", &["--auto-approve"], 0);
    assert!(
        destroy.stdout.contains("Resources: 13 destroyed."),
        "{}",
        destroy.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 2);
}

const DNS: &str = r#"
vpc main {
  cidr_block = "10.51.0.0/16"
}

subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.51.1.0/24"
  availability_zone = "eu-west-2a"
}

subnet b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.51.2.0/24"
  availability_zone = "eu-west-2b"
}

load_balancer web {
  subnet_ids = [subnet.a.id, subnet.b.id]
}

cdn web {
  origin_domain_name = load_balancer.web.dns_name
  origin_protocol    = "http-only"
  comment            = "Moodle"
}

dns_zone main {
  name = "vle.example.ac.uk"
}

dns_record www {
  zone_id       = dns_zone.main.id
  name          = "www.vle.example.ac.uk"
  type          = "A"
  alias_name    = load_balancer.web.dns_name
  alias_zone_id = load_balancer.web.zone_id
}

dns_record apex {
  zone_id       = dns_zone.main.id
  name          = "vle.example.ac.uk"
  type          = "A"
  alias_name    = cdn.web.dns_name
  alias_zone_id = cdn.web.zone_id
}

dns_record verify {
  zone_id = dns_zone.main.id
  name    = "_verify.vle.example.ac.uk"
  type    = "TXT"
  records = ["\"token-1\""]
}

output cdn_name = cdn.web.dns_name
"#;

/// Every record of the zone but SOA and NS: (name, type, alias target or
/// values, ttl).
fn records(ws: &Workspace) -> Vec<(String, String, String, Option<i64>)> {
    Workspace::runtime().block_on(async {
        let r53 = aws_sdk_route53::Client::new(&ws.moto.sdk());
        let zones = r53.list_hosted_zones().send().await.unwrap();
        let Some(zone) = zones.hosted_zones().first() else {
            return Vec::new();
        };
        let sets = r53
            .list_resource_record_sets()
            .hosted_zone_id(zone.id())
            .send()
            .await
            .unwrap();
        sets.resource_record_sets()
            .iter()
            .filter(|s| !matches!(s.r#type().as_str(), "SOA" | "NS"))
            .map(|s| {
                let target = s.alias_target().map_or_else(
                    || {
                        s.resource_records()
                            .iter()
                            .map(|r| r.value().to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    },
                    |a| a.dns_name().trim_end_matches('.').to_lowercase(),
                );
                (
                    s.name().trim_end_matches('.').to_string(),
                    s.r#type().as_str().to_string(),
                    target,
                    s.ttl(),
                )
            })
            .collect()
    })
}

fn distributions(ws: &Workspace) -> Vec<(String, String, bool)> {
    Workspace::runtime().block_on(async {
        let out = aws_sdk_cloudfront::Client::new(&ws.moto.sdk())
            .list_distributions()
            .send()
            .await
            .unwrap();
        out.distribution_list()
            .map(|l| {
                l.items()
                    .iter()
                    .map(|d| {
                        (
                            d.origins()
                                .and_then(|o| o.items().first())
                                .map(|o| o.domain_name().to_lowercase())
                                .unwrap_or_default(),
                            d.comment().to_string(),
                            d.enabled(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

fn lb_dns(ws: &Workspace) -> String {
    Workspace::runtime().block_on(async {
        aws_sdk_elasticloadbalancingv2::Client::new(&ws.moto.sdk())
            .describe_load_balancers()
            .send()
            .await
            .unwrap()
            .load_balancers()[0]
            .dns_name()
            .unwrap_or_default()
            .to_lowercase()
    })
}

#[test]
fn cdn_in_front_of_the_alb_with_alias_and_plain_records() {
    let ws = Workspace::new("dns.moodle", DNS);
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 9 added"),
        "{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    let lb = lb_dns(&ws);
    assert_eq!(
        distributions(&ws),
        vec![(lb.clone(), "Moodle".to_string(), true)]
    );
    let cdn = ws
        .expect("output", &["cdn_name"], 0)
        .stdout
        .trim()
        .to_lowercase();
    assert!(cdn.ends_with(".cloudfront.net"), "{cdn}");
    let mut found = records(&ws);
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "_verify.vle.example.ac.uk".to_string(),
                "TXT".to_string(),
                "\"token-1\"".to_string(),
                Some(300)
            ),
            ("vle.example.ac.uk".to_string(), "A".to_string(), cdn, None),
            (
                "www.vle.example.ac.uk".to_string(),
                "A".to_string(),
                lb.clone(),
                None
            ),
        ]
    );

    // Values, TTL and alias targets change in place; so does the CDN.
    ws.edit(
        "\"\\\"token-1\\\"\"]",
        "\"\\\"token-2\\\"\"]\n  ttl     = 60",
    );
    ws.edit(
        "alias_name    = load_balancer.web.dns_name\n  alias_zone_id = load_balancer.web.zone_id",
        "alias_name    = cdn.web.dns_name\n  alias_zone_id = cdn.web.zone_id",
    );
    ws.edit(
        "comment            = \"Moodle\"",
        "comment            = \"Moodle VLE\"",
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    for line in [
        "# dns_record.verify will be updated in place",
        "# dns_record.www will be updated in place",
        "~ comment = \"Moodle\" -> \"Moodle VLE\"",
        "Plan: 0 to add, 3 to change, 0 to destroy.",
    ] {
        assert!(plan.stdout.contains(line), "{line}\n{}", plan.all());
    }
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let found = records(&ws);
    assert!(
        found.contains(&(
            "_verify.vle.example.ac.uk".to_string(),
            "TXT".to_string(),
            "\"token-2\"".to_string(),
            Some(60)
        )),
        "{found:?}"
    );
    assert_eq!(
        found
            .iter()
            .filter(|r| r.2.ends_with(".cloudfront.net"))
            .count(),
        2,
        "{found:?}"
    );
    assert_eq!(distributions(&ws)[0].1, "Moodle VLE");

    // A record with both values and an alias is refused before anything
    // is called.
    ws.edit(
        "  ttl     = 60",
        "  ttl     = 60\n  alias_name = \"x.example.org\"",
    );
    let bad = ws.expect("plan", &[], 1);
    assert!(
        bad.stderr
            .contains("`dns_record` needs exactly one of `records`, `alias_name`"),
        "{}",
        bad.all()
    );
    ws.edit("\n  alias_name = \"x.example.org\"", "");

    // The distribution is disabled, then deleted; the zone goes last.
    let destroy = ws.expect("destroy", &["--auto-approve"], 0);
    assert!(
        destroy.stdout.contains("Resources: 9 destroyed."),
        "{}",
        destroy.all()
    );
    assert!(distributions(&ws).is_empty());
    assert!(records(&ws).is_empty());
}
