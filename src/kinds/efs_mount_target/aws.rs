//! EFS mount targets: listed per file system of the stack (several calls
//! at once); their security groups read only for those state does not
//! know. Mount targets carry no tags: they belong to an address through
//! the state.

use std::time::Duration;

use indexmap::IndexMap;

use crate::provider::aws::all_at_once;
use crate::provider::aws::call::failed;
use crate::provider::aws::efs::{Efs, SERVICE};
use crate::provider::aws::fields::{req_s, s, strings};
use crate::provider::aws::wait_until;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

crate::on_service!(MountTargets(Efs));

impl MountTargets {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
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
        Ok(ReadResponse { resources: all })
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let live = self.create_mount_target(&attrs).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
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
            Operation::Delete { prior } => {
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
        }
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
}

crate::aws_kind!(
    /// The `efs_mount_target` kind's AWS side.
    MountTargetKind => |aws| MountTargets(Efs::of(aws))
);
