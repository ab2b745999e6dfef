//! The one AWS layer under every provider: how an SDK call's failure, or a
//! request that could not be built, becomes a `ProviderError`.

use aws_sdk_sts::error::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::provider::ProviderError;

/// Turn an SDK error into a `ProviderError` naming the service and the
/// operation. Every SDK crate's errors are the same `SdkError<E, R>`: this
/// is the only place one becomes a `ProviderError`.
pub(crate) fn failed<E, R>(
    service: &'static str,
    operation: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Answer + std::fmt::Debug + Send + Sync + 'static,
{
    move |err| {
        if let SdkError::DispatchFailure(d) = &err {
            let (code, message) = dispatch_failure(&err, d.is_timeout(), d.is_io());
            return ProviderError {
                addr: None,
                service,
                operation,
                code: Some(code.to_string()),
                message,
                source: Some(Box::new(err)),
            };
        }
        if let SdkError::TimeoutError(_) = &err {
            let endpoint = std::env::var("AWS_ENDPOINT_URL")
                .ok()
                .map(|u| format!(" {u}"))
                .unwrap_or_default();
            return ProviderError {
                addr: None,
                service,
                operation,
                code: Some("ConnectTimeout".to_string()),
                message: format!(
                    "no answer from the endpoint{endpoint} in time (--connect-timeout)"
                ),
                source: Some(Box::new(err)),
            };
        }
        let code = err.code().map(ToString::to_string);
        let mut message = err.message().map(ToString::to_string).unwrap_or_else(|| {
            // A response the SDK cannot parse: its innermost cause says
            // why, without the raw response around it.
            let mut inner: &dyn std::error::Error = &err;
            while let Some(next) = inner.source() {
                inner = next;
            }
            let why = inner.to_string();
            if why.contains("parse") && !std::ptr::addr_eq(inner, &err) {
                format!("the response could not be read: {why}")
            } else {
                causes(&err)
            }
        });
        // An endpoint that answers with an HTML error page (an emulator
        // without this operation, a proxy) is named as such.
        let html = err.raw_response().and_then(Answer::body).is_some_and(|b| {
            let b = b.to_ascii_lowercase();
            b.contains("<html") || b.contains("<!doctype")
        });
        if code.is_none() && (html || message.contains("<html") || message.contains("<!doctype")) {
            message = format!(
                "the endpoint answered with an HTML error page instead of an AWS response: it may not implement {service} {operation}"
            );
        }
        // AWS's id of the request, for its support and CloudTrail.
        if let Some(id) = err.raw_response().and_then(Answer::request_id) {
            message = format!("{message} (request id {id})");
        }
        ProviderError {
            addr: None,
            service,
            operation,
            code,
            message,
            source: Some(Box::new(err)),
        }
    }
}

/// An HTTP answer, as far as an error message needs it.
pub(crate) trait Answer {
    /// AWS's id of the request: `x-amzn-RequestId`, or S3's
    /// `x-amz-request-id`.
    fn request_id(&self) -> Option<&str>;
    /// The body, when it was read whole.
    fn body(&self) -> Option<String>;
}

impl Answer for aws_smithy_runtime_api::http::Response {
    fn request_id(&self) -> Option<&str> {
        let headers = self.headers();
        headers
            .get("x-amzn-requestid")
            .or_else(|| headers.get("x-amz-request-id"))
    }

    fn body(&self) -> Option<String> {
        self.body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).to_string())
    }
}

/// The messages of an error and its causes, once each, on one line: what
/// people read, without the SDK's `Debug` of them.
pub(crate) fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        let text = e.to_string().replace('\n', " ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.retain(|p| !text.contains(p.as_str()));
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// A call that never got an answer: no credentials, no connection, or
/// no answer in time; with a code the help can go by.
fn dispatch_failure<E, R>(err: &SdkError<E, R>, timeout: bool, io: bool) -> (&'static str, String)
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let all = causes(err);
    if all.contains("no credentials found in chain")
        || all.contains("CredentialsNotLoaded")
        || all.contains("credential provider")
    {
        return (
            "NoCredentials",
            "no AWS credentials were found: mdl looked in the environment (AWS_ACCESS_KEY_ID), the shared profiles (AWS_PROFILE, ~/.aws), web identity, the ECS container and the instance metadata".to_string(),
        );
    }
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    if timeout {
        return (
            "ConnectTimeout",
            format!(
                "no connection to the endpoint{endpoint} within the connect timeout (--connect-timeout)"
            ),
        );
    }
    let why = all.rsplit(": ").next().unwrap_or(&all).to_string();
    if io {
        return (
            "Unreachable",
            format!("cannot connect to the endpoint{endpoint}: {why}"),
        );
    }
    (
        "DispatchFailure",
        format!("the call could not be sent: {why}"),
    )
}

/// A request the SDK's builder refused (a required field unset): a fault
/// of mdl's, named with the service.
pub(crate) fn unbuilt<E: std::fmt::Display>(
    service: &'static str,
) -> impl FnOnce(E) -> ProviderError {
    move |e| ProviderError::new(service, "build", e.to_string())
}
