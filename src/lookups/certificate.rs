//! `existing_certificate`: an ACM certificate made outside this stack, by
//! its domain, issued. One paged `ListCertificates` for every block.

use super::{Answer, Context, Found, Lookup, Miss, Query, domain};
use crate::provider::ProviderError;
use crate::schema::{ComputedSchema, KindSchema, Type, required};
use crate::value::Value;

const SERVICE: &str = "acm";

pub static SCHEMA: KindSchema = KindSchema::lookup(
    "existing_certificate",
    "acm",
    "Lookup: an issued ACM certificate made outside this stack, found by its domain; the most recently issued when there are several.",
    &[required(
        "domain_name",
        Type::String,
        "The certificate's domain as ACM lists it, such as \"learn.example.ac.uk\" or \"*.example.ac.uk\".",
    )
    .dns_name()],
    &[
        ComputedSchema {
            name: "arn",
            doc: "The certificate's ARN.",
        },
        ComputedSchema {
            name: "domain_name",
            doc: "Its domain.",
        },
    ],
);

fn read<'a>(
    cx: &'a Context<'a>,
    queries: &'a [Query<'a>],
) -> futures_util::future::BoxFuture<'a, Result<Vec<Found>, ProviderError>> {
    use aws_sdk_acm::types::{CertificateStatus, Filters, KeyAlgorithm};
    Box::pin(async move {
        let client: aws_sdk_acm::Client = cx.provider.client();
        // ListCertificates lists RSA-2048 certificates only unless asked
        // for every key type.
        let every_key = Filters::builder()
            .set_key_types(Some(
                KeyAlgorithm::values()
                    .iter()
                    .map(|k| KeyAlgorithm::from(*k))
                    .collect(),
            ))
            .build();
        let certs = crate::all_items!(
            client
                .list_certificates()
                .certificate_statuses(CertificateStatus::Issued)
                .includes(every_key),
            "ListCertificates"
        );
        Ok(queries
            .iter()
            .map(|q| {
                let name = domain(q.str("domain_name").unwrap_or_default());
                let newest = certs
                    .iter()
                    .filter(|c| c.domain_name().map(domain).as_deref() == Some(name.as_str()))
                    .max_by_key(|c| {
                        c.issued_at()
                            .or(c.imported_at())
                            .or(c.created_at())
                            .map(|t| (t.secs(), t.subsec_nanos()))
                    });
                match newest {
                    Some(c) => {
                        let mut answer = Answer::new();
                        answer.insert(
                            "arn".into(),
                            Value::str(c.certificate_arn().unwrap_or_default()),
                        );
                        answer.insert("domain_name".into(), Value::str(&name));
                        Ok(answer)
                    }
                    None => {
                        let wildcard = name
                            .split_once('.')
                            .map(|(_, parent)| format!("*.{parent}"))
                            .filter(|w| {
                                certs
                                    .iter()
                                    .any(|c| c.domain_name().map(domain).as_deref() == Some(w))
                            });
                        Err(Miss::not_found(
                            "domain_name",
                            format!(
                                "`{}`: no issued certificate in {} is for `{name}`",
                                q.addr, cx.region
                            ),
                            match wildcard {
                                Some(w) => format!("an issued certificate covers it as `{w}`: write `domain_name = \"{w}\"`"),
                                None => "a certificate still pending validation is not found: finish its DNS validation, or request it in this stack with a `certificate` block".into(),
                            },
                        ))
                    }
                }
            })
            .collect())
    })
}

pub static LOOKUP: Lookup = Lookup {
    schema: &SCHEMA,
    read,
    cloudformation: |_, _| None,
};
