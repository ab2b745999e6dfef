//! Import from CloudFormation: which mdl kind each resource type of a stack
//! becomes, how its physical id becomes the id mdl reads it by, and the
//! `.moodle` text that describes what is live, with values that name other
//! imported resources written as references.
//!
//! Must not import: `plan`, `apply`, `state`, `cli`.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use crate::provider::LiveResource;
use crate::schema::{AttrSchema, KindSchema, Presence, Type};
use crate::value::Value;

/// What a CloudFormation resource type becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// A block of this kind.
    Kind(&'static str),
    /// Part of a block of another kind (a route is a `route` block of its
    /// route table): imported with it when that resource is in the stack.
    Part {
        of: &'static str,
        as_what: &'static str,
    },
    /// mdl has no kind for it.
    Unsupported,
}

/// What a CloudFormation resource type becomes in mdl.
pub fn mapping(resource_type: &str) -> Mapping {
    // A part first: a route is a `route` block of its table when the table
    // is in the stack, not a `route` of its own.
    if let Some((kind, as_what)) = crate::kinds::part_of(resource_type) {
        return Mapping::Part {
            of: kind.schema.name,
            as_what,
        };
    }
    crate::kinds::adopting(resource_type)
        .map_or(Mapping::Unsupported, |kind| Mapping::Kind(kind.schema.name))
}

pub use crate::kinds::StackArn;

/// The id mdl reads a resource by, from its physical id and (for record
/// sets, whose physical id is only a name) its template properties.
///
/// # Errors
/// What is missing to work the id out, for the user.
pub fn mdl_id(
    kind: &str,
    physical_id: &str,
    arn: &StackArn,
    properties: Option<&serde_json::Value>,
    physical_of: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let physical = crate::kinds::Physical {
        id: physical_id,
        stack: arn,
        properties,
        physical_of,
    };
    if let Some(k) = crate::kinds::named(kind) {
        return (k.cloudformation.import_id)(&physical);
    }
    Ok(physical_id.to_string())
}

/// A block name from a logical id: snake case, without the kind's name
/// (or a word CloudFormation users name it by) at its start or end, so
/// that `VpcMain` under `vpc` is `main`, `WebSecurityGroup` is `web` and
/// `Vpc` alone is `main`. Product names stay one word (`ElastiCache`).
pub fn block_name(logical_id: &str, kind: &str) -> String {
    let mut snake = String::new();
    let chars: Vec<char> = logical_id.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            snake.push(c);
        } else if !snake.ends_with('_') {
            snake.push('_');
        }
    }
    let mut name = snake.trim_matches('_').to_string();
    for (split, whole) in [
        ("elasti_cache", "elasticache"),
        ("cloud_front", "cloudfront"),
        ("cloud_watch", "cloudwatch"),
        ("cloud_formation", "cloudformation"),
        ("postgre_sql", "postgresql"),
        ("my_sql", "mysql"),
    ] {
        name = name.replace(split, whole);
    }
    // The kind's name, without its service's word too (`iam_role`: `role`),
    // and the words CloudFormation's types use for it.
    let mut words: Vec<String> = vec![kind.to_string()];
    if let Some((service, rest)) = kind.split_once('_')
        && ["iam", "ecs", "efs", "s3", "aurora", "dns", "db"].contains(&service)
    {
        words.push(rest.to_string());
    }
    let synonyms: &[&str] = match kind {
        "efs" => &["file_system"],
        "autoscaling_group" => &["auto_scaling_group"],
        "cache" => &["replication_group", "cache_cluster"],
        "iam_instance_profile" => &["instance_profile"],
        "aurora_cluster" => &["db_cluster"],
        "aurora_instance" => &["db_instance"],
        _ => &[],
    };
    words.extend(synonyms.iter().map(ToString::to_string));
    let mut stripped = true;
    while stripped {
        stripped = false;
        for w in &words {
            if name == *w {
                name.clear();
            } else if let Some(rest) = name
                .strip_prefix(&format!("{w}_"))
                .or_else(|| name.strip_suffix(&format!("_{w}")))
            {
                name = rest.to_string();
                stripped = true;
            }
        }
    }
    if name.is_empty() {
        "main".to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("r_{name}")
    } else {
        name
    }
}

