//! Compute end to end: a Fargate service behind an ALB with an HTTPS
//! listener, an EFS data root, CPU auto scaling whose desired count a
//! second apply leaves alone, and Moodle's cron as a scheduled task; and
//! the EC2 side: a launch template, an Auto Scaling group behind a target
//! group, and a bastion instance.

use crate::harness::Workspace;

const ECS: &str = r#"
vpc main {
  cidr_block = "10.70.0.0/16"
}

subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.70.1.0/24"
  availability_zone = "eu-west-2a"
}

subnet b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.70.2.0/24"
  availability_zone = "eu-west-2b"
}

security_group web {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["10.70.0.0/16"]
  }
}

certificate vle {
  domain_name = "vle.example.ac.uk"
}

load_balancer web {
  subnet_ids = [subnet.a.id, subnet.b.id]
}

target_group moodle {
  vpc_id            = vpc.main.id
  health_check_path = "/status.txt"
}

listener https {
  load_balancer_arn = load_balancer.web.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = certificate.vle.arn
  target_group_arn  = target_group.moodle.arn
}

efs data {
  protect = false
}

iam_role execution {
  trusted_service = "ecs-tasks.amazonaws.com"
  inline_policy   = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"logs:*\",\"Resource\":\"*\"}]}"
}

ecs_cluster moodle {
  container_insights = true
}

ecs_task_definition moodle {
  cpu                = 512
  memory             = 1024
  execution_role_arn = iam_role.execution.arn

  container {
    name       = "moodle"
    image      = "moodle:4.4-php8.0"
    port       = 80
    volume     = "data"
    mount_path = "/moodle_data_root"
    environment = {
      MOODLE_REDIS_PREFIX = "mdl_branch_a"
    }
  }

  volume {
    name               = "data"
    efs_file_system_id = efs.data.id
  }
}

ecs_service moodle {
  cluster_arn         = ecs_cluster.moodle.arn
  task_definition_arn = ecs_task_definition.moodle.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
  security_group_ids  = [security_group.web.id]
  target_group_arn    = target_group.moodle.arn
  container_name      = "moodle"
  container_port      = 80
  min_count           = 1
  max_count           = 4
  cpu_target          = 85
  depends_on          = [listener.https]
}

iam_role events {
  trusted_service = "events.amazonaws.com"
  inline_policy   = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecs:RunTask\",\"Resource\":\"*\"}]}"
}

scheduled_task cron {
  schedule            = "rate(1 minute)"
  cluster_arn         = ecs_cluster.moodle.arn
  task_definition_arn = ecs_task_definition.moodle.arn
  role_arn            = iam_role.events.arn
  subnet_ids          = [subnet.a.id, subnet.b.id]
  security_group_ids  = [security_group.web.id]
  container_name      = "moodle"
  command             = ["php", "admin/cli/cron.php"]
}
"#;

fn ecs(ws: &Workspace) -> aws_sdk_ecs::Client {
    aws_sdk_ecs::Client::new(&ws.moto.sdk())
}

/// The cron rule's schedule, and the task definition and command its
/// target runs.
fn cron(ws: &Workspace) -> (String, String, String) {
    Workspace::runtime().block_on(async {
        let events = aws_sdk_eventbridge::Client::new(&ws.moto.sdk());
        let rule = events
            .describe_rule()
            .name("ecs-cron")
            .send()
            .await
            .unwrap();
        let targets = events
            .list_targets_by_rule()
            .rule("ecs-cron")
            .send()
            .await
            .unwrap();
        let t = &targets.targets()[0];
        (
            rule.schedule_expression().unwrap_or_default().to_string(),
            t.ecs_parameters()
                .map(|e| e.task_definition_arn().to_string())
                .unwrap_or_default(),
            t.input().unwrap_or_default().to_string(),
        )
    })
}

fn service(ws: &Workspace) -> (i32, String) {
    Workspace::runtime().block_on(async {
        let out = ecs(ws)
            .describe_services()
            .cluster("ecs-moodle")
            .services("ecs-moodle")
            .send()
            .await
            .unwrap();
        let s = &out.services()[0];
        (
            s.desired_count(),
            s.task_definition().unwrap_or_default().to_string(),
        )
    })
}

