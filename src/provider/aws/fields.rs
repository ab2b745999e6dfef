//! Reading the attributes of a request, and building the values of a
//! response, the same way in every AWS provider.

use indexmap::IndexMap;

use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

/// A string attribute.
pub fn s(attrs: &IndexMap<String, Value>, k: &str) -> Option<String> {
    attrs
        .get(k)
        .and_then(Value::as_str)
        .map(ToString::to_string)
}

/// A string attribute the schema requires.
pub fn req_s(
    attrs: &IndexMap<String, Value>,
    k: &str,
    service: &'static str,
    op: &'static str,
) -> Result<String, ProviderError> {
    s(attrs, k).ok_or_else(|| ProviderError::new(service, op, format!("`{k}` has no value")))
}

/// A bool attribute.
pub fn b(attrs: &IndexMap<String, Value>, k: &str) -> Option<bool> {
    attrs.get(k).and_then(Value::as_bool)
}

/// A whole-number attribute.
pub fn n(attrs: &IndexMap<String, Value>, k: &str) -> Option<i64> {
    attrs.get(k).and_then(Value::as_i64)
}

/// A list-of-strings attribute (empty when unset).
pub fn strings(attrs: &IndexMap<String, Value>, k: &str) -> Vec<String> {
    attrs
        .get(k)
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(ToString::to_string))
        .collect()
}

/// A list of strings as a value.
pub fn list(items: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// An optional string as a value.
pub fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, Value::str)
}

/// An optional number as a value.
pub fn opt_num(v: Option<i64>) -> Value {
    v.map_or(Value::Null, |n| Value::Number(n as f64))
}

/// Settings a describe does not show (tags, settings only given at
/// creation) are recorded as they were applied.
pub fn with_applied(mut live: LiveResource, attrs: &IndexMap<String, Value>) -> LiveResource {
    for (k, v) in attrs {
        live.attrs.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if let Some(t) = attrs.get("tags") {
        live.attrs.insert("tags".into(), t.clone());
    }
    live
}
