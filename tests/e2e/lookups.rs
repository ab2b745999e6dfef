//! Lookups against moto_server: read at plan time, used like a resource's
//! values, recorded in state, and shown in a plan when they answer
//! otherwise.

use crate::harness::Workspace;

const ESTATE: &str = r#"
caller me {}

s3_bucket logs {
  name = "lookups-${caller.me.account_id}-${caller.me.region}"
}

output where = "${caller.me.partition}:${caller.me.region}:${caller.me.account_id}"
"#;

#[test]
fn the_callers_account_and_region_name_a_bucket_in_one_stack() {
    let ws = Workspace::new("logs.moodle", ESTATE);
    let account = ws.moto.account().to_string();
    let bucket = format!("lookups-{account}-eu-west-2");
    // Nothing is read by validate: the answers are unknown there.
    let validate = ws.expect("validate", &[], 0);
    assert!(
        validate.stdout.contains("1 resource, 1 lookup"),
        "{}",
        validate.all()
    );
    let plan = ws.expect("plan", &[], 0);
    assert!(
        plan.stdout.contains(&format!("\"{bucket}\"")),
        "{}",
        plan.all()
    );
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply
            .stdout
            .contains(&format!("where = \"aws:eu-west-2:{account}\"")),
        "{}",
        apply.all()
    );
    let buckets = Workspace::runtime().block_on(async {
        ws.moto
            .s3()
            .list_buckets()
            .send()
            .await
            .unwrap()
            .buckets()
            .iter()
            .map(|b| b.name().unwrap().to_string())
            .collect::<Vec<_>>()
    });
    assert!(buckets.contains(&bucket), "{buckets:?}");
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // State records what the lookup answered; an answer that differs from
    // the record (here, a record edited by hand) is shown, and the bucket
    // whose name follows from it is not changed by it.
    let state = std::fs::read_to_string(ws.state_path()).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(json["lookups"]["caller.me"]["account_id"], account.as_str());
    json["lookups"]["caller.me"]["region"] = "eu-west-1".into();
    std::fs::write(ws.state_path(), json.to_string()).unwrap();
    let plan = ws.expect("plan", &[], 0);
    assert!(
        plan.stdout.contains("Lookups that answer otherwise")
            && plan.stdout.contains("<= caller.me")
            && plan.stdout.contains("\"eu-west-1\" -> \"eu-west-2\""),
        "{}",
        plan.all()
    );
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());
    let json = ws.expect("plan", &["--json"], 0);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["lookups_changed"][0]["address"], "caller.me");
    assert_eq!(parsed["lookups_changed"][0]["before"], "eu-west-1");
}

/// What exists outside the stack, made with the SDK as another team would:
/// a tagged VPC with two subnets (one private), a public hosted zone, an
/// imported (so issued) certificate and one still pending validation.
struct Outside {
    vpc: String,
    private_subnet: String,
    zone: String,
    certificate: String,
}

fn make_outside(ws: &Workspace) -> Outside {
    let sdk = ws.moto.sdk();
    Workspace::runtime().block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let tag = |k: &str, v: &str| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build();
        let spec = |rt, tags: Vec<aws_sdk_ec2::types::Tag>| {
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(rt)
                .set_tags(Some(tags))
                .build()
        };
        let vpc = ec2
            .create_vpc()
            .cidr_block("10.77.0.0/16")
            .tag_specifications(spec(
                aws_sdk_ec2::types::ResourceType::Vpc,
                vec![tag("Name", "campus"), tag("Team", "network")],
            ))
            .send()
            .await
            .unwrap()
            .vpc
            .unwrap()
            .vpc_id
            .unwrap();
        let mut subnets = Vec::new();
        for (cidr, az, tier) in [
            ("10.77.2.0/24", "eu-west-2b", "private"),
            ("10.77.1.0/24", "eu-west-2a", "public"),
        ] {
            let id = ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(az)
                .tag_specifications(spec(
                    aws_sdk_ec2::types::ResourceType::Subnet,
                    vec![tag("Tier", tier)],
                ))
                .send()
                .await
                .unwrap()
                .subnet
                .unwrap()
                .subnet_id
                .unwrap();
            subnets.push(id);
        }
        let route53 = aws_sdk_route53::Client::new(&sdk);
        let zone = route53
            .create_hosted_zone()
            .name("lookup.example.org")
            .caller_reference("lookups-e2e")
            .send()
            .await
            .unwrap()
            .hosted_zone
            .unwrap()
            .id
            .trim_start_matches("/hostedzone/")
            .to_string();
        let acm = aws_sdk_acm::Client::new(&sdk);
        let fixture = |name: &str| {
            aws_sdk_acm::primitives::Blob::new(
                std::fs::read(format!(
                    "{}/tests/fixtures/certs/learn.lookup.example.org.{name}",
                    env!("CARGO_MANIFEST_DIR")
                ))
                .unwrap(),
            )
        };
        let certificate = acm
            .import_certificate()
            .certificate(fixture("crt"))
            .private_key(fixture("key"))
            .send()
            .await
            .unwrap()
            .certificate_arn
            .unwrap();
        // A newer request for the same domain, still pending validation:
        // not the one a lookup of issued certificates finds.
        acm.request_certificate()
            .domain_name("learn.lookup.example.org")
            .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
            .send()
            .await
            .unwrap();
        Outside {
            vpc,
            private_subnet: subnets[0].clone(),
            zone,
            certificate,
        }
    })
}

