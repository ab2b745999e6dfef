//! ECS clusters: listed, then described a hundred at a time, tags and
//! settings included.

use aws_sdk_ecs::types::{ClusterSetting, ClusterSettingName};
use indexmap::IndexMap;

use crate::provider::aws::call::failed;
use crate::provider::aws::ecs::{Ecs, SERVICE};
use crate::provider::aws::fields::{b, with_applied};
use crate::provider::{
    ApplyRequest, ApplyResponse, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

crate::on_service!(Clusters(Ecs));

impl Clusters {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        Ok(crate::provider::aws::of_stack(
            self.read_clusters().await?,
            &req,
        ))
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let name = crate::provider::aws::fields::s(&attrs, "name")
                    .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
                let tags = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
                let out = self
                    .client
                    .create_cluster()
                    .cluster_name(&name)
                    .settings(insights(&attrs))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "CreateCluster"))?;
                let arn = crate::provider::aws::fields::answered(
                    out.cluster().and_then(|c| c.cluster_arn()),
                    SERVICE,
                    "CreateCluster",
                    "clusterArn",
                )?;
                let live = crate::provider::aws::changed(
                    SERVICE,
                    "ecs_cluster",
                    &arn,
                    self.read_clusters().await?,
                )?;
                Ok(ApplyResponse {
                    live: Some(with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                if attrs
                    .get("container_insights")
                    .is_some_and(|v| prior.attrs.get("container_insights") != Some(v))
                {
                    self.client
                        .update_cluster_settings()
                        .cluster(&prior.id)
                        .settings(insights(&attrs))
                        .send()
                        .await
                        .map_err(failed(SERVICE, "UpdateClusterSettings"))?;
                }
                self.update_tags(&prior, &attrs).await?;
                let mut live = crate::provider::aws::changed(
                    SERVICE,
                    "ecs_cluster",
                    &prior.id,
                    self.read_clusters().await?,
                )?;
                for (k, v) in &attrs {
                    live.attrs.insert(k.clone(), v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_cluster()
                    .cluster(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteCluster"))?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}

fn insights(attrs: &IndexMap<String, Value>) -> ClusterSetting {
    let on = b(attrs, "container_insights").unwrap_or(false);
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if on { "enabled" } else { "disabled" })
        .build()
}

crate::aws_kind!(
    /// The `ecs_cluster` kind's AWS side.
    ClusterKind => |aws| Clusters(Ecs::of(aws))
);
