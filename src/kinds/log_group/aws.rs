//! Reading and changing log groups through the CloudWatch Logs API.

use std::collections::HashMap;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::LogGroup;
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{opt, s};
use crate::provider::aws::{AwsKind, AwsProvider, read_each, tags};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "logs";

crate::sdk_client!(Client);

pub struct LogGroups;

/// A field every `DescribeLogGroups` entry has, or an error naming it.
fn field<'a>(
    v: Option<&'a str>,
    operation: &'static str,
    what: &str,
) -> Result<&'a str, ProviderError> {
    v.ok_or_else(|| {
        ProviderError::new(
            SERVICE,
            operation,
            format!("a log group in the answer has no {what}"),
        )
    })
}

/// The ARN the tagging calls take: the group's, without the `:*` of its
/// streams.
fn tagging_arn(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

/// Days as CloudWatch Logs takes them.
fn days(attrs: &IndexMap<String, Value>) -> Result<Option<i32>, ProviderError> {
    match attrs.get("retention_days") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|d| i32::try_from(d).ok())
            .map(Some)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "PutRetentionPolicy",
                    format!("`retention_days` must be a whole number of days, not {v}"),
                )
            }),
    }
}

impl LogGroups {
    /// Every log group of the region, or those whose names start with
    /// `prefix`.
    async fn describe(
        client: &Client,
        prefix: Option<&str>,
    ) -> Result<Vec<LogGroup>, ProviderError> {
        Ok(crate::all_items!(
            client
                .describe_log_groups()
                .set_log_group_name_prefix(prefix.map(ToString::to_string))
                .limit(50),
            "DescribeLogGroups"
        ))
    }

    /// A log group as mdl sees it, with its tags.
    async fn live(client: &Client, g: &LogGroup) -> Result<LiveResource, ProviderError> {
        let name = field(g.log_group_name(), "DescribeLogGroups", "logGroupName")?;
        let arn = field(g.arn(), "DescribeLogGroups", "arn")?;
        let tag_arn = g.log_group_arn().unwrap_or_else(|| tagging_arn(arn));
        let listed = client
            .list_tags_for_resource()
            .resource_arn(tag_arn)
            .send()
            .await
            .map_err(failed(SERVICE, "ListTagsForResource"))?;
        let mut attrs = IndexMap::new();
        attrs.insert("name".into(), Value::str(name));
        attrs.insert(
            "retention_days".into(),
            g.retention_in_days()
                .map_or(Value::Null, |d| Value::Number(f64::from(d))),
        );
        attrs.insert("kms_key_id".into(), opt(g.kms_key_id()));
        let mut computed = IndexMap::new();
        computed.insert("arn".into(), Value::str(arn));
        let mut live = LiveResource {
            addr: None,
            stack: None,
            id: name.to_string(),
            attrs,
            computed,
        };
        tags::read_into(
            &mut live,
            listed
                .tags()
                .into_iter()
                .flat_map(HashMap::iter)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        Ok(live)
    }

    /// The log group named `name`, after a change.
    async fn read_one(client: &Client, name: &str) -> Result<LiveResource, ProviderError> {
        let groups = Self::describe(client, Some(name)).await?;
        let Some(g) = groups.iter().find(|g| g.log_group_name() == Some(name)) else {
            return Err(ProviderError::new(
                SERVICE,
                "DescribeLogGroups",
                format!("log group `{name}` was not found right after it was changed"),
            ));
        };
        Self::live(client, g).await
    }

    async fn set_retention(
        client: &Client,
        name: &str,
        days: Option<i32>,
    ) -> Result<(), ProviderError> {
        match days {
            Some(d) => client
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(d)
                .send()
                .await
                .map(drop)
                .map_err(failed(SERVICE, "PutRetentionPolicy")),
            None => client
                .delete_retention_policy()
                .log_group_name(name)
                .send()
                .await
                .map(drop)
                .map_err(failed(SERVICE, "DeleteRetentionPolicy")),
        }
    }
}

#[async_trait::async_trait]
impl AwsKind for LogGroups {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let client: Client = aws.client();
        let groups = Self::describe(&client, None).await?;
        let client = &client;
        read_each(groups.iter().map(|g| Self::live(client, g)).collect(), &req).await
    }

    async fn apply(
        &self,
        aws: &AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let client: Client = aws.client();
        match req.op {
            Operation::Create { attrs } => {
                let name = s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let tags: HashMap<String, String> = tags::pairs(req.stack, req.addr, &attrs)
                    .into_iter()
                    .collect();
                client
                    .create_log_group()
                    .log_group_name(&name)
                    .set_kms_key_id(s(&attrs, "kms_key_id"))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateLogGroup"))?;
                if let Some(d) = days(&attrs)? {
                    Self::set_retention(&client, &name, Some(d)).await?;
                }
                let live = Self::read_one(&client, &name).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                let name = prior.id.as_str();
                if attrs.get("retention_days") != prior.attrs.get("retention_days") {
                    Self::set_retention(&client, name, days(&attrs)?).await?;
                }
                if attrs.get("kms_key_id") != prior.attrs.get("kms_key_id") {
                    match s(&attrs, "kms_key_id") {
                        Some(key) => client
                            .associate_kms_key()
                            .log_group_name(name)
                            .kms_key_id(key)
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "AssociateKmsKey"))?,
                        None => client
                            .disassociate_kms_key()
                            .log_group_name(name)
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "DisassociateKmsKey"))?,
                    }
                }
                let arn = prior
                    .computed
                    .get("arn")
                    .and_then(Value::as_str)
                    .map(tagging_arn)
                    .ok_or_else(|| {
                        ProviderError::new(
                            SERVICE,
                            "TagResource",
                            "the log group's ARN is not known",
                        )
                    })?;
                let client = &client;
                tags::retag(
                    &prior,
                    &attrs,
                    |keys| async move {
                        client
                            .untag_resource()
                            .resource_arn(arn)
                            .set_tag_keys(Some(keys))
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "UntagResource"))
                    },
                    |pairs| async move {
                        client
                            .tag_resource()
                            .resource_arn(arn)
                            .set_tags(Some(pairs.into_iter().collect()))
                            .send()
                            .await
                            .map(drop)
                            .map_err(failed(SERVICE, "TagResource"))
                    },
                )
                .await?;
                let live = Self::read_one(client, name).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                match client
                    .delete_log_group()
                    .log_group_name(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteLogGroup"))
                {
                    Ok(_) => {}
                    // Already gone: what the delete wanted.
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
                Ok(ApplyResponse { live: None })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tagging_arn;

    #[test]
    fn tagging_takes_the_arn_without_the_streams_wildcard() {
        assert_eq!(
            tagging_arn("arn:aws:logs:eu-west-2:123456789012:log-group:/moodle/web:*"),
            "arn:aws:logs:eu-west-2:123456789012:log-group:/moodle/web"
        );
        assert_eq!(tagging_arn("arn:x:log-group:a"), "arn:x:log-group:a");
    }
}
