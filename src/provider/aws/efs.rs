//! What the EFS kinds share (`efs`, `efs_mount_target`,
//! `efs_access_point`, in src/kinds): the stack's file systems (one
//! paginated `DescribeFileSystems` a refresh, shared by file systems and
//! mount targets), the mount targets of a file system, tags and
//! idempotency tokens.

use aws_sdk_efs::Client;
use aws_sdk_efs::types::Tag;
use indexmap::IndexMap;

use super::call::failed;
use crate::lang::ResourceAddr;
use crate::provider::aws::tags::Split as Tags;
use crate::provider::{LiveResource, ProviderError, ReadShare};
use crate::value::Value;

pub(crate) const SERVICE: &str = "efs";

crate::sdk_client!(Client);

/// The EFS client and the region (a file system's DNS name holds it).
pub(crate) struct Efs {
    pub client: Client,
    pub region: String,
}

/// EFS answers an empty `Name` tag for a file system without one; it is
/// no tag of the user's.
pub(crate) fn split_tags(tags: &[Tag]) -> Tags {
    crate::provider::aws::tags::split_pairs(
        tags.iter()
            .map(|t| (t.key(), t.value()))
            .filter(|&(k, v)| !(k == "Name" && v.is_empty())),
    )
}

/// An idempotency token for a create: the same resource of the same stack
/// always sends the same one, so a retried create returns the first result.
pub(crate) fn token(stack: &str, addr: &ResourceAddr) -> String {
    let d = crate::schema::digest(&format!("{stack}/{addr}"));
    d.trim_start_matches("sha256:")[..32].to_string()
}

impl Efs {
    pub(crate) fn of(aws: &super::AwsProvider) -> Efs {
        Efs {
            client: aws.client(),
            region: aws.region.clone(),
        }
    }

    /// Every file system of the stack (EFS has no server-side tag filter).
    pub(crate) async fn read_file_systems(
        &self,
        stack: &str,
        known: &[String],
        share: &ReadShare,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        // Made once per refresh for file systems and mount targets.
        let all = share
            .get_or_read("efs/file_systems", || async {
                Ok(crate::all_items!(
                    self.client.describe_file_systems(),
                    "DescribeFileSystems"
                ))
            })
            .await?;
        Ok(all
            .iter()
            .filter(|f| !matches!(f.life_cycle_state().as_str(), "deleting" | "deleted"))
            .filter_map(|f| {
                let tags = split_tags(f.tags());
                let id = f.file_system_id();
                if tags.stack.as_deref() != Some(stack) && !known.iter().any(|k| k == id) {
                    return None;
                }
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "encrypted".into(),
                    Value::Bool(f.encrypted().unwrap_or(false)),
                );
                attrs.insert(
                    "kms_key_id".into(),
                    f.kms_key_id().map_or(Value::Null, Value::str),
                );
                attrs.insert(
                    "performance_mode".into(),
                    Value::str(f.performance_mode().as_str()),
                );
                attrs.insert(
                    "throughput_mode".into(),
                    f.throughput_mode()
                        .map_or(Value::str("bursting"), |t| Value::str(t.as_str())),
                );
                attrs.insert(
                    "provisioned_throughput".into(),
                    // Only meaningful in provisioned mode (some endpoints
                    // report 0 otherwise).
                    f.provisioned_throughput_in_mibps()
                        .filter(|_| f.throughput_mode().map(|t| t.as_str()) == Some("provisioned"))
                        .map_or(Value::Null, Value::Number),
                );
                attrs.insert("tags".into(), tags.user);
                let mut computed = IndexMap::new();
                computed.insert("id".into(), Value::str(id));
                computed.insert(
                    "arn".into(),
                    f.file_system_arn().map_or(Value::Null, Value::str),
                );
                computed.insert(
                    "dns_name".into(),
                    Value::str(format!("{id}.efs.{}.amazonaws.com", self.region)),
                );
                computed.insert("state".into(), Value::str(f.life_cycle_state().as_str()));
                Some(LiveResource {
                    addr: tags.addr,
                    stack: tags.stack,
                    id: id.to_string(),
                    attrs,
                    computed,
                })
            })
            .collect())
    }

    /// The mount targets of a file system, or one mount target by id (none
    /// when it does not exist).
    pub(crate) async fn read_mount_targets(
        &self,
        fs_id: Option<&str>,
        mount_target_id: Option<&str>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let mut out = Vec::new();
        let mut marker = None;
        loop {
            let page = match self
                .client
                .describe_mount_targets()
                .set_file_system_id(fs_id.map(ToString::to_string))
                .set_mount_target_id(mount_target_id.map(ToString::to_string))
                .set_marker(marker.clone())
                .send()
                .await
            {
                Err(e)
                    if mount_target_id.is_some()
                        && aws_sdk_efs::error::ProvideErrorMetadata::code(&e)
                            == Some("MountTargetNotFound") =>
                {
                    return Ok(out);
                }
                r => r.map_err(failed(SERVICE, "DescribeMountTargets"))?,
            };
            for m in page.mount_targets() {
                if matches!(m.life_cycle_state().as_str(), "deleting" | "deleted") {
                    continue;
                }
                let mut attrs = IndexMap::new();
                attrs.insert("file_system_id".into(), Value::str(m.file_system_id()));
                attrs.insert("subnet_id".into(), Value::str(m.subnet_id()));
                let mut computed = IndexMap::new();
                computed.insert("id".into(), Value::str(m.mount_target_id()));
                computed.insert(
                    "ip_address".into(),
                    m.ip_address().map_or(Value::Null, Value::str),
                );
                computed.insert(
                    "availability_zone".into(),
                    m.availability_zone_name().map_or(Value::Null, Value::str),
                );
                computed.insert("state".into(), Value::str(m.life_cycle_state().as_str()));
                out.push(LiveResource {
                    addr: None,
                    stack: None,
                    id: m.mount_target_id().to_string(),
                    attrs,
                    computed,
                });
            }
            marker = page.next_marker().map(ToString::to_string);
            if marker.is_none() {
                return Ok(out);
            }
        }
    }

    pub(crate) async fn update_tags(
        &self,
        resource: &str,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        crate::retag_by!(self.client, SERVICE, resource, prior, attrs,
            remove: untag_resource(resource_id).set_tag_keys => "UntagResource",
            set: tag_resource(resource_id).set_tags => "TagResource")
    }
}
