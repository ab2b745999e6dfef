//! Export: the estate as a CloudFormation template. References between
//! resources become `Ref`, `Fn::GetAtt` and `Fn::Join`; param values are
//! resolved. Every kind of the registry (`crate::kinds`) is covered: those
//! written before it by the table in `resource`, the others by their own
//! `CfnMapping`. A block the exporter cannot render is refused by name,
//! never left out.
//!
//! Must not import: `provider`, `plan`, `apply`, `state`.

use indexmap::IndexMap;
use serde_json::{Value as Json, json};

use crate::lang::{Computed, Config, Evaluator, ResourceAddr};
use crate::value::Value;

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

/// A block the exporter cannot render.
#[derive(Debug)]
pub struct Unsupported {
    pub addr: ResourceAddr,
    pub kind: &'static str,
    /// The values it refers to that CloudFormation gives no way to name
    /// (`ADDR.ATTR`); empty when the exporter has nothing for its kind.
    pub needs: Vec<String>,
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
    /// Set when a value needs an attribute CloudFormation does not
    /// provide (a certificate's validation records).
    unavailable: std::cell::Cell<bool>,
    /// The references CloudFormation gives no value for, as `ADDR.ATTR`,
    /// since the last resource or output began.
    missing: std::cell::RefCell<Vec<String>>,
    /// Template parameters: secret values, passed at stack creation
    /// (NoEcho) rather than written into the template.
    parameters: std::cell::RefCell<serde_json::Map<String, Json>>,
    /// Blocks CloudFormation cannot create (SecureString parameters), by
    /// address, with their names in template form: created outside the
    /// stack and referred to by name.
    outside: IndexMap<ResourceAddr, (Json, &'static crate::kinds::Outside)>,
    /// The block a kind's mapping is rendering.
    current: std::cell::RefCell<Option<ResourceAddr>>,
    /// What the block being rendered is created after (logical ids).
    depends: std::cell::RefCell<Vec<String>>,
}

impl Exporter<'_> {
    /// The block a kind's mapping is rendering.
    fn rendering(&self) -> ResourceAddr {
        self.current
            .borrow()
            .clone()
            .expect("a mapping renders only inside resource()")
    }

    /// A reference to `attr` of the resource at `addr`.
    fn reference(&self, addr: &ResourceAddr, attr: &str) -> Json {
        if let Some((name, outside)) = self.outside.get(addr) {
            return (outside.reference)(name, attr);
        }
        // A lookup's value: a pseudo parameter (`AWS::Region`) where
        // CloudFormation has one.
        if let Some(res) = self.config.lookups.get(addr) {
            let args = Evaluator::new(self.config, &Markers).resource(res, &mut Vec::new());
            return match crate::lookups::named(res.kind.name)
                .and_then(|l| (l.cloudformation)(attr, &args))
            {
                Some(v) => v,
                None => self.cannot_name(addr, attr),
            };
        }
        let id = logical_id(addr);
        let Some(kind) = self
            .config
            .resources
            .get(addr)
            .and_then(|r| crate::kinds::of(r.kind))
        else {
            return self.cannot_name(addr, attr);
        };
        match kind
            .cloudformation
            .attributes
            .iter()
            .find(|(a, _)| *a == attr)
        {
            Some((_, crate::kinds::CfnAttr::Ref)) => json!({ "Ref": id }),
            Some((_, crate::kinds::CfnAttr::GetAtt(at))) => json!({ "Fn::GetAtt": [id, at] }),
            Some((_, crate::kinds::CfnAttr::Expr(f))) => f(&id),
            Some((_, crate::kinds::CfnAttr::GetAttBy(by))) => {
                let attrs = self.evaluated(addr);
                json!({ "Fn::GetAtt": [id, by(&attrs)] })
            }
            // CloudFormation gives no such attribute (the registry's test
            // makes sure the mapping says so for every value AWS assigns):
            // the block that needs it is refused by name, not sent a guess.
            Some((_, crate::kinds::CfnAttr::Unavailable)) | None => self.cannot_name(addr, attr),
        }
    }

