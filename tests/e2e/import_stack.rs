//! `mdl import FILE --from-stack NAME`: a stack created by CloudFormation
//! (in moto, from a template `mdl export` wrote, plus a queue mdl has no
//! kind for) becomes a `.moodle` file and adopted state; the first plan
//! only adds mdl's tags, and after that apply the plan is empty.
//! Hand-written stacks too: groups that let each other in (rules written
//! as blocks of their own), a launch template run by cfn-init (named in
//! the header), and nested stacks (one file, a section each).

use crate::harness::Workspace;

/// The estate the stack is made from, in the form a user of mdl writes.
const SOURCE: &str = r##"
vpc main {
  cidr_block = "10.20.0.0/16"
  tags = { Name = "legacy" }
}
subnet a {
  vpc_id = vpc.main.id
  cidr_block = "10.20.1.0/24"
  availability_zone = "eu-west-2a"
  map_public_ip_on_launch = true
}
subnet b {
  vpc_id = vpc.main.id
  cidr_block = "10.20.2.0/24"
  availability_zone = "eu-west-2b"
}
internet_gateway gw {
  vpc_id = vpc.main.id
}
route_table public {
  vpc_id = vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = internet_gateway.gw.id
  }
  subnet_ids = [subnet.a.id]
}
security_group web {
  name = "legacy-web"
  description = "web"
  vpc_id = vpc.main.id
  ingress {
    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = ["0.0.0.0/0"]
  }
}
security_group efs {
  name = "legacy-efs"
  description = "efs"
  vpc_id = vpc.main.id
  ingress {
    protocol = "tcp"
    from_port = 2049
    to_port = 2049
    security_groups = [security_group.web.id]
  }
}
efs data {
  encrypted = true
}
efs_mount_target a {
  file_system_id = efs.data.id
  subnet_id = subnet.a.id
  security_groups = [security_group.efs.id]
}
load_balancer web {
  name = "legacy"
  subnet_ids = [subnet.a.id, subnet.b.id]
  security_group_ids = [security_group.web.id]
}
target_group web {
  name = "legacy-web"
  vpc_id = vpc.main.id
  port = 80
  target_type = "instance"
}
listener http {
  load_balancer_arn = load_balancer.web.arn
  port = 80
  protocol = "HTTP"
  target_group_arn = target_group.web.arn
}
ssm_parameter wwwroot {
  name = "/legacy/wwwroot"
  value = "https://legacy.example.org"
}
ecs_cluster main {
  name = "legacy"
}
iam_role execution {
  name = "legacy-execution"
  trusted_service = "ecs-tasks.amazonaws.com"
}
ecs_task_definition moodle {
  family = "legacy-moodle"
  cpu = 512
  memory = 1024
  execution_role_arn = iam_role.execution.arn
  container {
    name = "moodle"
    image = "moodle:4.4"
    port = 80
  }
}
ecs_service moodle {
  name = "legacy-moodle"
  cluster_arn = ecs_cluster.main.arn
  task_definition_arn = ecs_task_definition.moodle.arn
  subnet_ids = [subnet.a.id, subnet.b.id]
  security_group_ids = [security_group.web.id]
  desired_count = 2
}
launch_template web {
  name = "legacy-web"
  image_id = "ami-0123456789abcdef0"
  instance_type = "t3.medium"
  security_group_ids = [security_group.web.id]
}
autoscaling_group web {
  name = "legacy-web"
  launch_template_id = launch_template.web.id
  min_size = 1
  max_size = 3
  subnet_ids = [subnet.a.id, subnet.b.id]
  target_group_arns = [target_group.web.arn]
}
instance bastion {
  image_id = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  subnet_id = subnet.a.id
  security_group_ids = [security_group.web.id]
  tags = { Name = "bastion" }
}
dns_zone main {
  name = "legacy.example.org"
}
dns_record www {
  zone_id = dns_zone.main.id
  name = "www.legacy.example.org"
  type = "CNAME"
  records = [load_balancer.web.dns_name]
}
"##;

fn cloudformation(ws: &Workspace) -> aws_sdk_cloudformation::Client {
    aws_sdk_cloudformation::Client::new(&ws.moto.sdk())
}

