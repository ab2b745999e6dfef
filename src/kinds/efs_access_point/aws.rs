//! EFS access points: one paginated `DescribeAccessPoints` a refresh,
//! tags included. Changed in place: tags only.

use aws_sdk_efs::types::{CreationInfo, PosixUser, RootDirectory};
use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::aws::call::{failed, unbuilt};
use crate::provider::aws::efs::{Efs, SERVICE, split_tags, token};
use crate::provider::aws::fields::{always, n, opt_num, req_s, s};
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
    ReadShare,
};
use crate::value::Value;

crate::on_service!(AccessPoints(Efs));

impl AccessPoints {
    async fn read(&self, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let resources = {
            let points =
                crate::all_items!(self.client.describe_access_points(), "DescribeAccessPoints");
            let field = |v, name| always(v, SERVICE, "DescribeAccessPoints", name);
            let mut out = Vec::new();
            for p in &points {
                let id = field(p.access_point_id(), "AccessPointId")?;
                let tags = split_tags(p.tags());
                if tags.stack.as_deref() != Some(req.stack)
                    && !req.known_ids.iter().any(|k| k == id)
                {
                    continue;
                }
                if matches!(
                    p.life_cycle_state().map(|s| s.as_str()),
                    Some("deleting" | "deleted")
                ) {
                    continue;
                }
                let mut attrs = IndexMap::new();
                attrs.insert(
                    "file_system_id".into(),
                    Value::str(field(p.file_system_id(), "FileSystemId")?),
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
                    Value::str(field(p.access_point_arn(), "AccessPointArn")?),
                );
                out.push(LiveResource {
                    addr: tags.addr,
                    stack: tags.stack,
                    id: id.to_string(),
                    attrs,
                    computed,
                });
            }
            out
        };
        Ok(ReadResponse { resources })
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

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        match req.op {
            Operation::Create { attrs } => {
                let id = self
                    .create_access_point(req.stack, req.addr, &attrs)
                    .await?;
                let live = self.find(req.stack, &id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Update { prior, attrs } => {
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
                let live = self.find(req.stack, &prior.id).await?;
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                self.client
                    .delete_access_point()
                    .access_point_id(&prior.id)
                    .send()
                    .await
                    .map_err(failed(SERVICE, "DeleteAccessPoint"))?;
                Ok(ApplyResponse { live: None })
            }
        }
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
            .set_tags(Some(crate::provider::aws::tags::sdk_tags(
                stack, addr, attrs,
            )?))
            .send()
            .await
            .map_err(failed(SERVICE, "CreateAccessPoint"))?;
        crate::provider::aws::fields::answered(
            out.access_point_id(),
            SERVICE,
            "CreateAccessPoint",
            "AccessPointId",
        )
    }
}

crate::aws_kind!(
    /// The `efs_access_point` kind's AWS side.
    AccessPointKind => |aws| AccessPoints(Efs::of(aws))
);
