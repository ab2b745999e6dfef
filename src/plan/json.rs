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