const EXISTING: &str = r#"
ami arm { instance_type = "t4g.small" }

ami intel {
  instance_type = "t3.small"
  release       = "al2"
}

existing_vpc campus {
  tags        = { Name = "campus" }
  subnet_tags = { Tier = "private" }
}

existing_vpc all { id = existing_vpc.campus.id }

existing_zone site { name = "Lookup.Example.org." }

existing_certificate site { domain_name = "learn.lookup.example.org" }

security_group web {
  name        = "lookups-web"
  description = "web servers in the campus VPC"
  vpc_id      = existing_vpc.campus.id
}

dns_record www {
  zone_id = existing_zone.site.id
  name    = "www.lookup.example.org"
  type    = "CNAME"
  ttl     = 300
  records = ["learn.lookup.example.org"]
}

output arm          = ami.arm.id
output arm_arch     = ami.arm.architecture
output intel        = ami.intel.id
output private      = existing_vpc.campus.subnet_ids
output every_subnet = existing_vpc.all.subnet_availability_zones
output cidr         = existing_vpc.all.cidr_block
output zone         = existing_zone.site.id
output certificate  = existing_certificate.site.arn
"#;

/// The public parameter's value, read as AWS's own documentation does.
fn parameter(ws: &Workspace, name: &str) -> String {
    Workspace::runtime().block_on(async {
        aws_sdk_ssm::Client::new(&ws.moto.sdk())
            .get_parameter()
            .name(name)
            .send()
            .await
            .unwrap()
            .parameter
            .unwrap()
            .value
            .unwrap()
    })
}

#[test]
fn lookups_find_the_image_vpc_zone_and_certificate_made_outside_the_stack() {
    let ws = Workspace::new("existing.moodle", EXISTING);
    let outside = make_outside(&ws);
    ws.expect("plan", &[], 0);
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    let output = ws.expect("output", &["--json"], 0);
    let out: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let arm = parameter(
        &ws,
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    );
    let intel = parameter(
        &ws,
        "/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2",
    );
    assert_eq!(out["arm"], arm.as_str(), "{}", apply.all());
    assert_eq!(out["arm_arch"], "arm64");
    assert_eq!(out["intel"], intel.as_str());
    assert_ne!(arm, intel);
    assert_eq!(out["private"], serde_json::json!([outside.private_subnet]));
    // Every subnet, in order of zone.
    assert_eq!(
        out["every_subnet"],
        serde_json::json!(["eu-west-2a", "eu-west-2b"])
    );
    assert_eq!(out["cidr"], "10.77.0.0/16");
    assert_eq!(out["zone"], outside.zone.as_str());
    assert_eq!(out["certificate"], outside.certificate.as_str());

    // What was made with the answers is where they said.
    let (group_vpc, records) = Workspace::runtime().block_on(async {
        let groups = ws
            .moto
            .ec2()
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values("lookups-web")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let records = aws_sdk_route53::Client::new(&ws.moto.sdk())
            .list_resource_record_sets()
            .hosted_zone_id(&outside.zone)
            .send()
            .await
            .unwrap();
        (
            groups.security_groups()[0].vpc_id().unwrap().to_string(),
            records
                .resource_record_sets()
                .iter()
                .map(|r| r.name().to_string())
                .collect::<Vec<_>>(),
        )
    });
    assert_eq!(group_vpc, outside.vpc);
    assert!(
        records
            .iter()
            .any(|r| r.starts_with("www.lookup.example.org")),
        "{records:?}"
    );
    // Nothing changes on a second plan, and the state records the answers.
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.state_path()).unwrap()).unwrap();
    assert_eq!(state["lookups"]["ami.arm"]["id"], arm.as_str());
}

