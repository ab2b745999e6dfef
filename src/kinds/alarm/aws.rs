//! CloudWatch metric alarms.

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag,
};
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{always, int, list, s, strings};
use crate::provider::aws::{AwsKind, AwsProvider, read_each, tags};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

const SERVICE: &str = "cloudwatch";

crate::sdk_client!(Client);

pub struct Alarms;

/// The region's metric alarms, or the one named `name`.
async fn describe(client: &Client, name: Option<&str>) -> Result<Vec<MetricAlarm>, ProviderError> {
    let pages = client
        .describe_alarms()
        .alarm_types(AlarmType::MetricAlarm)
        .set_alarm_names(name.map(|n| vec![n.to_string()]))
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(failed(SERVICE, "DescribeAlarms"))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.metric_alarms().iter().cloned())
        .collect())
}

/// An alarm as mdl sees it, with its tags.
async fn live(client: &Client, a: &MetricAlarm) -> Result<LiveResource, ProviderError> {
    let field = |v, name| always(v, SERVICE, "DescribeAlarms", name);
    let name = field(a.alarm_name(), "AlarmName")?;
    let arn = field(a.alarm_arn(), "AlarmArn")?;
    let listed = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(failed(SERVICE, "ListTagsForResource"))?;
    let number = |n: Option<f64>| n.map_or(Value::Null, Value::Number);
    let mut attrs = IndexMap::new();
    attrs.insert("name".into(), Value::str(name));
    attrs.insert(
        "namespace".into(),
        Value::str(field(a.namespace(), "Namespace")?),
    );
    attrs.insert(
        "metric_name".into(),
        Value::str(field(a.metric_name(), "MetricName")?),
    );
    let mut dimensions = IndexMap::new();
    for d in a.dimensions() {
        dimensions.insert(
            field(d.name(), "Dimension Name")?.to_string(),
            Value::str(d.value().unwrap_or_default()),
        );
    }
    dimensions.sort_keys();
    attrs.insert("dimensions".into(), Value::Map(dimensions));
    attrs.insert(
        "statistic".into(),
        a.statistic()
            .map_or(Value::Null, |s| Value::str(s.as_str())),
    );
    attrs.insert("period".into(), number(a.period().map(f64::from)));
    attrs.insert(
        "evaluation_periods".into(),
        number(a.evaluation_periods().map(f64::from)),
    );
    attrs.insert("threshold".into(), number(a.threshold()));
    attrs.insert(
        "comparison".into(),
        a.comparison_operator()
            .map_or(Value::Null, |c| Value::str(c.as_str())),
    );
    attrs.insert(
        "treat_missing_data".into(),
        Value::str(a.treat_missing_data().unwrap_or("missing")),
    );
    attrs.insert(
        "alarm_actions".into(),
        list(a.alarm_actions().iter().map(String::as_str)),
    );
    attrs.insert(
        "ok_actions".into(),
        list(a.ok_actions().iter().map(String::as_str)),
    );
    attrs.insert(
        "description".into(),
        Value::str(a.alarm_description().unwrap_or_default()),
    );
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(name));
    computed.insert("arn".into(), Value::str(arn));
    let mut r = LiveResource {
        addr: None,
        stack: None,
        id: name.to_string(),
        attrs,
        computed,
    };
    tags::read_sdk(&mut r, listed.tags());
    Ok(r)
}

/// Write the whole alarm (`PutMetricAlarm` creates or replaces it).
async fn put(
    client: &Client,
    name: &str,
    attrs: &IndexMap<String, Value>,
    tags: Option<Vec<Tag>>,
) -> Result<(), ProviderError> {
    const OP: &str = "PutMetricAlarm";
    let dimensions = attrs
        .get("dimensions")
        .and_then(Value::as_map)
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            Dimension::builder()
                .name(k)
                .value(v.as_str().unwrap_or_default())
                .build()
        })
        .collect();
    let threshold = attrs.get("threshold").and_then(Value::as_f64);
    client
        .put_metric_alarm()
        .alarm_name(name)
        .set_namespace(s(attrs, "namespace"))
        .set_metric_name(s(attrs, "metric_name"))
        .set_dimensions(Some(dimensions))
        .statistic(Statistic::from(
            s(attrs, "statistic")
                .unwrap_or_else(|| "Average".into())
                .as_str(),
        ))
        .set_period(int(attrs, "period", SERVICE)?)
        .set_evaluation_periods(int(attrs, "evaluation_periods", SERVICE)?)
        .set_threshold(threshold)
        .set_comparison_operator(
            s(attrs, "comparison").map(|c| ComparisonOperator::from(c.as_str())),
        )
        .set_treat_missing_data(s(attrs, "treat_missing_data"))
        .set_alarm_actions(Some(strings(attrs, "alarm_actions")))
        .set_ok_actions(Some(strings(attrs, "ok_actions")))
        .set_alarm_description(s(attrs, "description"))
        .set_tags(tags)
        .send()
        .await
        .map(drop)
        .map_err(failed(SERVICE, OP))
}

/// The alarm named `name`, after a change.
async fn read_one(client: &Client, name: &str) -> Result<LiveResource, ProviderError> {
    let found = describe(client, Some(name)).await?;
    let Some(a) = found.iter().find(|a| a.alarm_name() == Some(name)) else {
        return Err(ProviderError::new(
            SERVICE,
            "DescribeAlarms",
            format!("alarm `{name}` was not found right after it was changed"),
        ));
    };
    live(client, a).await
}

#[async_trait::async_trait]
impl AwsKind for Alarms {
    async fn read(
        &self,
        aws: &AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let client: Client = aws.client();
        let alarms = describe(&client, None).await?;
        let client = &client;
        read_each(alarms.iter().map(|a| live(client, a)).collect(), &req).await
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
                let tags = tags::sdk_tags(req.stack, req.addr, &attrs)?;
                put(&client, &name, &attrs, Some(tags)).await?;
                let live = read_one(&client, &name).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                // Tags given to PutMetricAlarm are added to an existing
                // alarm's, never removed: they change through the tagging
                // calls.
                put(&client, &prior.id, &attrs, None).await?;
                let arn = prior
                    .computed
                    .get("arn")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        ProviderError::new(SERVICE, "TagResource", "the alarm's ARN is not known")
                    })?;
                crate::retag_by!(client, SERVICE, arn, &prior, &attrs,
                    remove: untag_resource(resource_arn).set_tag_keys => "UntagResource",
                    set: tag_resource(resource_arn).set_tags => "TagResource")?;
                let live = read_one(&client, &prior.id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                // Deleting an alarm that is gone succeeds.
                client
                    .delete_alarms()
                    .alarm_names(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteAlarms"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
