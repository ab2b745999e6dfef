//! What the ECS kinds share (`ecs_cluster`, `ecs_task_definition`,
//! `ecs_service`, in src/kinds): the clients (ECS, and Application Auto
//! Scaling for services), the clusters (listed, described a hundred at a
//! time; services are read per cluster of the stack), a resource known by
//! its ARN, and tags.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::ClusterField;
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::fields::{always, opt};
use crate::provider::{LiveResource, ProviderError};
use crate::value::Value;

pub(crate) const SERVICE: &str = "ecs";

crate::sdk_client!(Client, aws_sdk_applicationautoscaling::Client);

/// The clients and the region (task definitions log there).
pub(crate) struct Ecs {
    pub client: Client,
    pub scaling: aws_sdk_applicationautoscaling::Client,
    pub region: String,
}

/// A resource whose id is its ARN.
pub(crate) fn resource(id: &str) -> LiveResource {
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(id));
    computed.insert("arn".into(), Value::str(id));
    LiveResource {
        addr: None,
        stack: None,
        id: id.to_string(),
        attrs: IndexMap::new(),
        computed,
    }
}

pub(crate) fn string_map(pairs: impl Iterator<Item = (String, String)>) -> Value {
    let mut m: IndexMap<String, Value> = pairs.map(|(k, v)| (k, Value::String(v))).collect();
    m.sort_keys();
    Value::Map(m)
}

pub(crate) fn map_pairs(attrs: &IndexMap<String, Value>, k: &str) -> Vec<(String, String)> {
    attrs
        .get(k)
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn blocks<'a>(
    attrs: &'a IndexMap<String, Value>,
    k: &str,
) -> Vec<&'a IndexMap<String, Value>> {
    attrs
        .get(k)
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .collect()
}

impl Ecs {
    pub(crate) fn of(aws: &super::AwsProvider) -> Ecs {
        Ecs {
            client: aws.client(),
            scaling: aws.client(),
            region: aws.region.clone(),
        }
    }

    pub(crate) async fn read_clusters(&self) -> Result<Vec<LiveResource>, ProviderError> {
        let arns = crate::all_items!(self.client.list_clusters(), "ListClusters");
        let mut out = Vec::new();
        for chunk in arns.chunks(100) {
            let described = self
                .client
                .describe_clusters()
                .set_clusters(Some(chunk.to_vec()))
                .include(ClusterField::Tags)
                .include(ClusterField::Settings)
                .send()
                .await
                .map_err(failed(SERVICE, "DescribeClusters"))?;
            for c in described
                .clusters()
                .iter()
                .filter(|c| c.status() != Some("INACTIVE"))
            {
                let arn = always(c.cluster_arn(), SERVICE, "DescribeClusters", "clusterArn")?;
                let mut r = resource(arn);
                r.attrs.insert("name".into(), opt(c.cluster_name()));
                let insights = c.settings().iter().any(|st| {
                    st.name().is_some_and(|n| n.as_str() == "containerInsights")
                        && st.value() == Some("enabled")
                });
                r.attrs
                    .insert("container_insights".into(), Value::Bool(insights));
                crate::provider::aws::tags::read_sdk(&mut r, c.tags());
                out.push(r);
            }
        }
        Ok(out)
    }

    pub(crate) async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        crate::retag_by!(self.client, SERVICE, &prior.id, prior, attrs,
            remove: untag_resource(resource_arn).set_tag_keys => "UntagResource",
            set: tag_resource(resource_arn).set_tags => "TagResource")
    }
}