#[test]
fn fargate_service_behind_https_alb_keeps_a_scaled_desired_count() {
    let ws = Workspace::new("ecs.moodle", ECS);
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 15 added"),
        "{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
    assert_eq!(service(&ws).0, 1);
    let (schedule, task, input) = cron(&ws);
    assert_eq!(schedule, "rate(1 minute)");
    assert!(task.ends_with(":1"), "{task}");
    assert!(
        input.contains(r#""command":["php","admin/cli/cron.php"]"#),
        "{input}"
    );

    // The scaler moves the desired count; mdl leaves it to the scaler.
    Workspace::runtime().block_on(async {
        ecs(&ws)
            .update_service()
            .cluster("ecs-moodle")
            .service("ecs-moodle")
            .desired_count(3)
            .send()
            .await
            .unwrap();
    });
    let plan = ws.expect("plan", &["--detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());

    // A new image: a new task definition revision, shown field by field,
    // and the service moves to it; the scaled count stays.
    ws.edit("moodle:4.4-php8.0", "moodle:4.4-php8.1");
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout.contains("~ container \"moodle\" {"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("~ image = \"moodle:4.4-php8.0\" -> \"moodle:4.4-php8.1\""),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("# ecs_service.moodle will be updated in place"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout
            .contains("# scheduled_task.cron will be updated in place"),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    let (desired, task_definition) = service(&ws);
    assert_eq!(desired, 3, "apply must not reset a scaled desired count");
    assert!(task_definition.ends_with(":2"), "{task_definition}");
    assert!(cron(&ws).1.ends_with(":2"), "cron runs the new revision");
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Cron every two minutes: changed in place. A schedule EventBridge
    // would refuse is caught before anything is called.
    ws.edit("rate(1 minute)", "cron(5 * * * *)");
    let bad = ws.expect("apply", &["--auto-approve"], 1);
    assert!(
        bad.stderr
            .contains("`schedule` does not have the six fields of an EventBridge cron"),
        "{}",
        bad.all()
    );
    ws.edit("cron(5 * * * *)", "rate(2 minutes)");
    ws.expect("apply", &["--auto-approve"], 0);
    assert_eq!(cron(&ws).0, "rate(2 minutes)");
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Scaling bounds change in place.
    ws.edit("max_count           = 4", "max_count           = 6");
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout.contains("~ max_count = 4 -> 6"),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);

    let destroy = ws.expect("destroy", &["--auto-approve"], 0);
    assert!(
        destroy.stdout.contains("Resources: 15 destroyed."),
        "{}",
        destroy.all()
    );
    let rules = Workspace::runtime().block_on(async {
        aws_sdk_eventbridge::Client::new(&ws.moto.sdk())
            .list_rules()
            .send()
            .await
            .unwrap()
            .rules()
            .len()
    });
    assert_eq!(rules, 0, "the cron rule is deleted");
}

const FLEET: &str = r##"
vpc main {
  cidr_block = "10.71.0.0/16"
}

subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.71.1.0/24"
  availability_zone = "eu-west-2a"
}

subnet b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.71.2.0/24"
  availability_zone = "eu-west-2b"
}

security_group web {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["10.71.0.0/16"]
  }
}

security_group bastion {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
}

load_balancer web {
  subnet_ids = [subnet.a.id, subnet.b.id]
}

target_group web {
  vpc_id            = vpc.main.id
  target_type       = "instance"
  health_check_path = "/status.txt"
}

launch_template web {
  image_id           = "ami-0123456789abcdef0"
  instance_type      = "m6g.large"
  security_group_ids = [security_group.web.id]
  root_volume_gib    = 10
  user_data          = "#!/bin/bash\nsystemctl start php-fpm\n"
}

autoscaling_group web {
  launch_template_id        = launch_template.web.id
  min_size                  = 2
  max_size                  = 4
  subnet_ids                = [subnet.a.id, subnet.b.id]
  target_group_arns         = [target_group.web.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 120
  cpu_target                = 75
  tags = {
    Role = "web"
  }
}

instance bastion {
  image_id            = "ami-0123456789abcdef0"
  instance_type       = "t4g.nano"
  subnet_id           = subnet.a.id
  security_group_ids  = [security_group.bastion.id]
  associate_public_ip = true
}

output bastion_ip = instance.bastion.public_ip
"##;

fn asg(ws: &Workspace) -> aws_sdk_autoscaling::types::AutoScalingGroup {
    Workspace::runtime().block_on(async {
        aws_sdk_autoscaling::Client::new(&ws.moto.sdk())
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("fleet-web")
            .send()
            .await
            .unwrap()
            .auto_scaling_groups()[0]
            .clone()
    })
}

/// The instance type of the template's default version, and its number.
fn template_default(ws: &Workspace) -> (String, i64) {
    Workspace::runtime().block_on(async {
        let out = ws
            .moto
            .ec2()
            .describe_launch_template_versions()
            .launch_template_name("fleet-web")
            .versions("$Default")
            .send()
            .await
            .unwrap();
        let v = &out.launch_template_versions()[0];
        (
            v.launch_template_data()
                .and_then(|d| d.instance_type())
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            v.version_number().unwrap_or_default(),
        )
    })
}

fn running_instances(ws: &Workspace) -> Vec<String> {
    Workspace::runtime().block_on(async {
        let out = ws.moto.ec2().describe_instances().send().await.unwrap();
        out.reservations()
            .iter()
            .flat_map(|r| r.instances())
            .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) == Some("running"))
            .filter_map(|i| i.instance_type().map(|t| t.as_str().to_string()))
            .collect()
    })
}

