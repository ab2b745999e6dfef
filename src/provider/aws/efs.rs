//! EFS: file systems, mount targets and access points.
//!
//! One paginated `DescribeFileSystems` and one `DescribeAccessPoints` per
//! refresh; mount targets are listed per file system of the stack. Settings
//! the describes do not show (lifecycle, backup policy, mount target
//! security groups) are read per resource only for resources state does
//! not know.

use std::time::Duration;

use aws_sdk_efs::Client;
use aws_sdk_efs::types::{
    BackupPolicy, CreationInfo, LifecyclePolicy, PerformanceMode, PosixUser, RootDirectory, Status,
    Tag, ThroughputMode, TransitionToIaRules,
};
use indexmap::IndexMap;

use super::call::{failed, unbuilt};
use super::fields::{n, opt_num, req_s, s, strings};
use super::{all_at_once, wait_until};
use crate::lang::ResourceAddr;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
    ReadShare,
};
use crate::value::Value;

const SERVICE: &str = "efs";

pub struct Efs {
    client: Client,
    region: String,
}

use super::tags::Split as Tags;

/// EFS answers an empty `Name` tag for a file system without one; it is
/// no tag of the user's.
fn split_tags(tags: &[Tag]) -> Tags {
    super::tags::split_pairs(
        tags.iter()
            .map(|t| (t.key(), t.value()))
            .filter(|&(k, v)| !(k == "Name" && v.is_empty())),
    )
}

/// An idempotency token for a create: the same resource of the same stack
/// always sends the same one, so a retried create returns the first result.
fn token(stack: &str, addr: &ResourceAddr) -> String {
    let d = crate::schema::digest(&format!("{stack}/{addr}"));
    d.trim_start_matches("sha256:")[..32].to_string()
}

impl Efs {
    pub fn new(client: Client, region: String) -> Efs {
        Efs { client, region }
    }

