//! Tags, once for every service. Each SDK crate has its own `Tag` type;
//! `SdkTag` lets one set of functions build the tags mdl sets, read them
//! back into an address, a stack and the user's own tags, and bring a
//! resource's tags from what is live to what the configuration says.
//!
//! The tagging styles: EC2's `CreateTags`/`DeleteTags` by resource id,
//! ARN-keyed `TagResource`/`UntagResource` (and their older names
//! `AddTagsToResource`, `AddTags`), Auto Scaling's tags that name their
//! resource, and none (IAM policies read by name, Route 53 records). The
//! calls differ per service; what they do with the tags is `retag`.

use indexmap::IndexMap;

use crate::lang::ResourceAddr;
use crate::provider::{ADDRESS_TAG, LiveResource, ProviderError, STACK_TAG};
use crate::value::Value;

/// An SDK crate's tag: a key and a value.
pub(crate) trait SdkTag: Sized {
    /// The key and the value (`""` when AWS gives none); `None` for a tag
    /// without a key.
    fn pair(&self) -> Option<(&str, &str)>;

    /// A tag of `key` and `value`.
    ///
    /// # Errors
    /// The SDK's builder refused it (a required field unset).
    fn of(key: &str, value: &str) -> Result<Self, ProviderError>;
}

/// A field an SDK returns as `&str` or as `Option<&str>`.
pub(crate) trait Field<'a> {
    fn field(self) -> Option<&'a str>;
}

impl<'a> Field<'a> for &'a str {
    fn field(self) -> Option<&'a str> {
        Some(self)
    }
}

impl<'a> Field<'a> for Option<&'a str> {
    fn field(self) -> Option<&'a str> {
        self
    }
}

/// `SdkTag` for an SDK's `Tag`, whose builder's `build()` returns the tag
/// (`infallible`) or a `Result` (`fallible`, when key and value are
/// required fields).
macro_rules! sdk_tag {
    ($tag:ty, $service:literal, $build:ident) => {
        impl SdkTag for $tag {
            fn pair(&self) -> Option<(&str, &str)> {
                Some((
                    Field::field(self.key())?,
                    Field::field(self.value()).unwrap_or_default(),
                ))
            }

            fn of(key: &str, value: &str) -> Result<Self, ProviderError> {
                sdk_tag!(@$build <$tag>::builder().key(key).value(value), $service)
            }
        }
    };
    (@infallible $builder:expr, $service:literal) => {
        Ok($builder.build())
    };
    (@fallible $builder:expr, $service:literal) => {
        $builder.build().map_err(super::call::unbuilt($service))
    };
}

sdk_tag!(aws_sdk_acm::types::Tag, "acm", fallible);
sdk_tag!(aws_sdk_cloudfront::types::Tag, "cloudfront", fallible);
sdk_tag!(aws_sdk_ec2::types::Tag, "ec2", infallible);
sdk_tag!(aws_sdk_iam::types::Tag, "iam", fallible);
sdk_tag!(
    aws_sdk_secretsmanager::types::Tag,
    "secretsmanager",
    infallible
);
sdk_tag!(aws_sdk_cloudwatch::types::Tag, "cloudwatch", infallible);
sdk_tag!(aws_sdk_ecs::types::Tag, "ecs", infallible);
sdk_tag!(aws_sdk_efs::types::Tag, "efs", fallible);
sdk_tag!(aws_sdk_elasticache::types::Tag, "elasticache", infallible);
sdk_tag!(
    aws_sdk_elasticloadbalancingv2::types::Tag,
    "elasticloadbalancingv2",
    infallible
);
sdk_tag!(aws_sdk_eventbridge::types::Tag, "eventbridge", fallible);
sdk_tag!(aws_sdk_rds::types::Tag, "rds", infallible);
sdk_tag!(aws_sdk_route53::types::Tag, "route53", infallible);
sdk_tag!(aws_sdk_s3::types::Tag, "s3", fallible);
sdk_tag!(aws_sdk_ssm::types::Tag, "ssm", fallible);