/// A resource of the stack, read from AWS, to become a block.
pub struct Adopted {
    pub logical_id: String,
    pub name: String,
    pub kind: &'static KindSchema,
    pub live: LiveResource,
    /// Settings AWS did not report, taken at mdl's defaults.
    pub assumed: Vec<&'static str>,
    /// Its key in a block written once with `for_each` for resources
    /// that differ only by index or AZ (`SubnetA`, `SubnetB`).
    pub key: Option<String>,
}

impl Adopted {
    pub fn new(logical_id: String, kind: &'static KindSchema, mut live: LiveResource) -> Adopted {
        let mut assumed = Vec::new();
        for attr in kind.attrs {
            if attr.create_only || live.attrs.contains_key(attr.name) {
                continue;
            }
            if let Some(default) = attr.default_value() {
                live.attrs.insert(attr.name.to_string(), default);
                assumed.push(attr.name);
            }
        }
        Adopted {
            logical_id,
            name: String::new(),
            kind,
            live,
            assumed,
            key: None,
        }
    }

    /// Its address in the written file.
    pub fn addr(&self) -> crate::addr::ResourceAddr {
        crate::addr::ResourceAddr::new(self.kind.name, self.name.clone()).with_key(self.key.clone())
    }
}

/// A resource of the stack that is not a block of its own, and why.
pub struct Left {
    pub logical_id: String,
    pub resource_type: String,
    pub reason: String,
}

/// A setting of the stack's template that the written file does not carry:
/// kept in AWS as it is, neither read nor changed by mdl.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmanaged {
    /// The resource's logical id in the stack.
    pub logical_id: String,
    /// Where in the resource: `Properties.LaunchTemplateData.Monitoring`,
    /// `Metadata`.
    pub path: String,
    /// Its value in the template, shortened.
    pub value: String,
    pub reason: String,
}

/// The shape of a template value: the keys of its objects, nested, with
/// the entries of a list merged; and whether a value stands there whole
/// (a policy written as text), whose insides are carried with it.
#[derive(Default)]
struct Shape {
    keys: HashMap<String, Shape>,
    whole: bool,
}

impl Shape {
    fn add(&mut self, v: &serde_json::Value) {
        match v {
            serde_json::Value::Object(m) if !intrinsic(v) => {
                for (k, v) in m {
                    self.keys.entry(k.clone()).or_default().add(v);
                }
            }
            serde_json::Value::Array(items) => {
                for i in items {
                    self.add(i);
                }
            }
            serde_json::Value::Null => {}
            _ => self.whole = true,
        }
    }
}

/// `{ "Ref": ... }` and `{ "Fn::...": ... }`: a value, not an object of
/// settings.
fn intrinsic(v: &serde_json::Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.len() == 1
            && m.keys()
                .all(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
    })
}

/// A template value in one short line.
fn short(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 72 {
        format!("{}…", text.chars().take(71).collect::<String>())
    } else {
        text
    }
}

