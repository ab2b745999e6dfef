//! Plans rendered for people, in the shape Terraform users know: one block
//! per change with `+`, `~`, `-` and `-/+`, then a summary line.

use std::fmt::Write;

use super::diff::{Action, AttrChange, Change, Plan};
use crate::value::Value;

/// Terminal styling; all empty when colour is off.
#[derive(Clone, Copy)]
pub struct Style {
    pub green: &'static str,
    pub yellow: &'static str,
    pub red: &'static str,
    pub bold: &'static str,
    pub dim: &'static str,
    pub reset: &'static str,
}

impl Style {
    pub fn new(color: bool) -> Style {
        if color {
            Style {
                green: "\x1b[32m",
                yellow: "\x1b[33m",
                red: "\x1b[31m",
                bold: "\x1b[1m",
                dim: "\x1b[2m",
                reset: "\x1b[0m",
            }
        } else {
            Style {
                green: "",
                yellow: "",
                red: "",
                bold: "",
                dim: "",
                reset: "",
            }
        }
    }

    fn sign(&self, sign: &str) -> String {
        let color = match sign {
            "+" => self.green,
            "~" => self.yellow,
            "-" => self.red,
            _ => "",
        };
        format!("{color}{sign}{}", self.reset)
    }
}

/// The whole plan: changes, then the summary line.
pub fn render(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let changes: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    for addr in &plan.vanished {
        if plan.never_created.contains(addr) {
            let _ = writeln!(
                out,
                "{}Note:{} `{addr}` was never created (an earlier apply did not finish creating it); it will be created if still configured.",
                style.bold, style.reset
            );
        } else {
            let _ = writeln!(
                out,
                "{}Note:{} `{addr}` no longer exists in AWS; it will be created again if still configured.",
                style.bold, style.reset
            );
        }
    }
    if !plan.vanished.is_empty() {
        out.push('\n');
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(
            out,
            "{}Changed outside mdl{} since the last apply (as recorded -> as it is now):\n",
            style.bold, style.reset
        );
        for (addr, attrs) in &plan.drift {
            let _ = writeln!(out, "  {}# {addr}{}", style.bold, style.reset);
            let width = name_width(attrs.iter().map(|a| a.name.as_str()));
            for a in attrs {
                render_attr_change(&mut out, a, width, style);
            }
            out.push('\n');
        }
    }
    if !plan.lookups_changed.is_empty() {
        let _ = writeln!(
            out,
            "{}Lookups that answer otherwise{} than when the last apply read them (then -> now):\n",
            style.bold, style.reset
        );
        let mut shown: Option<&crate::addr::ResourceAddr> = None;
        for (addr, attr, before, after) in &plan.lookups_changed {
            if shown != Some(addr) {
                let _ = writeln!(out, "  {}<= {addr}{}", style.bold, style.reset);
                shown = Some(addr);
            }
            let change = super::diff::AttrChange {
                name: attr.clone(),
                before: before.clone(),
                after: Some(after.clone()),
                forces_replacement: false,
            };
            render_attr_change(&mut out, &change, attr.len(), style);
        }
        out.push('\n');
    }
    if !plan.moved.is_empty() {
        let _ = writeln!(
            out,
            "{}Moved{} by `moved` blocks (renamed in state; in AWS only their mdl:address tag changes):\n",
            style.bold, style.reset
        );
        for (from, to) in &plan.moved {
            let _ = writeln!(
                out,
                "  {}~{} {from} moved to {to}",
                style.yellow, style.reset
            );
        }
        out.push('\n');
    }
    if !plan.forgotten.is_empty() {
        let _ = writeln!(
            out,
            "{}Forgotten{} by `removed` blocks (left in AWS, no longer managed; their mdl tags are removed):\n",
            style.bold, style.reset
        );
        for addr in &plan.forgotten {
            let _ = writeln!(out, "  {}-{} {addr} (kept)", style.yellow, style.reset);
        }
        out.push('\n');
    }
    if !plan.unrecorded.is_empty() {
        render_unrecorded(&mut out, plan, style);
    }
    if plan.partial {
        let _ = writeln!(
            out,
            "{}Note:{} this plan covers only the targeted resources and what they depend on; the rest is left as it is.\n",
            style.bold, style.reset
        );
    }
    if changes.is_empty() && plan.has_changes() {
        let _ = writeln!(
            out,
            "{}No changes in AWS.{} Apply records the moves and removals above in state.",
            style.bold, style.reset
        );
        return out;
    }
    if changes.is_empty() {
        let _ = writeln!(
            out,
            "{}No changes.{} The estate matches the configuration.",
            style.bold, style.reset
        );
        return out;
    }
    let _ = writeln!(out, "mdl will perform the following actions:\n");
    for c in &changes {
        render_change(&mut out, &masked(c), style);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary(plan, style));
    out
}

