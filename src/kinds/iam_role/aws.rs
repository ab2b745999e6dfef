//! IAM roles. Every role mdl makes lives under the path
//! `/mdl/<stack>/`, so one paginated `ListRoles` finds exactly the stack's
//! roles.

use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{list, s, strings};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

pub(crate) const SERVICE: &str = "iam";
/// The name of the inline policy `inline_policy` is.
pub(crate) const INLINE: &str = "mdl";

pub struct Iam {
    client: Client,
}

pub(crate) fn path(stack: &str) -> String {
    format!("/mdl/{stack}/")
}

fn trust_policy(service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "Service": service }, "Action": "sts:AssumeRole" }]
    })
    .to_string()
}

/// IAM returns policy documents URL-encoded.
fn decode(doc: &str) -> String {
    let bytes = doc.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The service a trust policy names.
fn trusted_service(doc: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(doc)
        .or_else(|_| serde_json::from_str(&decode(doc)))
        .ok()?;
    let service = &v["Statement"][0]["Principal"]["Service"];
    service
        .as_str()
        .map(ToString::to_string)
        .or_else(|| service[0].as_str().map(ToString::to_string))
}

impl Iam {
    pub fn new(client: Client) -> Iam {
        Iam { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let mut roles = crate::all_items!(
            self.client.list_roles().path_prefix(path(req.stack)),
            "ListRoles"
        );
        // Roles state knows outside the stack's path (an import), by name.
        for name in &req.known_ids {
            if roles.iter().any(|r| r.role_name() == name) {
                continue;
            }
            match self.client.get_role().role_name(name).send().await {
                Ok(out) => roles.extend(out.role().cloned()),
                Err(e)
                    if aws_sdk_iam::error::ProvideErrorMetadata::code(&e)
                        == Some("NoSuchEntity") => {}
                Err(e) => return Err(failed(SERVICE, "GetRole")(e)),
            }
        }
        let mut resources = Vec::new();
        for role in &roles {
            let name = role.role_name();
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), Value::str(name));
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(name));
            computed.insert("arn".into(), Value::str(role.arn()));
            let mut r = LiveResource {
                addr: None,
                stack: Some(req.stack.to_string()),
                id: name.to_string(),
                attrs,
                computed,
            };
            // What ListRoles does not show, only for roles state does not
            // know; state holds it for the others.
            if req.full || !req.known_ids.iter().any(|k| k == name) {
                self.read_details(&mut r, role.assume_role_policy_document())
                    .await?;
            }
            resources.push(r);
        }
        Ok(ReadResponse { resources })
    }

    async fn read_details(
        &self,
        r: &mut LiveResource,
        trust: Option<&str>,
    ) -> Result<(), ProviderError> {
        if let Some(service) = trust.and_then(trusted_service) {
            r.attrs
                .insert("trusted_service".into(), Value::String(service));
        }
        let tags = crate::all_items!(
            self.client.list_role_tags().role_name(&r.id),
            "ListRoleTags"
        );
        crate::provider::aws::tags::read_sdk(r, &tags);
        let attached = crate::all_items!(
            self.client.list_attached_role_policies().role_name(&r.id),
            "ListAttachedRolePolicies"
        );
        r.attrs.insert(
            "managed_policy_arns".into(),
            list(attached.iter().filter_map(|p| p.policy_arn())),
        );
        let names = crate::all_items!(
            self.client.list_role_policies().role_name(&r.id),
            "ListRolePolicies"
        );
        let mut inline = Value::Null;
        let mut others = IndexMap::new();
        for name in &names {
            let out = self
                .client
                .get_role_policy()
                .role_name(&r.id)
                .policy_name(name)
                .send()
                .await
                .map_err(failed(SERVICE, "GetRolePolicy"))?;
            let doc = Value::String(decode(out.policy_document()));
            if name == INLINE {
                inline = doc;
            } else {
                others.insert(name.clone(), doc);
            }
        }
        r.attrs.insert("inline_policies".into(), Value::Map(others));
        r.attrs.insert("inline_policy".into(), inline);
        Ok(())
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let tags: Vec<Tag> =
                    crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let out = self
                    .client
                    .create_role()
                    .role_name(&name)
                    .path(path(req.stack))
                    .assume_role_policy_document(trust_policy(
                        &s(&attrs, "trusted_service").unwrap_or_default(),
                    ))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateRole"))?;
                let arn = crate::provider::aws::fields::answered(
                    out.role().map(|r| r.arn()),
                    SERVICE,
                    "CreateRole",
                    "Arn",
                )?;
                let prior = LiveResource {
                    addr: Some(req.addr.clone()),
                    stack: Some(req.stack.to_string()),
                    id: name.clone(),
                    attrs: IndexMap::new(),
                    computed: IndexMap::new(),
                };
                self.update_policies(&prior, &attrs).await?;
                let mut computed = IndexMap::new();
                computed.insert("id".into(), Value::str(&name));
                computed.insert("arn".into(), Value::String(arn));
                let mut live = prior;
                live.attrs = attrs;
                live.attrs.insert("name".into(), Value::String(name));
                live.computed = computed;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                if attrs.get("trusted_service") != prior.attrs.get("trusted_service") {
                    self.client
                        .update_assume_role_policy()
                        .role_name(&prior.id)
                        .policy_document(trust_policy(
                            &s(&attrs, "trusted_service").unwrap_or_default(),
                        ))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "UpdateAssumeRolePolicy"))?;
                }
                self.update_policies(&prior, &attrs).await?;
                crate::retag_by!(self.client, SERVICE, &prior.id, &prior, &attrs,
                    remove: untag_role(role_name).set_tag_keys => "UntagRole",
                    set: tag_role(role_name).set_tags => "TagRole")?;
                let mut live = prior.clone();
                for (k, v) in attrs {
                    live.attrs.insert(k, v);
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                // A role goes only once its policies are gone.
                let mut bare = IndexMap::new();
                bare.insert("managed_policy_arns".to_string(), Value::List(vec![]));
                bare.insert("inline_policy".to_string(), Value::Null);
                bare.insert("inline_policies".to_string(), Value::Map(IndexMap::new()));
                let mut current = prior.clone();
                self.read_details(&mut current, None).await?;
                self.update_policies(&current, &bare).await?;
                self.client
                    .delete_role()
                    .role_name(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteRole"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }

    /// Attach and detach managed policies, put or delete the inline one.
    async fn update_policies(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let old = strings(&prior.attrs, "managed_policy_arns");
        let new = strings(attrs, "managed_policy_arns");
        for arn in old.iter().filter(|a| !new.contains(a)) {
            self.client
                .detach_role_policy()
                .role_name(&prior.id)
                .policy_arn(arn)
                .send()
                .await
                .map_err(failed(SERVICE, "DetachRolePolicy"))?;
        }
        for arn in new.iter().filter(|a| !old.contains(a)) {
            self.client
                .attach_role_policy()
                .role_name(&prior.id)
                .policy_arn(arn)
                .send()
                .await
                .map_err(failed(SERVICE, "AttachRolePolicy"))?;
        }
        // The policies by name, `inline_policy` as the one named `mdl`.
        let inline =
            |attrs: &IndexMap<String, Value>| -> Result<IndexMap<String, String>, ProviderError> {
                let mut all = IndexMap::new();
                for (name, doc) in attrs
                    .get("inline_policies")
                    .and_then(Value::as_map)
                    .into_iter()
                    .flatten()
                {
                    if name == INLINE {
                        return Err(ProviderError::new(
                            SERVICE,
                            "PutRolePolicy",
                            format!(
                                "the inline policy named `{INLINE}` is `inline_policy`'s: give this one another name"
                            ),
                        ));
                    }
                    let Some(doc) = doc.as_str() else {
                        return Err(ProviderError::new(
                            SERVICE,
                            "PutRolePolicy",
                            format!(
                                "inline policy `{name}` must be a JSON document as a string, not {doc}"
                            ),
                        ));
                    };
                    all.insert(name.clone(), doc.to_string());
                }
                if let Some(doc) = s(attrs, "inline_policy") {
                    all.insert(INLINE.to_string(), doc);
                }
                Ok(all)
            };
        let old = inline(&prior.attrs)?;
        let new = inline(attrs)?;
        for (name, doc) in &new {
            if old.get(name) != Some(doc) {
                self.client
                    .put_role_policy()
                    .role_name(&prior.id)
                    .policy_name(name)
                    .policy_document(doc)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "PutRolePolicy"))?;
            }
        }
        for name in old.keys().filter(|n| !new.contains_key(*n)) {
            self.client
                .delete_role_policy()
                .role_name(&prior.id)
                .policy_name(name)
                .send()
                .await
                .map_err(failed(SERVICE, "DeleteRolePolicy"))?;
        }
        Ok(())
    }
}

crate::sdk_client!(Client);

crate::aws_kind!(
    /// IAM roles, through `Iam`.
    Roles => |aws| Iam::new(aws.client())
);