/// The settings of `value` at `path` that `shape` has no key for.
fn missing(
    value: &serde_json::Value,
    shape: &Shape,
    path: &str,
    out: &mut Vec<(String, serde_json::Value)>,
) {
    if shape.whole {
        return;
    }
    match value {
        serde_json::Value::Object(m) if !intrinsic(value) => {
            for (k, v) in m {
                let here = format!("{path}.{k}");
                match shape.keys.get(k) {
                    Some(inner) => missing(v, inner, &here, out),
                    None => out.push((here, v.clone())),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for i in items {
                missing(i, shape, path, out);
            }
        }
        _ => {}
    }
}

/// What the stack's template sets that the file, exported the way
/// `mdl export` writes it, does not: every property of every adopted
/// block (by its logical id in the export), and of every resource folded
/// into one (against the exported resources of its type), compared key by
/// key, nested objects and list entries included; and the CloudFormation
/// instructions (metadata such as `AWS::CloudFormation::Init`, creation
/// and update policies), which go with the stack.
pub fn unmanaged(
    template: &serde_json::Value,
    exported: &serde_json::Value,
    blocks: &[(String, String)],
    folded: &[Left],
) -> Vec<Unmanaged> {
    let resources = |t: &serde_json::Value| t.get("Resources").and_then(|r| r.as_object()).cloned();
    let (Some(stack), Some(written)) = (resources(template), resources(exported)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut compare = |logical: &str, theirs: &serde_json::Value, shape: &Shape| {
        let mut found = Vec::new();
        if let Some(props) = theirs.get("Properties") {
            missing(props, shape, "Properties", &mut found);
        }
        for (path, value) in found {
            out.push(Unmanaged {
                logical_id: logical.to_string(),
                path,
                value: short(&value),
                reason: "not in the file: mdl has no attribute for it, or AWS reported no value"
                    .into(),
            });
        }
        for (key, reason) in [
            (
                "Metadata",
                "CloudFormation metadata (cfn-init reads its AWS::CloudFormation::Init): it goes with the stack",
            ),
            (
                "CreationPolicy",
                "a CloudFormation instruction for the stack's own creates",
            ),
            (
                "UpdatePolicy",
                "a CloudFormation instruction for the stack's own updates",
            ),
        ] {
            if let Some(v) = theirs.get(key) {
                out.push(Unmanaged {
                    logical_id: logical.to_string(),
                    path: key.to_string(),
                    value: short(v),
                    reason: reason.into(),
                });
            }
        }
        // User data that calls cfn-init reads the stack's metadata.
        if theirs
            .get("Properties")
            .is_some_and(|p| p.to_string().contains("cfn-init"))
        {
            out.push(Unmanaged {
                logical_id: logical.to_string(),
                path: "UserData".into(),
                value: "(calls cfn-init)".into(),
                reason: "its boot script runs cfn-init --stack, which stops working once the stack is deleted".into(),
            });
        }
    };
    for (logical, exported_id) in blocks {
        let Some(theirs) = stack.get(logical) else {
            continue;
        };
        let mut shape = Shape::default();
        if let Some(props) = written.get(exported_id).and_then(|r| r.get("Properties")) {
            shape.add(props);
        }
        compare(logical, theirs, &shape);
    }
    for f in folded {
        let Some(theirs) = stack.get(&f.logical_id) else {
            continue;
        };
        let mut shape = Shape::default();
        for r in written.values() {
            if r.get("Type").and_then(|t| t.as_str()) == Some(f.resource_type.as_str())
                && let Some(props) = r.get("Properties")
            {
                shape.add(props);
            }
        }
        compare(&f.logical_id, theirs, &shape);
    }
    out
}

/// The `.moodle` text: a header naming the stack and what was folded or
/// left out, then one block per adopted resource. Values that are another
/// adopted resource's id, ARN or DNS name become references. Secrets are
/// not read back: each becomes a param of its own.
pub fn render(
    stack: &str,
    stack_id: &str,
    adopted: &[Adopted],
    folded: &[Left],
    left: &[Left],
    unmanaged: &[Unmanaged],
) -> String {
    let refs = References::new(adopted);
    let mut out = String::new();
    out.push_str(&format!(
        "# Imported from the CloudFormation stack `{stack}` by `mdl import --from-stack`.\n# {stack_id}\n#\n# The stack still owns these resources: deleting it deletes them. To hand\n# them to mdl, set `DeletionPolicy: Retain` on each in the stack's template,\n# update the stack, then delete it.\n"
    ));
    if !folded.is_empty() {
        out.push_str("#\n# Imported as part of another block:\n");
        for f in folded {
            out.push_str(&format!(
                "#   {} ({}): {}\n",
                f.logical_id, f.resource_type, f.reason
            ));
        }
    }
    if !left.is_empty() {
        out.push_str("#\n# Not imported:\n");
        for l in left {
            out.push_str(&format!(
                "#   {} ({}): {}\n",
                l.logical_id, l.resource_type, l.reason
            ));
        }
    }
    if !unmanaged.is_empty() {
        out.push_str("#\n# Not managed by mdl: set in the stack's template, kept in AWS as they are,\n# neither read nor changed by mdl:\n");
        for u in unmanaged {
            out.push_str(&format!(
                "#   {}.{} = {}: {}\n",
                u.logical_id, u.path, u.value, u.reason
            ));
        }
    }
    let assumed: Vec<&Adopted> = adopted.iter().filter(|a| !a.assumed.is_empty()).collect();
    if !assumed.is_empty() {
        out.push_str("#\n# Settings AWS did not report, taken at mdl's defaults (check them):\n");
        for a in assumed {
            out.push_str(&format!(
                "#   {}: {}\n",
                a.addr().local(),
                a.assumed.join(", ")
            ));
        }
    }
    let mut params = String::new();
    let mut blocks = String::new();
    let mut section: Option<&str> = None;
    let mut i = 0;
    while i < adopted.len() {
        let a = &adopted[i];
        // A block written once with `for_each`: its members are adjacent.
        let n = if a.key.is_some() {
            adopted[i..]
                .iter()
                .take_while(|b| b.kind.name == a.kind.name && b.name == a.name && b.key.is_some())
                .count()
        } else {
            1
        };
        // A nested stack's resources (`Network.Vpc`) under a heading.
        let nested = a.logical_id.split_once('.').map(|(stack, _)| stack);
        if nested.is_some() && nested != section {
            blocks.push_str(&format!(
                "\n# ---- the nested stack {} ----\n",
                nested.unwrap_or_default()
            ));
        }
        section = nested;
        blocks.push('\n');
        let members = &adopted[i..i + n];
        let merged = (n > 1).then(|| repeated::merged(members, &refs)).flatten();
        match merged {
            Some(text) => blocks.push_str(&text),
            // One by one: what `fold_repeated` did not merge (a merge it
            // chose always succeeds here).
            None => {
                for (j, a) in members.iter().enumerate() {
                    if j > 0 {
                        blocks.push('\n');
                    }
                    let (lines, secrets) = body(a, &refs);
                    params.push_str(&secrets);
                    blocks.push_str(&format!(
                        "# {}\n{} {} {{\n",
                        a.logical_id, a.kind.name, a.name
                    ));
                    for l in lines {
                        blocks.push_str(&l.text());
                    }
                    blocks.push_str("}\n");
                }
            }
        }
        i += n;
    }
    out.push_str(&params);
    out.push_str(&blocks);
    out
}

/// One entry of a block's body as the file writes it.
#[derive(Clone, Debug, PartialEq)]
struct Line {
    name: &'static str,
    /// The value; for nested blocks, their whole text.
    value: String,
    nested: bool,
}

impl Line {
    fn text(&self) -> String {
        if self.nested {
            self.value.clone()
        } else {
            format!("  {} = {}\n", self.name, self.value)
        }
    }
}

/// The entries of an adopted resource's block, and the params its secrets
/// need.
fn body(a: &Adopted, refs: &References) -> (Vec<Line>, String) {
    let mut lines = Vec::new();
    let mut params = String::new();
    let attr_line = |name: &'static str, value: String| Line {
        name,
        value,
        nested: false,
    };
    for attr in a.kind.attrs {
        if attr.create_only {
            continue;
        }
        let Some(value) = a.live.attrs.get(attr.name) else {
            continue;
        };
        // Unset where mdl's default is not: written as null, so that
        // the default does not change it.
        if *value == Value::Null
            && attr.default_value().is_some_and(|d| d != Value::Null)
            && !matches!(attr.ty, Type::Blocks(_))
        {
            lines.push(attr_line(attr.name, "null".into()));
            continue;
        }
        if skip(attr, value, &a.live.attrs) {
            continue;
        }
        if a.kind.is_sensitive(attr.name, &a.live.attrs) {
            let param = secret_param(a, attr.name);
            params.push_str(&format!(
                "\nparam {param}: string {{\n  doc = \"The {} of {}.{}: secrets are not read back from AWS.\"\n}}\n",
                attr.name, a.kind.name, a.name
            ));
            lines.push(attr_line(attr.name, format!("param.{param}")));
            continue;
        }
        if let Type::Blocks(schema) = attr.ty {
            for item in value.as_list().unwrap_or_default() {
                let Value::Map(fields) = item else { continue };
                let mut text = format!("  {} {{\n", attr.name);
                for field in schema.attrs {
                    let Some(v) = fields.get(field.name) else {
                        continue;
                    };
                    if skip(field, v, fields) {
                        continue;
                    }
                    text.push_str(&format!(
                        "    {} = {}\n",
                        field.name,
                        refs.render(v, field.name, a)
                    ));
                }
                text.push_str("  }\n");
                lines.push(Line {
                    name: attr.name,
                    value: text,
                    nested: true,
                });
            }
            continue;
        }
        lines.push(attr_line(attr.name, refs.render(value, attr.name, a)));
    }
    (lines, params)
}

/// The param that stands for a secret attribute of an adopted resource.
fn secret_param(a: &Adopted, attr: &str) -> String {
    format!("{}_{attr}", a.name)
}

/// The params the rendered file declares for secrets, which are not read
/// back from AWS: the user passes them with `-p NAME=VALUE`.
pub fn secret_params(adopted: &[Adopted]) -> Vec<String> {
    adopted
        .iter()
        .flat_map(|a| {
            a.kind
                .attrs
                .iter()
                .filter(|attr| {
                    !attr.create_only
                        && a.live
                            .attrs
                            .get(attr.name)
                            .is_some_and(|v| !skip(attr, v, &a.live.attrs))
                        && a.kind.is_sensitive(attr.name, &a.live.attrs)
                })
                .map(|attr| secret_param(a, attr.name))
        })
        .collect()
}

/// Attributes not worth writing: unset, equal to the default, or owned by
/// another attribute that is set.
fn skip(attr: &AttrSchema, value: &Value, all: &IndexMap<String, Value>) -> bool {
    if matches!(
        value,
        Value::Null | Value::Unknown | Value::NotNull | Value::Sensitive
    ) {
        return true;
    }
    if attr
        .ignored_when
        .is_some_and(|other| all.get(other).is_some_and(|v| !matches!(v, Value::Null)))
    {
        return true;
    }
    match attr.presence {
        Presence::Default(_) => attr.default_value().is_some_and(|d| &d == value),
        Presence::Computed | Presence::Required => false,
    }
}

/// Values that stand for another adopted resource.
struct References {
    /// Value → the resources and attributes that hold it.
    by_value: HashMap<String, Vec<(usize, &'static str, String)>>,
}

/// The computed values other blocks refer to.
const REFERENCED: &[&str] = &["id", "arn", "dns_name", "endpoint"];

impl References {
    fn new(adopted: &[Adopted]) -> References {
        let mut by_value: HashMap<String, Vec<(usize, &'static str, String)>> = HashMap::new();
        for (i, a) in adopted.iter().enumerate() {
            let mut seen = HashSet::new();
            for attr in REFERENCED {
                let Some(v) = a.live.computed.get(*attr).and_then(Value::as_str) else {
                    continue;
                };
                if v.len() < 4 || !seen.insert(v.to_string()) && *attr != "arn" {
                    continue;
                }
                by_value.entry(v.to_string()).or_default().push((
                    i,
                    attr,
                    format!("{}.{attr}", a.addr().local()),
                ));
            }
            // Names, for the attributes that name another resource by its
            // name (an instance profile's role, a flow log's log group).
            if let Some(v) = a.live.attrs.get("name").and_then(Value::as_str)
                && v.len() >= 4
            {
                by_value.entry(v.to_string()).or_default().push((
                    i,
                    "name",
                    format!("{}.name", a.addr().local()),
                ));
            }
        }
        References { by_value }
    }

    /// A value as `.moodle` text, with references for the values of other
    /// adopted resources (an ARN where the attribute asks for one).
    fn render(&self, value: &Value, attr: &str, owner: &Adopted) -> String {
        match value {
            Value::String(s) => {
                if let Some(r) = self.reference(s, attr, owner) {
                    return r;
                }
                quote(s)
            }
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{}", *n as i64)
                } else {
                    format!("{n}")
                }
            }
            Value::Bool(b) => b.to_string(),
            Value::List(items) => {
                let items: Vec<String> =
                    items.iter().map(|v| self.render(v, attr, owner)).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Map(m) => {
                if m.is_empty() {
                    return "{}".into();
                }
                let entries: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{} = {}", key(k), self.render(v, attr, owner)))
                    .collect();
                format!("{{\n{}\n}}", entries.join("\n"))
            }
            Value::Null | Value::Unknown | Value::NotNull | Value::Sensitive => "null".into(),
        }
    }

    fn reference(&self, s: &str, attr: &str, owner: &Adopted) -> Option<String> {
        let by_name = refers_by_name(attr);
        if !refers(attr) && !by_name {
            return None;
        }
        let holders: Vec<&(usize, &'static str, String)> = self
            .by_value
            .get(s)?
            .iter()
            .filter(|(_, _, r)| !r.starts_with(&format!("{}.", owner.addr().local())))
            // A name stands for its resource only where a name is asked.
            .filter(|(_, a, _)| (*a == "name") == by_name)
            .collect();
        // A value two resources share (two load balancers' zone) names
        // neither.
        let resources: HashSet<usize> = holders.iter().map(|(i, _, _)| *i).collect();
        if resources.len() != 1 {
            return None;
        }
        let want_arn = attr.ends_with("_arn") || attr.ends_with("_arns");
        holders
            .iter()
            .find(|(_, a, _)| (*a == "arn") == want_arn)
            .or_else(|| holders.first())
            .map(|(_, _, r)| r.clone())
    }
}

/// Whether an attribute holds references to other resources (ids, ARNs,
/// DNS names), as opposed to names of its own that may happen to equal
/// another resource's id (a target group and an Auto Scaling group both
/// named `web`).
fn refers(attr: &str) -> bool {
    attr.ends_with("_id")
        || attr.ends_with("_ids")
        || attr.ends_with("_arn")
        || attr.ends_with("_arns")
        || matches!(
            attr,
            "security_groups" | "records" | "alias_name" | "origin_domain_name"
        )
}

/// Whether an attribute names another resource by that resource's name.
fn refers_by_name(attr: &str) -> bool {
    matches!(attr, "role" | "log_group_name" | "autoscaling_group")
}

/// A string literal of the language.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A map key: bare when it is an identifier, else quoted.
fn key(k: &str) -> String {
    let ident = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(k, "true" | "false" | "null");
    if ident { k.to_string() } else { quote(k) }
}

mod repeated;
pub use repeated::fold as fold_repeated;

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings nested in objects and list entries are compared key by
    /// key; intrinsic functions are values; metadata, creation policies
    /// and cfn-init in user data are named.
    #[test]
    fn every_setting_the_file_does_not_carry_is_named_with_its_value() {
        let template = serde_json::json!({ "Resources": {
            "Web": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Metadata": { "AWS::CloudFormation::Init": { "config": {} } },
                "CreationPolicy": { "ResourceSignal": { "Timeout": "PT15M" } },
                "Properties": { "LaunchTemplateData": {
                    "ImageId": { "Ref": "Ami" },
                    "Monitoring": { "Enabled": true },
                    "BlockDeviceMappings": [
                        { "DeviceName": "/dev/xvda", "Ebs": { "VolumeSize": 10, "Iops": 3000 } }
                    ],
                    "UserData": { "Fn::Base64": "#!/bin/bash\n/opt/aws/bin/cfn-init --stack x" }
                } }
            },
            "Assoc": {
                "Type": "AWS::EC2::SubnetRouteTableAssociation",
                "Properties": { "SubnetId": "subnet-1", "RouteTableId": "rtb-1" }
            }
        } });
        let exported = serde_json::json!({ "Resources": {
            "LaunchTemplateWeb": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": { "LaunchTemplateData": {
                    "ImageId": "ami-1",
                    "BlockDeviceMappings": [
                        { "DeviceName": "/dev/xvda", "Ebs": { "VolumeSize": 10 } }
                    ],
                    "UserData": { "Fn::Base64": "#!/bin/bash" }
                } }
            },
            "RouteTableMainAssociation1": {
                "Type": "AWS::EC2::SubnetRouteTableAssociation",
                "Properties": { "SubnetId": "subnet-1", "RouteTableId": "rtb-1" }
            }
        } });
        let folded = [Left {
            logical_id: "Assoc".into(),
            resource_type: "AWS::EC2::SubnetRouteTableAssociation".into(),
            reason: String::new(),
        }];
        let found = unmanaged(
            &template,
            &exported,
            &[("Web".into(), "LaunchTemplateWeb".into())],
            &folded,
        );
        let paths: Vec<String> = found
            .iter()
            .map(|u| format!("{}.{} = {}", u.logical_id, u.path, u.value))
            .collect();
        assert_eq!(
            paths,
            [
                "Web.Properties.LaunchTemplateData.Monitoring = {\"Enabled\":true}",
                "Web.Properties.LaunchTemplateData.BlockDeviceMappings.Ebs.Iops = 3000",
                "Web.Metadata = {\"AWS::CloudFormation::Init\":{\"config\":{}}}",
                "Web.CreationPolicy = {\"ResourceSignal\":{\"Timeout\":\"PT15M\"}}",
                "Web.UserData = (calls cfn-init)",
            ]
        );
        assert!(
            found[4]
                .reason
                .contains("stops working once the stack is deleted")
        );
    }

    #[test]
    fn block_names_drop_the_kind_and_keep_acronyms_whole() {
        assert_eq!(block_name("VpcMain", "vpc"), "main");
        assert_eq!(block_name("WebSecurityGroup", "security_group"), "web");
        assert_eq!(
            block_name("ElastiCacheSecurityGroup", "security_group"),
            "elasticache"
        );
        assert_eq!(block_name("ALBListener", "listener"), "alb");
        assert_eq!(block_name("SubnetAppEuWest2a", "subnet"), "app_eu_west2a");
        assert_eq!(block_name("Vpc", "vpc"), "main");
        assert_eq!(block_name("EFSFileSystem", "efs"), "main");
        assert_eq!(block_name("WebInstanceRole", "iam_role"), "web_instance");
        assert_eq!(block_name("WebLaunchTemplate", "launch_template"), "web");
        assert_eq!(block_name("SecurityGroup", "security_group"), "main");
        assert_eq!(block_name("2ndVolume", "efs"), "r_2nd_volume");
    }

    #[test]
    fn ecs_clusters_and_record_sets_get_the_ids_mdl_reads_them_by() {
        let arn =
            StackArn::parse("arn:aws:cloudformation:eu-west-2:123456789012:stack/legacy/0000-1111")
                .unwrap();
        let none = |_: &str| None;
        assert_eq!(
            mdl_id("ecs_cluster", "moodle", &arn, None, &none).unwrap(),
            "arn:aws:ecs:eu-west-2:123456789012:cluster/moodle"
        );
        let props = serde_json::json!({
            "HostedZoneId": {"Ref": "Zone"}, "Name": "WWW.example.org.", "Type": "A"
        });
        let zone = |l: &str| (l == "Zone").then(|| "Z123".to_string());
        assert_eq!(
            mdl_id("dns_record", "www.example.org", &arn, Some(&props), &zone).unwrap(),
            "Z123/www.example.org/A"
        );
        let err = mdl_id("dns_record", "www.example.org", &arn, None, &zone).unwrap_err();
        assert!(err.contains("not JSON"), "{err}");
        assert_eq!(mdl_id("vpc", "vpc-1", &arn, None, &none).unwrap(), "vpc-1");
    }

    pub(super) fn live(
        id: &str,
        attrs: &[(&str, Value)],
        computed: &[(&str, &str)],
    ) -> LiveResource {
        LiveResource {
            addr: None,
            stack: None,
            id: id.into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
            computed: computed
                .iter()
                .map(|(k, v)| ((*k).to_string(), Value::str(*v)))
                .collect(),
        }
    }

    #[test]
    fn blocks_refer_to_each_other_keep_secrets_out_and_parse() {
        let kind = |k| crate::kinds::schema(k).unwrap();
        let mut adopted = vec![
            Adopted::new(
                "VpcMain".into(),
                kind("vpc"),
                live(
                    "vpc-1",
                    &[("cidr_block", Value::str("10.0.0.0/16"))],
                    &[("id", "vpc-1")],
                ),
            ),
            Adopted::new(
                "AppSubnet".into(),
                kind("subnet"),
                live(
                    "subnet-1",
                    &[
                        ("vpc_id", Value::str("vpc-1")),
                        ("cidr_block", Value::str("vpc-1")),
                        ("availability_zone", Value::str("eu-west-2a")),
                    ],
                    &[("id", "subnet-1")],
                ),
            ),
            Adopted::new(
                "DbPassword".into(),
                kind("ssm_parameter"),
                live(
                    "/vle/db",
                    &[
                        ("name", Value::str("/vle/db")),
                        ("type", Value::str("SecureString")),
                        ("value", Value::str("hunter2")),
                    ],
                    &[("id", "/vle/db")],
                ),
            ),
        ];
        for a in &mut adopted {
            a.name = block_name(&a.logical_id, a.kind.name);
        }
        let text = render("legacy", "arn:x", &adopted, &[], &[], &[]);
        assert!(text.contains("vpc_id = vpc.main.id"), "{text}");
        // A value that only looks like an id, in an attribute that names
        // nothing, stays a string.
        assert!(text.contains("cidr_block = \"vpc-1\""), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("param db_password_value: string"), "{text}");
        assert!(text.contains("value = param.db_password_value"), "{text}");
        assert_eq!(
            secret_params(&adopted),
            vec!["db_password_value".to_string()]
        );
        // Defaults AWS did not report are listed.
        assert!(
            text.contains("vpc.main: enable_dns_support, enable_dns_hostnames, tags"),
            "{text}"
        );
        let mut sources = crate::diagnostics::SourceMap::new();
        let id = sources.add("t", None, text.clone());
        let (_, diags) = crate::syntax::parse(id, &text);
        assert!(diags.is_empty(), "{text}");
    }

    #[test]
    fn strings_are_quoted_so_that_they_parse_back() {
        assert_eq!(quote("a\"b\\c${x}$y\n"), "\"a\\\"b\\\\c\\${x}$y\\n\"");
        assert_eq!(key("Name"), "Name");
        assert_eq!(key("aws:x"), "\"aws:x\"");
    }
}
