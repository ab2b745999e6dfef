//! The plan as JSON, for CI and for saved plans. The schema is versioned
//! by `format_version` and documented in docs/plan-json.md; sensitive
//! values are `"(sensitive)"`.

use serde_json::{Value as Json, json};

use super::diff::{Action, Change, Plan};

/// The version of the JSON plan format.
pub const FORMAT_VERSION: u32 = 1;

fn action(a: Action) -> &'static str {
    match a {
        Action::NoOp => "no-op",
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

/// A value; one not known before apply is `"(known after apply)"`.
fn value(v: &crate::value::Value) -> Json {
    match v {
        crate::value::Value::Unknown | crate::value::Value::NotNull => {
            Json::String("(known after apply)".into())
        }
        other => other.to_json(),
    }
}

fn change_json(c: &Change) -> Json {
    json!({
        "address": c.addr.to_string(),
        "kind": c.kind.name,
        "action": action(c.action),
        "id": c.prior.as_ref().map(|p| p.id.clone()),
        "protected": c.protected,
        "attributes": c.changes.iter().map(|a| json!({
            "name": a.name,
            "before": a.before.as_ref().map(value),
            "after": a.after.as_ref().map(value),
            "forces_replacement": a.forces_replacement,
        })).collect::<Vec<_>>(),
    })
}

/// The plan as JSON, secrets masked.
pub fn to_json(plan: &Plan) -> Json {
    let changes: Vec<Json> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| change_json(&super::render::masked(c)))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "stack": plan.stack,
        "partial": plan.partial,
        "changes": changes,
        "vanished": plan.vanished.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "unrecorded": plan.unrecorded.iter().map(|(addr, id)| json!({
            "address": addr.to_string(),
            "id": id,
        })).collect::<Vec<_>>(),
        "drift": plan.drift.iter().map(|(addr, attrs)| json!({
            "address": addr.to_string(),
            "attributes": attrs.iter().map(|a| json!({
                "name": a.name,
                "recorded": a.before.as_ref().map(value),
                "live": a.after.as_ref().map(value),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "moved": plan.moved.iter().map(|(from, to)| json!({
            "from": from.to_string(),
            "to": to.to_string(),
        })).collect::<Vec<_>>(),
        "forgotten": plan.forgotten.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "lookups_changed": plan.lookups_changed.iter().map(|(addr, attr, before, after)| json!({
            "address": addr.to_string(),
            "name": attr,
            "before": before.as_ref().map(value),
            "after": value(after),
        })).collect::<Vec<_>>(),
        "summary": {
            "add": plan.count(Action::Create) + plan.count(Action::Replace),
            "change": plan.count(Action::Update),
            "destroy": plan.count(Action::Delete) + plan.count(Action::Replace),
        },
    })
}

/// A digest of everything the plan would do: two plans with the same
/// digest make the same changes. Secrets count only as being there: their
/// digests are salted per state (a plan of a stack with no state yet has
/// a new salt every time), and their values are in the configuration's
/// digest, which a saved plan checks too (`cli::plan::config_digest`).
pub fn digest(plan: &Plan) -> String {
    let mut changes: Vec<Json> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(change_json)
        .collect();
    changes.iter_mut().for_each(unsalt);
    crate::schema::digest(
        &json!({
            "changes": changes,
            "vanished": plan.vanished.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "moved": plan.moved.iter().map(|(f, t)| [f.to_string(), t.to_string()]).collect::<Vec<_>>(),
            "forgotten": plan.forgotten.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })
        .to_string(),
    )
}

/// Every secret digest in `json` replaced by one marker.
fn unsalt(json: &mut Json) {
    match json {
        Json::Object(m) if m.len() == 1 && m.contains_key(crate::schema::DIGEST_KEY) => {
            *json = Json::String("(secret)".into());
        }
        Json::Object(m) => m.values_mut().for_each(unsalt),
        Json::Array(items) => items.iter_mut().for_each(unsalt),
        _ => {}
    }
}

/// A value as written by [`value`]: the markers back to what they stand for.
fn value_back(json: &Json) -> crate::value::Value {
    match json.as_str() {
        Some("(known after apply)") => crate::value::Value::Unknown,
        Some("(sensitive)") => crate::value::Value::Sensitive,
        _ => crate::value::Value::from_json(json),
    }
}

/// A plan read back from its JSON (a saved plan's, for `mdl show PLAN`),
/// enough to render it: what the JSON does not carry (the attributes of a
/// resource being deleted, spans, dependencies) is left empty.
///
/// # Errors
/// What in `json` is not the format this version writes.
pub fn from_json(json: &Json) -> Result<Plan, String> {
    use crate::lang::ResourceAddr;
    use crate::plan::diff::AttrChange;
    if json["format_version"] != FORMAT_VERSION {
        return Err(format!(
            "plan format_version {} is not {FORMAT_VERSION}, the one this mdl reads",
            json["format_version"]
        ));
    }
    let addr = |j: &Json| -> Result<ResourceAddr, String> {
        j.as_str()
            .and_then(ResourceAddr::parse)
            .ok_or_else(|| format!("`{j}` is not a resource address"))
    };
    let list = |key: &str| json[key].as_array().cloned().unwrap_or_default();
    let attrs = |j: &Json, before: &str, after: &str| -> Vec<AttrChange> {
        j.as_array()
            .into_iter()
            .flatten()
            .map(|a| AttrChange {
                name: a["name"].as_str().unwrap_or_default().to_string(),
                before: Some(&a[before]).filter(|v| !v.is_null()).map(value_back),
                after: Some(&a[after]).filter(|v| !v.is_null()).map(value_back),
                forces_replacement: a["forces_replacement"].as_bool().unwrap_or(false),
            })
            .collect()
    };
    let mut changes = Vec::new();
    for c in list("changes") {
        let kind_name = c["kind"].as_str().unwrap_or_default();
        let kind = crate::kinds::schema(kind_name)
            .ok_or_else(|| format!("`{kind_name}` is not a kind this mdl knows"))?;
        let action = match c["action"].as_str() {
            Some("create") => Action::Create,
            Some("update") => Action::Update,
            Some("replace") => Action::Replace,
            Some("delete") => Action::Delete,
            other => return Err(format!("`{other:?}` is not an action")),
        };
        changes.push(Change {
            addr: addr(&c["address"])?,
            kind,
            action,
            prior: c["id"].as_str().map(|id| crate::provider::LiveResource {
                addr: None,
                stack: None,
                id: id.to_string(),
                attrs: indexmap::IndexMap::new(),
                computed: indexmap::IndexMap::new(),
            }),
            after: indexmap::IndexMap::new(),
            changes: attrs(&c["attributes"], "before", "after"),
            span: None,
            dependencies: Vec::new(),
            prior_dependencies: Vec::new(),
            protected: c["protected"].as_bool().unwrap_or(false),
            adopt: false,
        });
    }
    let addrs =
        |key: &str| -> Result<Vec<ResourceAddr>, String> { list(key).iter().map(addr).collect() };
    Ok(Plan {
        stack: json["stack"].as_str().unwrap_or_default().to_string(),
        changes,
        vanished: addrs("vanished")?,
        never_created: Vec::new(),
        partial: json["partial"].as_bool().unwrap_or(false),
        drift: list("drift")
            .iter()
            .map(|d| {
                Ok((
                    addr(&d["address"])?,
                    attrs(&d["attributes"], "recorded", "live"),
                ))
            })
            .collect::<Result<_, String>>()?,
        unrecorded: list("unrecorded")
            .iter()
            .map(|u| {
                Ok((
                    addr(&u["address"])?,
                    u["id"].as_str().unwrap_or_default().to_string(),
                ))
            })
            .collect::<Result<_, String>>()?,
        lookups_changed: list("lookups_changed")
            .iter()
            .map(|l| {
                Ok((
                    addr(&l["address"])?,
                    l["name"].as_str().unwrap_or_default().to_string(),
                    Some(&l["before"]).filter(|v| !v.is_null()).map(value_back),
                    value_back(&l["after"]),
                ))
            })
            .collect::<Result<_, String>>()?,
        moved: list("moved")
            .iter()
            .map(|m| Ok((addr(&m["from"])?, addr(&m["to"])?)))
            .collect::<Result<_, String>>()?,
        forgotten: addrs("forgotten")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_read_back_renders_as_it_was_written() {
        let json = serde_json::json!({
            "format_version": 1,
            "stack": "web",
            "partial": false,
            "changes": [
                {"address": "vpc.main", "kind": "vpc", "action": "update", "id": "vpc-1",
                 "protected": false, "attributes": [
                    {"name": "cidr_block", "before": "10.0.0.0/16", "after": "10.1.0.0/16", "forces_replacement": true}
                 ]},
                {"address": "security_group.web", "kind": "security_group", "action": "create", "id": null,
                 "protected": false, "attributes": [
                    {"name": "description", "before": null, "after": "web", "forces_replacement": false}
                 ]}
            ],
            "vanished": [], "unrecorded": [], "drift": [], "moved": [
                {"from": "vpc.old", "to": "vpc.main"}
            ], "forgotten": [], "lookups_changed": [],
            "summary": {"add": 1, "change": 1, "destroy": 0}
        });
        let plan = from_json(&json).unwrap();
        assert_eq!(plan.changes.len(), 2);
        assert_eq!(plan.moved.len(), 1);
        // Written again, it is the same plan.
        let again = to_json(&plan);
        assert_eq!(again["changes"], json["changes"]);
        assert_eq!(again["summary"], json["summary"]);
        let bad = serde_json::json!({"format_version": 1, "changes": [
            {"address": "vpc.main", "kind": "nope", "action": "create"}
        ]});
        assert!(from_json(&bad).unwrap_err().contains("`nope`"));
        assert!(from_json(&serde_json::json!({"format_version": 9})).is_err());
    }
}