/// How many shown by name at most, of the resources found only by tags.
const UNRECORDED_SHOWN: usize = 10;

/// The resources tagged with this stack that the state does not record.
fn render_unrecorded(out: &mut String, plan: &Plan, style: Style) {
    let n = plan.unrecorded.len();
    let _ = writeln!(
        out,
        "{}Note:{} {n} resource{} in AWS {} tagged mdl:stack = \"{}\" but not recorded in this state; this plan leaves {} alone:",
        style.bold,
        style.reset,
        if n == 1 { "" } else { "s" },
        if n == 1 { "is" } else { "are" },
        plan.stack,
        if n == 1 { "it" } else { "them" },
    );
    for (addr, id) in plan.unrecorded.iter().take(UNRECORDED_SHOWN) {
        let _ = writeln!(out, "  {addr}  {id}");
    }
    if n > UNRECORDED_SHOWN {
        let _ = writeln!(out, "  ... and {} more", n - UNRECORDED_SHOWN);
    }
    let _ = writeln!(
        out,
        "They may be another estate's that uses the same stack name (a file of the same name in another\ndirectory), or this estate's if its state was lost. If they are this estate's, adopt them with\n`mdl state rebuild FILE`; if not, give this stack a name of its own (`stack NAME {{ }}` in the file).\n"
    );
}

/// The change with every sensitive value replaced by `(sensitive)`.
pub(crate) fn masked(c: &Change) -> Change {
    let mut c = c.clone();
    let attrs = if c.after.is_empty() {
        c.prior
            .as_ref()
            .map(|p| p.attrs.clone())
            .unwrap_or_default()
    } else {
        c.after.clone()
    };
    let kind = c.kind;
    let sensitive = |name: &str| kind.is_sensitive(name, &attrs);
    let hide = |v: Value| {
        if v.is_unknown() { v } else { Value::Sensitive }
    };
    for a in &mut c.changes {
        if sensitive(&a.name) {
            a.before = a.before.take().map(hide);
            a.after = a.after.take().map(hide);
        }
    }
    for v in c
        .after
        .iter_mut()
        .filter(|(k, _)| sensitive(k))
        .map(|(_, v)| v)
    {
        *v = hide(v.clone());
    }
    if let Some(p) = &mut c.prior {
        for (k, v) in p.attrs.iter_mut() {
            if sensitive(k) {
                *v = Value::Sensitive;
            }
        }
    }
    c
}

pub fn summary(plan: &Plan, style: Style) -> String {
    let add = plan.count(Action::Create) + plan.count(Action::Replace);
    let change = plan.count(Action::Update);
    let destroy = plan.count(Action::Delete) + plan.count(Action::Replace);
    let protected: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.destroys_protected())
        .map(|c| format!("`{}`", c.addr))
        .collect();
    let warning = if protected.is_empty() {
        String::new()
    } else {
        format!(
            "\n\n{}Warning:{} this plan destroys {} protected resource{} holding data: {}.\napply refuses unless each block says `protect = false` or you pass --allow-destroy ADDRESS for each.",
            style.red,
            style.reset,
            protected.len(),
            if protected.len() == 1 { "" } else { "s" },
            protected.join(", ")
        )
    };
    let mut refactors = String::new();
    if !plan.moved.is_empty() {
        refactors.push_str(&format!(", {} moved", plan.moved.len()));
    }
    if !plan.forgotten.is_empty() {
        refactors.push_str(&format!(", {} forgotten", plan.forgotten.len()));
    }
    format!(
        "{}Plan:{} {add} to add, {change} to change, {destroy} to destroy{refactors}.{warning}",
        style.bold, style.reset
    )
}

