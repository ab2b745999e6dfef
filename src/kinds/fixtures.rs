//! The contract-test fixtures of the kinds written before the registry
//! (a kind in its own folder keeps its fixture there). Each is the blocks
//! the kind needs and one block of the kind named `contract`: as created,
//! with an attribute AWS changes in place, and with one that forces a
//! replacement.

use super::Fixture;

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

pub static VPC: Fixture = Fixture {
    create: "vpc contract {\n  cidr_block = \"10.0.0.0/16\"\n  tags       = { team = \"web\" }\n}\n",
    update: "vpc contract {\n  cidr_block           = \"10.0.0.0/16\"\n  enable_dns_hostnames = false\n  tags                 = { team = \"ops\" }\n}\n",
    replace: Some("vpc contract {\n  cidr_block = \"10.1.0.0/16\"\n}\n"),
    emulator_lacks: None,
};

pub static SUBNET: Fixture = Fixture {
    create: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet contract {
  vpc_id            = vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-2a"
}
"#,
    update: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet contract {
  vpc_id                  = vpc.main.id
  cidr_block              = "10.0.1.0/24"
  availability_zone       = "eu-west-2a"
  map_public_ip_on_launch = true
}
"#,
    replace: Some(
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

subnet contract {
  vpc_id                  = vpc.main.id
  cidr_block              = "10.0.3.0/24"
  availability_zone       = "eu-west-2a"
  map_public_ip_on_launch = true
}
"#,
    ),
    emulator_lacks: None,
};

pub static INTERNET_GATEWAY: Fixture = Fixture {
    create: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc other {
  cidr_block = "10.1.0.0/16"
}

internet_gateway contract {
  vpc_id = vpc.main.id
}
"#,
    update: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc other {
  cidr_block = "10.1.0.0/16"
}

internet_gateway contract {
  vpc_id = vpc.main.id
  tags   = { team = "web" }
}
"#,
    replace: Some(
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

vpc other {
  cidr_block = "10.1.0.0/16"
}

internet_gateway contract {
  vpc_id = vpc.other.id
  tags   = { team = "web" }
}
"#,
    ),
    emulator_lacks: None,
};

pub static NAT_GATEWAY: Fixture = Fixture {
    create: concat!(
        net!(),
        r#"internet_gateway main {
  vpc_id = vpc.main.id
}

nat_gateway contract {
  subnet_id = subnet.a.id
}
"#
    ),
    update: concat!(
        net!(),
        r#"internet_gateway main {
  vpc_id = vpc.main.id
}

nat_gateway contract {
  subnet_id = subnet.a.id
  tags      = { team = "web" }
}
"#
    ),
    replace: Some(concat!(
        net!(),
        r#"internet_gateway main {
  vpc_id = vpc.main.id
}

nat_gateway contract {
  subnet_id = subnet.b.id
  tags      = { team = "web" }
}
"#
    )),
    emulator_lacks: None,
};

pub static ROUTE_TABLE: Fixture = Fixture {
    create: concat!(
        net!(),
        r#"vpc other {
  cidr_block = "10.1.0.0/16"
}

route_table contract {
  vpc_id     = vpc.main.id
  subnet_ids = [subnet.a.id]
}
"#
    ),
    update: concat!(
        net!(),
        r#"vpc other {
  cidr_block = "10.1.0.0/16"
}

route_table contract {
  vpc_id     = vpc.main.id
  subnet_ids = [subnet.a.id, subnet.b.id]
}
"#
    ),
    replace: Some(concat!(
        net!(),
        r#"vpc other {
  cidr_block = "10.1.0.0/16"
}

route_table contract {
  vpc_id = vpc.other.id
}
"#
    )),
    emulator_lacks: None,
};

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

pub static VPC_PEERING: Fixture = Fixture {
    create: concat!(
        vpcs!(),
        "vpc_peering contract {\n  vpc_id      = vpc.main.id\n  peer_vpc_id = vpc.peer.id\n}\n"
    ),
    update: concat!(
        vpcs!(),
        "vpc_peering contract {\n  vpc_id      = vpc.main.id\n  peer_vpc_id = vpc.peer.id\n  tags        = { team = \"web\" }\n}\n"
    ),
    replace: Some(concat!(
        vpcs!(),
        "vpc_peering contract {\n  vpc_id      = vpc.main.id\n  peer_vpc_id = vpc.third.id\n  tags        = { team = \"web\" }\n}\n"
    )),
    emulator_lacks: None,
};

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

pub static ROUTE: Fixture = Fixture {
    create: concat!(
        routed!(),
        r#"route contract {
  route_table_id   = route_table.main.id
  destination_cidr = "10.1.0.0/16"
  gateway_id       = internet_gateway.main.id
}
"#
    ),
    update: concat!(
        routed!(),
        r#"route contract {
  route_table_id            = route_table.main.id
  destination_cidr          = "10.1.0.0/16"
  vpc_peering_connection_id = vpc_peering.main.id
}
"#
    ),
    replace: Some(concat!(
        routed!(),
        r#"route contract {
  route_table_id            = route_table.main.id
  destination_cidr          = "10.1.0.0/24"
  vpc_peering_connection_id = vpc_peering.main.id
}
"#
    )),
    emulator_lacks: None,
};

pub static SECURITY_GROUP: Fixture = Fixture {
    create: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

security_group contract {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }
}
"#,
    update: r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

security_group contract {
  vpc_id = vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }
  ingress {
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["10.0.0.0/16"]
  }
  tags = { team = "web" }
}
"#,
    replace: Some(
        r#"vpc main {
  cidr_block = "10.0.0.0/16"
}

security_group contract {
  vpc_id      = vpc.main.id
  description = "The contract test's group"
  ingress {
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }
}
"#,
    ),
    emulator_lacks: None,
};

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
