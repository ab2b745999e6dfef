//! IAM instance profiles, under the stack's path as its roles are.

use aws_sdk_iam::Client;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{InstanceProfile, Tag};
use indexmap::IndexMap;

use crate::kinds::iam_role::aws::{SERVICE, path};
use crate::provider::aws::call::failed;
use crate::provider::aws::fields::s;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
};
use crate::value::Value;

/// The profile as mdl sees it; its tags come from `GetInstanceProfile`
/// (`details`).
fn live(stack: &str, p: &InstanceProfile) -> LiveResource {
    let name = p.instance_profile_name();
    let mut attrs = IndexMap::new();
    attrs.insert("name".into(), Value::str(name));
    attrs.insert(
        "role".into(),
        p.roles()
            .first()
            .map_or(Value::Null, |r| Value::str(r.role_name())),
    );
    let mut computed = IndexMap::new();
    computed.insert("id".into(), Value::str(name));
    computed.insert("arn".into(), Value::str(p.arn()));
    LiveResource {
        addr: None,
        stack: Some(stack.to_string()),
        id: name.to_string(),
        attrs,
        computed,
    }
}

/// The profile named `name`, or none.
async fn get(client: &Client, name: &str) -> Result<Option<InstanceProfile>, ProviderError> {
    match client
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.instance_profile().cloned()),
        Err(e) if e.code() == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(failed(SERVICE, "GetInstanceProfile")(e)),
    }
}

async fn read(client: &Client, req: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
    let prefix = path(req.stack);
    let mut profiles = crate::all_items!(
        client.list_instance_profiles().path_prefix(&prefix),
        "ListInstanceProfiles"
    );
    // Checked again: not every AWS-compatible endpoint applies the prefix.
    profiles.retain(|p| p.path().starts_with(&prefix));
    // Profiles state knows outside the stack's path (an import), by name.
    for name in &req.known_ids {
        if !profiles.iter().any(|p| p.instance_profile_name() == name) {
            profiles.extend(get(client, name).await?);
        }
    }
    let mut resources = Vec::new();
    for p in &profiles {
        let mut r = live(req.stack, p);
        // Tags only for profiles state does not know; state holds them
        // for the others.
        if req.full || !req.known_ids.contains(&r.id) {
            let tags = get(client, &r.id)
                .await?
                .map(|p| p.tags().to_vec())
                .unwrap_or_default();
            crate::provider::aws::tags::read_sdk(&mut r, &tags);
        }
        resources.push(r);
    }
    Ok(ReadResponse { resources })
}

/// Take `old` out of the profile and put `new` in, where they differ.
async fn swap_role(
    client: &Client,
    name: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<(), ProviderError> {
    if old == new {
        return Ok(());
    }
    if let Some(role) = old {
        client
            .remove_role_from_instance_profile()
            .instance_profile_name(name)
            .role_name(role)
            .send()
            .await
            .map_err(failed(SERVICE, "RemoveRoleFromInstanceProfile"))?;
    }
    if let Some(role) = new {
        client
            .add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(role)
            .send()
            .await
            .map_err(failed(SERVICE, "AddRoleToInstanceProfile"))?;
    }
    Ok(())
}

/// The profile right after a change, with the tags just applied.
async fn after(
    client: &Client,
    stack: &str,
    name: &str,
    op: &'static str,
    attrs: &IndexMap<String, Value>,
) -> Result<LiveResource, ProviderError> {
    let p = get(client, name).await?.ok_or_else(|| {
        ProviderError::new(
            SERVICE,
            op,
            format!("instance profile `{name}` was not found right after it was changed"),
        )
    })?;
    let mut r = live(stack, &p);
    crate::provider::aws::tags::read_sdk(&mut r, p.tags());
    if let Some(tags) = attrs.get("tags") {
        r.attrs.insert("tags".into(), tags.clone());
    }
    Ok(r)
}

async fn apply(client: &Client, req: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
    match req.op {
        Operation::Create { attrs } => {
            let name = s(&attrs, "name")
                .unwrap_or_else(|| crate::schema::default_name(req.stack, req.addr));
            let tags: Vec<Tag> = crate::provider::aws::tags::sdk_tags(req.stack, req.addr, &attrs)?;
            client
                .create_instance_profile()
                .instance_profile_name(&name)
                .path(path(req.stack))
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(failed(SERVICE, "CreateInstanceProfile"))?;
            swap_role(client, &name, None, s(&attrs, "role").as_deref()).await?;
            let live = after(client, req.stack, &name, "CreateInstanceProfile", &attrs).await?;
            Ok(ApplyResponse { live: Some(live) })
        }
        Operation::Update { prior, attrs } => {
            swap_role(
                client,
                &prior.id,
                s(&prior.attrs, "role").as_deref(),
                s(&attrs, "role").as_deref(),
            )
            .await?;
            crate::retag_by!(client, SERVICE, &prior.id, &prior, &attrs,
                remove: untag_instance_profile(instance_profile_name).set_tag_keys => "UntagInstanceProfile",
                set: tag_instance_profile(instance_profile_name).set_tags => "TagInstanceProfile")?;
            let stack = prior.stack.as_deref().unwrap_or(req.stack);
            let live = after(client, stack, &prior.id, "UpdateInstanceProfile", &attrs).await?;
            Ok(ApplyResponse { live: Some(live) })
        }
        Operation::Delete { prior } => {
            // A profile goes only once its role is out, whatever state
            // last saw in it.
            let Some(current) = get(client, &prior.id).await? else {
                return Ok(ApplyResponse { live: None });
            };
            for role in current.roles() {
                swap_role(client, &prior.id, Some(role.role_name()), None).await?;
            }
            match client
                .delete_instance_profile()
                .instance_profile_name(&prior.id)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if e.code() == Some("NoSuchEntity") => {}
                Err(e) => return Err(failed(SERVICE, "DeleteInstanceProfile")(e)),
            }
            Ok(ApplyResponse { live: None })
        }
    }
}

/// IAM instance profiles (the IAM client is iam_role's).
pub struct Profiles;

#[async_trait::async_trait]
impl crate::provider::aws::AwsKind for Profiles {
    async fn read(
        &self,
        aws: &crate::provider::aws::AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        read(&aws.client(), req).await
    }

    async fn apply(
        &self,
        aws: &crate::provider::aws::AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        apply(&aws.client(), req).await
    }
}
