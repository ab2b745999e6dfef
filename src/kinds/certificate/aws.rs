//! ACM certificates, validated by DNS.
//!
//! ACM has no batched describe: a refresh lists the certificates once, then
//! describes those of this stack (and reads tags only of those state does
//! not know, to find their address).

use aws_sdk_acm::Client;
use aws_sdk_acm::types::{Tag, ValidationMethod};
use indexmap::IndexMap;

use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::fields::{always, list, req_s, s, strings};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "acm";

pub struct Acm {
    client: Client,
}

impl Acm {
    pub fn new(client: Client) -> Acm {
        Acm { client }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let summaries = crate::all_items!(self.client.list_certificates(), "ListCertificates");
        let mut resources = Vec::new();
        for summary in &summaries {
            let arn = always(
                summary.certificate_arn(),
                SERVICE,
                "ListCertificates",
                "CertificateArn",
            )?;
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
            .map_err(failed(SERVICE, "ListTagsForCertificate"))?;
        crate::provider::aws::tags::read_sdk(r, out.tags());
        Ok(())
    }

    async fn describe(&self, r: &mut LiveResource) -> Result<(), ProviderError> {
        let out = self
            .client
            .describe_certificate()
            .certificate_arn(&r.id)
            .send()
            .await
            .map_err(failed(SERVICE, "DescribeCertificate"))?;
        let Some(c) = out.certificate() else {
            return Ok(());
        };
        let domain = always(
            c.domain_name(),
            SERVICE,
            "DescribeCertificate",
            "DomainName",
        )?;
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
                let tags: Vec<Tag> =
                    crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let sans = strings(&attrs, "subject_alternative_names");
                // The same token for the same certificate of the same
                // stack: a retried request returns the first certificate.
                // The names are in it too: ACM answers a token it saw in the
                // last hour with that request's certificate, which a
                // replacement (a new domain name) has just deleted.
                let token: String = crate::schema::digest(&format!(
                    "{}/{}/{}/{}",
                    req.stack,
                    req.addr,
                    s(&attrs, "domain_name").unwrap_or_default(),
                    sans.join(",")
                ))
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
                    .map_err(failed(SERVICE, "RequestCertificate"))?;
                let arn = crate::provider::aws::fields::answered(
                    out.certificate_arn(),
                    SERVICE,
                    "RequestCertificate",
                    "CertificateArn",
                )?;
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
                // ACM removes tags named by key, as tags without a value.
                let id: &str = &prior.id;
                crate::provider::aws::tags::retag(
                    &prior,
                    &attrs,
                    |keys| async move {
                        let mut removed = Vec::new();
                        for k in keys {
                            removed.push(Tag::builder().key(k).build().map_err(unbuilt(SERVICE))?);
                        }
                        self.client
                            .remove_tags_from_certificate()
                            .certificate_arn(id)
                            .set_tags(Some(removed))
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "RemoveTagsFromCertificate"))
                    },
                    |pairs| async move {
                        self.client
                            .add_tags_to_certificate()
                            .certificate_arn(id)
                            .set_tags(Some(crate::provider::aws::tags::of_pairs(&pairs)?))
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "AddTagsToCertificate"))
                    },
                )
                .await?;
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
                    .map_err(failed(SERVICE, "DeleteCertificate"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}

crate::sdk_client!(Client);

crate::aws_kind!(
    /// Certificates, through `Acm`.
    Certificates => |aws| Acm::new(aws.client())
);
