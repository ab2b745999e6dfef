//! SSM Parameter Store parameters.
//!
//! One paginated `DescribeParameters` filtered by the stack tag, then
//! `GetParameters` ten names at a time for the values. Tags (and so the
//! address) are read per parameter only for parameters state does not know.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType, ResourceTypeForTagging, Tag};
use futures_util::StreamExt;
use indexmap::IndexMap;

use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::fields::{always, s};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
    STACK_TAG,
};
use crate::value::Value;

const SERVICE: &str = "ssm";

crate::sdk_client!(Client);

/// GetParameters calls in flight at once within one read: enough to keep
/// pace with the scan (a page of 50 names a call, GetParameters ten a
/// call), no more, since they share the endpoint with the scan, which is
/// the read's longest chain of calls.
const GET_PARAMETERS_AT_ONCE: usize = 5;

pub struct Ssm {
    client: Client,
}

impl Ssm {
    pub fn new(client: Client) -> Ssm {
        Ssm { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let filter = ParameterStringFilter::builder()
            .key(format!("tag:{STACK_TAG}"))
            .option("Equals")
            .values(req.stack)
            .build()
            .map_err(unbuilt(SERVICE))?;
        // The stack's parameters, page by page; meanwhile the values of
        // those state knows, which need no page to be named.
        let scan = async {
            let mut metas = Vec::new();
            let mut next = None;
            // Per-resource reads go by name only.
            if req.ids_only {
                return Ok(metas);
            }
            loop {
                let page = self
                    .client
                    .describe_parameters()
                    .parameter_filters(filter.clone())
                    .max_results(50)
                    .set_next_token(next.clone())
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DescribeParameters"))?;
                metas.extend(page.parameters().iter().cloned());
                next = page.next_token().map(ToString::to_string);
                if next.is_none() {
                    break;
                }
            }
            Ok::<_, ProviderError>(metas)
        };
        let (metas, known_values) =
            futures_util::future::join(scan, self.values(&req.known_ids)).await;
        let mut metas = metas?;
        let mut values = known_values?;
        // Parameters state knows whose tags are gone (or were never set:
        // an import), by name.
        let missing: Vec<String> = req
            .known_ids
            .iter()
            .filter(|k| !metas.iter().any(|m| m.name() == Some(k.as_str())))
            .cloned()
            .collect();
        for chunk in missing.chunks(50) {
            let by_name = ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(chunk.to_vec()))
                .build()
                .map_err(unbuilt(SERVICE))?;
            let pages = self
                .client
                .describe_parameters()
                .parameter_filters(by_name)
                .max_results(50)
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(failed(SERVICE, "DescribeParameters"))?;
            metas.extend(pages.iter().flat_map(|p| p.parameters().iter().cloned()));
        }
        let unread: Vec<String> = metas
            .iter()
            .filter_map(|m| m.name())
            .filter(|name| !values.contains_key(*name))
            .map(ToString::to_string)
            .collect();
        values.extend(self.values(&unread).await?);
        let mut resources = Vec::new();
        for m in &metas {
            let name = always(m.name(), SERVICE, "DescribeParameters", "Name")?;
            let mut attrs = IndexMap::new();
            attrs.insert("name".into(), Value::str(name));
            attrs.insert(
                "type".into(),
                m.r#type()
                    .map_or(Value::str("String"), |t| Value::str(t.as_str())),
            );
            attrs.insert(
                "description".into(),
                Value::str(m.description().unwrap_or_default()),
            );
            let (value, arn) = values.get(name).cloned().unwrap_or_default();
            attrs.insert("value".into(), Value::String(value));
            let mut computed = IndexMap::new();
            computed.insert("id".into(), Value::str(name));
            computed.insert("arn".into(), arn.map_or(Value::Null, Value::String));
            let mut live = LiveResource {
                addr: None,
                stack: Some(req.stack.to_string()),
                id: name.to_string(),
                attrs,
                computed,
            };
            if req.full || !req.known_ids.iter().any(|k| k == name) {
                self.read_tags(&mut live).await?;
            }
            resources.push(live);
        }
        Ok(ReadResponse { resources })
    }

