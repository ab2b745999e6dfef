//! ACM certificates, validated by DNS.
//!
//! ACM has no batched describe: a refresh lists the certificates once, then
//! describes those of this stack (and reads tags only of those state does
//! not know, to find their address).

use aws_sdk_acm::Client;
use aws_sdk_acm::types::{Tag, ValidationMethod};
use indexmap::IndexMap;

use super::fields::{list, req_s, set_tags, strings};
use super::sdk_error;
use crate::provider::{
    ADDRESS_TAG, ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest,
    ReadResponse, STACK_TAG,
};
use crate::value::Value;

const SERVICE: &str = "acm";

fn err<E, R>(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_acm::error::SdkError<E, R>) -> ProviderError
where
    E: aws_sdk_acm::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    sdk_error(SERVICE, operation)
}

fn build_err(e: aws_sdk_acm::error::BuildError) -> ProviderError {
    ProviderError::new(SERVICE, "build", e.to_string())
}

pub struct Acm {
    client: Client,
}

impl Acm {
    pub fn new(client: Client) -> Acm {
        Acm { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let summaries = all_items!(self.client.list_certificates(), "ListCertificates");
        let mut resources = Vec::new();
        for summary in &summaries {
            let Some(arn) = summary.certificate_arn() else {
                continue;
            };
            let mut r = LiveResource {
                addr: None,
                stack: None,
                id: arn.to_string(),
                attrs: IndexMap::new(),
                computed: IndexMap::new(),
            };
            if !req.known_ids.iter().any(|k| k == arn) {
                self.read_tags(&mut r).await?;
                if r.stack.as_deref() != Some(req.stack) {
                    continue;
                }
            }
            self.describe(&mut r).await?;
            resources.push(r);
        }
        Ok(ReadResponse { resources })
    }

    async fn read_tags(&self, r: &mut LiveResource) -> Result<(), ProviderError> {
        let out = self
            .client
            .list_tags_for_certificate()
            .certificate_arn(&r.id)
            .send()
            .await
            .map_err(err("ListTagsForCertificate"))?;
        set_tags(
            r,
            out.tags()
                .iter()
                .filter_map(|t| Some((t.key(), t.value()?))),
        );
        Ok(())
    }

    async fn describe(&self, r: &mut LiveResource) -> Result<(), ProviderError> {
        let out = self
            .client
            .describe_certificate()
            .certificate_arn(&r.id)
            .send()
            .await
            .map_err(err("DescribeCertificate"))?;
        let Some(c) = out.certificate() else {
            return Ok(());
        };
        let domain = c.domain_name().unwrap_or_default();
        r.attrs.insert("domain_name".into(), Value::str(domain));
        // AWS lists the main name among the alternative names too.
        r.attrs.insert(
            "subject_alternative_names".into(),
            list(
                c.subject_alternative_names()
                    .iter()
                    .filter(|n| n.as_str() != domain)
                    .cloned(),
            ),
        );
        let mut records: Vec<Value> = Vec::new();
        for v in c.domain_validation_options() {
            if let Some(rr) = v.resource_record() {
                let mut m = IndexMap::new();
                m.insert("name".to_string(), Value::str(rr.name()));
                m.insert("type".to_string(), Value::str(rr.r#type().as_str()));
                m.insert("value".to_string(), Value::str(rr.value()));
                let record = Value::Map(m);
                if !records.contains(&record) {
                    records.push(record);
                }
            }
        }
        r.computed.insert("id".into(), Value::str(&r.id));
        r.computed.insert("arn".into(), Value::str(&r.id));
        r.computed.insert(
            "status".into(),
            c.status().map_or(Value::Null, |s| Value::str(s.as_str())),
        );
        r.computed
            .insert("validation_records".into(), Value::List(records));
        Ok(())
    }

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let mut tags = vec![
                    Tag::builder()
                        .key(STACK_TAG)
                        .value(req.stack)
                        .build()
                        .map_err(build_err)?,
                    Tag::builder()
                        .key(ADDRESS_TAG)
                        .value(req.addr.to_string())
                        .build()
                        .map_err(build_err)?,
                ];
                if let Some(Value::Map(user)) = attrs.get("tags") {
                    for (k, v) in user {
                        tags.push(
                            Tag::builder()
                                .key(k)
                                .value(v.as_str().unwrap_or_default())
                                .build()
                                .map_err(build_err)?,
                        );
                    }
                }
                let sans = strings(&attrs, "subject_alternative_names");
                // The same token for the same certificate of the same
                // stack: a retried request returns the first certificate.
                let token: String = crate::schema::digest(&format!("{}/{}", req.stack, req.addr))
                    .trim_start_matches("sha256:")[..32]
                    .to_string();
                let out = self
                    .client
                    .request_certificate()
                    .domain_name(req_s(&attrs, "domain_name", SERVICE, "RequestCertificate")?)
                    .set_subject_alternative_names(if sans.is_empty() { None } else { Some(sans) })
                    .validation_method(ValidationMethod::Dns)
                    .idempotency_token(token)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(err("RequestCertificate"))?;
                let arn = out.certificate_arn().unwrap_or_default().to_string();
                let mut live = LiveResource {
                    addr: Some(req.addr.clone()),
                    stack: Some(req.stack.to_string()),
                    id: arn,
                    attrs: IndexMap::new(),
                    computed: IndexMap::new(),
                };
                self.describe(&mut live).await?;
                live.attrs.insert(
                    "tags".into(),
                    attrs
                        .get("tags")
                        .cloned()
                        .unwrap_or(Value::Map(IndexMap::new())),
                );
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                let changes = crate::provider::tag_changes(&prior, &attrs);
                if !changes.removed.is_empty() {
                    let mut keys = Vec::new();
                    for k in &changes.removed {
                        keys.push(Tag::builder().key(k).build().map_err(build_err)?);
                    }
                    self.client
                        .remove_tags_from_certificate()
                        .certificate_arn(&prior.id)
                        .set_tags(Some(keys))
                        .send()
                        .await
                        .map_err(err("RemoveTagsFromCertificate"))?;
                }
                if !changes.set.is_empty() {
                    let mut set = Vec::new();
                    for (k, v) in &changes.set {
                        set.push(Tag::builder().key(k).value(v).build().map_err(build_err)?);
                    }
                    self.client
                        .add_tags_to_certificate()
                        .certificate_arn(&prior.id)
                        .set_tags(Some(set))
                        .send()
                        .await
                        .map_err(err("AddTagsToCertificate"))?;
                }
                let mut live = prior.clone();
                live.attrs.insert(
                    "tags".into(),
                    attrs
                        .get("tags")
                        .cloned()
                        .unwrap_or(Value::Map(IndexMap::new())),
                );
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_certificate()
                    .certificate_arn(&prior.id)
                    .send()
                    .await
                    .map_err(err("DeleteCertificate"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
