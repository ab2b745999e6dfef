//! S3 as a state backend: the state object, and its lock taken by a
//! conditional put (`If-None-Match: *`), which S3 grants to exactly one of
//! two concurrent writers.
//!
//! The state store is called from blocking code (and from the executor's
//! journal), so each call runs on a runtime of its own, on a thread of its
//! own, and waits for it.

use std::sync::OnceLock;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;

use crate::state::{PutError, RemoteBackend};

/// The runtime S3 calls run on, for the life of the process.
fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("mdl-s3")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Run `fut` to completion on the S3 runtime, from any thread.
fn block<T: Send>(fut: impl std::future::Future<Output = T> + Send) -> Result<T, String> {
    let rt = runtime()?;
    std::thread::scope(|s| {
        s.spawn(|| rt.block_on(fut))
            .join()
            .map_err(|_| "the S3 call panicked".to_string())
    })
}

pub struct S3Backend {
    client: Client,
    bucket: String,
}

impl S3Backend {
    /// The bucket in `s3://BUCKET[/PREFIX]`, reached with the standard
    /// AWS settings (region, endpoint, credentials). Returns the backend
    /// and the prefix.
    ///
    /// # Errors
    /// A URL that is not `s3://...`, or no region.
    pub fn connect(url: &str, conn: &super::Connection) -> Result<(S3Backend, String), String> {
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(format!("`{url}` is not an s3:// URL"));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("`{url}` names no bucket"));
        }
        let conn = conn.clone();
        let config = block(async move {
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
            if let Some(region) = &conn.region {
                loader = loader.region(aws_config::Region::new(region.clone()));
            }
            if let Some(endpoint) = &conn.endpoint_url {
                loader = loader.endpoint_url(endpoint.clone());
            }
            loader.load().await
        })?;
        if config.region().is_none() {
            return Err(
                "no AWS region is configured for the state bucket: set AWS_REGION or pass --region"
                    .into(),
            );
        }
        // Path-style addressing works with every endpoint, emulators
        // included.
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        Ok((
            S3Backend {
                client: Client::from_conf(s3),
                bucket: bucket.to_string(),
            },
            prefix.to_string(),
        ))
    }
}

fn message<E: aws_sdk_s3::error::ProvideErrorMetadata + std::fmt::Debug>(
    operation: &str,
    e: &E,
) -> String {
    format!(
        "S3 {operation} failed: {}",
        e.message()
            .map(ToString::to_string)
            .or_else(|| e.code().map(ToString::to_string))
            .unwrap_or_else(|| format!("{e:?}"))
    )
}

impl RemoteBackend for S3Backend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let (client, bucket, key) = (self.client.clone(), self.bucket.clone(), key.to_string());
        block(async move {
            match client.get_object().bucket(bucket).key(key).send().await {
                Ok(out) => out
                    .body
                    .collect()
                    .await
                    .map(|b| Some(b.into_bytes().to_vec()))
                    .map_err(|e| format!("S3 GetObject failed while reading: {e}")),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                Err(e) => Err(message("GetObject", &e)),
            }
        })?
    }

    fn put(&self, key: &str, body: &[u8], only_if_absent: bool) -> Result<(), PutError> {
        let (client, bucket, key, body) = (
            self.client.clone(),
            self.bucket.clone(),
            key.to_string(),
            body.to_vec(),
        );
        block(async move {
            let mut put = client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(ByteStream::from(body))
                .content_type("application/json");
            if only_if_absent {
                put = put.if_none_match("*");
            }
            match put.send().await {
                Ok(_) => Ok(()),
                Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => {
                    Err(PutError::Exists)
                }
                Err(e) => Err(PutError::Other(message("PutObject", &e))),
            }
        })
        .map_err(PutError::Other)?
    }

    fn delete(&self, key: &str) -> Result<(), String> {
        let (client, bucket, key) = (self.client.clone(), self.bucket.clone(), key.to_string());
        block(async move {
            client
                .delete_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| message("DeleteObject", &e))
        })?
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}
