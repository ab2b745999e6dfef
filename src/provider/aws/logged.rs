//! The SDK's HTTP client, wrapped to log every AWS call when logging is on
//! (`MDL_LOG=debug`, `--log-level debug`): one line per attempt with the
//! service, the operation, the attempt, the HTTP status, the time it took
//! and AWS's request id. At `trace`, the bodies too, with every value whose
//! name says secret (passwords, secret strings, tokens, parameter values,
//! user data, keys) replaced by `(redacted)`. The client is the one the
//! SDK builds by default (rustls with aws-lc, the proxy settings of the
//! environment); with logging off it is not wrapped at all.

use std::time::Instant;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

/// The SDK's default HTTPS client (as `aws-smithy-runtime` builds it),
/// logging each call.
pub fn client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    let inner = Builder::new().build_with_connector_fn(move |settings, components| {
        let mut conn = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        conn.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            conn.set_sleep_impl(c.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    });
    SharedHttpClient::new(Logged { inner })
}

#[derive(Debug)]
struct Logged {
    inner: SharedHttpClient,
}

impl HttpClient for Logged {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LoggedConnector {
            inner: self.inner.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct LoggedConnector {
    inner: SharedHttpConnector,
}

/// `service` and `operation` of a request: the service from the
/// signature's scope, the operation from the JSON target, the query
/// action, or the method and path of a REST call (ids left out).
fn named(request: &HttpRequest) -> (String, String) {
    let headers = request.headers();
    let service = headers
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("?")
        .to_string();
    let body = request
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let operation = if let Some(target) = headers.get("x-amz-target") {
        target.rsplit('.').next().unwrap_or(target).to_string()
    } else if let Some(a) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        a.to_string()
    } else {
        let path = request.uri().split("://").nth(1).unwrap_or(request.uri());
        let path = path.find('/').map_or("/", |i| &path[i..]);
        let path = path.split('?').next().unwrap_or_default();
        let shape: Vec<&str> = path.split('/').take(3).collect();
        format!("{} {}", request.method(), shape.join("/"))
    };
    (service, operation)
}

impl HttpConnector for LoggedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (service, operation) = named(&request);
        let attempt = request
            .headers()
            .get("amz-sdk-request")
            .and_then(|h| h.split(';').find_map(|p| p.trim().strip_prefix("attempt=")))
            .unwrap_or("1")
            .to_string();
        if tracing::enabled!(tracing::Level::TRACE) {
            let body = request.body().bytes().map_or_else(
                || "(streamed)".to_string(),
                |b| redact(&String::from_utf8_lossy(b)),
            );
            tracing::trace!(%service, %operation, %attempt, method = request.method(), uri = request.uri(), body = %body, "request");
        }
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            let started = Instant::now();
            let result = inner.call(request).await;
            let took = started.elapsed().as_millis();
            match result {
                Ok(mut response) => {
                    let headers = response.headers();
                    let request_id = headers
                        .get("x-amzn-requestid")
                        .or_else(|| headers.get("x-amz-request-id"))
                        .unwrap_or("-")
                        .to_string();
                    let status = response.status().as_u16();
                    tracing::debug!(%service, %operation, %attempt, status, duration_ms = took as u64, %request_id, "aws call");
                    if tracing::enabled!(tracing::Level::TRACE) {
                        // The body is read whole to be logged, and given
                        // back to the SDK as it was.
                        let body = response.take_body();
                        let bytes = aws_smithy_types::byte_stream::ByteStream::new(body)
                            .collect()
                            .await
                            .map(aws_smithy_types::byte_stream::AggregatedBytes::into_bytes)
                            .unwrap_or_default();
                        tracing::trace!(%service, %operation, status, body = %redact(&String::from_utf8_lossy(&bytes)), "response");
                        *response.body_mut() = SdkBody::from(bytes);
                    }
                    Ok(response)
                }
                Err(e) => {
                    tracing::debug!(%service, %operation, %attempt, duration_ms = took as u64, error = %e, "aws call failed");
                    Err(e)
                }
            }
        })
    }
}

/// Whether a field's name says its value is a secret.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "value",
        "userdata",
        "privatekey",
        "credential",
        "authorization",
        "signature",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// A body with every value of a secret-named field replaced: JSON
/// members, query parameters (`Tag.1.Value=`), XML elements. On one line.
pub fn redact(body: &str) -> String {
    redact_body(body).replace('\r', "").replace('\n', " ")
}

fn redact_body(body: &str) -> String {
    let trimmed = body.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(mut json) = serde_json::from_str::<serde_json::Value>(body) {
            redact_json(&mut json);
            return json.to_string();
        }
        return "(redacted: a JSON body that does not parse)".to_string();
    }
    if trimmed.starts_with('<') {
        return redact_xml(body);
    }
    body.split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if secret_name(k.rsplit('.').next().unwrap_or(k)) => {
                format!("{k}=(redacted)")
            }
            _ => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, item) in m.iter_mut() {
                if secret_name(k) {
                    // A list or document under a secret name too: nothing
                    // of it is shown.
                    *item = serde_json::Value::String("(redacted)".into());
                } else {
                    redact_json(item);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// `<Name>text</Name>` with a secret name: the text replaced.
fn redact_xml(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let tag = &after[..close];
        out.push('<');
        out.push_str(tag);
        out.push('>');
        rest = &after[close + 1..];
        let name = tag.split_whitespace().next().unwrap_or_default();
        if !name.starts_with('/') && !tag.ends_with('/') && secret_name(name) {
            let end = format!("</{name}>");
            if let Some(at) = rest.find(&end) {
                out.push_str("(redacted)");
                rest = &rest[at..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_redacted_in_every_protocol() {
        let json = redact(
            r#"{"Name":"/vle/db","Value":"s3cr3t","Type":"SecureString","Nested":[{"SecretString":"x"}]}"#,
        );
        assert!(
            !json.contains("s3cr3t") && !json.contains("\"x\"") && json.contains("/vle/db"),
            "{json}"
        );
        let form = redact("Action=RunInstances&UserData=c2VjcmV0&Tag.1.Value=prod&ImageId=ami-1");
        assert_eq!(
            form,
            "Action=RunInstances&UserData=(redacted)&Tag.1.Value=(redacted)&ImageId=ami-1"
        );
        let xml =
            redact("<R><MasterUserPassword>pw</MasterUserPassword><DBName>moodle</DBName></R>");
        assert_eq!(
            xml,
            "<R><MasterUserPassword>(redacted)</MasterUserPassword><DBName>moodle</DBName></R>"
        );
        assert!(redact("{not json").starts_with("(redacted"));
    }
}
