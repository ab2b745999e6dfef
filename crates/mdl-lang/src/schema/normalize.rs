//! Canonical forms, so that what the configuration says and what AWS
//! reports compare equal when they mean the same thing: sets sorted, rule
//! lists exploded into one rule per source, protocol aliases resolved, DNS
//! names lower-cased without their trailing dot.

use indexmap::IndexMap;

use super::{AttrSchema, KindSchema, Type};
use crate::value::Value;

/// Put a resource's input attributes in canonical form, secrets as their
/// digests salted with `salt` (the state's).
pub fn normalize(
    kind: &KindSchema,
    attrs: &IndexMap<String, Value>,
    salt: &str,
) -> IndexMap<String, Value> {
    let mut out = IndexMap::with_capacity(attrs.len());
    for (name, value) in attrs {
        out.insert(name.clone(), normalize_attr(kind, name, value));
    }
    super::redact(kind, &mut out, salt);
    out
}

/// One attribute in canonical form, as [`normalize`] would put it among
/// no other attributes.
pub fn normalize_one(kind: &KindSchema, name: &str, value: &Value, salt: &str) -> Value {
    match kind.attr(name) {
        // Whether a secret is redacted may depend on the other attributes.
        Some(a) if a.sensitive || a.sensitive_if.is_some() => {
            let mut m = IndexMap::with_capacity(1);
            m.insert(name.to_string(), value.clone());
            normalize(kind, &m, salt)
                .swap_remove(name)
                .unwrap_or(Value::Null)
        }
        _ => normalize_attr(kind, name, value),
    }
}

/// One attribute in canonical form, secrets aside.
fn normalize_attr(kind: &KindSchema, name: &str, value: &Value) -> Value {
    match kind.attr(name) {
        Some(schema) if schema.per_source => rules(schema, value),
        Some(schema) if schema.dns_name => domain_name(value),
        Some(schema) => by_type(&schema.ty, value),
        None => value.clone(),
    }
}

/// DNS names compare without case and without the trailing dot Route 53
/// adds.
fn domain_name(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.trim_end_matches('.').to_ascii_lowercase()),
        other => other.clone(),
    }
}

fn by_type(ty: &Type, value: &Value) -> Value {
    match (ty, value) {
        (Type::Set(inner), Value::List(items)) => {
            let mut items: Vec<Value> = items.iter().map(|v| by_type(inner, v)).collect();
            items.sort_by_cached_key(Value::sort_key);
            items.dedup();
            Value::List(items)
        }
        (Type::List(inner), Value::List(items)) => {
            Value::List(items.iter().map(|v| by_type(inner, v)).collect())
        }
        (Type::Map(inner), Value::Map(m)) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), by_type(inner, v)))
                .collect(),
        ),
        (Type::Blocks(block), Value::List(items)) => {
            let mut items: Vec<Value> = items.iter().map(|v| block_value(block.attrs, v)).collect();
            items.sort_by_cached_key(Value::sort_key);
            items.dedup();
            Value::List(items)
        }
        _ => value.clone(),
    }
}

fn block_value(attrs: &[AttrSchema], value: &Value) -> Value {
    let Value::Map(m) = value else {
        return value.clone();
    };
    let mut out = IndexMap::new();
    for a in attrs {
        let v = m
            .get(a.name)
            .cloned()
            .or_else(|| a.default_value())
            .unwrap_or(Value::Null);
        out.insert(a.name.to_string(), by_type(&a.ty, &v));
    }
    Value::Map(out)
}

/// One security-group rule with exactly one source or destination.
fn rules(schema: &AttrSchema, value: &Value) -> Value {
    let Type::Blocks(block) = schema.ty else {
        return value.clone();
    };
    let Value::List(blocks) = value else {
        return value.clone();
    };
    let mut out = Vec::new();
    for b in blocks {
        let Value::Map(m) = block_value(block.attrs, b) else {
            continue;
        };
        let (protocol, from, to) = protocol_ports(&m);
        let description = m.get("description").cloned().unwrap_or(Value::str(""));
        let atom = |cidr: Option<Value>, group: Option<Value>, is_self: bool| {
            let mut r = IndexMap::new();
            r.insert("protocol".to_string(), protocol.clone());
            r.insert("from_port".to_string(), from.clone());
            r.insert("to_port".to_string(), to.clone());
            r.insert(
                "cidr_blocks".to_string(),
                Value::List(cidr.into_iter().collect()),
            );
            r.insert(
                "security_groups".to_string(),
                Value::List(group.into_iter().collect()),
            );
            r.insert("self".to_string(), Value::Bool(is_self));
            r.insert("description".to_string(), description.clone());
            Value::Map(r)
        };
        match m.get("cidr_blocks") {
            Some(Value::List(cidrs)) => {
                out.extend(cidrs.iter().map(|c| atom(Some(c.clone()), None, false)))
            }
            Some(v @ (Value::Unknown | Value::NotNull)) => {
                out.push(atom(Some(v.clone()), None, false))
            }
            _ => {}
        }
        match m.get("security_groups") {
            Some(Value::List(groups)) => {
                out.extend(groups.iter().map(|g| atom(None, Some(g.clone()), false)))
            }
            Some(v @ (Value::Unknown | Value::NotNull)) => {
                out.push(atom(None, Some(v.clone()), false))
            }
            _ => {}
        }
        if m.get("self") == Some(&Value::Bool(true)) {
            out.push(atom(None, None, true));
        }
    }
    out.sort_by_cached_key(Value::sort_key);
    out.dedup();
    Value::List(out)
}

fn protocol_ports(m: &IndexMap<String, Value>) -> (Value, Value, Value) {
    let protocol = match m.get("protocol").and_then(Value::as_str).unwrap_or("tcp") {
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        "all" | "-1" => "-1",
        other => other,
    }
    .to_string();
    if protocol == "-1" {
        return (
            Value::String(protocol),
            Value::Number(0.0),
            Value::Number(0.0),
        );
    }
    let port = |k: &str| m.get(k).cloned().unwrap_or(Value::Number(0.0));
    (Value::String(protocol), port("from_port"), port("to_port"))
}