/// The generated file without what differs from run to run: the stack's
/// ARN and the ids moto picks for what is outside the stack.
fn stable(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("# arn:aws:cloudformation:") {
            out.push_str("# (the stack's ARN)\n");
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("\"sg-") {
            out.push_str(&rest[..at]);
            out.push_str("\"sg-(id)");
            rest = rest[at + 4..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

/// Create the stack `name` from `template` in moto; its status.
fn create_stack(ws: &Workspace, name: &str, template: &serde_json::Value) -> String {
    let cfn = cloudformation(ws);
    Workspace::runtime().block_on(async {
        cfn.create_stack()
            .stack_name(name)
            .template_body(template.to_string())
            .send()
            .await
            .unwrap();
        let out = cfn.describe_stacks().stack_name(name).send().await.unwrap();
        out.stacks()[0].stack_status().unwrap().as_str().to_string()
    })
}

/// The plan of an imported file changes nothing but the tags that adopt
/// each resource; the plan's output.
fn plans_only_adoption(ws: &Workspace, file: &str) -> String {
    let plan = ws.mdl(&["plan", file]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    for line in plan.stdout.lines() {
        let change = line.starts_with("      +")
            || line.starts_with("      ~")
            || line.starts_with("      -");
        assert!(
            !change || line.contains("mdl:address"),
            "a change other than adoption: `{line}`\n{}",
            plan.all()
        );
    }
    plan.stdout
}

/// The file an import wrote.
fn written(ws: &Workspace, file: &str) -> String {
    std::fs::read_to_string(ws.dir.path().join(file)).unwrap()
}

/// The written file holds each of `expected`.
fn holds(text: &str, expected: &[&str]) {
    for expected in expected {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
}

/// The written file validates.
fn validates(ws: &Workspace, file: &str) {
    let validate = ws.mdl(&["validate", file]);
    assert_eq!(validate.code, 0, "{}", validate.all());
}

/// The imported file applies, and the plan after it is empty.
fn applies_to_an_empty_replan(ws: &Workspace, file: &str) {
    let apply = ws.mdl(&["apply", file, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let replan = ws.mdl(&["plan", file, "--detailed-exitcode"]);
    assert_eq!(replan.code, 0, "{}", replan.all());
}

#[test]
fn a_cloudformation_stack_is_imported_and_adopted_with_an_empty_replan() {
    let ws = Workspace::new("source.moodle", SOURCE);
    ws.expect("export", &["--cloudformation", "--out", "template.json"], 0);
    let path = ws.dir.path().join("template.json");
    let mut template: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    template["Resources"]["Uploads"] = serde_json::json!({
        "Type": "AWS::SQS::Queue",
        "Properties": { "QueueName": "legacy-uploads" }
    });
    let cfn = cloudformation(&ws);
    let status = Workspace::runtime().block_on(async {
        cfn.create_stack()
            .stack_name("legacy")
            .template_body(template.to_string())
            .send()
            .await
            .unwrap();
        let out = cfn
            .describe_stacks()
            .stack_name("legacy")
            .send()
            .await
            .unwrap();
        out.stacks()[0].stack_status().unwrap().as_str().to_string()
    });
    assert_eq!(status, "CREATE_COMPLETE");

    // A stack that does not exist: refused, nothing written.
    let missing = ws.mdl(&["import", "legacy.moodle", "--from-stack", "nope"]);
    assert_eq!(missing.code, 1, "{}", missing.all());
    assert!(
        missing.stderr.contains("import::stack_unreadable"),
        "{}",
        missing.all()
    );
    assert!(!ws.dir.path().join("legacy.moodle").exists());

    let import = ws.mdl(&["import", "legacy.moodle", "--from-stack", "legacy"]);
    assert_eq!(import.code, 0, "{}", import.all());
    assert!(
        import.stdout.contains(
            "Imported 22 resources of the CloudFormation stack `legacy` into legacy.moodle"
        ),
        "{}",
        import.all()
    );
    assert!(
        import
            .stdout
            .contains("Uploads (AWS::SQS::Queue): mdl has no kind for it"),
        "{}",
        import.all()
    );
    let text = written(&ws, "legacy.moodle");
    // Ids of other imported resources are references; names stay names.
    holds(
        &text,
        &[
            "vpc_id            = vpc.main.id",
            "load_balancer_arn = load_balancer.web.arn",
            "launch_template_id      = launch_template.web.id",
            "security_groups = [security_group.web.id]",
            "records = [load_balancer.web.dns_name]",
            "name        = \"legacy-web\"",
        ],
    );
    insta::assert_snapshot!("imported_from_stack", stable(&text));

    // The file exists now: a second import does not overwrite it.
    let again = ws.mdl(&["import", "legacy.moodle", "--from-stack", "legacy"]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again.stderr.contains("import::file_exists"),
        "{}",
        again.all()
    );

    // The first plan changes nothing but the tags that adopt each resource
    // (mount targets and records carry none).
    let plan = ws.mdl(&["plan", "legacy.moodle"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 20 to change, 0 to destroy."),
        "{}",
        plan.all()
    );
    for line in plan.stdout.lines() {
        let change = line.starts_with("      +")
            || line.starts_with("      ~")
            || line.starts_with("      -");
        assert!(
            !change || line.contains("mdl:address"),
            "a change other than adoption: `{line}`\n{}",
            plan.all()
        );
    }
    let apply = ws.mdl(&["apply", "legacy.moodle", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply.stdout.contains("0 added, 20 changed, 0 destroyed"),
        "{}",
        apply.all()
    );
    let replan = ws.mdl(&["plan", "legacy.moodle", "--detailed-exitcode"]);
    assert_eq!(replan.code, 0, "{}", replan.all());
    assert!(
        !replan.stdout.contains("Changed outside mdl"),
        "{}",
        replan.all()
    );

    // The stack is as it was; its VPC now also carries mdl's tags.
    let (status, tags) = Workspace::runtime().block_on(async {
        let out = cfn
            .describe_stacks()
            .stack_name("legacy")
            .send()
            .await
            .unwrap();
        let vpcs = ws.moto.ec2().describe_vpcs().send().await.unwrap();
        let tags: Vec<(String, String)> = vpcs
            .vpcs()
            .iter()
            .flat_map(|v| v.tags())
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .filter(|(k, _)| k.starts_with("mdl:"))
            .collect();
        (
            out.stacks()[0].stack_status().unwrap().as_str().to_string(),
            tags,
        )
    });
    assert_eq!(status, "CREATE_COMPLETE");
    assert!(
        tags.contains(&("mdl:stack".into(), "legacy".into())),
        "{tags:?}"
    );
    assert!(
        tags.contains(&("mdl:address".into(), "vpc.main".into())),
        "{tags:?}"
    );
}

/// A hand-written stack whose two groups let each other in, by standalone
/// `SecurityGroupIngress` resources (as the reference's security-groups
/// stack does with its egress rules). Folded into the groups, the rules
/// would make the groups refer to each other, and the file could not be
/// ordered: they are written as `security_group_rule` blocks, and the
/// file validates, plans only mdl's tags, and applies to an empty re-plan.
#[test]
fn groups_that_let_each_other_in_import_as_rule_blocks() {
    let template = serde_json::json!({
        "Resources": {
            "Vpc": {
                "Type": "AWS::EC2::VPC",
                "Properties": { "CidrBlock": "10.40.0.0/16" }
            },
            "AlbSecurityGroup": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "alb",
                    "VpcId": { "Ref": "Vpc" },
                    "SecurityGroupIngress": [
                        { "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0" }
                    ]
                }
            },
            "WebSecurityGroup": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": { "GroupDescription": "web", "VpcId": { "Ref": "Vpc" } }
            },
            "WebFromAlb": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {
                    "GroupId": { "Ref": "WebSecurityGroup" },
                    "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                    "SourceSecurityGroupId": { "Ref": "AlbSecurityGroup" }
                }
            },
            "AlbFromWeb": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {
                    "GroupId": { "Ref": "AlbSecurityGroup" },
                    "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                    "SourceSecurityGroupId": { "Ref": "WebSecurityGroup" }
                }
            },
            // The reference's web tier: cfn-init metadata, and a boot
            // script that runs it.
            "WebLaunchTemplate": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Metadata": { "AWS::CloudFormation::Init": { "config": { "packages": { "yum": { "php": [] } } } } },
                "Properties": {
                    "LaunchTemplateName": "groups-web",
                    "LaunchTemplateData": {
                        "ImageId": "ami-0123456789abcdef0",
                        "InstanceType": "t4g.small",
                        "Monitoring": { "Enabled": true },
                        "UserData": { "Fn::Base64": "#!/bin/bash\n/opt/aws/bin/cfn-init -v --stack groups --resource WebLaunchTemplate\n" }
                    }
                }
            }
        }
    });
    let ws = Workspace::new("unused.moodle", "");
    let status = create_stack(&ws, "groups", &template);
    assert_eq!(status, "CREATE_COMPLETE");
    let import = ws.mdl(&["import", "groups.moodle", "--from-stack", "groups"]);
    assert_eq!(import.code, 0, "{}", import.all());
    let text = written(&ws, "groups.moodle");
    // The rules of the cycle are blocks of their own, naming both groups;
    // the rule from the internet stays in its group.
    assert_eq!(
        text.matches("security_group_rule ").count(),
        2,
        "two rule blocks expected:\n{text}"
    );
    // Each takes the name of the stack's own resource for it, which is no
    // longer reported as folded into a group.
    holds(
        &text,
        &[
            "security_group_rule web_from_alb {",
            "security_group_rule alb_from_web {",
            "security_group_id            = security_group.alb.id",
            "referenced_security_group_id = security_group.web.id",
            "cidr_blocks = [\"0.0.0.0/0\"]",
        ],
    );
    assert!(
        !text.contains("security_groups = [security_group."),
        "{text}"
    );
    assert!(
        !text.contains("Imported as part of another block"),
        "{text}"
    );
    // What the file cannot carry is in its header, with its value; the
    // monitoring it can carry is in the block.
    holds(
        &text,
        &[
            "# Not managed by mdl:",
            "#   WebLaunchTemplate.Metadata = {\"AWS::CloudFormation::Init\"",
            "#   WebLaunchTemplate.UserData = (calls cfn-init): its boot script runs cfn-init --stack, which stops working once the stack is deleted",
            "detailed_monitoring",
            "# WebLaunchTemplate\nlaunch_template web {",
        ],
    );
    assert!(
        import
            .stdout
            .contains("2 settings of the stack's template are not managed by mdl"),
        "{}",
        import.all()
    );
    validates(&ws, "groups.moodle");
    // Only adoption: each group, rule and the VPC gets mdl's tags; no rule
    // is taken from a group or added to one.
    let plan = plans_only_adoption(&ws, "groups.moodle");
    assert!(
        plan.contains("Plan: 0 to add, 6 to change, 0 to destroy."),
        "{plan}"
    );
    applies_to_an_empty_replan(&ws, "groups.moodle");
}

/// A parent stack with two nested stacks (templates in S3, parameters
/// passed down): one import writes one file with a section per nested
/// stack, references within each, the parameters' values where the
/// templates named them; it validates, plans only mdl's tags, and
/// applies to an empty re-plan.
#[test]
fn nested_stacks_import_into_one_file() {
    let ws = Workspace::new("unused.moodle", "");
    let bucket = ws.moto.bucket("templates");
    ws.moto.create_bucket(&bucket);
    let network = serde_json::json!({
        "Parameters": { "VpcCidr": { "Type": "String" } },
        "Resources": {
            "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": { "Ref": "VpcCidr" } } },
            "AppSubnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {
                    "VpcId": { "Ref": "Vpc" },
                    "CidrBlock": "10.50.1.0/24",
                    "AvailabilityZone": "eu-west-2a"
                }
            }
        }
    });
    let logs = serde_json::json!({
        "Parameters": { "Name": { "Type": "String" } },
        "Resources": {
            "WebLogGroup": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": { "LogGroupName": { "Ref": "Name" }, "RetentionInDays": 30 }
            }
        }
    });
    let url = |key: &str| format!("https://s3.amazonaws.com/{bucket}/{key}");
    let parent = serde_json::json!({
        "Resources": {
            "Network": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {
                    "TemplateURL": url("network.json"),
                    "Parameters": { "VpcCidr": "10.50.0.0/16" }
                }
            },
            "Logs": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {
                    "TemplateURL": url("logs.json"),
                    "Parameters": { "Name": "nested-web" }
                }
            }
        }
    });
    let s3 = ws.moto.s3();
    Workspace::runtime().block_on(async {
        for (key, body) in [("network.json", &network), ("logs.json", &logs)] {
            s3.put_object()
                .bucket(&bucket)
                .key(key)
                .body(body.to_string().into_bytes().into())
                .send()
                .await
                .unwrap();
        }
    });
    let status = create_stack(&ws, "parent", &parent);
    assert_eq!(status, "CREATE_COMPLETE");
    let import = ws.mdl(&["import", "nested.moodle", "--from-stack", "parent"]);
    assert_eq!(import.code, 0, "{}", import.all());
    assert!(
        import.stdout.contains("Imported 3 resources"),
        "{}",
        import.all()
    );
    assert!(
        !import.stdout.contains("AWS::CloudFormation::Stack"),
        "a nested stack reported as not imported:\n{}",
        import.all()
    );
    let text = written(&ws, "nested.moodle");
    holds(
        &text,
        &[
            "# ---- the nested stack Network ----",
            "# ---- the nested stack Logs ----",
            "# Network.Vpc\nvpc network {",
            "vpc_id            = vpc.network.id",
            "name           = \"nested-web\"",
        ],
    );
    assert!(
        import
            .stdout
            .contains("Every setting of the stack's template is in the file."),
        "{}",
        import.all()
    );
    validates(&ws, "nested.moodle");
    plans_only_adoption(&ws, "nested.moodle");
    applies_to_an_empty_replan(&ws, "nested.moodle");
}