    pub async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let resources = match req.kind.name {
            "efs" => {
                let mut all = self
                    .read_file_systems(req.stack, &req.known_ids, req.share)
                    .await?;
                for fs in all
                    .iter_mut()
                    .filter(|r| req.full || !req.known_ids.contains(&r.id))
                {
                    self.read_file_system_details(fs).await?;
                }
                all
            }
            "efs_mount_target" => {
                let file_systems = self.read_file_systems(req.stack, &[], req.share).await?;
                // A call per file system (the API lists no other way),
                // several at once.
                let mut all = all_at_once(
                    file_systems
                        .iter()
                        .map(|fs| self.read_mount_targets(Some(&fs.id), None))
                        .collect(),
                )
                .await?;
                // Known mount targets of file systems outside the stack
                // (an import), one call each.
                for id in &req.known_ids {
                    if !all.iter().any(|m| &m.id == id) {
                        all.extend(self.read_mount_targets(None, Some(id)).await?);
                    }
                }
                for mt in all
                    .iter_mut()
                    .filter(|r| req.full || !req.known_ids.contains(&r.id))
                {
                    let groups = self
                        .client
                        .describe_mount_target_security_groups()
                        .mount_target_id(&mt.id)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "DescribeMountTargetSecurityGroups"))?;
                    let groups = groups.security_groups().iter().map(Value::str).collect();
                    mt.attrs
                        .insert("security_groups".into(), Value::List(groups));
                }
                // Mount targets carry no tags: they belong to an address
                // through the state; others are left to their file system.
                all
            }
            "efs_access_point" => {
                let points =
                    all_items!(self.client.describe_access_points(), "DescribeAccessPoints");
                points
                    .iter()
                    .filter_map(|p| {
                        let id = p.access_point_id()?;
                        let tags = split_tags(p.tags());
                        if tags.stack.as_deref() != Some(req.stack)
                            && !req.known_ids.iter().any(|k| k == id)
                        {
                            return None;
                        }
                        if matches!(
                            p.life_cycle_state().map(|s| s.as_str()),
                            Some("deleting" | "deleted")
                        ) {
                            return None;
                        }
                        let mut attrs = IndexMap::new();
                        attrs.insert(
                            "file_system_id".into(),
                            Value::str(p.file_system_id().unwrap_or_default()),
                        );
                        let root = p.root_directory();
                        attrs.insert(
                            "root_path".into(),
                            Value::str(root.and_then(|r| r.path()).unwrap_or("/")),
                        );
                        attrs.insert("posix_uid".into(), opt_num(p.posix_user().map(|u| u.uid())));
                        attrs.insert("posix_gid".into(), opt_num(p.posix_user().map(|u| u.gid())));
                        let info = root.and_then(|r| r.creation_info());
                        attrs.insert("owner_uid".into(), opt_num(info.map(|c| c.owner_uid())));
                        attrs.insert("owner_gid".into(), opt_num(info.map(|c| c.owner_gid())));
                        attrs.insert(
                            "permissions".into(),
                            info.map_or(Value::Null, |c| Value::str(c.permissions())),
                        );
                        attrs.insert("tags".into(), tags.user);
                        let mut computed = IndexMap::new();
                        computed.insert("id".into(), Value::str(id));
                        computed.insert(
                            "arn".into(),
                            Value::str(p.access_point_arn().unwrap_or_default()),
                        );
                        Some(LiveResource {
                            addr: tags.addr,
                            stack: tags.stack,
                            id: id.to_string(),
                            attrs,
                            computed,
                        })
                    })
                    .collect()
            }
            other => {
                return Err(ProviderError::new(
                    SERVICE,
                    "read",
                    format!("kind `{other}` is not an EFS kind"),
                ));
            }
        };
        Ok(ReadResponse { resources })
    }

    /// Every file system of the stack (EFS has no server-side tag filter).
    async fn read_file_systems(
        &self,
        stack: &str,
        known: &[String],
        share: &ReadShare,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        // Made once per refresh for file systems and mount targets.
        let all = share
            .get_or_read("efs/file_systems", || async {
                Ok(all_items!(
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

    async fn read_file_system_details(&self, fs: &mut LiveResource) -> Result<(), ProviderError> {
        let lifecycle = self
            .client
            .describe_lifecycle_configuration()
            .file_system_id(&fs.id)
            .send()
            .await
            .map_err(failed(SERVICE, "DescribeLifecycleConfiguration"))?;
        let ia = lifecycle
            .lifecycle_policies()
            .iter()
            .find_map(|p| p.transition_to_ia())
            .map_or(Value::Null, |t| Value::str(t.as_str()));
        fs.attrs.insert("transition_to_ia".into(), ia);
        let backup = match self
            .client
            .describe_backup_policy()
            .file_system_id(&fs.id)
            .send()
            .await
        {
            Ok(out) => out
                .backup_policy()
                .is_some_and(|b| matches!(b.status().as_str(), "ENABLED" | "ENABLING")),
            Err(e)
                if aws_sdk_efs::error::ProvideErrorMetadata::code(&e) == Some("PolicyNotFound") =>
            {
                false
            }
            Err(e) => return Err(failed(SERVICE, "DescribeBackupPolicy")(e)),
        };
        fs.attrs.insert("backup".into(), Value::Bool(backup));
        Ok(())
    }

    /// The mount targets of a file system, or one mount target by id (none
    /// when it does not exist).
    async fn read_mount_targets(
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

    pub async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match (req.kind.name, req.op) {
            ("efs", Operation::Create { attrs }) => {
                let id = self.create_file_system(req.stack, req.addr, &attrs).await?;
                let mut live = self.find("efs", req.stack, &id).await?;
                for (k, v) in &attrs {
                    live.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            ("efs", Operation::Update { prior, attrs }) => {
                self.update_file_system(&prior, &attrs).await?;
                let mut live = self.find("efs", req.stack, &prior.id).await?;
                for (k, v) in &attrs {
                    live.attrs.insert(k.clone(), v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            ("efs", Operation::Delete { prior }) => {
                // Mount targets no state knows of would block the delete.
                for mt in self.read_mount_targets(Some(&prior.id), None).await? {
                    self.client
                        .delete_mount_target()
                        .mount_target_id(&mt.id)
                        .send()
                        .await
                        .map_err(failed(SERVICE, "DeleteMountTarget"))?;
                }
                let fs_id = prior.id.clone();
                wait_until(
                    &format!("mount targets of {fs_id} to be deleted"),
                    Duration::from_secs(10 * 60),
                    || async {
                        Ok(self
                            .read_mount_targets(Some(&fs_id), None)
                            .await?
                            .is_empty())
                    },
                )
                .await?;
                self.client
                    .delete_file_system()
                    .file_system_id(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteFileSystem"))?;
                let id = prior.id.clone();
                wait_until(
                    &format!("file system {id} to be deleted"),
                    Duration::from_secs(15 * 60),
                    || async {
                        Ok(!self
                            .read_file_systems(req.stack, &[], &ReadShare::default())
                            .await?
                            .iter()
                            .any(|f| f.id == id))
                    },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
            ("efs_mount_target", Operation::Create { attrs }) => {
                let live = self.create_mount_target(&attrs).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            ("efs_mount_target", Operation::Update { prior, attrs }) => {
                self.client
                    .modify_mount_target_security_groups()
                    .mount_target_id(&prior.id)
                    .set_security_groups(Some(strings(&attrs, "security_groups")))
                    .send()
                    .await
                    .map_err(failed(SERVICE, "ModifyMountTargetSecurityGroups"))?;
                let mut live = prior.clone();
                live.attrs.insert(
                    "security_groups".into(),
                    attrs
                        .get("security_groups")
                        .cloned()
                        .unwrap_or(Value::List(vec![])),
                );
                Ok(ApplyResponse { live: Some(live) })
            }
            ("efs_mount_target", Operation::Delete { prior }) => {
                self.client
                    .delete_mount_target()
                    .mount_target_id(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteMountTarget"))?;
                let fs = s(&prior.attrs, "file_system_id").unwrap_or_default();
                let id = prior.id.clone();
                wait_until(
                    &format!("mount target {id} to be deleted"),
                    Duration::from_secs(10 * 60),
                    || async {
                        Ok(!self
                            .read_mount_targets(Some(&fs), None)
                            .await?
                            .iter()
                            .any(|m| m.id == id))
                    },
                )
                .await?;
                Ok(ApplyResponse { live: None })
            }
            ("efs_access_point", Operation::Create { attrs }) => {
                let id = self
                    .create_access_point(req.stack, req.addr, &attrs)
                    .await?;
                let live = self.find("efs_access_point", req.stack, &id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            ("efs_access_point", Operation::Update { prior, attrs }) => {
                self.update_tags(
                    prior
                        .computed
                        .get("arn")
                        .and_then(Value::as_str)
                        .unwrap_or(&prior.id),
                    &prior,
                    &attrs,
                )
                .await?;
                let live = self.find("efs_access_point", req.stack, &prior.id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            ("efs_access_point", Operation::Delete { prior }) => {
                self.client
                    .delete_access_point()
                    .access_point_id(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteAccessPoint"))?;
                Ok(ApplyResponse { live: None })
            }
            (other, _) => Err(ProviderError::new(
                SERVICE,
                "apply",
                format!("kind `{other}` is not an EFS kind"),
            )),
        }
    }

    async fn find(
        &self,
        kind: &'static str,
        stack: &str,
        id: &str,
    ) -> Result<LiveResource, ProviderError> {
        let kind_schema = crate::schema::kind(kind)
            .ok_or_else(|| ProviderError::new(SERVICE, "read", format!("no kind `{kind}`")))?;
        let resp = self
            .read(ReadRequest {
                kind: kind_schema,
                stack,
                // By its id: it may no longer carry the stack's tags (it
                // was just untagged by `mdl state rm`).
                known_ids: vec![id.to_string()],
                full: false,
                ids_only: false,
                share: &crate::provider::ReadShare::default(),
            })
            .await?;
        resp.resources
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!("{kind} `{id}` was not found right after it was changed"),
                )
            })
    }

    async fn create_file_system(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let creation_token = token(stack, addr);
        let result = self
            .client
            .create_file_system()
            .creation_token(&creation_token)
            .encrypted(
                attrs
                    .get("encrypted")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            )
            .set_kms_key_id(s(attrs, "kms_key_id"))
            .performance_mode(PerformanceMode::from(
                s(attrs, "performance_mode")
                    .as_deref()
                    .unwrap_or("generalPurpose"),
            ))
            .throughput_mode(ThroughputMode::from(
                s(attrs, "throughput_mode").as_deref().unwrap_or("elastic"),
            ))
            .set_provisioned_throughput_in_mibps(
                attrs.get("provisioned_throughput").and_then(Value::as_f64),
            )
            .backup(attrs.get("backup").and_then(Value::as_bool).unwrap_or(true))
            .set_tags(Some(super::tags::sdk_tags(stack, addr, attrs)?))
            .send()
            .await;
        let id = match result {
            Ok(out) => out.file_system_id().to_string(),
            // A create interrupted after AWS made the file system: the
            // creation token finds it.
            Err(e)
                if aws_sdk_efs::error::ProvideErrorMetadata::code(&e)
                    == Some("FileSystemAlreadyExists") =>
            {
                let all = all_items!(
                    self.client
                        .describe_file_systems()
                        .creation_token(&creation_token),
                    "DescribeFileSystems"
                );
                all.first()
                    .map(|f| f.file_system_id().to_string())
                    .ok_or_else(|| failed(SERVICE, "CreateFileSystem")(e))?
            }
            Err(e) => return Err(failed(SERVICE, "CreateFileSystem")(e)),
        };
        wait_until(
            &format!("file system {id}"),
            Duration::from_secs(10 * 60),
            || async {
                let all = self
                    .read_file_systems(stack, &[], &ReadShare::default())
                    .await?;
                Ok(all.iter().any(|f| {
                    f.id == id
                        && f.computed.get("state").and_then(Value::as_str) == Some("available")
                }))
            },
        )
        .await?;
        if let Some(ia) = s(attrs, "transition_to_ia") {
            self.put_lifecycle(&id, Some(ia)).await?;
        }
        Ok(id)
    }

    async fn put_lifecycle(&self, id: &str, ia: Option<String>) -> Result<(), ProviderError> {
        let policies = ia
            .map(|ia| {
                vec![
                    LifecyclePolicy::builder()
                        .transition_to_ia(TransitionToIaRules::from(ia.as_str()))
                        .build(),
                ]
            })
            .unwrap_or_default();
        self.client
            .put_lifecycle_configuration()
            .file_system_id(id)
            .set_lifecycle_policies(Some(policies))
            .send()
            .await
            .map_err(failed(SERVICE, "PutLifecycleConfiguration"))?;
        Ok(())
    }

    async fn update_file_system(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        let changed = |k: &str| prior.attrs.get(k) != attrs.get(k);
        if changed("throughput_mode") || changed("provisioned_throughput") {
            self.client
                .update_file_system()
                .file_system_id(&prior.id)
                .throughput_mode(ThroughputMode::from(
                    s(attrs, "throughput_mode").as_deref().unwrap_or("elastic"),
                ))
                .set_provisioned_throughput_in_mibps(
                    attrs.get("provisioned_throughput").and_then(Value::as_f64),
                )
                .send()
                .await
                .map_err(failed(SERVICE, "UpdateFileSystem"))?;
        }
        if changed("transition_to_ia") {
            self.put_lifecycle(&prior.id, s(attrs, "transition_to_ia"))
                .await?;
        }
        if changed("backup") {
            let status = if attrs.get("backup").and_then(Value::as_bool).unwrap_or(true) {
                Status::Enabled
            } else {
                Status::Disabled
            };
            self.client
                .put_backup_policy()
                .file_system_id(&prior.id)
                .backup_policy(
                    BackupPolicy::builder()
                        .status(status)
                        .build()
                        .map_err(unbuilt(SERVICE))?,
                )
                .send()
                .await
                .map_err(failed(SERVICE, "PutBackupPolicy"))?;
        }
        self.update_tags(&prior.id, prior, attrs).await
    }

    async fn update_tags(
        &self,
        resource: &str,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        retag_by!(self.client, SERVICE, resource, prior, attrs,
            remove: untag_resource(resource_id).set_tag_keys => "UntagResource",
            set: tag_resource(resource_id).set_tags => "TagResource")
    }

    async fn create_mount_target(
        &self,
        attrs: &IndexMap<String, Value>,
    ) -> Result<LiveResource, ProviderError> {
        let fs = req_s(attrs, "file_system_id", SERVICE, "CreateMountTarget")?;
        let subnet = req_s(attrs, "subnet_id", SERVICE, "CreateMountTarget")?;
        let result = self
            .client
            .create_mount_target()
            .file_system_id(&fs)
            .subnet_id(&subnet)
            .set_security_groups(Some(strings(attrs, "security_groups")))
            .send()
            .await;
        let id = match result {
            Ok(out) => out.mount_target_id().to_string(),
            // Left by an interrupted apply: adopt the one in this subnet.
            Err(e)
                if aws_sdk_efs::error::ProvideErrorMetadata::code(&e)
                    == Some("MountTargetConflict") =>
            {
                self.read_mount_targets(Some(&fs), None)
                    .await?
                    .into_iter()
                    .find(|m| {
                        m.attrs.get("subnet_id").and_then(Value::as_str) == Some(subnet.as_str())
                    })
                    .map(|m| m.id)
                    .ok_or_else(|| failed(SERVICE, "CreateMountTarget")(e))?
            }
            Err(e) => return Err(failed(SERVICE, "CreateMountTarget")(e)),
        };
        let mut found = None;
        wait_until(
            &format!("mount target {id}"),
            Duration::from_secs(10 * 60),
            || async {
                let all = self.read_mount_targets(Some(&fs), None).await?;
                Ok(all.iter().any(|m| {
                    m.id == id
                        && m.computed.get("state").and_then(Value::as_str) == Some("available")
                }))
            },
        )
        .await?;
        for m in self.read_mount_targets(Some(&fs), None).await? {
            if m.id == id {
                found = Some(m);
            }
        }
        let mut live = found.ok_or_else(|| {
            ProviderError::new(
                SERVICE,
                "DescribeMountTargets",
                format!("mount target {id} vanished"),
            )
        })?;
        live.attrs.insert(
            "security_groups".into(),
            attrs
                .get("security_groups")
                .cloned()
                .unwrap_or(Value::List(vec![])),
        );
        Ok(live)
    }

    async fn create_access_point(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let posix = match (n(attrs, "posix_uid"), n(attrs, "posix_gid")) {
            (Some(uid), Some(gid)) => Some(
                PosixUser::builder()
                    .uid(uid)
                    .gid(gid)
                    .build()
                    .map_err(unbuilt(SERVICE))?,
            ),
            _ => None,
        };
        let info = match (
            n(attrs, "owner_uid"),
            n(attrs, "owner_gid"),
            s(attrs, "permissions"),
        ) {
            (Some(uid), Some(gid), Some(perm)) => Some(
                CreationInfo::builder()
                    .owner_uid(uid)
                    .owner_gid(gid)
                    .permissions(perm)
                    .build()
                    .map_err(unbuilt(SERVICE))?,
            ),
            _ => None,
        };
        let root = RootDirectory::builder()
            .path(s(attrs, "root_path").unwrap_or_else(|| "/".into()))
            .set_creation_info(info)
            .build();
        let out = self
            .client
            .create_access_point()
            .client_token(token(stack, addr))
            .file_system_id(req_s(
                attrs,
                "file_system_id",
                SERVICE,
                "CreateAccessPoint",
            )?)
            .set_posix_user(posix)
            .root_directory(root)
            .set_tags(Some(super::tags::sdk_tags(stack, addr, attrs)?))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateAccessPoint"))?;
        out.access_point_id()
            .map(ToString::to_string)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "CreateAccessPoint",
                    "the response has no access point id",
                )
            })
    }
}
