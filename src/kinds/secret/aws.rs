//! Secrets Manager secrets: how mdl reads and changes them.
//!
//! One paginated `ListSecrets` filtered by the stack tag (tags come with
//! it), then `BatchGetSecretValue` twenty at a time for the values, which
//! only ever leave this module as digests in state and `(sensitive)` in
//! output.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use indexmap::IndexMap;
use rand::Rng;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::fields::s;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
    STACK_TAG,
};
use crate::value::Value;

const SERVICE: &str = "secretsmanager";

crate::sdk_client!(Client);

pub struct SecretsManager {
    client: Client,
}

/// A value of letters and digits, from the operating system's generator.
fn generate(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// The same request token for the same secret of the same stack, so that a
/// create retried after a crash does not make a second secret.
fn request_token(stack: &str, addr: &ResourceAddr) -> String {
    crate::schema::digest(&format!("{stack}/{addr}")).trim_start_matches("sha256:")[..40]
        .to_string()
}

impl SecretsManager {
    pub fn new(client: Client) -> SecretsManager {
        SecretsManager { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let pages = self
            .client
            .list_secrets()
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::TagKey)
                    .values(STACK_TAG)
                    .build(),
            )
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::TagValue)
                    .values(req.stack)
                    .build(),
            )
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(failed(SERVICE, "ListSecrets"))?;
        let entries: Vec<_> = pages
            .iter()
            .flat_map(|p| p.secret_list().iter().cloned())
            .collect();
        let mut resources = Vec::new();
        for e in entries.iter().filter(|e| e.deleted_date().is_none()) {
            let (Some(arn), Some(name)) = (e.arn(), e.name()) else {
                continue;
            };
            let crate::provider::aws::tags::Split { addr, stack, user } =
                crate::provider::aws::tags::split(e.tags());
            if stack.as_deref() != Some(req.stack) && !req.known_ids.iter().any(|k| k == arn) {
                continue;
            }
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), Value::str(name));
            attrs.insert(
                "description".into(),
                Value::str(e.description().unwrap_or_default()),
            );
            attrs.insert(
                "kms_key_id".into(),
                e.kms_key_id().map_or(Value::Null, Value::str),
            );
            attrs.insert("tags".into(), user);
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(arn));
            computed.insert("arn".into(), Value::str(arn));
            resources.push(LiveResource {
                addr,
                stack,
                id: arn.to_string(),
                attrs,
                computed,
            });
        }
        let arns: Vec<String> = resources.iter().map(|r| r.id.clone()).collect();
        for chunk in arns.chunks(20) {
            let out = self
                .client
                .batch_get_secret_value()
                .set_secret_id_list(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(failed(SERVICE, "BatchGetSecretValue"))?;
            for v in out.secret_values() {
                if let (Some(arn), Some(value)) = (v.arn(), v.secret_string())
                    && let Some(r) = resources.iter_mut().find(|r| r.id == arn)
                {
                    r.attrs.insert("value".into(), Value::str(value));
                }
            }
        }
        Ok(ReadResponse { resources })
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let value = s(&attrs, "value").unwrap_or_else(|| {
                    let len = attrs
                        .get("generate_length")
                        .and_then(Value::as_i64)
                        .unwrap_or(32)
                        .clamp(8, 4096);
                    generate(len as usize)
                });
                let tags: Vec<Tag> =
                    crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let out = self
                    .client
                    .create_secret()
                    .name(s(&attrs, "name").unwrap_or_default())
                    .description(s(&attrs, "description").unwrap_or_default())
                    .secret_string(&value)
                    .set_kms_key_id(s(&attrs, "kms_key_id"))
                    .client_request_token(request_token(req.stack, req.addr))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateSecret"))?;
                let arn = crate::provider::aws::fields::answered(
                    out.arn(),
                    SERVICE,
                    "CreateSecret",
                    "ARN",
                )?;
                let mut live_attrs = attrs.clone();
                live_attrs.insert("value".into(), Value::String(value));
                let mut computed = IndexMap::new();
                computed.insert("id".into(), Value::str(&arn));
                computed.insert("arn".into(), Value::str(&arn));
                Ok(ApplyResponse {
                    live: Some(LiveResource {
                        addr: Some(req.addr.clone()),
                        stack: Some(req.stack.to_string()),
                        id: arn,
                        attrs: live_attrs,
                        computed,
                    }),
                })
            }
            Operation::Update { prior, attrs } => {
                let changed = |k: &str| attrs.get(k).is_some_and(|v| prior.attrs.get(k) != Some(v));
                if changed("description") || changed("kms_key_id") {
                    self.client
                        .update_secret()
                        .secret_id(&prior.id)
                        .description(s(&attrs, "description").unwrap_or_default())
                        .set_kms_key_id(s(&attrs, "kms_key_id"))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "UpdateSecret"))?;
                }
                if let Some(value) = s(&attrs, "value")
                    && changed("value")
                {
                    self.client
                        .put_secret_value()
                        .secret_id(&prior.id)
                        .secret_string(value)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "PutSecretValue"))?;
                }
                crate::retag_by!(self.client, SERVICE, &prior.id, &prior, &attrs,
                    remove: untag_resource(secret_id).set_tag_keys => "UntagResource",
                    set: tag_resource(secret_id).set_tags => "TagResource")?;
                let mut live = prior.clone();
                for (k, v) in attrs {
                    live.attrs.insert(k, v);
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                let window = prior
                    .attrs
                    .get("recovery_window_days")
                    .and_then(Value::as_i64)
                    .unwrap_or(30);
                let call = self.client.delete_secret().secret_id(&prior.id);
                let call = if window == 0 {
                    call.force_delete_without_recovery(true)
                } else {
                    call.recovery_window_in_days(window.clamp(7, 30))
                };
                if let Err(e) = call.send().await {
                    let err = failed(SERVICE, "DeleteSecret")(e);
                    // A secret already scheduled for deletion is deleted as
                    // far as mdl goes: a second DeleteSecret (a destroy
                    // interrupted after AWS took the first, run again) is
                    // answered with InvalidRequestException, "marked
                    // deleted" or "scheduled for deletion".
                    let scheduled = err.code.as_deref() == Some("InvalidRequestException")
                        && [
                            "marked deleted",
                            "marked for deletion",
                            "scheduled for deletion",
                        ]
                        .iter()
                        .any(|m| err.message.contains(m));
                    if !scheduled {
                        return Err(err);
                    }
                }
                Ok(ApplyResponse { live: None })
            }
        }
    }
}

crate::aws_kind!(
    /// The `secret` kind's AWS side.
    Secrets => |aws| SecretsManager::new(aws.client())
);
