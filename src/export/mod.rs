//! Export: the estate as a CloudFormation template. References between
//! resources become `Ref`, `Fn::GetAtt` and `Fn::Join`; param values are
//! resolved. So far the network kinds are covered; a configuration with
//! other kinds is refused, naming each block that cannot be exported yet.
//!
//! Must not import: `provider`, `plan`, `apply`, `state`.

use indexmap::IndexMap;
use serde_json::{Value as Json, json};

use crate::lang::{Computed, Config, Evaluator, ResourceAddr};
use crate::value::Value;

/// Kinds the exporter covers.
pub const SUPPORTED: &[&str] = &[
    "vpc",
    "subnet",
    "internet_gateway",
    "nat_gateway",
    "route_table",
    "route",
    "vpc_peering",
    "security_group",
];

const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

/// Values AWS assigns stand as markers naming the resource and attribute;
/// they become `Ref` or `Fn::GetAtt` in the template.
struct Markers;

impl Computed for Markers {
    fn get(&self, addr: &ResourceAddr, attr: &str) -> Option<Value> {
        Some(Value::String(format!("{OPEN}{addr}|{attr}{CLOSE}")))
    }
}

/// A block the exporter cannot render yet.
#[derive(Debug)]
pub struct Unsupported {
    pub addr: ResourceAddr,
    pub kind: &'static str,
}

/// The CloudFormation logical id of a resource: its module instances, kind,
/// name and key in CamelCase, such as `VleSubnetAppEuWest2a`.
pub fn logical_id(addr: &ResourceAddr) -> String {
    let text = if addr.module.is_empty() {
        addr.local()
    } else {
        format!(
            "{}.{}",
            addr.module.trim_start_matches("module."),
            addr.local()
        )
    };
    text.replace(".module.", ".")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

struct Exporter<'a> {
    config: &'a Config,
    resources: std::cell::RefCell<serde_json::Map<String, Json>>,
}