/// Whether a tag is the user's: not mdl's own, and not one of AWS's
/// reserved `aws:` tags (CloudFormation's `aws:cloudformation:*`), which no
/// one may set or remove.
pub fn is_user_tag(key: &str) -> bool {
    !key.starts_with("mdl:") && !key.starts_with("aws:")
}

/// The tags mdl sets on a resource: `mdl:stack`, `mdl:address`, then the
/// user's own.
pub fn pairs(
    stack: &str,
    addr: &ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> Vec<(String, String)> {
    let mut tags = vec![
        (STACK_TAG.to_string(), stack.to_string()),
        (ADDRESS_TAG.to_string(), addr.to_string()),
    ];
    if let Some(Value::Map(user)) = attrs.get("tags") {
        for (k, v) in user {
            tags.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
        }
    }
    tags
}

/// The tags mdl sets on a resource, as the SDK's tags.
///
/// # Errors
/// The SDK refused to build one.
pub(crate) fn sdk_tags<T: SdkTag>(
    stack: &str,
    addr: &ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> Result<Vec<T>, ProviderError> {
    pairs(stack, addr, attrs)
        .iter()
        .map(|(k, v)| T::of(k, v))
        .collect()
}

/// What a resource's tags say: its address and stack from mdl's tags, and
/// the user's own tags, sorted.
#[derive(Debug)]
pub(crate) struct Split {
    pub addr: Option<ResourceAddr>,
    pub stack: Option<String>,
    pub user: Value,
}

/// Split tag pairs into mdl's and the user's.
pub(crate) fn split_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Split {
    let mut addr = None;
    let mut stack = None;
    let mut user = IndexMap::new();
    for (k, v) in pairs {
        match k {
            ADDRESS_TAG => addr = ResourceAddr::parse(v),
            STACK_TAG => stack = Some(v.to_string()),
            k if !is_user_tag(k) => {}
            k => {
                user.insert(k.to_string(), Value::str(v));
            }
        }
    }
    user.sort_keys();
    Split {
        addr,
        stack,
        user: Value::Map(user),
    }
}

/// Split an SDK's tags into mdl's and the user's.
pub(crate) fn split<T: SdkTag>(tags: &[T]) -> Split {
    split_pairs(tags.iter().filter_map(SdkTag::pair))
}

/// Read a resource's tags into it: `mdl:address` and `mdl:stack` into its
/// address and stack where present, the user's own into its `tags`.
pub(crate) fn read_into<'a>(
    r: &mut LiveResource,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let split = split_pairs(pairs);
    if split.addr.is_some() {
        r.addr = split.addr;
    }
    if split.stack.is_some() {
        r.stack = split.stack;
    }
    r.attrs.insert("tags".into(), split.user);
}

/// Read an SDK's tags into a resource, as `read_into`.
pub(crate) fn read_sdk<T: SdkTag>(r: &mut LiveResource, tags: &[T]) {
    read_into(r, tags.iter().filter_map(SdkTag::pair));
}

/// Bring a resource's own tags from `prior` to what `attrs` says: `remove`
/// the keys that went, then `set` those new or changed, each called only
/// when it has something to do. mdl's own tags are never touched.
///
/// # Errors
/// The first call's error; a `set` after a failed `remove` is not made.
pub(crate) async fn retag<R, RF, S, SF>(
    prior: &LiveResource,
    attrs: &IndexMap<String, Value>,
    remove: R,
    set: S,
) -> Result<(), ProviderError>
where
    R: FnOnce(Vec<String>) -> RF,
    RF: std::future::Future<Output = Result<(), ProviderError>>,
    S: FnOnce(Vec<(String, String)>) -> SF,
    SF: std::future::Future<Output = Result<(), ProviderError>>,
{
    let changes = crate::provider::tag_changes(prior, attrs);
    if !changes.removed.is_empty() {
        remove(changes.removed).await?;
    }
    if !changes.set.is_empty() {
        set(changes.set).await?;
    }
    Ok(())
}

/// `retag` through a service's pair of tagging calls, each keyed by one
/// resource id or ARN: `remove: call(id_field).keys_field => "Operation"`,
/// and `set: call(id_field).tags_field => "Operation"`.
#[macro_export]
macro_rules! retag_by {
    ($client:expr, $service:expr, $id:expr, $prior:expr, $attrs:expr,
     remove: $remove:ident($rkey:ident).$keys:ident => $rop:literal,
     set: $set:ident($skey:ident).$tags:ident => $sop:literal) => {{
        let id: &str = $id;
        let client = &$client;
        $crate::provider::aws::tags::retag(
            $prior,
            $attrs,
            |keys| async move {
                client
                    .$remove()
                    .$rkey(id)
                    .$keys(Some(keys))
                    .send()
                    .await
                    .map(drop)
                    .map_err($crate::provider::aws::call::failed($service, $rop))
            },
            |pairs| async move {
                let tags = $crate::provider::aws::tags::of_pairs(&pairs)?;
                client
                    .$set()
                    .$skey(id)
                    .$tags(Some(tags))
                    .send()
                    .await
                    .map(drop)
                    .map_err($crate::provider::aws::call::failed($service, $sop))
            },
        )
        .await
    }};
}

/// Tag pairs as the SDK's tags.
///
/// # Errors
/// The SDK refused to build one.
pub(crate) fn of_pairs<T: SdkTag>(pairs: &[(String, String)]) -> Result<Vec<T>, ProviderError> {
    pairs.iter().map(|(k, v)| T::of(k, v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_the_users_tags_and_reads_mdls() {
        let tags = vec![
            aws_sdk_rds::types::Tag::builder()
                .key(ADDRESS_TAG)
                .value("db.main")
                .build(),
            aws_sdk_rds::types::Tag::builder()
                .key(STACK_TAG)
                .value("prod")
                .build(),
            aws_sdk_rds::types::Tag::builder()
                .key("aws:cloudformation:stack-name")
                .value("x")
                .build(),
            aws_sdk_rds::types::Tag::builder()
                .key("team")
                .value("web")
                .build(),
            aws_sdk_rds::types::Tag::builder()
                .key("owner")
                .value("it")
                .build(),
        ];
        let got = split(&tags);
        assert_eq!(got.addr, ResourceAddr::parse("db.main"));
        assert_eq!(got.stack.as_deref(), Some("prod"));
        let user = got.user.as_map().unwrap();
        assert_eq!(user.keys().collect::<Vec<_>>(), ["owner", "team"]);
    }

    #[test]
    fn tags_build_and_read_back_through_either_kind_of_builder() {
        // EFS's builder returns a Result (both fields required), EC2's the
        // tag itself; both read back as the pair they were built from.
        let efs = <aws_sdk_efs::types::Tag as SdkTag>::of("k", "v").unwrap();
        assert_eq!(efs.pair(), Some(("k", "v")));
        let ec2 = <aws_sdk_ec2::types::Tag as SdkTag>::of("k", "").unwrap();
        assert_eq!(ec2.pair(), Some(("k", "")));
        // A tag without a value reads as an empty one, not as none.
        let bare = aws_sdk_ec2::types::Tag::builder().key("k").build();
        assert_eq!(bare.pair(), Some(("k", "")));
        assert_eq!(aws_sdk_ec2::types::Tag::builder().build().pair(), None);
    }

    #[test]
    fn sdk_tags_put_mdls_first() {
        let mut attrs = IndexMap::new();
        let mut user = IndexMap::new();
        user.insert("team".to_string(), Value::str("web"));
        attrs.insert("tags".to_string(), Value::Map(user));
        let addr = ResourceAddr::parse("vpc.main").unwrap();
        let tags: Vec<aws_sdk_ec2::types::Tag> = sdk_tags("prod", &addr, &attrs).unwrap();
        let keys: Vec<_> = tags.iter().filter_map(|t| t.key()).collect();
        assert_eq!(keys, [STACK_TAG, ADDRESS_TAG, "team"]);
    }
}