fn render_change(out: &mut String, c: &Change, style: Style) {
    let (what, sign) = match c.action {
        Action::Create => ("will be created", "+"),
        Action::Update => ("will be updated in place", "~"),
        Action::Replace if !c.changes.iter().any(|a| a.forces_replacement) => {
            ("will be replaced, as requested", "-/+")
        }
        Action::Replace => ("must be replaced", "-/+"),
        Action::Delete => {
            if c.span.is_some() {
                ("will be destroyed", "-")
            } else {
                ("will be destroyed (no longer in the configuration)", "-")
            }
        }
        Action::NoOp => return,
    };
    let _ = writeln!(out, "  {}# {}{} {what}", style.bold, c.addr, style.reset);
    if c.destroys_protected() {
        let _ = writeln!(
            out,
            "  {}# ! PROTECTED: {} holds data that this destroys{}",
            style.red, c.addr, style.reset
        );
    }
    // `-/+` takes the indentation's place; the other signs sit indented.
    let header = match sign {
        "-/+" => format!(
            "{}-{}/{}+{}",
            style.red, style.reset, style.green, style.reset
        ),
        s => format!("  {}", style.sign(s)),
    };
    let key = c
        .addr
        .key
        .as_deref()
        .map(|k| format!(" [{}]", Value::str(k)))
        .unwrap_or_default();
    let _ = writeln!(out, "{header} {} \"{}\"{key} {{", c.kind.name, c.addr.name);
    match c.action {
        Action::Create => {
            let width = name_width(
                c.changes
                    .iter()
                    .map(|a| a.name.as_str())
                    .chain(c.kind.computed.iter().map(|x| x.name)),
            );
            let mut lines: Vec<(String, String)> = Vec::new();
            for a in &c.changes {
                if let Some(v) = &a.after {
                    if is_empty(v) {
                        continue;
                    }
                    lines.push((
                        a.name.clone(),
                        value_block(&style.sign("+"), &a.name, v, width, 6, style),
                    ));
                }
            }
            for comp in c.kind.computed {
                if !c.changes.iter().any(|a| a.name == comp.name) {
                    lines.push((
                        comp.name.to_string(),
                        format!(
                            "      {} {:<width$} = {}(known after apply){}\n",
                            style.sign("+"),
                            comp.name,
                            style.dim,
                            style.reset
                        ),
                    ));
                }
            }
            lines.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, l) in lines {
                out.push_str(&l);
            }
        }
        Action::Update | Action::Replace => {
            let width = name_width(c.changes.iter().map(|a| a.name.as_str()).chain(["id"]));
            if let Some(p) = &c.prior {
                let _ = writeln!(out, "        {:<width$} = {}", "id", Value::str(&p.id));
            }
            for a in &c.changes {
                render_attr_change(out, a, width, style);
            }
        }
        Action::Delete => {
            if let Some(p) = &c.prior {
                let width = name_width(p.attrs.keys().map(String::as_str).chain(["id"]));
                let _ = writeln!(
                    out,
                    "      {} {:<width$} = {}",
                    style.sign("-"),
                    "id",
                    Value::str(&p.id)
                );
                for (k, v) in &p.attrs {
                    if is_empty(v) {
                        continue;
                    }
                    out.push_str(&value_block(&style.sign("-"), k, v, width, 6, style));
                }
            }
        }
        Action::NoOp => {}
    }
    let _ = writeln!(out, "    }}");
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(str::len).max().unwrap_or(0)
}

fn is_blocks(v: &Value) -> bool {
    matches!(v, Value::List(items) if !items.is_empty() && items.iter().all(|i| matches!(i, Value::Map(_))))
}

/// `sign name = value`, with maps and nested blocks spread over lines.
fn value_block(
    sign: &str,
    name: &str,
    v: &Value,
    width: usize,
    indent: usize,
    style: Style,
) -> String {
    let pad = " ".repeat(indent);
    if is_blocks(v) {
        let mut s = String::new();
        for item in v.as_list().unwrap_or_default() {
            s.push_str(&nested_block(sign, name, item, indent, style));
        }
        return s;
    }
    match v {
        Value::Map(m) if !m.is_empty() => {
            let inner = name_width(m.keys().map(String::as_str)) + 2;
            let mut s = format!("{pad}{sign} {name:<width$} = {{\n");
            for (k, val) in m {
                let key = Value::str(k).to_string();
                let _ = writeln!(s, "{pad}    {sign} {key:<inner$} = {}", inline(val, style));
            }
            let _ = writeln!(s, "{pad}  }}");
            s
        }
        _ => format!("{pad}{sign} {name:<width$} = {}\n", inline(v, style)),
    }
}