const NETWORK: &str = r#"
vpc main { cidr_block = "10.78.0.0/16" }

ssm_parameter token {
  name  = "/outputs-e2e/token"
  type  = "SecureString"
  value = "s3cret-token-value"
}

output vpc_id = vpc.main.id
output token  = ssm_parameter.token.value
"#;

const APP: &str = r#"
stack_outputs net { file = "../network/network.moodle" }

security_group app {
  name        = "outputs-app"
  description = "in the network stack's VPC"
  vpc_id      = stack_outputs.net.outputs.vpc_id
}

output vpc    = stack_outputs.net.outputs.vpc_id
output token  = stack_outputs.net.outputs.token
output region = stack_outputs.net.region
"#;

#[test]
fn another_stacks_outputs_are_read_from_its_state_local_or_s3() {
    let ws = Workspace::new("app.moodle", APP);
    let network = ws.dir.path().join("network");
    let app = ws.dir.path().join("app");
    std::fs::create_dir_all(&network).unwrap();
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(network.join("network.moodle"), NETWORK).unwrap();
    std::fs::write(app.join("app.moodle"), APP).unwrap();

    // Before the other stack is applied, its outputs cannot be read.
    let early = ws.mdl_in(&app, &["plan", "app.moodle"]);
    assert_eq!(early.code, 1, "{}", early.all());
    assert!(
        early.stderr.contains("lookup::not_found")
            && early.stderr.contains("the stack has no state at")
            && early.stderr.contains("apply the other stack first"),
        "{}",
        early.all()
    );
    let net = ws.mdl_in(&network, &["apply", "network.moodle", "--auto-approve"]);
    assert_eq!(net.code, 0, "{}", net.all());
    let vpc = ws
        .mdl_in(&network, &["output", "network.moodle", "vpc_id"])
        .stdout
        .trim()
        .to_string();
    assert!(vpc.starts_with("vpc-"), "{vpc}");

    let applied = ws.mdl_in(&app, &["apply", "app.moodle", "--auto-approve"]);
    assert_eq!(applied.code, 0, "{}", applied.all());
    let out = ws.mdl_in(&app, &["output", "app.moodle", "--json"]);
    let out: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(out["vpc"], vpc.as_str());
    assert_eq!(out["region"], "eu-west-2");
    // A secret output of the other stack stays secret here.
    assert_eq!(out["token"], "(sensitive)", "{out}");
    let state = std::fs::read_to_string(app.join(".mdl/app.state.json")).unwrap();
    assert!(!state.contains("s3cret-token-value"), "{state}");

    // The same stack's state in an S3 backend, declared in its file: the
    // lookup reads it there.
    let bucket = ws.moto.bucket("outputs-e2e");
    ws.moto.create_bucket(&bucket);
    let remote = ws.dir.path().join("remote");
    std::fs::create_dir_all(&remote).unwrap();
    std::fs::write(
        remote.join("shared.moodle"),
        format!(
            "stack shared {{ backend = \"s3://{bucket}/teams\" }}\n{}",
            NETWORK
                .replace("10.78.0.0/16", "10.79.0.0/16")
                .replace("/outputs-e2e/token", "/outputs-e2e/shared")
        ),
    )
    .unwrap();
    let shared = ws.mdl_in(&remote, &["apply", "shared.moodle", "--auto-approve"]);
    assert_eq!(shared.code, 0, "{}", shared.all());
    let reader = APP
        .replace("../network/network.moodle", "../remote/shared.moodle")
        .replace("outputs-app", "outputs-remote");
    std::fs::write(app.join("reader.moodle"), &reader).unwrap();
    let read = ws.mdl_in(&app, &["apply", "reader.moodle", "--auto-approve"]);
    assert_eq!(read.code, 0, "{}", read.all());
    let out = ws.mdl_in(&app, &["output", "reader.moodle", "vpc"]);
    assert!(out.stdout.trim().starts_with("vpc-"), "{}", out.all());
    assert_ne!(out.stdout.trim(), vpc);
    // Without the file: the backend and the stack's name.
    std::fs::write(
        app.join("bare.moodle"),
        format!(
            "stack_outputs net {{\n  backend = \"s3://{bucket}/teams\"\n  stack   = \"shared\"\n}}\noutput vpc = stack_outputs.net.outputs.vpc_id\n"
        ),
    )
    .unwrap();
    let bare = ws.mdl_in(&app, &["apply", "bare.moodle", "--auto-approve"]);
    assert_eq!(bare.code, 0, "{}", bare.all());
    assert!(bare.stdout.contains(out.stdout.trim()), "{}", bare.all());
    // A contributed file cannot make the stack name a path.
    std::fs::write(
        app.join("sneaky.moodle"),
        "stack_outputs net {\n  file  = \"../network/network.moodle\"\n  stack = \"../../elsewhere\"\n}\n",
    )
    .unwrap();
    let sneaky = ws.mdl_in(&app, &["plan", "sneaky.moodle"]);
    assert_eq!(sneaky.code, 1, "{}", sneaky.all());
    assert!(
        sneaky
            .stderr
            .contains("`../../elsewhere` is not a stack name"),
        "{}",
        sneaky.all()
    );
}

