//! The one AWS layer under every provider: how an SDK call's failure, or a
//! request that could not be built, becomes a `ProviderError`.

use aws_sdk_sts::error::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
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
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |err| {
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
                DisplayErrorContext(&err).to_string()
            }
        });
        // An endpoint that answers with an HTML error page (an emulator
        // without this operation, a proxy) is named as such.
        if code.is_none() && (message.contains("<html") || message.contains("<!doctype")) {
            message = format!(
                "the endpoint answered with an HTML error page instead of an AWS response: it may not implement {service} {operation}"
            );
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

/// A request the SDK's builder refused (a required field unset): a fault
/// of mdl's, named with the service.
pub(crate) fn unbuilt<E: std::fmt::Display>(
    service: &'static str,
) -> impl FnOnce(E) -> ProviderError {
    move |e| ProviderError::new(service, "build", e.to_string())
}