fn nested_block(sign: &str, name: &str, item: &Value, indent: usize, style: Style) -> String {
    let pad = " ".repeat(indent);
    let mut s = format!("{pad}{sign} {name} {{\n");
    if let Value::Map(m) = item {
        let fields: Vec<(&String, &Value)> = m
            .iter()
            .filter(|(_, v)| {
                !is_empty(v) && !matches!(v, Value::Bool(false)) && v.as_str() != Some("")
            })
            .collect();
        let width = name_width(fields.iter().map(|(k, _)| k.as_str()));
        for (k, v) in fields {
            let _ = writeln!(s, "{pad}    {sign} {k:<width$} = {}", inline(v, style));
        }
    }
    let _ = writeln!(s, "{pad}  }}");
    s
}

/// One block that changed, field by field.
fn changed_block(kind: &str, name: &str, old: &Value, new: &Value, style: Style) -> String {
    let empty = indexmap::IndexMap::new();
    let old = old.as_map().unwrap_or(&empty);
    let new = new.as_map().unwrap_or(&empty);
    let keys: Vec<&String> = new
        .keys()
        .chain(old.keys().filter(|k| !new.contains_key(*k)))
        .collect();
    let changed: Vec<&String> = keys
        .into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .collect();
    let width = name_width(changed.iter().map(|k| k.as_str()));
    let mut s = format!("      {} {kind} \"{name}\" {{\n", style.sign("~"));
    for k in changed {
        let before = old.get(k).cloned().unwrap_or(Value::Null);
        let after = new.get(k).cloned().unwrap_or(Value::Null);
        let _ = writeln!(
            s,
            "          {} {k:<width$} = {} -> {}",
            style.sign("~"),
            inline(&before, style),
            inline(&after, style)
        );
    }
    s.push_str("        }\n");
    s
}

fn inline(v: &Value, style: Style) -> String {
    match v {
        Value::Unknown | Value::NotNull => {
            format!("{}(known after apply){}", style.dim, style.reset)
        }
        _ => v.to_string(),
    }
}

fn render_attr_change(out: &mut String, a: &AttrChange, width: usize, style: Style) {
    let forces = if a.forces_replacement {
        format!(" {}# forces replacement{}", style.red, style.reset)
    } else {
        String::new()
    };
    let before = a.before.clone().unwrap_or(Value::Null);
    let after = a.after.clone().unwrap_or(Value::Null);
    match (&before, &after) {
        // Nested blocks and sets of maps: show the blocks that go and come.
        (b, f) if is_blocks(b) || is_blocks(f) || (is_empty(b) && is_blocks(f)) => {
            let empty = Vec::new();
            let old = b
                .as_list()
                .map(<[Value]>::to_vec)
                .unwrap_or_else(|| empty.clone());
            let new = f.as_list().map(<[Value]>::to_vec).unwrap_or(empty);
            let gone: Vec<&Value> = old.iter().filter(|i| !new.contains(i)).collect();
            let came: Vec<&Value> = new.iter().filter(|i| !old.contains(i)).collect();
            // A block that keeps its `name` but changes is shown field by
            // field (a container whose image moved on, say).
            let name_of = |v: &Value| {
                v.as_map()
                    .and_then(|m| m.get("name"))
                    .and_then(Value::as_str)
                    .map(ToString::to_string)
            };
            let mut paired = Vec::new();
            for g in &gone {
                if let Some(n) = name_of(g)
                    && let Some(c) = came
                        .iter()
                        .find(|c| name_of(c).as_deref() == Some(n.as_str()))
                {
                    paired.push(n.clone());
                    out.push_str(&changed_block(&a.name, &n, g, c, style));
                }
            }
            let unpaired = |v: &&&Value| name_of(v).is_none_or(|n| !paired.contains(&n));
            for item in gone.iter().filter(unpaired) {
                out.push_str(&nested_block(&style.sign("-"), &a.name, item, 6, style));
            }
            for item in came.iter().filter(unpaired) {
                out.push_str(&nested_block(&style.sign("+"), &a.name, item, 6, style));
            }
            if !forces.is_empty() {
                let _ = writeln!(out, "       {forces}");
            }
        }
        (Value::String(old), Value::String(new)) if long_text(old) || long_text(new) => {
            let _ = writeln!(
                out,
                "      {} {:<width$} = <<{forces}",
                style.sign("~"),
                a.name
            );
            out.push_str(&text_diff(old, new, style));
            let _ = writeln!(out, "        >>");
        }
        (Value::Map(old), Value::Map(new)) => {
            let _ = writeln!(
                out,
                "      {} {:<width$} = {{{forces}",
                style.sign("~"),
                a.name
            );
            let keys: Vec<&String> = old
                .keys()
                .chain(new.keys().filter(|k| !old.contains_key(*k)))
                .collect();
            let inner = name_width(keys.iter().map(|k| k.as_str())) + 2;
            for k in keys {
                let key = Value::str(k).to_string();
                match (old.get(k), new.get(k)) {
                    (Some(o), Some(n)) if o == n => {}
                    (Some(o), Some(n)) => {
                        let _ = writeln!(
                            out,
                            "          {} {key:<inner$} = {} -> {}",
                            style.sign("~"),
                            inline(o, style),
                            inline(n, style)
                        );
                    }
                    (Some(o), None) => {
                        let _ = writeln!(
                            out,
                            "          {} {key:<inner$} = {}",
                            style.sign("-"),
                            inline(o, style)
                        );
                    }
                    (None, Some(n)) => {
                        let _ = writeln!(
                            out,
                            "          {} {key:<inner$} = {}",
                            style.sign("+"),
                            inline(n, style)
                        );
                    }
                    (None, None) => {}
                }
            }
            let _ = writeln!(out, "        }}");
        }
        _ => {
            let sign = if a.before.is_none() {
                style.sign("+")
            } else {
                style.sign("~")
            };
            let arrow = if a.before.is_none() {
                inline(&after, style)
            } else {
                format!("{} -> {}", inline(&before, style), inline(&after, style))
            };
            let _ = writeln!(out, "      {sign} {:<width$} = {arrow}{forces}", a.name);
        }
    }
}

