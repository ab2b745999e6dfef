//! Load balancing and certificates end to end: an ALB with an HTTP
//! listener that redirects to HTTPS, an HTTPS listener with an ACM
//! certificate, and listener rules whose priorities mdl assigns and keeps.

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
