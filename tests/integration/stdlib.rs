//! The stdlib modules: each is formatted, and type-checks with its
//! optional parts both off and on (a part whose `when` is false is not
//! checked, so both are tried).

use mdl::diagnostics::SourceMap;

fn check(text: &str) -> String {
    let mut sources = SourceMap::new();
    let id = sources.add("estate.moodle", None, text.to_string());
    let (config, mut diags) =
        mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
    diags.extend(mdl::check::check(&config));
    diags.extend(mdl::graph::Graph::build(&config).cycles());
    let errors: Vec<_> = diags.into_iter().filter(|d| d.is_error()).collect();
    crate::support::render(&errors, &sources)
}

/// Each stdlib module with its optional parts off, then on.
const ESTATES: &[&str] = &[
    r#"
use "std/network"

network net {
  name = "n"
}
"#,
    r#"
use "std/network"

network net {
  name                  = "n"
  azs                   = ["eu-west-2a", "eu-west-2b", "eu-west-2c"]
  nat_per_az            = false
  peer_cidr             = "172.16.0.0/16"
  peering_connection_id = "pcx-0123456789abcdef0"
}
"#,
    r#"
use "std/ha"

ha vle {
  name         = "vle"
  web_image_id = "ami-0123456789abcdef0"
}
"#,
    r#"
use "std/ha"

ha vle {
  name                       = "vle"
  azs                        = ["eu-west-2a", "eu-west-2b", "eu-west-2c"]
  web_image_id               = "ami-0123456789abcdef0"
  database_engine            = "mysql"
  database_serverless        = false
  cache_engine               = "memcached"
  certificate_arn            = "arn:aws:acm:eu-west-2:123456789012:certificate/a"
  domain_name                = "vle.example.ac.uk"
  hosted_zone_id             = "Z0123456789ABCDEFGHIJ"
  cloudfront                 = true
  cloudfront_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/b"
  bastion                    = true
  bastion_image_id           = "ami-0123456789abcdef0"
  ssh_cidr                   = "192.0.2.0/24"
  web_instance_profile_arn   = "arn:aws:iam::123456789012:instance-profile/web"
  web_user_data              = "echo moodle"
  web_scaling                = "step"
  cache_serverless           = true
  cache_serverless_max_gb    = 10
}
"#,
    r#"
use "std/single_node"

single_node training {
  name         = "training"
  web_image_id = "ami-0123456789abcdef0"
}
"#,
    r#"
use "std/single_node"

single_node training {
  name            = "training"
  web_image_id    = "ami-0123456789abcdef0"
  cache           = true
  cache_engine    = "memcached"
  database_engine = "postgresql"
  certificate_arn = "arn:aws:acm:eu-west-2:123456789012:certificate/a"
  domain_name     = "training.example.ac.uk"
  hosted_zone_id  = "Z0123456789ABCDEFGHIJ"
}
"#,
    r#"
use "std/access_logs"

access_logs lb {
  name           = "vle"
  prefix         = "moodle"
  retention_days = 30
}

load_balancer web {
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  access_logs {
    bucket = module.lb.bucket
    prefix = module.lb.prefix
  }
}
"#,
    r#"
use "std/ecs_preview"

ecs_preview vle {
  domain          = "preview.example.ac.uk"
  certificate_arn = "arn:aws:acm:eu-west-2:123456789012:certificate/a"
}
"#,
    r#"
use "std/ecs_preview"

ecs_preview vle {
  domain                 = "preview.example.ac.uk"
  certificate_arn        = "arn:aws:acm:eu-west-2:123456789012:certificate/a"
  onprem_vpc_id          = "vpc-0123456789abcdef0"
  onprem_cidr            = "172.16.0.0/16"
  onprem_route_table_ids = ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"]
  tenants = {
    a = { image = "moodle:8.0", host = "a.example.ac.uk", cpu = 1024, memory = 2048 }
    b = { image = "moodle:7.4", php_version = "7.4", cron = false }
  }
}
"#,
];

#[test]
fn every_stdlib_module_type_checks_with_its_options_off_and_on() {
    for estate in ESTATES {
        let errors = check(estate);
        assert!(errors.is_empty(), "{estate}\n{errors}");
    }
    for name in mdl::stdlib::names() {
        assert!(
            ESTATES
                .iter()
                .any(|e| e.contains(&format!("use \"std/{name}\""))),
            "std/{name} is not checked here"
        );
    }
}