#[test]
fn asg_behind_a_target_group_keeps_a_scaled_capacity_and_the_bastion_resizes_in_place() {
    let ws = Workspace::new("fleet.moodle", FLEET);
    let apply = ws.expect("apply", &["--auto-approve"], 0);
    assert!(
        apply.stdout.contains("Resources: 10 added"),
        "{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let group = asg(&ws);
    assert_eq!(group.desired_capacity(), Some(2));
    assert_eq!(group.health_check_type(), Some("ELB"));
    assert_eq!(group.target_group_arns().len(), 1);
    assert!(
        group
            .tags()
            .iter()
            .any(|t| t.key() == Some("Role") && t.propagate_at_launch() == Some(true)),
        "tags reach the instances"
    );
    // Two web servers and the bastion.
    assert_eq!(running_instances(&ws).len(), 3);
    let out = ws.expect("output", &["bastion_ip"], 0);
    assert!(out.stdout.trim().split('.').count() == 4, "{}", out.all());

    // The scaler adds a server; mdl leaves the capacity to it.
    Workspace::runtime().block_on(async {
        aws_sdk_autoscaling::Client::new(&ws.moto.sdk())
            .set_desired_capacity()
            .auto_scaling_group_name("fleet-web")
            .desired_capacity(3)
            .send()
            .await
            .unwrap();
    });
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // A bigger web type: a new template version made the default, in
    // place; the bastion is resized by stopping and starting it.
    ws.edit("\"m6g.large\"", "\"m6g.xlarge\"");
    ws.edit("\"t4g.nano\"", "\"t4g.micro\"");
    ws.edit(
        "max_size                  = 4",
        "max_size                  = 6",
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    for line in [
        "~ instance_type = \"m6g.large\" -> \"m6g.xlarge\"",
        "~ instance_type = \"t4g.nano\" -> \"t4g.micro\"",
        "~ max_size = 4 -> 6",
        "Plan: 0 to add, 3 to change, 0 to destroy.",
    ] {
        assert!(plan.stdout.contains(line), "{line}\n{}", plan.all());
    }
    ws.expect("apply", &["--auto-approve"], 0);
    assert_eq!(template_default(&ws), ("m6g.xlarge".to_string(), 2));
    let group = asg(&ws);
    assert_eq!(group.max_size(), Some(6));
    assert_eq!(
        group.desired_capacity(),
        Some(3),
        "apply must not reset a scaled capacity"
    );
    assert!(
        running_instances(&ws).contains(&"t4g.micro".to_string()),
        "the bastion runs again with its new type"
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);

    // Turning scaling off hands the capacity back to the file.
    ws.edit(
        "  cpu_target                = 75\n",
        "  desired_capacity          = 2\n",
    );
    let plan = ws.expect("plan", &["--detailed-exitcode"], 2);
    assert!(
        plan.stdout.contains("~ cpu_target       = 75 -> null"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stdout.contains("~ desired_capacity = 3 -> 2"),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    assert_eq!(asg(&ws).desired_capacity(), Some(2));
    ws.expect("plan", &["--detailed-exitcode"], 0);

    let destroy = ws.expect("destroy", &["--auto-approve"], 0);
    assert!(
        destroy.stdout.contains("Resources: 10 destroyed."),
        "{}",
        destroy.all()
    );
    assert!(running_instances(&ws).is_empty(), "every instance is gone");
}

/// An ECS service scaled by a step policy that an alarm drives (the
/// export test lints its template too).
pub(crate) const ECS_STEP_SCALED: &str = r#"
vpc main {
  cidr_block = "10.71.0.0/16"
}

subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.71.1.0/24"
  availability_zone = "eu-west-2a"
}

security_group tasks {
  vpc_id = vpc.main.id
}

ecs_cluster moodle {}

ecs_task_definition moodle {
  cpu    = 512
  memory = 1024
  container {
    name  = "moodle"
    image = "moodle:4.4-php8.0"
    port  = 80
  }
}

ecs_service moodle {
  cluster_arn         = ecs_cluster.moodle.arn
  task_definition_arn = ecs_task_definition.moodle.arn
  subnet_ids          = [subnet.a.id]
  security_group_ids  = [security_group.tasks.id]
  min_count           = 1
  max_count           = 4
}

scaling_policy out {
  ecs_service = ecs_service.moodle.resource_id
  cooldown    = 300
  step {
    lower_bound = 0
    adjustment  = 1
  }
}

alarm busy {
  namespace          = "AWS/ECS"
  metric_name        = "CPUUtilization"
  dimensions         = { ClusterName = "moodle", ServiceName = "moodle" }
  threshold          = 85
  comparison         = "GreaterThanOrEqualToThreshold"
  alarm_actions      = [scaling_policy.out.arn]
}
"#;

/// The preview estate's scaling: a step policy of an ECS service (one
/// task more above 85 % CPU), driven by an alarm. It applies, re-plans
/// empty, changes a step in place, and is destroyed with the service.
#[test]
fn an_ecs_service_scales_by_a_step_policy_and_its_alarm() {
    let ws = Workspace::new("scaled.moodle", ECS_STEP_SCALED);
    ws.expect("apply", &["--auto-approve"], 0);
    ws.expect("plan", &["--detailed-exitcode"], 0);
    let policies = Workspace::runtime().block_on(async {
        aws_sdk_applicationautoscaling::Client::new(&ws.moto.sdk())
            .describe_scaling_policies()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .send()
            .await
            .unwrap()
    });
    let policy = policies
        .scaling_policies()
        .iter()
        .find(|p| p.policy_name() == "scaled-out")
        .unwrap_or_else(|| panic!("no step policy: {policies:?}"));
    assert_eq!(policy.resource_id(), "service/scaled-moodle/scaled-moodle");
    let step = policy.step_scaling_policy_configuration().unwrap();
    assert_eq!(step.cooldown(), Some(300));
    assert_eq!(step.step_adjustments()[0].scaling_adjustment(), 1);
    ws.edit("    adjustment  = 1", "    adjustment  = 2");
    let plan = ws.expect("plan", &[], 0);
    assert!(
        plan.stdout
            .contains("# scaling_policy.out will be updated in place"),
        "{}",
        plan.all()
    );
    ws.expect("apply", &["--auto-approve"], 0);
    // moto gives the policy a new ARN each time PutScalingPolicy changes
    // it (AWS keeps the one it gave at creation): against moto, the alarm
    // then moves to it, and nothing else changes.
    let plan = ws.mdl(&["plan", "scaled.moodle", "--detailed-exitcode"]);
    if plan.code == 2 {
        assert!(
            plan.stdout
                .contains("# alarm.busy will be updated in place")
                && plan
                    .stdout
                    .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
            "{}",
            plan.all()
        );
        ws.expect("apply", &["--auto-approve"], 0);
    }
    ws.expect("plan", &["--detailed-exitcode"], 0);
    ws.expect("destroy", &["--auto-approve"], 0);
}
