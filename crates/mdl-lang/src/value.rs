//! Values: what expressions evaluate to, what state records and what the
//! diff compares. `Unknown` stands for a value known only after apply.
//!
//! Must not import any mdl module but `diagnostics`.

use std::fmt;

use indexmap::IndexMap;

/// The largest whole number a `Value::Number` holds exactly: 2^53.
pub const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Map(IndexMap<String, Value>),
    /// Computed by AWS during apply (an id not yet assigned, say).
    Unknown,
    /// Unknown until apply, but known not to be null: an id or ARN AWS
    /// assigns to a resource that will exist, or a string built from one.
    /// `x != null` and `x == null` decide on it at plan time.
    NotNull,
    /// A secret, hidden for display.
    Sensitive,
}

impl Value {
    /// Every string in the value, nested ones included, appended to `out`.
    pub fn collect_strings(&self, out: &mut Vec<String>) {
        match self {
            Value::String(s) => out.push(s.clone()),
            Value::List(items) => items.iter().for_each(|i| i.collect_strings(out)),
            Value::Map(m) => m.values().for_each(|i| i.collect_strings(out)),
            _ => {}
        }
    }

    /// Whether one of its strings holds one of `secrets`, alone or inside
    /// a longer string.
    pub fn holds_any(&self, secrets: &[String]) -> bool {
        let mut held = Vec::new();
        self.collect_strings(&mut held);
        held.iter()
            .any(|h| secrets.iter().any(|s| h.contains(s.as_str())))
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// A whole number that is exact (at most 2^53 in size).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_f64()
            .filter(|n| n.fract() == 0.0 && n.abs() <= MAX_EXACT)
            .map(|n| n as i64)
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&IndexMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Whether the value itself is unknown (refined or not).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown | Value::NotNull)
    }

    /// Whether any part of this value is unknown.
    pub fn has_unknown(&self) -> bool {
        match self {
            Value::Unknown | Value::NotNull => true,
            Value::List(l) => l.iter().any(Value::has_unknown),
            Value::Map(m) => m.values().any(Value::has_unknown),
            _ => false,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Unknown | Value::NotNull => "unknown",
            Value::Sensitive => "sensitive",
        }
    }

    /// The value as JSON, for the state file. `Unknown` never reaches state;
    /// it maps to null.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown | Value::NotNull => serde_json::Value::Null,
            Value::Sensitive => serde_json::Value::String("(sensitive)".into()),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 9e15 {
                    serde_json::Value::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n)
                        .map_or(serde_json::Value::Null, serde_json::Value::Number)
                }
            }
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// A sort key that orders values deterministically (used for sets).
    pub fn sort_key(&self) -> String {
        self.to_string()
    }
}

/// Values print in the language's own syntax, the way plans show them.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    write!(f, "{}", *n as i64)
                } else {
                    write!(f, "{n}")
                }
            }
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
            Value::List(l) => {
                f.write_str("[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, " {k} = {v}")?;
                }
                f.write_str(if m.is_empty() { "}" } else { " }" })
            }
            Value::Unknown | Value::NotNull => f.write_str("(known after apply)"),
            Value::Sensitive => f.write_str("(sensitive)"),
        }
    }
}