const MISSES: &str = r#"
vpc made { cidr_block = "10.80.0.0/16" }

existing_vpc twice { tags = { Team = "network" } }

existing_vpc absent { id = "vpc-0000000000000000f" }

existing_certificate pending { domain_name = "pending.lookup.example.org" }

existing_zone typo { name = "lookups.example.org" }
"#;

#[test]
fn a_lookup_that_finds_nothing_or_too_much_says_so_at_its_argument() {
    let ws = Workspace::new("misses.moodle", MISSES);
    make_outside(&ws);
    // A second VPC with the same tag.
    Workspace::runtime().block_on(async {
        ws.moto
            .ec2()
            .create_vpc()
            .cidr_block("10.81.0.0/16")
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
                    .tags(
                        aws_sdk_ec2::types::Tag::builder()
                            .key("Team")
                            .value("network")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        aws_sdk_acm::Client::new(&ws.moto.sdk())
            .request_certificate()
            .domain_name("pending.lookup.example.org")
            .send()
            .await
            .unwrap();
    });
    let plan = ws.expect("plan", &[], 1);
    // Ids moto makes up differ from run to run; the message may wrap
    // inside one (at its `-`).
    let mut text = String::new();
    let mut rest = plan.stderr.as_str();
    while let Some(at) = rest.find("vpc-") {
        text.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let mut hex = 0;
        let mut end = 0;
        for (i, c) in after.char_indices() {
            if c.is_ascii_hexdigit() {
                hex += 1;
            } else if !matches!(c, '\n' | ' ' | '│') || hex > 0 {
                break;
            }
            end = i + c.len_utf8();
            if hex == 17 {
                break;
            }
        }
        if hex == 17 && !after.starts_with("0000000000000000f") {
            text.push_str("vpc-ID");
            rest = &after[end..];
        } else {
            text.push_str("vpc-");
            rest = after;
        }
    }
    text.push_str(rest);
    insta::assert_snapshot!("lookup_misses", text);

    // A lookup's argument AWS assigns during the apply, and lookups that
    // need each other, are refused before anything is read.
    ws.write(
        r#"
vpc made { cidr_block = "10.80.0.0/16" }

existing_vpc made { id = vpc.made.id }

existing_zone a { name = existing_zone.b.name }

existing_zone b { name = existing_zone.a.name }
"#,
    );
    let plan = ws.expect("plan", &[], 1);
    insta::assert_snapshot!("lookup_unknown_argument", plan.stderr);
    ws.write(
        r#"
existing_zone a { name = existing_zone.b.name }

existing_zone b { name = existing_zone.a.name }
"#,
    );
    let plan = ws.expect("plan", &[], 1);
    insta::assert_snapshot!("lookup_cycle", plan.stderr);

    // A value validate could not check while the answer was unknown is
    // checked once the lookup has answered, at its span: a /30 carved
    // from the campus VPC's range is too small for a subnet.
    ws.write(
        r#"
existing_vpc campus { tags = { Name = "campus" } }

subnet tiny {
  vpc_id     = existing_vpc.campus.id
  cidr_block = cidrsubnet(existing_vpc.campus.cidr_block, 14, 1)
}
"#,
    );
    ws.expect("validate", &[], 0);
    let plan = ws.expect("plan", &[], 1);
    assert!(
        plan.stderr.contains("check::invalid_value")
            && plan.stderr.contains("10.77.0.4/30")
            && plan.stderr.contains("misses.moodle:6:"),
        "{}",
        plan.all()
    );
}