    /// Values and ARNs of these parameters, ten names a call (the API's
    /// limit), several calls at once; names that do not exist are left out.
    async fn values(
        &self,
        names: &[String],
    ) -> Result<IndexMap<String, (String, Option<String>)>, ProviderError> {
        let chunks: Vec<Vec<String>> = names.chunks(10).map(<[String]>::to_vec).collect();
        let calls = chunks.into_iter().map(|chunk| {
            self.client
                .get_parameters()
                .set_names(Some(chunk))
                .with_decryption(true)
                .send()
        });
        let pages: Vec<_> = futures_util::stream::iter(calls)
            .buffered(GET_PARAMETERS_AT_ONCE)
            .collect()
            .await;
        let mut values = IndexMap::new();
        for out in pages {
            let out = out.map_err(failed(SERVICE, "GetParameters"))?;
            for p in out.parameters() {
                let name = always(p.name(), SERVICE, "GetParameters", "Name")?;
                let value = always(p.value(), SERVICE, "GetParameters", "Value")?;
                values.insert(
                    name.to_string(),
                    (value.to_string(), p.arn().map(ToString::to_string)),
                );
            }
        }
        Ok(values)
    }

    async fn read_tags(&self, live: &mut LiveResource) -> Result<(), ProviderError> {
        let out = self
            .client
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(&live.id)
            .send()
            .await
            .map_err(failed(SERVICE, "ListTagsForResource"))?;
        crate::provider::aws::tags::read_sdk(live, out.tag_list());
        Ok(())
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name").ok_or_else(|| {
                    ProviderError::new(SERVICE, "PutParameter", "`name` has no value")
                })?;
                let tags: Vec<Tag> =
                    crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                self.client
                    .put_parameter()
                    .name(&name)
                    .value(s(&attrs, "value").unwrap_or_default())
                    .r#type(ParameterType::from(
                        s(&attrs, "type").as_deref().unwrap_or("String"),
                    ))
                    .description(s(&attrs, "description").unwrap_or_default())
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "PutParameter"))?;
                Ok(ApplyResponse {
                    live: Some(self.live_after(req.stack, &name, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                if prior.attrs.get("value") != attrs.get("value")
                    || prior.attrs.get("description") != attrs.get("description")
                {
                    self.client
                        .put_parameter()
                        .name(&prior.id)
                        .value(s(&attrs, "value").unwrap_or_default())
                        .r#type(ParameterType::from(
                            s(&attrs, "type").as_deref().unwrap_or("String"),
                        ))
                        .description(s(&attrs, "description").unwrap_or_default())
                        .overwrite(true)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "PutParameter"))?;
                }
                // SSM's tagging calls name the resource's type as well.
                let id: &str = &prior.id;
                crate::provider::aws::tags::retag(
                    &prior,
                    &attrs,
                    |keys| async move {
                        self.client
                            .remove_tags_from_resource()
                            .resource_type(ResourceTypeForTagging::Parameter)
                            .resource_id(id)
                            .set_tag_keys(Some(keys))
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "RemoveTagsFromResource"))
                    },
                    |pairs| async move {
                        self.client
                            .add_tags_to_resource()
                            .resource_type(ResourceTypeForTagging::Parameter)
                            .resource_id(id)
                            .set_tags(Some(crate::provider::aws::tags::of_pairs(&pairs)?))
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "AddTagsToResource"))
                    },
                )
                .await?;
                let mut live = self.live_after(req.stack, &prior.id, &attrs);
                live.computed = prior.computed.clone();
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                match self.client.delete_parameter().name(&prior.id).send().await {
                    Ok(_) => {}
                    Err(e)
                        if aws_sdk_ssm::error::ProvideErrorMetadata::code(&e)
                            == Some("ParameterNotFound") => {}
                    Err(e) => return Err(failed(SERVICE, "DeleteParameter")(e)),
                }
                Ok(ApplyResponse { live: None })
            }
        }
    }

    /// What a parameter is right after a put: what was sent.
    fn live_after(&self, stack: &str, name: &str, attrs: &IndexMap<String, Value>) -> LiveResource {
        let mut computed = IndexMap::new();
        computed.insert("id".into(), Value::str(name));
        LiveResource {
            addr: None,
            stack: Some(stack.to_string()),
            id: name.to_string(),
            attrs: attrs.clone(),
            computed,
        }
    }
}

crate::aws_kind!(
    /// The `ssm_parameter` kind's AWS side.
    Parameters => |aws| Ssm::new(aws.client())
);
