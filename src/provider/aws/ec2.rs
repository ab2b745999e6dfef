//! What the EC2 kinds share (`vpc`, `subnet`, `internet_gateway`,
//! `nat_gateway`, `route_table`, `vpc_peering`, `route`, `security_group`,
//! `launch_template`, `instance`, in src/kinds): the client, filters, tags
//! set at creation and changed by key, and for the tagged kinds one read
//! and apply (`Ec2Resource`, `Tagged`): one paginated describe filtered by
//! the `mdl:stack` tag, plus one describe by id only for state ids the tag
//! filter missed.

use std::collections::HashSet;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use indexmap::IndexMap;

use super::call::failed;
use crate::lang::ResourceAddr;
use crate::provider::{
    ApplyRequest, ApplyResponse, LiveResource, Operation, ProviderError, ReadRequest, ReadResponse,
    STACK_TAG,
};
use crate::value::Value;

pub(crate) const SERVICE: &str = "ec2";

crate::sdk_client!(Client);

pub(crate) struct Ec2 {
    pub(crate) client: Client,
    /// Security group rules state holds as `security_group_rule`s: not
    /// their groups' own, tagged or not (an imported rule is tagged only
    /// by the first apply).
    pub(crate) claimed_rules: Vec<String>,
}

pub(crate) fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// A boolean setting as EC2's modify calls take it.
pub(crate) fn bool_attr(v: bool) -> aws_sdk_ec2::types::AttributeBooleanValue {
    aws_sdk_ec2::types::AttributeBooleanValue::builder()
        .value(v)
        .build()
}

pub(crate) fn missing(op: &'static str, what: &str) -> ProviderError {
    ProviderError::new(SERVICE, op, format!("the response has no {what}"))
}

pub(crate) use super::tags::Split as Tags;

pub(crate) fn tag_spec(
    rt: ResourceType,
    stack: &str,
    addr: &ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> TagSpecification {
    let tags = super::tags::pairs(stack, addr, attrs)
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(tags))
        .build()
}

pub(crate) fn live(
    tags: Tags,
    id: &str,
    mut attrs: IndexMap<String, Value>,
    mut computed: IndexMap<String, Value>,
) -> LiveResource {
    computed.insert("id".into(), Value::str(id));
    attrs.insert("tags".into(), tags.user);
    LiveResource {
        addr: tags.addr,
        stack: tags.stack,
        id: id.to_string(),
        attrs,
        computed,
    }
}

/// A resource known only by its id (just created).
pub(crate) fn bare(id: &str) -> LiveResource {
    LiveResource {
        addr: None,
        stack: None,
        id: id.to_string(),
        attrs: IndexMap::new(),
        computed: IndexMap::new(),
    }
}

impl Ec2 {
    pub(crate) fn new(client: Client) -> Ec2 {
        Ec2 {
            client,
            claimed_rules: Vec::new(),
        }
    }

    pub(crate) async fn update_tags(
        &self,
        prior: &LiveResource,
        attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        // EC2 removes tags named by key, as tags without a value.
        super::tags::retag(
            prior,
            attrs,
            |keys| async move {
                let removed = keys.iter().map(|k| Tag::builder().key(k).build()).collect();
                self.client
                    .delete_tags()
                    .resources(&prior.id)
                    .set_tags(Some(removed))
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "DeleteTags"))
            },
            |pairs| async move {
                self.client
                    .create_tags()
                    .resources(&prior.id)
                    .set_tags(Some(super::tags::of_pairs(&pairs)?))
                    .send()
                    .await
                    .map(drop)
                    .map_err(failed(SERVICE, "CreateTags"))
            },
        )
        .await
    }
}

