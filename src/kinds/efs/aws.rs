//! EFS file systems: the stack's from the shared describe; lifecycle and
//! backup policy read per file system only for those state does not know.

use std::time::Duration;

use aws_sdk_efs::types::{
    BackupPolicy, LifecyclePolicy, PerformanceMode, Status, ThroughputMode, TransitionToIaRules,
};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::efs::{Efs, SERVICE, token};
use crate::provider::aws::fields::s;
use crate::provider::aws::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
    ReadShare,
};
use crate::value::Value;

crate::on_service!(FileSystems(Efs));

impl FileSystems {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let mut all = self
            .read_file_systems(req.stack, &req.known_ids, req.share)
            .await?;
        for fs in all
            .iter_mut()
            .filter(|r| req.full || !req.known_ids.contains(&r.id))
        {
            self.read_file_system_details(fs).await?;
        }
        Ok(ReadResponse { resources: all })
    }

    /// The resource as it is right after a change, by its id: it may no
    /// longer carry the stack's tags (just untagged by `mdl state rm`).
    async fn find(&self, stack: &str, id: &str) -> Result<LiveResource, ProviderError> {
        let req = ReadRequest {
            kind: &super::SCHEMA,
            stack,
            known_ids: vec![id.to_string()],
            full: false,
            ids_only: false,
            share: &ReadShare::default(),
        };
        self.read(req)
            .await?
            .resources
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!(
                        "{} `{id}` was not found right after it was changed",
                        super::SCHEMA.name
                    ),
                )
            })
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

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let id = self.create_file_system(req.stack, req.addr, &attrs).await?;
                let mut live = self.find(req.stack, &id).await?;
                for (k, v) in &attrs {
                    live.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
                self.update_file_system(&prior, &attrs).await?;
                let mut live = self.find(req.stack, &prior.id).await?;
                for (k, v) in &attrs {
                    live.attrs.insert(k.clone(), v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
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
        }
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
            .set_tags(Some(crate::provider::aws::tags::sdk_tags(
                stack, addr, attrs,
            )?))
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
                let all = crate::all_items!(
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
}

crate::aws_kind!(
    /// The `efs` kind's AWS side.
    FileSystemKind => |aws| FileSystems(Efs::of(aws))
);
