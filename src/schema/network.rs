//! The network kinds: VPC, subnet, gateways, route tables, peering and
//! security groups.

use super::*;

const ID: ComputedSchema = ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

pub static VPC: KindSchema = KindSchema {
    name: "vpc",
    service: "ec2",
    summary: "A virtual private cloud.",
    attrs: &[
        required(
            "cidr_block",
            Type::String,
            "The IPv4 range of the VPC, such as \"10.0.0.0/16\".",
        )
        .force_new(),
        optional(
            "enable_dns_support",
            Type::Bool,
            "true",
            "Whether the Amazon DNS server answers in this VPC.",
        ),
        optional(
            "enable_dns_hostnames",
            Type::Bool,
            "true",
            "Whether instances get public DNS host names.",
        ),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "owner_id",
            doc: "The account that owns the VPC.",
        },
    ],
    taggable: true,
    rank: 0,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static SUBNET: KindSchema = KindSchema {
    name: "subnet",
    service: "ec2",
    summary: "A subnet of a VPC in one availability zone.",
    attrs: &[
        required("vpc_id", Type::String, "The VPC the subnet belongs to.").force_new(),
        required(
            "cidr_block",
            Type::String,
            "The IPv4 range of the subnet, inside the VPC's.",
        )
        .force_new(),
        computed_optional(
            "availability_zone",
            Type::String,
            "The availability zone, such as \"eu-west-2a\".",
        )
        .force_new(),
        optional(
            "map_public_ip_on_launch",
            Type::Bool,
            "false",
            "Whether instances launched here get a public IP address.",
        ),
        TAGS,
    ],
    computed: &[ID],
    taggable: true,
    rank: 1,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static INTERNET_GATEWAY: KindSchema = KindSchema {
    name: "internet_gateway",
    service: "ec2",
    summary: "An internet gateway attached to a VPC.",
    attrs: &[
        required(
            "vpc_id",
            Type::String,
            "The VPC the gateway is attached to.",
        )
        .force_new(),
        TAGS,
    ],
    computed: &[ID],
    taggable: true,
    rank: 1,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static NAT_GATEWAY: KindSchema = KindSchema {
    name: "nat_gateway",
    service: "ec2",
    summary: "A NAT gateway in a subnet; a public one gets its own elastic IP, which mdl allocates and releases with it.",
    attrs: &[
        required(
            "subnet_id",
            Type::String,
            "The (public) subnet the gateway sits in.",
        )
        .force_new(),
        optional(
            "connectivity_type",
            Type::String,
            "\"public\"",
            "Whether the gateway reaches the internet.",
        )
        .force_new()
        .one_of(&["public", "private"]),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "public_ip",
            doc: "The elastic IP address of a public gateway.",
        },
        ComputedSchema {
            name: "allocation_id",
            doc: "The allocation id of that elastic IP.",
        },
    ],
    taggable: true,
    rank: 2,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

static ROUTE: BlockSchema = BlockSchema {
    attrs: &[
        required("cidr_block", Type::String, "The destination range."),
        optional(
            "gateway_id",
            Type::String,
            "null",
            "Send the traffic to this internet gateway.",
        ),
        optional(
            "nat_gateway_id",
            Type::String,
            "null",
            "Send the traffic to this NAT gateway.",
        ),
        optional(
            "vpc_peering_connection_id",
            Type::String,
            "null",
            "Send the traffic over this VPC peering.",
        ),
    ],
    exactly_one_of: &["gateway_id", "nat_gateway_id", "vpc_peering_connection_id"],
};

pub static ROUTE_TABLE: KindSchema = KindSchema {
    name: "route_table",
    service: "ec2",
    summary: "A route table with its routes and the subnets associated with it.",
    attrs: &[
        required("vpc_id", Type::String, "The VPC of the route table.").force_new(),
        // Without route blocks the table's routes are not this block's to
        // manage: a Terraform habit is a table with separate routes.
        computed_optional(
            "route",
            Type::Blocks(&ROUTE),
            "A route; write one `route { ... }` block per destination. Without any, the table's routes are left alone (`route` blocks of their own, routes added by hand); with some, they are all of them.",
        ),
        optional(
            "subnet_ids",
            Type::Set(&Type::String),
            "[]",
            "Subnets that use this route table.",
        ),
        TAGS,
    ],
    computed: &[ID],
    taggable: true,
    rank: 3,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};

pub static ROUTE_KIND: KindSchema = KindSchema {
    name: "route",
    service: "ec2",
    summary: "One route in a route table whose routes are not written as `route` blocks: an on-premises VPC's table that must reach a peered VPC, or a table of the estate kept without them. Set exactly one target.",
    attrs: &[
        required("route_table_id", Type::String, "The route table.").force_new(),
        required(
            "destination_cidr",
            Type::String,
            "Where the route leads, such as \"10.70.0.0/16\".",
        )
        .force_new(),
        optional("gateway_id", Type::String, "null", "An internet gateway."),
        optional("nat_gateway_id", Type::String, "null", "A NAT gateway."),
        optional(
            "vpc_peering_connection_id",
            Type::String,
            "null",
            "A VPC peering connection.",
        ),
    ],
    computed: &[ComputedSchema {
        name: "id",
        doc: "ROUTE_TABLE_ID_DESTINATION.",
    }],
    taggable: false,
    rank: 4,
    slow: false,
    protected: false,
    exactly_one_of: &["gateway_id", "nat_gateway_id", "vpc_peering_connection_id"],
};

pub static VPC_PEERING: KindSchema = KindSchema {
    name: "vpc_peering",
    service: "ec2",
    summary: "A peering connection between two VPCs; for a peer in the same account mdl also accepts it.",
    attrs: &[
        required("vpc_id", Type::String, "The requester VPC.").force_new(),
        required("peer_vpc_id", Type::String, "The accepter VPC.").force_new(),
        computed_optional(
            "peer_owner_id",
            Type::String,
            "The account of the accepter VPC, when it is another account.",
        )
        .force_new(),
        computed_optional(
            "peer_region",
            Type::String,
            "The region of the accepter VPC, when it is another region.",
        )
        .force_new(),
        optional(
            "auto_accept",
            Type::Bool,
            "true",
            "Accept the peering from this account (same-account peers only).",
        )
        .create_only(),
        TAGS,
    ],
    computed: &[
        ID,
        ComputedSchema {
            name: "status",
            doc: "The peering status, such as \"active\".",
        },
    ],
    taggable: true,
    rank: 2,
    slow: true,
    protected: false,
    exactly_one_of: &[],
};

static RULE: BlockSchema = BlockSchema {
    attrs: &[
        optional(
            "protocol",
            Type::String,
            "\"tcp\"",
            "The protocol: tcp, udp, icmp or -1 for all.",
        )
        .one_of(&["tcp", "udp", "icmp", "-1"]),
        optional(
            "from_port",
            Type::Number,
            "0",
            "The first port of the range.",
        ),
        optional("to_port", Type::Number, "0", "The last port of the range."),
        optional(
            "cidr_blocks",
            Type::Set(&Type::String),
            "[]",
            "Source (ingress) or destination (egress) ranges.",
        ),
        optional(
            "security_groups",
            Type::Set(&Type::String),
            "[]",
            "Source or destination security group ids.",
        ),
        optional(
            "self",
            Type::Bool,
            "false",
            "Whether the group itself is a source or destination.",
        ),
        optional("description", Type::String, "\"\"", "What the rule is for."),
    ],
    exactly_one_of: &[],
};

pub static SECURITY_GROUP: KindSchema = KindSchema {
    name: "security_group",
    service: "ec2",
    summary: "A security group with its ingress and egress rules. Without `egress` blocks the group keeps AWS's default allow-all egress.",
    attrs: &[
        computed_optional(
            "name",
            Type::String,
            "The group name; defaults to `<stack>-<block name>`.",
        )
        .force_new(),
        optional(
            "description",
            Type::String,
            "\"Managed by mdl\"",
            "The group description.",
        )
        .force_new(),
        required("vpc_id", Type::String, "The VPC of the group.").force_new(),
        optional(
            "ingress",
            Type::Blocks(&RULE),
            "[]",
            "An inbound rule; one `ingress { ... }` block each.",
        ),
        optional(
            "egress",
            Type::Blocks(&RULE),
            r#"[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"], "security_groups": [], "self": false, "description": ""}]"#,
            "An outbound rule; one `egress { ... }` block each.",
        ),
        TAGS,
    ],
    computed: &[ID],
    taggable: true,
    rank: 2,
    slow: false,
    protected: false,
    exactly_one_of: &[],
};
