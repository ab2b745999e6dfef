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

/// A whole-number attribute as the 32-bit integer AWS takes: `None` when
/// unset, an error naming it when it is not a whole number in range
/// (never a value cut short).
pub fn int(
    attrs: &IndexMap<String, Value>,
    k: &str,
    service: &'static str,
) -> Result<Option<i32>, ProviderError> {
    match attrs.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.fract() == 0.0 => to_i32(*n as i64, k, service).map(Some),
        Some(v) => Err(ProviderError::new(
            service,
            "build",
            format!("`{k}` must be a whole number, not {v}"),
        )),
    }
}

/// A whole number as the 32-bit integer AWS takes, or an error naming it.
pub fn to_i32(n: i64, what: &str, service: &'static str) -> Result<i32, ProviderError> {
    i32::try_from(n).map_err(|_| {
        ProviderError::new(
            service,
            "build",
            format!("`{what}` is {n}, beyond the 32-bit whole numbers AWS takes"),
        )
    })
}

/// A field an answer always has (the id or ARN a create returns), or an
/// error naming the service, the operation and the field: an empty id
/// recorded in state would lose the resource.
pub fn answered(
    v: Option<&str>,
    service: &'static str,
    operation: &'static str,
    field: &str,
) -> Result<String, ProviderError> {
    always(v.filter(|v| !v.is_empty()), service, operation, field).map(ToString::to_string)
}

/// A field AWS always returns in an answer (an id, a VPC's CIDR block, a
/// subnet's zone), or an error naming the service, the operation and the
/// field: never a default that would read as a change, or lose the
/// resource. A field AWS may leave out (a description, a tag's value) is
/// read with its default instead.
pub fn always<T>(
    v: Option<T>,
    service: &'static str,
    operation: &'static str,
    field: &str,
) -> Result<T, ProviderError> {
    v.ok_or_else(|| ProviderError::new(service, operation, format!("the answer has no {field}")))
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

#[cfg(test)]
mod tests {
    use super::always;

    #[test]
    fn a_field_an_answer_lacks_is_an_error_naming_service_operation_and_field() {
        assert_eq!(
            always(Some("vpc-1"), "ec2", "DescribeVpcs", "VpcId").unwrap(),
            "vpc-1"
        );
        let err = always(None::<&str>, "ec2", "DescribeVpcs", "VpcId").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ec2 DescribeVpcs failed: the answer has no VpcId"
        );
    }
}