/// An estate shaped like the reference architecture's sub-stacks, as far
/// as moto's CloudFormation builds them (it makes no scaling policies,
/// alarms or bucket policies, nor an HTTPS listener without a
/// certificate): a 3-AZ VPC with a flow log to a log group, groups that
/// let each other in, EFS, a load balancer with target-group thresholds,
/// a launch template run by cfn-init with detailed monitoring, an Auto
/// Scaling group with a cooldown, an instance profile whose role has two
/// inline policies, and a bucket. The file validates, its header lists
/// what it does not carry, and the first plan only adds mdl's tags.
#[test]
fn a_reference_shaped_stack_imports_without_losing_a_setting() {
    // Bucket names are global: the stack's is its account's own.
    let ws = Workspace::new("unused.moodle", "");
    let bucket = ws.moto.bucket("refarch-logs");
    let az = |s: &str| format!("eu-west-2{s}");
    let mut resources = serde_json::json!({
        "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.60.0.0/16" } },
        "FlowLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": { "LogGroupName": "refarch-flow", "RetentionInDays": 7 }
        },
        "FlowLogRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Path": "/",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{ "Effect": "Allow", "Principal": { "Service": "vpc-flow-logs.amazonaws.com" }, "Action": "sts:AssumeRole" }]
                }
            }
        },
        "FlowLog": {
            "Type": "AWS::EC2::FlowLog",
            "Properties": {
                "ResourceId": { "Ref": "Vpc" },
                "ResourceType": "VPC",
                "TrafficType": "ALL",
                "LogGroupName": { "Ref": "FlowLogGroup" },
                "DeliverLogsPermissionArn": { "Fn::GetAtt": ["FlowLogRole", "Arn"] }
            }
        },
        "AlbSecurityGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "alb",
                "VpcId": { "Ref": "Vpc" },
                "SecurityGroupIngress": [{ "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0" }]
            }
        },
        "WebSecurityGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": { "GroupDescription": "web", "VpcId": { "Ref": "Vpc" } }
        },
        "WebFromAlb": {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": { "Ref": "WebSecurityGroup" }, "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                "SourceSecurityGroupId": { "Ref": "AlbSecurityGroup" }
            }
        },
        "AlbFromWeb": {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": { "Ref": "AlbSecurityGroup" }, "IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
                "SourceSecurityGroupId": { "Ref": "WebSecurityGroup" }
            }
        },
        "FileSystem": {
            "Type": "AWS::EFS::FileSystem",
            "Properties": { "Encrypted": true, "PerformanceMode": "generalPurpose" }
        },
        "MountTargetA": {
            "Type": "AWS::EFS::MountTarget",
            "Properties": {
                "FileSystemId": { "Ref": "FileSystem" },
                "SubnetId": { "Ref": "SubnetA" },
                "SecurityGroups": [{ "Ref": "WebSecurityGroup" }]
            }
        },
        "LoadBalancer": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {
                "Subnets": [{ "Ref": "SubnetA" }, { "Ref": "SubnetB" }],
                "SecurityGroups": [{ "Ref": "AlbSecurityGroup" }]
            }
        },
        "TargetGroup": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {
                "VpcId": { "Ref": "Vpc" }, "Port": 80, "Protocol": "HTTP", "TargetType": "instance",
                "HealthCheckPath": "/status.txt",
                "HealthCheckIntervalSeconds": 30,
                "UnhealthyThresholdCount": 5
            }
        },
        "HttpListener": {
            "Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {
                "LoadBalancerArn": { "Ref": "LoadBalancer" }, "Port": 80, "Protocol": "HTTP",
                "DefaultActions": [{ "Type": "forward", "TargetGroupArn": { "Ref": "TargetGroup" } }]
            }
        },
        "WebRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Path": "/",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{ "Effect": "Allow", "Principal": { "Service": "ec2.amazonaws.com" }, "Action": "sts:AssumeRole" }]
                },
                "Policies": [
                    { "PolicyName": "ssm", "PolicyDocument": { "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*" }] } },
                    { "PolicyName": "logs", "PolicyDocument": { "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*" }] } }
                ]
            }
        },
        "WebInstanceProfile": {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": { "Path": "/", "Roles": [{ "Ref": "WebRole" }] }
        },
        "WebLaunchTemplate": {
            "Type": "AWS::EC2::LaunchTemplate",
            "Metadata": { "AWS::CloudFormation::Init": { "config": { "packages": { "yum": { "php": [] } } } } },
            "Properties": {
                "LaunchTemplateData": {
                    "ImageId": "ami-0123456789abcdef0",
                    "InstanceType": "t4g.small",
                    "Monitoring": { "Enabled": true },
                    "SecurityGroupIds": [{ "Ref": "WebSecurityGroup" }],
                    "UserData": { "Fn::Base64": "#!/bin/bash\n/opt/aws/bin/cfn-init -v --stack refarch --resource WebLaunchTemplate\n" }
                }
            }
        },
        "WebAutoScalingGroup": {
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {
                "MinSize": "0", "MaxSize": "2", "DesiredCapacity": "0", "Cooldown": "60",
                "HealthCheckType": "ELB", "HealthCheckGracePeriod": 120,
                "LaunchTemplate": {
                    "LaunchTemplateId": { "Ref": "WebLaunchTemplate" },
                    "Version": { "Fn::GetAtt": ["WebLaunchTemplate", "LatestVersionNumber"] }
                },
                "VPCZoneIdentifier": [{ "Ref": "SubnetA" }, { "Ref": "SubnetB" }],
                "TargetGroupARNs": [{ "Ref": "TargetGroup" }]
            }
        },
        "AccessLogBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": { "BucketName": bucket }
        }
    });
    for (logical, letter, cidr) in [
        ("SubnetA", "a", 1),
        ("SubnetB", "b", 2),
        ("SubnetC", "c", 3),
    ] {
        if letter != "a" {
            resources[format!("MountTarget{}", letter.to_uppercase())] = serde_json::json!({
                "Type": "AWS::EFS::MountTarget",
                "Properties": {
                    "FileSystemId": { "Ref": "FileSystem" },
                    "SubnetId": { "Ref": logical },
                    "SecurityGroups": [{ "Ref": "WebSecurityGroup" }]
                }
            });
        }
        resources[logical] = serde_json::json!({
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": { "Ref": "Vpc" },
                "CidrBlock": format!("10.60.{cidr}.0/24"),
                "AvailabilityZone": az(letter)
            }
        });
    }
    let template = serde_json::json!({ "Resources": resources });
    assert_eq!(create_stack(&ws, "refarch", &template), "CREATE_COMPLETE");
    let import = ws.mdl(&["import", "refarch.moodle", "--from-stack", "refarch"]);
    assert_eq!(import.code, 0, "{}", import.all());
    let text = written(&ws, "refarch.moodle");
    // Five settings it cannot carry: the roles' and profile's path "/"
    // (mdl keeps its own under /mdl/), the cfn-init metadata and the boot
    // script that runs it.
    assert!(
        import
            .stdout
            .contains("5 settings of the stack's template are not managed by mdl"),
        "{}",
        import.all()
    );
    // The settings the reference sets that mdl now carries, and references
    // by name as well as by id.
    holds(
        &text,
        &[
            "unhealthy_threshold = 5",
            "default_cooldown          = 60",
            "detailed_monitoring = true",
            "ssm  = ",
            "logs = ",
            "role = iam_role.web.name",
            "log_group_name = log_group.flow.name",
            "iam_role_arn   = iam_role.flow_log.arn",
            "security_group_rule web_from_alb {",
            "security_group_rule alb_from_web {",
            "#   WebLaunchTemplate.Metadata = ",
            "#   WebLaunchTemplate.UserData = (calls cfn-init)",
            // Repeated per AZ: one block each, with `for_each`, and the mount
            // targets refer to the subnet of their own key.
            "# SubnetA, SubnetB, SubnetC\nsubnet main {\n  for_each = {",
            "\"10.60.3.0/24\"",
            "availability_zone = each.value.availability_zone",
            "# MountTargetA, MountTargetB, MountTargetC\nefs_mount_target main {\n  for_each        = [\"a\", \"b\", \"c\"]",
            "subnet_id       = subnet.main[each.key].id",
        ],
    );
    validates(&ws, "refarch.moodle");
    plans_only_adoption(&ws, "refarch.moodle");
}