/// How one tagged EC2 kind is described, created, changed and deleted; a
/// kind's folder implements it on a wrapper of `Ec2`, and `Tagged` reads
/// and applies it as every tagged EC2 kind is: one describe filtered by
/// the stack tag, one by id for state's ids the filter missed.
#[async_trait::async_trait]
pub(crate) trait Ec2Resource:
    std::ops::Deref<Target = Ec2> + Send + Sync + Sized + 'static
{
    /// The describe filter that selects the kind by id.
    const ID_FILTER: &'static str;

    fn of(ec2: Ec2) -> Self;

    async fn describe(&self, f: Filter) -> Result<Vec<LiveResource>, ProviderError>;

    /// What the describe cannot show: read per resource, only for those
    /// state does not know.
    async fn details(&self, _resource: &mut LiveResource) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Create it; its id.
    async fn create(
        &self,
        stack: &str,
        addr: &ResourceAddr,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError>;

    /// Change what differs from `prior` (tags aside).
    async fn update(
        &self,
        _prior: &LiveResource,
        _attrs: &IndexMap<String, Value>,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn delete(&self, prior: &LiveResource) -> Result<(), ProviderError>;

    /// What a create ends with: the new id from `op`'s answer (an error
    /// naming `what` when the answer lacks it), then the attributes the
    /// create call cannot set, applied as an update from nothing.
    async fn created(
        &self,
        op: &'static str,
        id: Option<&str>,
        what: &str,
        attrs: &IndexMap<String, Value>,
    ) -> Result<String, ProviderError> {
        let id = id.ok_or_else(|| missing(op, what))?.to_string();
        self.update(&bare(&id), attrs).await?;
        Ok(id)
    }

    /// The resource as it is right after a change.
    async fn read_one(&self, id: &str) -> Result<LiveResource, ProviderError> {
        self.describe(filter(Self::ID_FILTER, [id]))
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                ProviderError::new(
                    SERVICE,
                    "describe",
                    format!("`{id}` was not found right after it was changed"),
                )
            })
    }
}

/// A tagged EC2 kind's AWS side.
pub(crate) struct Tagged<K>(pub std::marker::PhantomData<K>);

#[async_trait::async_trait]
impl<K: Ec2Resource> super::AwsKind for Tagged<K> {
    async fn read(
        &self,
        aws: &super::AwsProvider,
        req: ReadRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let kind = K::of(Ec2 {
            claimed_rules: req.share.state_ids("security_group_rule").to_vec(),
            ..Ec2::new(aws.client())
        });
        // Filters are checked again here: not every AWS-compatible
        // endpoint applies every filter.
        let mut resources = if req.ids_only {
            Vec::new()
        } else {
            kind.describe(filter(&format!("tag:{STACK_TAG}"), [req.stack]))
                .await?
        };
        resources.retain(|r| r.stack.as_deref() == Some(req.stack));
        let found: HashSet<&str> = resources.iter().map(|r| r.id.as_str()).collect();
        let lost: Vec<String> = req
            .known_ids
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .cloned()
            .collect();
        if !lost.is_empty() {
            let mut more = kind.describe(filter(K::ID_FILTER, lost.clone())).await?;
            more.retain(|r| lost.contains(&r.id));
            resources.extend(more);
        }
        for r in resources
            .iter_mut()
            .filter(|r| req.full || !req.known_ids.contains(&r.id))
        {
            kind.details(r).await?;
        }
        Ok(ReadResponse { resources })
    }

    async fn apply(
        &self,
        aws: &super::AwsProvider,
        req: ApplyRequest<'_>,
    ) -> Result<ApplyResponse, ProviderError> {
        let kind = K::of(Ec2::new(aws.client()));
        match req.op {
            Operation::Create { attrs } => {
                let id = kind.create(req.stack, req.addr, &attrs).await?;
                // Attributes the describe cannot see (user data) are
                // recorded as applied.
                let live = kind.read_one(&id).await?;
                Ok(ApplyResponse {
                    live: Some(super::fields::with_applied(live, &attrs)),
                })
            }
            Operation::Update { prior, attrs } => {
                kind.update_tags(&prior, &attrs).await?;
                kind.update(&prior, &attrs).await?;
                let mut live = kind.read_one(&prior.id).await?;
                // Attributes the describe cannot see keep their applied value.
                for (k, v) in &attrs {
                    live.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Ok(ApplyResponse { live: Some(live) })
            }
            Operation::Delete { prior } => {
                kind.delete(&prior).await?;
                Ok(ApplyResponse { live: None })
            }
        }
    }
}
