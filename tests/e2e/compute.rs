//! Compute end to end: a Fargate service behind an ALB with an HTTPS
//! listener, an EFS data root, and CPU auto scaling whose desired count a
//! second apply leaves alone.

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
"#;

fn ecs(ws: &Workspace) -> aws_sdk_ecs::Client {
    let creds = aws_sdk_ecs::config::Credentials::new("testing", "testing", None, None, "e2e");
    aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("eu-west-2"))
            .endpoint_url(&ws.moto.endpoint)
            .credentials_provider(creds)
            .build(),
    )
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
        apply.stdout.contains("Resources: 13 added"),
        "{}",
        apply.all()
    );
    ws.expect("plan", &["--detailed-exitcode"], 0);
    assert_eq!(service(&ws).0, 1);

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
    ws.expect("apply", &["--auto-approve"], 0);
    let (desired, task_definition) = service(&ws);
    assert_eq!(desired, 3, "apply must not reset a scaled desired count");
    assert!(task_definition.ends_with(":2"), "{task_definition}");
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
        destroy.stdout.contains("Resources: 13 destroyed."),
        "{}",
        destroy.all()
    );
}