impl Exporter<'_> {
    /// A reference to `attr` of the resource at `addr`.
    fn reference(&self, addr: &ResourceAddr, attr: &str) -> Json {
        let id = logical_id(addr);
        let kind = self.config.resources.get(addr).map_or("", |r| r.kind.name);
        match (kind, attr) {
            ("security_group", "id") => json!({ "Fn::GetAtt": [id, "GroupId"] }),
            ("vpc", "owner_id") => json!({ "Ref": "AWS::AccountId" }),
            ("nat_gateway", "public_ip") => json!({ "Ref": format!("{id}Eip") }),
            ("nat_gateway", "allocation_id") => {
                json!({ "Fn::GetAtt": [format!("{id}Eip"), "AllocationId"] })
            }
            (_, "id") => json!({ "Ref": id }),
            ("subnet", "availability_zone") => json!({ "Fn::GetAtt": [id, "AvailabilityZone"] }),
            (_, other) => json!({ "Fn::GetAtt": [id, camel(other)] }),
        }
    }

    /// A value in template form: markers turned into references.
    fn value(&self, v: &Value) -> Json {
        match v {
            Value::String(s) if s.contains(OPEN) => {
                let mut parts: Vec<Json> = Vec::new();
                let mut rest = s.as_str();
                while let Some(start) = rest.find(OPEN) {
                    if start > 0 {
                        parts.push(Json::String(rest[..start].to_string()));
                    }
                    let after = &rest[start + OPEN.len_utf8()..];
                    let end = after.find(CLOSE).unwrap_or(after.len());
                    let (addr, attr) = after[..end]
                        .split_once('|')
                        .unwrap_or((&after[..end], "id"));
                    if let Some(a) = ResourceAddr::parse(addr) {
                        parts.push(self.reference(&a, attr));
                    }
                    rest = after.get(end + CLOSE.len_utf8()..).unwrap_or("");
                }
                if !rest.is_empty() {
                    parts.push(Json::String(rest.to_string()));
                }
                if parts.len() == 1 {
                    parts.remove(0)
                } else {
                    json!({ "Fn::Join": ["", parts] })
                }
            }
            Value::List(items) => Json::Array(items.iter().map(|i| self.value(i)).collect()),
            Value::Map(m) => {
                Json::Object(m.iter().map(|(k, v)| (k.clone(), self.value(v))).collect())
            }
            other => other.to_json(),
        }
    }

    fn add(
        &self,
        id: String,
        ty: &str,
        props: serde_json::Map<String, Json>,
        depends: Vec<String>,
    ) {
        let mut r = serde_json::Map::new();
        r.insert("Type".into(), Json::String(ty.into()));
        if !props.is_empty() {
            r.insert("Properties".into(), Json::Object(props));
        }
        if !depends.is_empty() {
            r.insert("DependsOn".into(), json!(depends));
        }
        self.resources.borrow_mut().insert(id, Json::Object(r));
    }

    /// The internet gateway a value refers to, if any: a route through it
    /// must wait for the gateway's attachment.
    fn gateway_attachment(&self, v: Option<&Value>) -> Vec<String> {
        let Some(Value::String(s)) = v else {
            return Vec::new();
        };
        let Some(inner) = s.strip_prefix(OPEN).and_then(|r| r.strip_suffix(CLOSE)) else {
            return Vec::new();
        };
        match inner
            .split_once('|')
            .and_then(|(a, _)| ResourceAddr::parse(a))
        {
            Some(a) if a.kind == "internet_gateway" => {
                vec![format!("{}Attachment", logical_id(&a))]
            }
            _ => Vec::new(),
        }
    }

    fn resource(&self, addr: &ResourceAddr, attrs: &IndexMap<String, Value>) {
        let id = logical_id(addr);
        let kind = self.config.resources[addr].kind.name;
        let get = |k: &str| attrs.get(k).filter(|v| **v != Value::Null);
        let mut props = serde_json::Map::new();
        let set = |props: &mut serde_json::Map<String, Json>, name: &str, v: Option<&Value>| {
            if let Some(v) = v {
                props.insert(name.to_string(), self.value(v));
            }
        };
        match kind {
            "vpc" => {
                set(&mut props, "CidrBlock", get("cidr_block"));
                set(&mut props, "EnableDnsSupport", get("enable_dns_support"));
                set(
                    &mut props,
                    "EnableDnsHostnames",
                    get("enable_dns_hostnames"),
                );
                self.tags(&mut props, attrs);
                self.add(id, "AWS::EC2::VPC", props, Vec::new());
            }
            "subnet" => {
                set(&mut props, "VpcId", get("vpc_id"));
                set(&mut props, "CidrBlock", get("cidr_block"));
                set(&mut props, "AvailabilityZone", get("availability_zone"));
                set(
                    &mut props,
                    "MapPublicIpOnLaunch",
                    get("map_public_ip_on_launch"),
                );
                self.tags(&mut props, attrs);
                self.add(id, "AWS::EC2::Subnet", props, Vec::new());
            }
            "internet_gateway" => {
                self.tags(&mut props, attrs);
                self.add(id.clone(), "AWS::EC2::InternetGateway", props, Vec::new());
                if let Some(vpc) = get("vpc_id") {
                    let mut attach = serde_json::Map::new();
                    attach.insert("VpcId".into(), self.value(vpc));
                    attach.insert("InternetGatewayId".into(), json!({ "Ref": id }));
                    self.add(
                        format!("{id}Attachment"),
                        "AWS::EC2::VPCGatewayAttachment",
                        attach,
                        Vec::new(),
                    );
                }
            }
            "nat_gateway" => {
                let public = get("connectivity_type").and_then(Value::as_str) != Some("private");
                if public {
                    let mut eip = serde_json::Map::new();
                    eip.insert("Domain".into(), json!("vpc"));
                    self.add(format!("{id}Eip"), "AWS::EC2::EIP", eip, Vec::new());
                    props.insert(
                        "AllocationId".into(),
                        json!({ "Fn::GetAtt": [format!("{id}Eip"), "AllocationId"] }),
                    );
                }
                set(&mut props, "SubnetId", get("subnet_id"));
                set(&mut props, "ConnectivityType", get("connectivity_type"));
                self.tags(&mut props, attrs);
                self.add(id, "AWS::EC2::NatGateway", props, Vec::new());
            }
            "route_table" => {
                set(&mut props, "VpcId", get("vpc_id"));
                self.tags(&mut props, attrs);
                self.add(id.clone(), "AWS::EC2::RouteTable", props, Vec::new());
                let routes = get("route")
                    .and_then(Value::as_list)
                    .unwrap_or_default()
                    .to_vec();
                for (i, route) in routes.iter().enumerate() {
                    let Some(r) = route.as_map() else { continue };
                    let mut p = serde_json::Map::new();
                    p.insert("RouteTableId".into(), json!({ "Ref": id }));
                    let rget = |k: &str| r.get(k).filter(|v| **v != Value::Null);
                    for (name, key) in [
                        ("DestinationCidrBlock", "cidr_block"),
                        ("GatewayId", "gateway_id"),
                        ("NatGatewayId", "nat_gateway_id"),
                        ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
                    ] {
                        if let Some(v) = rget(key) {
                            p.insert(name.into(), self.value(v));
                        }
                    }
                    let depends = self.gateway_attachment(rget("gateway_id"));
                    self.add(format!("{id}Route{}", i + 1), "AWS::EC2::Route", p, depends);
                }
                let subnets = get("subnet_ids")
                    .and_then(Value::as_list)
                    .unwrap_or_default()
                    .to_vec();
                for (i, subnet) in subnets.iter().enumerate() {
                    let mut p = serde_json::Map::new();
                    p.insert("RouteTableId".into(), json!({ "Ref": id }));
                    p.insert("SubnetId".into(), self.value(subnet));
                    self.add(
                        format!("{id}Association{}", i + 1),
                        "AWS::EC2::SubnetRouteTableAssociation",
                        p,
                        Vec::new(),
                    );
                }
            }
            "route" => {
                set(&mut props, "RouteTableId", get("route_table_id"));
                set(&mut props, "DestinationCidrBlock", get("destination_cidr"));
                set(&mut props, "GatewayId", get("gateway_id"));
                set(&mut props, "NatGatewayId", get("nat_gateway_id"));
                set(
                    &mut props,
                    "VpcPeeringConnectionId",
                    get("vpc_peering_connection_id"),
                );
                let depends = self.gateway_attachment(get("gateway_id"));
                self.add(id, "AWS::EC2::Route", props, depends);
            }
            "vpc_peering" => {
                set(&mut props, "VpcId", get("vpc_id"));
                set(&mut props, "PeerVpcId", get("peer_vpc_id"));
                set(&mut props, "PeerOwnerId", get("peer_owner_id"));
                set(&mut props, "PeerRegion", get("peer_region"));
                self.tags(&mut props, attrs);
                self.add(id, "AWS::EC2::VPCPeeringConnection", props, Vec::new());
            }
            "security_group" => {
                set(&mut props, "GroupName", get("name"));
                props.insert(
                    "GroupDescription".into(),
                    get("description").map_or_else(|| json!("Managed by mdl"), |d| self.value(d)),
                );
                set(&mut props, "VpcId", get("vpc_id"));
                for (name, key) in [
                    ("SecurityGroupIngress", "ingress"),
                    ("SecurityGroupEgress", "egress"),
                ] {
                    let rules = self.rules(get(key), &id, key == "ingress");
                    props.insert(name.into(), Json::Array(rules));
                }
                self.tags(&mut props, attrs);
                self.add(id, "AWS::EC2::SecurityGroup", props, Vec::new());
            }
            _ => {}
        }
    }

    /// Security group rules, one per source, as CloudFormation writes them.
    fn rules(&self, blocks: Option<&Value>, own: &str, ingress: bool) -> Vec<Json> {
        let mut out = Vec::new();
        for rule in blocks.and_then(Value::as_list).unwrap_or_default() {
            let Some(r) = rule.as_map() else { continue };
            let protocol = r.get("protocol").and_then(Value::as_str).unwrap_or("tcp");
            let mut base = serde_json::Map::new();
            base.insert("IpProtocol".into(), json!(protocol));
            if protocol != "-1" {
                base.insert(
                    "FromPort".into(),
                    json!(r.get("from_port").and_then(Value::as_i64).unwrap_or(0)),
                );
                base.insert(
                    "ToPort".into(),
                    json!(r.get("to_port").and_then(Value::as_i64).unwrap_or(0)),
                );
            }
            if let Some(d) = r
                .get("description")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
            {
                base.insert("Description".into(), json!(d));
            }
            let (cidr_key, group_key) = if ingress {
                ("CidrIp", "SourceSecurityGroupId")
            } else {
                ("CidrIp", "DestinationSecurityGroupId")
            };
            for c in r
                .get("cidr_blocks")
                .and_then(Value::as_list)
                .unwrap_or_default()
            {
                let mut m = base.clone();
                m.insert(cidr_key.into(), self.value(c));
                out.push(Json::Object(m));
            }
            for g in r
                .get("security_groups")
                .and_then(Value::as_list)
                .unwrap_or_default()
            {
                let mut m = base.clone();
                m.insert(group_key.into(), self.value(g));
                out.push(Json::Object(m));
            }
            if r.get("self") == Some(&Value::Bool(true)) {
                let mut m = base.clone();
                m.insert(group_key.into(), json!({ "Fn::GetAtt": [own, "GroupId"] }));
                out.push(Json::Object(m));
            }
        }
        out
    }

    fn tags(&self, props: &mut serde_json::Map<String, Json>, attrs: &IndexMap<String, Value>) {
        if let Some(Value::Map(tags)) = attrs.get("tags")
            && !tags.is_empty()
        {
            props.insert(
                "Tags".into(),
                Json::Array(
                    tags.iter()
                        .map(|(k, v)| json!({ "Key": k, "Value": self.value(v) }))
                        .collect(),
                ),
            );
        }
    }
}

fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The CloudFormation template of a configuration.
///
/// # Errors
/// The blocks whose kinds the exporter does not cover yet.
pub fn cloudformation(config: &Config, source_name: &str) -> Result<Json, Vec<Unsupported>> {
    let unsupported: Vec<Unsupported> = config
        .resources
        .values()
        .filter(|r| !SUPPORTED.contains(&r.kind.name))
        .map(|r| Unsupported {
            addr: r.addr.clone(),
            kind: r.kind.name,
        })
        .collect();
    if !unsupported.is_empty() {
        return Err(unsupported);
    }
    let eval = Evaluator::new(config, &Markers);
    let exporter = Exporter {
        config,
        resources: std::cell::RefCell::new(serde_json::Map::new()),
    };
    for (addr, res) in &config.resources {
        let attrs = eval.resource(res, &mut Vec::new());
        exporter.resource(addr, &attrs);
    }
    let mut outputs = serde_json::Map::new();
    for (name, o) in &config.outputs {
        let v = eval.eval(&o.value, &mut Vec::new());
        let value = match exporter.value(&v) {
            Json::Array(items) => json!({ "Fn::Join": [",", items] }),
            other => other,
        };
        outputs.insert(camel(name), json!({ "Value": value }));
    }
    let mut template = serde_json::Map::new();
    template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    template.insert(
        "Description".into(),
        json!(format!(
            "Exported by mdl from {source_name} (stack {})",
            config.stack
        )),
    );
    template.insert(
        "Resources".into(),
        Json::Object(exporter.resources.into_inner()),
    );
    if !outputs.is_empty() {
        template.insert("Outputs".into(), Json::Object(outputs));
    }
    Ok(Json::Object(template))
}

#[cfg(test)]
mod tests {
    use super::logical_id;
    use crate::lang::ResourceAddr;

    #[test]
    fn logical_ids_are_camel_case_and_keep_modules_and_keys() {
        let a = ResourceAddr::parse("module.vle.module.net.subnet.app[\"eu-west-2a\"]").unwrap();
        assert_eq!(logical_id(&a), "VleNetSubnetAppEuWest2a");
        assert_eq!(
            logical_id(&ResourceAddr::parse("vpc.main").unwrap()),
            "VpcMain"
        );
    }
}
