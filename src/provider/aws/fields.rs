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

/// Read a resource's tags: `mdl:address` and `mdl:stack` into its address
/// and stack, the user's own tags into its `tags` attribute.
/// Whether a tag is the user's: not mdl's own, and not one of AWS's
/// reserved `aws:` tags (CloudFormation's `aws:cloudformation:*`), which no
/// one may set or remove.
pub fn is_user_tag(key: &str) -> bool {
    !key.starts_with("mdl:") && !key.starts_with("aws:")
}

pub fn set_tags<'a>(r: &mut LiveResource, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    let mut user = IndexMap::new();
    for (k, v) in pairs {
        match k {
            crate::provider::ADDRESS_TAG => r.addr = crate::lang::ResourceAddr::parse(v),
            crate::provider::STACK_TAG => r.stack = Some(v.to_string()),
            k if !is_user_tag(k) => {}
            k => {
                user.insert(k.to_string(), Value::str(v));
            }
        }
    }
    user.sort_keys();
    r.attrs.insert("tags".into(), Value::Map(user));
}

/// The tags mdl sets on a resource: `mdl:stack`, `mdl:address`, then the
/// user's own.
pub fn tag_pairs(
    stack: &str,
    addr: &crate::lang::ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> Vec<(String, String)> {
    let mut tags = vec![
        (crate::provider::STACK_TAG.to_string(), stack.to_string()),
        (crate::provider::ADDRESS_TAG.to_string(), addr.to_string()),
    ];
    if let Some(Value::Map(user)) = attrs.get("tags") {
        for (k, v) in user {
            tags.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
        }
    }
    tags
}
