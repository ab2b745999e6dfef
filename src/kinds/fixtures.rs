//! The contract-test fixtures of the kinds written before the registry
//! (a kind in its own folder keeps its fixture there). Each is the blocks
//! the kind needs and one block of the kind named `contract`: as created,
//! with an attribute AWS changes in place, and with one that forces a
//! replacement.

/// A VPC with two subnets, in two zones.
macro_rules! net {
    () => {
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet a {
  vpc_id            = vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-2a"
}

subnet b {
  vpc_id            = vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-2b"
}

"#
    };
}

/// An image id moto accepts.
macro_rules! ami {
    () => {
        "ami-0123456789abcdef0"
    };
}

/// Three VPCs, for peerings.
macro_rules! vpcs {
    () => {
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc peer {
  cidr_block = "10.1.0.0/16"
}

vpc third {
  cidr_block = "10.2.0.0/16"
}

"#
    };
}

/// A route table with an internet gateway and a peering to route through.
macro_rules! routed {
    () => {
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc peer {
  cidr_block = "10.1.0.0/16"
}

internet_gateway main {
  vpc_id = vpc.main.id
}

vpc_peering main {
  vpc_id      = vpc.main.id
  peer_vpc_id = vpc.peer.id
}

route_table main {
  vpc_id = vpc.main.id
}

"#
    };
}

/// The network, two security groups and a file system, for mount targets.
macro_rules! storage {
    () => {
        concat!(
            net!(),
            r#"security_group efs {
  vpc_id = vpc.main.id
}

security_group extra {
  vpc_id = vpc.main.id
}

efs data {
  protect = false
}

"#
        )
    };
}

/// The network and a cache subnet group.
macro_rules! cache_net {
    () => {
        concat!(
            net!(),
            "cache_subnet_group main {\n  subnet_ids = [subnet.a.id, subnet.b.id]\n}\n\n"
        )
    };
}

/// The network and a database subnet group.
macro_rules! db_net {
    () => {
        concat!(
            net!(),
            "db_subnet_group main {\n  subnet_ids = [subnet.a.id, subnet.b.id]\n}\n\n"
        )
    };
}

/// The network and an Aurora cluster.
macro_rules! cluster {
    () => {
        concat!(
            db_net!(),
            r#"aurora_cluster main {
  engine              = "aurora-postgresql"
  subnet_group_name   = db_subnet_group.main.id
  skip_final_snapshot = true
  protect             = false
}

"#
        )
    };
}

/// The network, two load balancers and a target group.
macro_rules! balanced {
    () => {
        concat!(
            net!(),
            r#"load_balancer main {
  subnet_ids = [subnet.a.id, subnet.b.id]
}

load_balancer other {
  subnet_ids = [subnet.a.id, subnet.b.id]
}

target_group main {
  vpc_id = vpc.main.id
}

"#
        )
    };
}

/// Two listeners on a load balancer, for rules.
macro_rules! listening {
    () => {
        concat!(
            balanced!(),
            r#"listener main {
  load_balancer_arn = load_balancer.main.arn
  port              = 80
  protocol          = "HTTP"
  target_group_arn  = target_group.main.arn
}

listener other {
  load_balancer_arn = load_balancer.main.arn
  port              = 8080
  protocol          = "HTTP"
  target_group_arn  = target_group.main.arn
}

"#
        )
    };
}

/// The network, a cluster and a task definition, for services and tasks.
macro_rules! tasks {
    () => {
        concat!(
            net!(),
            r#"ecs_cluster main {
}

ecs_task_definition main {
  container {
    name  = "moodle"
    image = "moodle:4.4-php8.0"
    port  = 80
  }
}

"#
        )
    };
}

/// Tasks and the role EventBridge runs them as.
macro_rules! scheduled {
    () => {
        concat!(
            tasks!(),
            r#"iam_role events {
  trusted_service = "events.amazonaws.com"
}

"#
        )
    };
}

/// The network and a launch template, for groups.
macro_rules! templated {
    () => {
        concat!(
            net!(),
            "launch_template main {\n  image_id      = \"",
            ami!(),
            "\"\n  instance_type = \"t4g.nano\"\n}\n\n"
        )
    };
}