/// A value worth a line diff: several lines, or a long JSON document (a
/// policy, container definitions).
fn long_text(s: &str) -> bool {
    s.contains('\n') || (s.len() > 60 && pretty_json(s).is_some())
}

fn pretty_json(s: &str) -> Option<String> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    serde_json::to_string_pretty(&v).ok()
}

/// The lines that change between two texts (JSON pretty-printed first),
/// with two lines of context around each change.
fn text_diff(old: &str, new: &str, style: Style) -> String {
    let old = pretty_json(old).unwrap_or_else(|| old.to_string());
    let new = pretty_json(new).unwrap_or_else(|| new.to_string());
    let diff = similar::TextDiff::from_lines(&old, &new);
    let mut out = String::new();
    for (i, group) in diff.grouped_ops(2).iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out, "          {}...{}", style.dim, style.reset);
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => style.sign("-"),
                    similar::ChangeTag::Insert => style.sign("+"),
                    similar::ChangeTag::Equal => " ".to_string(),
                };
                let line = change.value().trim_end_matches('\n');
                let _ = writeln!(out, "          {sign} {line}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_json_values_are_diffed_line_by_line_with_context() {
        let old = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#;
        let new = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents","ssm:GetParameters"],"Resource":"*"}]}"#;
        let a = AttrChange {
            name: "inline_policy".into(),
            before: Some(Value::str(old)),
            after: Some(Value::str(new)),
            forces_replacement: false,
        };
        let mut out = String::new();
        render_attr_change(&mut out, &a, 13, Style::new(false));
        assert!(out.contains("~ inline_policy = <<"), "{out}");
        let has = |sign: &str, text: &str| {
            out.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with(sign) && l[1..].trim() == text
            })
        };
        assert!(has("-", "\"logs:PutLogEvents\""), "{out}");
        assert!(has("+", "\"logs:PutLogEvents\","), "{out}");
        assert!(has("+", "\"ssm:GetParameters\""), "{out}");
        assert!(
            !out.contains("\"Version\""),
            "only changed lines with context:\n{out}"
        );
        // Short values stay on one line.
        let short = AttrChange {
            name: "name".into(),
            before: Some(Value::str("a")),
            after: Some(Value::str("b")),
            forces_replacement: false,
        };
        let mut out = String::new();
        render_attr_change(&mut out, &short, 4, Style::new(false));
        assert_eq!(out, "      ~ name = \"a\" -> \"b\"\n");
    }
}