    /// A value no template can name: recorded, so that an output of it is
    /// left out and a block that needs it refused.
    fn cannot_name(&self, addr: &ResourceAddr, attr: &str) -> Json {
        self.unavailable.set(true);
        self.missing.borrow_mut().push(format!("{addr}.{attr}"));
        Json::Null
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
        self.add_with(id, ty, props, depends, None);
    }

    fn add_with(
        &self,
        id: String,
        ty: &str,
        props: serde_json::Map<String, Json>,
        depends: Vec<String>,
        deletion_policy: Option<&str>,
    ) {
        let mut r = serde_json::Map::new();
        r.insert("Type".into(), Json::String(ty.into()));
        if let Some(p) = deletion_policy {
            r.insert("DeletionPolicy".into(), json!(p));
            r.insert("UpdateReplacePolicy".into(), json!(p));
        }
        if !props.is_empty() {
            r.insert("Properties".into(), Json::Object(props));
        }
        if !depends.is_empty() {
            r.insert("DependsOn".into(), json!(depends));
        }
        self.resources.borrow_mut().insert(id, Json::Object(r));
    }

    /// Add the resource's template entries, as its kind's mapping says.
    fn resource(&self, addr: &ResourceAddr, attrs: &IndexMap<String, Value>) -> bool {
        if self.outside.contains_key(addr) {
            // Created outside the stack; the metadata says so.
            return true;
        }
        let Some(kind) = crate::kinds::of(self.config.resources[addr].kind) else {
            return false;
        };
        let m = kind.cloudformation;
        let id = logical_id(addr);
        *self.current.borrow_mut() = Some(addr.clone());
        // The block's own resource comes before any other it becomes.
        self.resources.borrow_mut().insert(id.clone(), Json::Null);
        let props = (m.properties)(self, attrs);
        let type_name = m.type_by.map_or(m.type_name, |by| by(attrs));
        let policy = m.deletion_policy.and_then(|policy| policy(self, attrs));
        let depends = std::mem::take(&mut *self.depends.borrow_mut());
        self.add_with(id, type_name, props, depends, policy);
        true
    }

    /// A block's attributes, values AWS assigns as markers.
    fn evaluated(&self, addr: &ResourceAddr) -> IndexMap<String, Value> {
        self.config
            .resources
            .get(addr)
            .map(|res| Evaluator::new(self.config, &Markers).resource(res, &mut Vec::new()))
            .unwrap_or_default()
    }