#[test]
fn stdlib_sources_are_formatted() {
    for name in mdl::stdlib::names() {
        let text = mdl::stdlib::module(name).unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add(format!("std/{name}.moodle"), None, text.to_string());
        let (file, diags) = mdl::syntax::parse(id, text);
        assert!(diags.is_empty(), "std/{name} does not parse");
        assert_eq!(
            mdl::syntax::fmt::format(&file, text),
            text,
            "std/{name} is not formatted: run `mdl fmt stdlib/{name}.moodle`"
        );
    }
}

#[test]
fn module_rules_point_at_the_callers_value() {
    let errors = check(
        r#"
use "std/ha"

ha vle {
  name         = "vle"
  web_image_id = "ami-0123456789abcdef0"
  web_min      = 3
  web_max      = 2
  cloudfront   = true
  domain_name  = "vle.example.ac.uk"
}
"#,
    );
    assert!(
        errors.contains("web_max is below web_min") && errors.contains("web_max      = 2"),
        "{errors}"
    );
    assert!(
        errors.contains("CloudFront for a domain needs cloudfront_certificate_arn"),
        "{errors}"
    );
}

/// Every diagnostic, warnings included.
fn all(text: &str) -> String {
    let mut sources = SourceMap::new();
    let id = sources.add("estate.moodle", None, text.to_string());
    let (config, mut diags) =
        mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
    diags.extend(mdl::check::check(&config));
    crate::support::render(&diags, &sources)
}

#[test]
fn fragile_estates_are_warned_about() {
    let ha = all(r#"
use "std/ha"

ha vle {
  name         = "vle"
  azs          = ["eu-west-2a"]
  web_image_id = "ami-0123456789abcdef0"
  web_min      = 1
}
"#);
    assert!(
        ha.contains("an HA estate in one availability zone has no redundancy")
            && ha.contains("an HA estate with fewer than 2 web servers has no redundancy"),
        "{ha}"
    );
    let single = all(r#"
use "std/single_node"

single_node training {
  name         = "training"
  web_image_id = "ami-0123456789abcdef0"
  cache        = true
}
"#);
    assert!(
        single.contains("sessions and the application cache share one cluster"),
        "{single}"
    );
}

/// Values AWS assigns are unknown, but an id, an ARN or a string built from
/// one is known not to be null: `x != null` decides at plan time, in a
/// module's `when` too, and `length` counts a list of them. A value AWS
/// may leave null stays undecided.
#[test]
fn assigned_ids_are_known_not_to_be_null() {
    let errors = check(&format!(
        "{}\n{}",
        include_str!("../fixtures/estates/own_domain.moodle"),
        r#"
vpc main { cidr_block = "10.0.0.0/16" }

subnet counted {
  for_each   = length([vpc.main.id, "${vpc.main.id}/x"]) == 2 && "${vpc.main.id}/x" != null ? { a = "10.0.1.0/24" } : {}
  vpc_id     = vpc.main.id
  cidr_block = each.value
}
"#
    ));
    assert!(errors.is_empty(), "{errors}");
    let mut sources = SourceMap::new();
    let text = "vpc main { cidr_block = \"10.0.0.0/16\" }\nsubnet counted {\n  for_each   = length([vpc.main.id]) == 1 && \"${vpc.main.id}/x\" != null ? { a = \"10.0.1.0/24\" } : {}\n  vpc_id     = vpc.main.id\n  cidr_block = each.value\n}\n";
    let id = sources.add("estate.moodle", None, text.to_string());
    let (config, diags) =
        mdl::lang::load_source(&mut sources, id, "test", &[], mdl::kinds::schemas());
    assert!(diags.is_empty(), "{diags:?}");
    assert!(
        config
            .resources
            .keys()
            .any(|a| a.to_string() == "subnet.counted[\"a\"]"),
        "{:?}",
        config.resources.keys().collect::<Vec<_>>()
    );
    let undecided = check(
        r#"
aurora_cluster main {
  engine          = "aurora-postgresql"
  master_username = "moodle"
}

ssm_parameter reader {
  when  = aurora_cluster.main.reader_endpoint != null
  name  = "/x/reader"
  value = aurora_cluster.main.reader_endpoint
}
"#,
    );
    assert!(undecided.contains("lang::unknown_at_plan"), "{undecided}");
}
