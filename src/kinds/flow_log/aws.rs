//! VPC flow logs: EC2's `fl-` resources, tagged at creation.

use aws_sdk_ec2::types::{
    Filter, FlowLogsResourceType, LogDestinationType, ResourceType, TrafficType,
};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::failed;
use crate::provider::aws::ec2::{Ec2, Ec2Resource, SERVICE, Tagged, live, tag_spec};
use crate::provider::aws::fields::{always, int, opt, req_s, s};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

const DESCRIBE: &str = "DescribeFlowLogs";

crate::on_service!(FlowLogs(Ec2));

#[async_trait::async_trait]
impl Ec2Resource for FlowLogs {
    const ID_FILTER: &'static str = "flow-log-id";

    fn of(ec2: Ec2) -> Self {
        FlowLogs(ec2)
    }

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError> {
        let logs = crate::all_items!(
            self.client.describe_flow_logs().filter(f),
            "DescribeFlowLogs"
        );
        logs.iter()
            .map(|l| {
                let field = |v, name| always(v, SERVICE, DESCRIBE, name);
                let id = field(l.flow_log_id(), "FlowLogId")?;
                let to_bucket = l.log_destination_type() == Some(&LogDestinationType::S3);
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "vpc_id".into(),
                    Value::str(field(l.resource_id(), "ResourceId")?),
                );
                attrs.insert(
                    "traffic_type".into(),
                    l.traffic_type()
                        .map_or(Value::Null, |t| Value::str(t.as_str())),
                );
                attrs.insert(
                    "log_group_name".into(),
                    if to_bucket {
                        Value::Null
                    } else {
                        opt(l.log_group_name())
                    },
                );
                attrs.insert(
                    "iam_role_arn".into(),
                    if to_bucket {
                        Value::Null
                    } else {
                        opt(l.deliver_logs_permission_arn())
                    },
                );
                attrs.insert(
                    "s3_bucket_arn".into(),
                    if to_bucket {
                        opt(l.log_destination())
                    } else {
                        Value::Null
                    },
                );
                attrs.insert(
                    "max_aggregation_interval".into(),
                    l.max_aggregation_interval()
                        .map_or(Value::Null, |i| Value::Number(f64::from(i))),
                );
                let tags = crate::provider::aws::tags::split(l.tags());
                Ok(live(tags, id, attrs, IndexMap::new()))
            })
            .collect()
    }

    async fn create(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        const OP: &str = "CreateFlowLogs";
        let group = s(attrs, "log_group_name");
        let bucket = s(attrs, "s3_bucket_arn");
        let role = s(attrs, "iam_role_arn");
        let destination = match (&group, &bucket) {
            (Some(_), None) if role.is_none() => {
                return Err(ProviderError::new(
                    SERVICE,
                    OP,
                    "flow logs to a log group need `iam_role_arn`: the role the logs service assumes to write them",
                ));
            }
            (Some(_), None) => LogDestinationType::CloudWatchLogs,
            (None, Some(_)) => LogDestinationType::S3,
            _ => {
                return Err(ProviderError::new(
                    SERVICE,
                    OP,
                    "a flow log needs exactly one of `log_group_name` and `s3_bucket_arn`",
                ));
            }
        };
        let to_bucket = destination == LogDestinationType::S3;
        let out = self
            .client
            .create_flow_logs()
            .resource_ids(req_s(attrs, "vpc_id", SERVICE, OP)?)
            .resource_type(FlowLogsResourceType::Vpc)
            .traffic_type(TrafficType::from(
                s(attrs, "traffic_type")
                    .unwrap_or_else(|| "ALL".into())
                    .as_str(),
            ))
            .log_destination_type(destination)
            .set_log_group_name(group)
            .set_log_destination(bucket)
            .set_deliver_logs_permission_arn(if to_bucket { None } else { role })
            .set_max_aggregation_interval(int(attrs, "max_aggregation_interval", SERVICE)?)
            .tag_specifications(tag_spec(ResourceType::VpcFlowLog, stack, addr, attrs))
            .send()
            .await
            .map_err(failed(SERVICE, OP))?;
        if let Some(refused) = out.unsuccessful().first() {
            let why = refused
                .error()
                .and_then(|e| e.message())
                .unwrap_or("no reason given");
            return Err(ProviderError::new(
                SERVICE,
                OP,
                format!("AWS refused the flow log: {why}"),
            ));
        }
        let id = out.flow_log_ids().first().map(String::as_str);
        Ok(always(id, SERVICE, OP, "FlowLogIds")?.to_string())
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError> {
        let out = self
            .client
            .delete_flow_logs()
            .flow_log_ids(&prior.id)
            .send()
            .await
            .map_err(failed(SERVICE, "DeleteFlowLogs"))?;
        match out.unsuccessful().first().and_then(|u| u.error()) {
            // Already gone: what the delete wanted.
            Some(e) if e.code().is_some_and(|c| c.contains("NotFound")) => Ok(()),
            Some(e) => Err(ProviderError::new(
                SERVICE,
                "DeleteFlowLogs",
                format!(
                    "AWS did not delete the flow log: {}",
                    e.message().unwrap_or("no reason given")
                ),
            )),
            None => Ok(()),
        }
    }
}

/// The `flow_log` kind's AWS side.
pub static AWS: Tagged<FlowLogs> = Tagged(std::marker::PhantomData);