    /// Data the stack must not take with it when deleted: kept unless the
    /// block says `protect = false`.
    fn retain(&self, addr: &ResourceAddr) -> Option<&'static str> {
        let res = &self.config.resources[addr];
        match res.protect_expr().map(|e| &e.kind) {
            Some(crate::syntax::ast::ExprKind::Bool(false)) => None,
            _ => Some("Retain"),
        }
    }

    /// The block a marker names, evaluated.
    fn referenced_block(&self, v: &Value) -> Option<IndexMap<String, Value>> {
        let Value::String(s) = v else {
            return None;
        };
        let inner = s.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
        let addr = ResourceAddr::parse(inner.split_once('|')?.0)?;
        self.config.resources.get(&addr)?;
        Some(self.evaluated(&addr))
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

/// Markers inside a JSON document's text, as characters a JSON string may
/// hold (the markers are control characters, which it may not).
const DOC_OPEN: char = '\u{E000}';
const DOC_CLOSE: char = '\u{E001}';

impl Exporter<'_> {
    /// A document's strings with markers back, as template values.
    fn document_values(&self, j: Json) -> Json {
        match j {
            Json::String(s) if s.contains(DOC_OPEN) => self.value(&Value::String(
                s.replace(DOC_OPEN, &OPEN.to_string())
                    .replace(DOC_CLOSE, &CLOSE.to_string()),
            )),
            Json::Array(items) => {
                Json::Array(items.into_iter().map(|i| self.document_values(i)).collect())
            }
            Json::Object(m) => Json::Object(
                m.into_iter()
                    .map(|(k, v)| (k, self.document_values(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

impl crate::kinds::CfnValues for Exporter<'_> {
    fn value(&self, v: &Value) -> Json {
        Exporter::value(self, v)
    }

    fn document(&self, text: &str) -> Json {
        let swapped: String = text
            .chars()
            .map(|c| match c {
                OPEN => DOC_OPEN,
                CLOSE => DOC_CLOSE,
                c => c,
            })
            .collect();
        match serde_json::from_str::<Json>(&swapped) {
            Ok(parsed) => self.document_values(parsed),
            // Not JSON: the text as it is (a template takes a policy as a
            // string too).
            Err(_) => self.value(&Value::String(text.to_string())),
        }
    }

    fn tags(&self, attrs: &IndexMap<String, Value>) -> Option<Json> {
        let mut props = serde_json::Map::new();
        Exporter::tags(self, &mut props, attrs);
        props.remove("Tags")
    }

    fn no_echo(&self, suffix: &str, what: &str) -> Json {
        let addr = self.rendering();
        let param = format!("{}{suffix}", logical_id(&addr));
        self.parameters.borrow_mut().insert(
            param.clone(),
            json!({
                "Type": "String",
                "NoEcho": true,
                "Description": format!("{what} {addr}"),
            }),
        );
        json!({ "Ref": param })
    }

    fn referenced(&self, v: &Value) -> Option<IndexMap<String, Value>> {
        self.referenced_block(v)
    }

    fn place(&self) -> usize {
        let addr = self.rendering();
        self.config
            .resources
            .keys()
            .filter(|a| a.kind == addr.kind)
            .position(|a| *a == addr)
            .unwrap_or(0)
            + 1
    }

    fn address(&self) -> ResourceAddr {
        self.rendering()
    }

    fn logical_id(&self) -> String {
        logical_id(&self.rendering())
    }

    fn protected(&self) -> bool {
        self.retain(&self.rendering()).is_some()
    }

    fn also(
        &self,
        logical_id: String,
        type_name: &str,
        props: serde_json::Map<String, Json>,
        depends: Vec<String>,
    ) {
        self.add(logical_id, type_name, props, depends);
    }

    fn before(&self, logical_id: String, type_name: &str, props: serde_json::Map<String, Json>) {
        self.add(logical_id, type_name, props, Vec::new());
        // The block's own place moves after it.
        let own = crate::export::logical_id(&self.rendering());
        let mut resources = self.resources.borrow_mut();
        if let Some(placeholder) = resources.shift_remove(&own) {
            resources.insert(own, placeholder);
        }
    }

    fn depends_on(&self, logical_ids: Vec<String>) {
        self.depends.borrow_mut().extend(logical_ids);
    }

    fn reference_to(&self, v: &Value) -> Option<(ResourceAddr, String)> {
        let Value::String(s) = v else {
            return None;
        };
        let inner = s.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
        let addr = ResourceAddr::parse(inner.split_once('|').map_or(inner, |(a, _)| a))?;
        let id = logical_id(&addr);
        Some((addr, id))
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
    let eval = Evaluator::new(config, &Markers);
    let evaluated: Vec<(&ResourceAddr, IndexMap<String, Value>)> = config
        .resources
        .iter()
        .map(|(addr, res)| (addr, eval.resource(res, &mut Vec::new())))
        .collect();
    let mut exporter = Exporter {
        config,
        resources: std::cell::RefCell::new(serde_json::Map::new()),
        unavailable: std::cell::Cell::new(false),
        missing: std::cell::RefCell::new(Vec::new()),
        parameters: std::cell::RefCell::new(serde_json::Map::new()),
        outside: IndexMap::new(),
        current: std::cell::RefCell::new(None),
        depends: std::cell::RefCell::new(Vec::new()),
    };
    let mut secrets: Vec<String> = Vec::new();
    for (addr, attrs) in &evaluated {
        let kind = config.resources[*addr].kind;
        for (name, v) in attrs.iter() {
            if kind.is_sensitive(name, attrs) {
                v.collect_strings(&mut secrets);
            }
        }
        if let Some(outside) = crate::kinds::of(kind).and_then(|k| k.cloudformation.outside)
            && (outside.when)(attrs)
        {
            let name = exporter.value(attrs.get(outside.name).unwrap_or(&Value::Null));
            exporter.outside.insert((*addr).clone(), (name, outside));
        }
    }
    secrets.retain(|s| !s.is_empty());
    let mut unsupported: Vec<Unsupported> = Vec::new();
    for (addr, attrs) in &evaluated {
        exporter.missing.borrow_mut().clear();
        let rendered = exporter.resource(addr, attrs);
        let missing = std::mem::take(&mut *exporter.missing.borrow_mut());
        if !rendered || !missing.is_empty() {
            unsupported.push(Unsupported {
                addr: (*addr).clone(),
                kind: config.resources[*addr].kind.name,
                needs: missing,
            });
        }
    }
    if !unsupported.is_empty() {
        return Err(unsupported);
    }
    let mut outputs = serde_json::Map::new();
    let mut left_out = Vec::new();
    let mut secret_outputs = Vec::new();
    for (name, o) in &config.outputs {
        let v = eval.eval(&o.value, &mut Vec::new());
        exporter.unavailable.set(false);
        let json = exporter.value(&v);
        if exporter.unavailable.get() {
            left_out.push(name.clone());
            continue;
        }
        // An output is shown in clear by CloudFormation (a NoEcho
        // parameter it refers to too): one that holds a secret is left out.
        if v.holds_any(&secrets) {
            secret_outputs.push(name.clone());
            continue;
        }
        // Outputs are strings: lists are joined with commas.
        let list_attr = json
            .get("Fn::GetAtt")
            .and_then(|a| a.get(1))
            .and_then(Json::as_str)
            .is_some_and(|a| a == "NameServers");
        let value = match json {
            Json::Array(items) => json!({ "Fn::Join": [",", items] }),
            other if list_attr => json!({ "Fn::Join": [",", other] }),
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
    // Any secret value still written out (the value of a sensitive
    // attribute the mapping above passes on, such as a database password)
    // becomes a NoEcho parameter.
    let mut resources = Json::Object(exporter.resources.into_inner());
    let mut parameters = exporter.parameters.into_inner();
    hide_secrets(
        &mut resources,
        &secrets,
        &mut parameters,
        &mut IndexMap::new(),
    );
    if !parameters.is_empty() {
        template.insert("Parameters".into(), Json::Object(parameters));
    }
    template.insert("Resources".into(), resources);
    if !outputs.is_empty() {
        template.insert("Outputs".into(), Json::Object(outputs));
    }
    let mut metadata = serde_json::Map::new();
    if !left_out.is_empty() {
        // Outputs built from what CloudFormation cannot provide.
        metadata.insert("outputs_left_out".into(), json!(left_out));
    }
    if !secret_outputs.is_empty() {
        metadata.insert("secret_outputs_left_out".into(), json!(secret_outputs));
    }
    if !exporter.outside.is_empty() {
        metadata.insert(
            "created_outside".into(),
            Json::Array(
                exporter
                    .outside
                    .iter()
                    .map(|(addr, (name, outside))| {
                        json!({
                            "address": addr.to_string(),
                            "name": name,
                            "why": outside.why,
                        })
                    })
                    .collect(),
            ),
        );
    }
    if !metadata.is_empty() {
        template.insert("Metadata".into(), json!({ "mdl": metadata }));
    }
    Ok(Json::Object(template))
}

/// Replace every string in `json` that holds a secret by a reference to a
/// NoEcho parameter (`SecretValueN`): the string itself when it is the
/// secret, an `Fn::Sub` around it when the secret is part of it. `named`
/// keeps the parameter of each secret, so that one secret is one parameter.
fn hide_secrets(
    json: &mut Json,
    secrets: &[String],
    parameters: &mut serde_json::Map<String, Json>,
    named: &mut IndexMap<String, String>,
) {
    match json {
        Json::String(text) => {
            let Some(secret) = secrets.iter().find(|s| text.contains(s.as_str())) else {
                return;
            };
            let name = match named.get(secret) {
                Some(n) => n.clone(),
                None => {
                    let n = format!("SecretValue{}", named.len() + 1);
                    parameters.insert(
                        n.clone(),
                        json!({
                            "Type": "String",
                            "NoEcho": true,
                            "Description": "A secret value of the estate, given when the stack is created",
                        }),
                    );
                    named.insert(secret.clone(), n.clone());
                    n
                }
            };
            *json = if text == secret {
                json!({ "Ref": name })
            } else {
                // `${` in the rest of the text would be read by Fn::Sub.
                let escaped = text
                    .replace("${", "${!")
                    .replace(secret.as_str(), &format!("${{{name}}}"));
                json!({ "Fn::Sub": escaped })
            };
        }
        Json::Array(items) => items
            .iter_mut()
            .for_each(|i| hide_secrets(i, secrets, parameters, named)),
        Json::Object(map) => map
            .values_mut()
            .for_each(|v| hide_secrets(v, secrets, parameters, named)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::logical_id;
    use crate::lang::ResourceAddr;

    fn export(text: &str) -> Result<serde_json::Value, Vec<super::Unsupported>> {
        let mut sources = crate::diagnostics::SourceMap::new();
        let id = sources.add("t.moodle", None, text.to_string());
        let (config, diags) =
            crate::lang::load_source(&mut sources, id, "t", &[], crate::kinds::schemas());
        assert!(diags.is_empty(), "{diags:?}");
        super::cloudformation(&config, "t.moodle")
    }

    #[test]
    fn policies_written_as_text_become_json_with_references_inside() {
        let json = export(
            r#"log_group flow {
}

iam_role flow {
  trusted_service = "vpc-flow-logs.amazonaws.com"
  inline_policy   = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"logs:PutLogEvents\",\"Resource\":\"${log_group.flow.arn}\"}]}"
  inline_policies = {
    text = "not JSON ${log_group.flow.arn}"
  }
}
"#,
        )
        .unwrap();
        let policies = &json["Resources"]["IamRoleFlow"]["Properties"]["Policies"];
        assert_eq!(
            policies[0]["PolicyDocument"]["Statement"][0]["Resource"],
            serde_json::json!({ "Fn::GetAtt": ["LogGroupFlow", "Arn"] }),
            "{policies}"
        );
        // Text that is not JSON is the template's text, references and all.
        let text = policies[1]["PolicyDocument"].to_string();
        assert!(
            text.contains("Fn::") && !text.contains('\u{1}'),
            "{policies}"
        );
    }

    #[test]
    fn a_value_a_template_cannot_name_refuses_its_block_by_name() {
        let refused = export(
            "efs data {\n}\n\nssm_parameter key {\n  name  = \"/x/key\"\n  value = efs.data.kms_key_id\n}\n",
        )
        .unwrap_err();
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert_eq!(refused[0].addr.to_string(), "ssm_parameter.key");
        assert_eq!(refused[0].needs, ["efs.data.kms_key_id"]);
        // What CloudFormation does give is written as such.
        let json = export(
            "efs data {\n}\n\nssm_parameter dns {\n  name  = \"/x/dns\"\n  value = efs.data.dns_name\n}\n\nlog_group web {\n}\n\nssm_parameter logs {\n  name  = \"/x/logs\"\n  value = log_group.web.arn\n}\n",
        )
        .unwrap();
        let value = |id: &str| json["Resources"][id]["Properties"]["Value"].clone();
        assert_eq!(
            value("SsmParameterDns")["Fn::Sub"][0],
            "${FileSystem}.efs.${AWS::Region}.${AWS::URLSuffix}"
        );
        assert_eq!(
            value("SsmParameterLogs"),
            serde_json::json!({ "Fn::GetAtt": ["LogGroupWeb", "Arn"] })
        );
        assert_eq!(
            json["Resources"]["LogGroupWeb"]["Type"],
            "AWS::Logs::LogGroup"
        );
    }

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
