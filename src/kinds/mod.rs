//! The registry of resource kinds: everything mdl knows about each kind,
//! one entry per kind. Schema lookup (`schema::kinds`), dispatch to AWS,
//! `mdl docs`, export, import and the contract test are all driven from
//! `all()`; a kind that is not here does not exist for any of them.
//!
//! A kind is one folder (`log_group/`): its schema and docs, its AWS
//! reader and changer (`aws.rs`), its CloudFormation mapping both ways,
//! and its contract-test fixture, all in one `Kind`. What the kinds of one
//! AWS service share (a describe several kinds read, tags) is that
//! service's file in `provider/aws/`.
//!
//! Must not import: `cli`, `plan`, `apply`, `state`.

#[macro_use]
mod fixtures;
pub mod alarm;
pub mod aurora_cluster;
pub mod aurora_instance;
pub mod autoscaling_group;
pub mod cache;
pub mod cache_subnet_group;
pub mod cdn;
pub mod certificate;
pub mod db_subnet_group;
pub mod dns_record;
pub mod dns_zone;
pub mod ecs_cluster;
pub mod ecs_service;
pub mod ecs_task_definition;
pub mod efs;
pub mod efs_access_point;
pub mod efs_mount_target;
pub mod flow_log;
pub mod iam_instance_profile;
pub mod iam_role;
pub mod instance;
pub mod internet_gateway;
pub mod launch_template;
pub mod listener;
pub mod listener_rule;
pub mod load_balancer;
pub mod log_group;
pub mod nat_gateway;
pub mod route;
pub mod route_table;
pub mod s3_bucket;
pub mod scaling_policy;
pub mod scheduled_task;
pub mod secret;
pub mod security_group;
pub mod security_group_rule;
pub mod serverless_cache;
pub mod ssm_parameter;
pub mod subnet;
mod subnet_group;
pub mod target_group;
pub mod vpc;
pub mod vpc_peering;

use indexmap::IndexMap;

use crate::provider::aws::AwsKind;
use crate::schema::{self, KindSchema};
use crate::value::Value;

/// A kind's code on a service's shared client: `$name` derefs to
/// `$inner`, so the kind's methods reach the client and the shared reads.
#[macro_export]
macro_rules! on_service {
    ($name:ident($inner:ty)) => {
        pub(crate) struct $name($inner);

        impl std::ops::Deref for $name {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }
    };
}

/// A kind's `AwsKind`, `$unit`, whose reads and changes are the `read`
/// and `apply` of what `$make` builds from the provider (`$aws`).
#[macro_export]
macro_rules! aws_kind {
    ($(#[$meta:meta])* $unit:ident => |$aws:ident| $make:expr) => {
        $(#[$meta])*
        pub struct $unit;

        #[async_trait::async_trait]
        impl $crate::provider::aws::AwsKind for $unit {
            async fn read(
                &self,
                $aws: &$crate::provider::aws::AwsProvider,
                req: $crate::provider::ReadRequest<'_>,
            ) -> Result<$crate::provider::ReadResponse, $crate::provider::ProviderError> {
                $make.read(req).await
            }

            async fn apply(
                &self,
                $aws: &$crate::provider::aws::AwsProvider,
                req: $crate::provider::ApplyRequest<'_>,
            ) -> Result<$crate::provider::ApplyResponse, $crate::provider::ProviderError> {
                $make.apply(req).await
            }
        }
    };
    // A kind read whole by one function of its client (`read`), kept to
    // the stack's resources and those state knows, and changed by another
    // (`apply`, of the client and the request).
    ($(#[$meta:meta])* $unit:ident => read $read:path, apply $apply:path) => {
        $(#[$meta])*
        pub struct $unit;

        #[async_trait::async_trait]
        impl $crate::provider::aws::AwsKind for $unit {
            async fn read(
                &self,
                aws: &$crate::provider::aws::AwsProvider,
                req: $crate::provider::ReadRequest<'_>,
            ) -> Result<$crate::provider::ReadResponse, $crate::provider::ProviderError> {
                Ok($crate::provider::aws::of_stack(
                    $read(&aws.client()).await?,
                    &req,
                ))
            }

            async fn apply(
                &self,
                aws: &$crate::provider::aws::AwsProvider,
                req: $crate::provider::ApplyRequest<'_>,
            ) -> Result<$crate::provider::ApplyResponse, $crate::provider::ProviderError> {
                $apply(&aws.client(), req).await
            }
        }
    };
}

/// Everything mdl knows about one kind.
pub struct Kind {
    pub schema: &'static KindSchema,
    /// How mdl reads and changes it in AWS.
    pub aws: &'static dyn AwsKind,
    /// How its id is known before AWS answers.
    pub identity: Identity,
    /// Its reader can read one resource by its id alone (`ids_only`).
    pub per_resource_reads: bool,
    /// Read at every refresh of an estate that uses its service, even when
    /// neither the configuration nor the state names the kind, so that a
    /// resource whose block and state are both gone is still found by its
    /// tags. False for a kind most estates of its service never use and
    /// whose reads a least-privilege role may not be granted (serverless
    /// caches, beside replication groups): it is read only when named.
    pub read_when_unused: bool,
    /// What it is in a CloudFormation template, for export and import.
    pub cloudformation: &'static CfnMapping,
    /// The contract test's fixture.
    pub fixture: &'static Fixture,
}

/// How a resource's id is known before AWS answers. The intent to create
/// a resource records it, so that after an interrupted apply the next
/// refresh finds the resource by it even where it carries no tags.
#[derive(Clone, Copy)]
pub enum Identity {
    /// AWS assigns it (`vpc-0abc...`): unknown until the create answers.
    Assigned,
    /// Its name, given or the default one (`<stack>-<block name>`).
    Name,
    /// Its name in lower case: RDS and ElastiCache keep identifiers so.
    LowercaseName,
    /// Its name as given; none when the block gives none.
    GivenName,
    /// Worked out from its attributes.
    Derived(fn(&IndexMap<String, Value>) -> Option<String>),
    /// Its name, given or the default one, within what the first of these
    /// attributes that is set names: `GROUP/NAME` for a scaling policy,
    /// whose name is unique only in its group or service.
    NameWithin(&'static [&'static str]),
}

/// The id a resource will have, when its attributes determine it.
pub fn derived_id(
    kind: &KindSchema,
    stack: &str,
    addr: &crate::lang::ResourceAddr,
    attrs: &IndexMap<String, Value>,
) -> Option<String> {
    let given = || {
        attrs
            .get("name")
            .and_then(Value::as_str)
            .map(ToString::to_string)
    };
    let name = || given().unwrap_or_else(|| schema::default_name(stack, addr));
    match of(kind)?.identity {
        Identity::Assigned => None,
        Identity::Name => Some(name()),
        Identity::LowercaseName => Some(name().to_lowercase()),
        Identity::GivenName => given(),
        Identity::Derived(f) => f(attrs),
        Identity::NameWithin(scopes) => Some(format!(
            "{}/{}",
            scopes
                .iter()
                .find_map(|scope| attrs.get(*scope).and_then(Value::as_str))?,
            name()
        )),
    }
}

/// A kind's CloudFormation resource type, both ways.
pub struct CfnMapping {
    pub type_name: &'static str,
    /// What each value other resources can refer to is in the template:
    /// every computed value and every attribute a reference may name. A
    /// reference to one not listed is refused by export, not guessed.
    pub attributes: &'static [(&'static str, CfnAttr)],
    /// The template's `Properties` from the block's evaluated attributes.
    pub properties: Properties,
    /// The id mdl reads a resource of the type by, from what its stack
    /// says of it (`physical_id` for most kinds).
    pub import_id: ImportId,
    /// Blocks CloudFormation cannot create, if the kind has such.
    pub outside: Option<&'static Outside>,
    /// The type of a block, where it depends on the block (a Memcached
    /// cluster or a Redis replication group); `type_name` otherwise.
    pub type_by: Option<ByBlock>,
    /// Other types a stack may hold that import adopts as this kind.
    pub adopts: &'static [&'static str],
    /// The block's `DeletionPolicy` (and `UpdateReplacePolicy`), if any.
    pub deletion_policy: Option<DeletionPolicy>,
    /// Types a stack may hold that are part of this kind's block (a
    /// route table's routes), with what they become: imported with the
    /// block, not as blocks of their own.
    pub parts: &'static [(&'static str, &'static str)],
}

impl CfnMapping {
    /// A mapping of one type, imported by its physical id, with no
    /// `DeletionPolicy` and nothing CloudFormation cannot create; the
    /// methods below say otherwise.
    pub const fn of(
        type_name: &'static str,
        attributes: &'static [(&'static str, CfnAttr)],
        properties: Properties,
    ) -> CfnMapping {
        CfnMapping {
            type_name,
            attributes,
            properties,
            import_id: physical_id,
            outside: None,
            type_by: None,
            adopts: &[],
            deletion_policy: None,
            parts: &[],
        }
    }

    /// Imported by this id rather than the physical id.
    pub const fn importing(mut self, import_id: ImportId) -> CfnMapping {
        self.import_id = import_id;
        self
    }

    /// Some blocks CloudFormation cannot create.
    pub const fn outside(mut self, outside: &'static Outside) -> CfnMapping {
        self.outside = Some(outside);
        self
    }

    /// The type by block, and the other types import adopts as the kind.
    pub const fn typed_by(mut self, by: ByBlock, adopts: &'static [&'static str]) -> CfnMapping {
        self.type_by = Some(by);
        self.adopts = adopts;
        self
    }

    /// Types that are part of the kind's block, with what they become.
    pub const fn with_parts(
        mut self,
        parts: &'static [(&'static str, &'static str)],
    ) -> CfnMapping {
        self.parts = parts;
        self
    }

    /// A `DeletionPolicy`.
    pub const fn deleting(mut self, policy: DeletionPolicy) -> CfnMapping {
        self.deletion_policy = Some(policy);
        self
    }
}

/// A name that depends on a block's attributes.
pub type ByBlock = fn(&IndexMap<String, Value>) -> &'static str;

/// What happens to a resource's data when the stack deletes or replaces
/// it: `Retain`, `Snapshot`, or none for CloudFormation's `Delete`.
pub type DeletionPolicy = fn(&dyn CfnValues, &IndexMap<String, Value>) -> Option<&'static str>;

/// The usual policy of a protected kind: kept (`Retain`) unless the block
/// says `protect = false`.
pub fn retained_unless_unprotected(
    cfn: &dyn CfnValues,
    _: &IndexMap<String, Value>,
) -> Option<&'static str> {
    cfn.protected().then_some("Retain")
}

/// A resource CloudFormation cannot create (a SecureString parameter):
/// the template leaves it out and refers to it by name, and the export's
/// metadata says to create it first.
pub struct Outside {
    /// Whether a block is one.
    pub when: fn(&IndexMap<String, Value>) -> bool,
    /// The attribute holding its name.
    pub name: &'static str,
    /// A value of it (`attr`), from its name in template form.
    pub reference: fn(&Json, &str) -> Json,
    /// Why, and how to create it.
    pub why: &'static str,
}

/// The id mdl reads an imported resource by, or what is missing to work
/// it out, for the user.
pub type ImportId = fn(&Physical<'_>) -> Result<String, String>;

/// What a CloudFormation stack says of one of its resources.
pub struct Physical<'a> {
    /// Its physical id.
    pub id: &'a str,
    /// The stack's partition, region and account.
    pub stack: &'a StackArn,
    /// Its `Properties` in the stack's template, when the template is JSON.
    pub properties: Option<&'a Json>,
    /// The physical id of another resource of the stack, by logical id.
    pub physical_of: &'a dyn Fn(&str) -> Option<String>,
}

/// The physical id as it is: the id mdl reads most kinds by.
pub fn physical_id(p: &Physical<'_>) -> Result<String, String> {
    Ok(p.id.to_string())
}

/// The partition, region and account of a stack, from its ARN
/// (`arn:aws:cloudformation:eu-west-2:123456789012:stack/NAME/UUID`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackArn {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl StackArn {
    pub fn parse(arn: &str) -> Option<StackArn> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", partition, "cloudformation", region, account, _] => Some(StackArn {
                partition: (*partition).to_string(),
                region: (*region).to_string(),
                account: (*account).to_string(),
            }),
            _ => None,
        }
    }
}

/// A template's `Properties` from a block's evaluated attributes.
pub type Properties = fn(&dyn CfnValues, &IndexMap<String, Value>) -> serde_json::Map<String, Json>;

/// How a template refers to one value of a resource.
#[derive(Clone, Copy, Debug)]
pub enum CfnAttr {
    /// `{ "Ref": LogicalId }`
    Ref,
    /// `{ "Fn::GetAtt": [LogicalId, "Name"] }`
    GetAtt(&'static str),
    /// Worked out by the template from the logical id (an ARN joined from
    /// its parts), or a constant.
    Expr(fn(&str) -> Json),
    /// `Fn::GetAtt` of an attribute that depends on the referenced block's
    /// attributes (a Redis or a Memcached endpoint).
    GetAttBy(ByBlock),
    /// CloudFormation gives no way to name it: an output of it is left
    /// out (and said so), a block that needs it is refused.
    Unavailable,
}

pub use serde_json::Value as Json;

/// What a kind's mapping needs of the exporter: a value as template JSON
/// (references to other resources become `Ref` and `Fn::GetAtt`), and the
/// user's tags as CloudFormation's tag list.
pub trait CfnValues {
    fn value(&self, v: &Value) -> Json;
    /// A JSON document written as a string (a policy), as the template's
    /// JSON, with the values AWS assigns inside its strings as references.
    fn document(&self, text: &str) -> Json;
    fn tags(&self, attrs: &IndexMap<String, Value>) -> Option<Json>;
    /// A secret the template must not hold: a NoEcho template parameter
    /// named after the block (`<LogicalId><suffix>`), described as
    /// `<what> <address>` and given when the stack is created; its `Ref`.
    fn no_echo(&self, suffix: &str, what: &str) -> Json;
    /// The attributes of the block a value refers to (a cluster by its
    /// `id`), values AWS assigns as references; none for a value that is
    /// not a reference to a block.
    fn referenced(&self, v: &Value) -> Option<IndexMap<String, Value>>;
    /// The block's place among the blocks of its kind, from 1 (a listener
    /// rule's priority where the block gives none).
    fn place(&self) -> usize;
    /// The address of the block being rendered.
    fn address(&self) -> crate::addr::ResourceAddr;
    /// The logical id of the block being rendered.
    fn logical_id(&self) -> String;
    /// Whether the block is protected (its kind's default, or its
    /// `protect` meta attribute).
    fn protected(&self) -> bool;
    /// Another resource the block becomes besides its own (a group's
    /// scaling policy), created after `depends` (logical ids).
    fn also(
        &self,
        logical_id: String,
        type_name: &str,
        props: serde_json::Map<String, Json>,
        depends: Vec<String>,
    );
    /// Another resource the block becomes, written before the block's own
    /// in the template (a NAT gateway's elastic IP).
    fn before(&self, logical_id: String, type_name: &str, props: serde_json::Map<String, Json>);
    /// The block's own resource is created after these (logical ids).
    fn depends_on(&self, logical_ids: Vec<String>);
    /// The block a value refers to, and its logical id; none for a value
    /// that is not a reference to a block.
    fn reference_to(&self, v: &Value) -> Option<(crate::addr::ResourceAddr, String)>;
}

/// A launch template's version number by `Fn::GetAtt` of `attr`
/// (`LatestVersionNumber`, `DefaultVersionNumber`) when the template is
/// in the stack; "1" for a template outside it.
#[must_use]
pub fn template_version(template: &Json, attr: &str) -> Json {
    match template.get("Ref").and_then(Json::as_str) {
        Some(id) => serde_json::json!({ "Fn::GetAtt": [id, attr] }),
        None => serde_json::json!("1"),
    }
}

/// Template properties from the attributes of the same meaning
/// (`(Property, attribute)` pairs; unset ones left out), and the user's
/// tags as `Tags`.
#[must_use]
pub fn cfn_properties(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
    pairs: &[(&str, &str)],
) -> serde_json::Map<String, Json> {
    let mut props = cfn_values(cfn, attrs, pairs);
    if let Some(tags) = cfn.tags(attrs) {
        props.insert("Tags".into(), tags);
    }
    props
}

/// Template properties from the attributes of the same meaning, unset
/// ones left out (`cfn_properties` without the tags).
#[must_use]
pub fn cfn_values(
    cfn: &dyn CfnValues,
    attrs: &IndexMap<String, Value>,
    pairs: &[(&str, &str)],
) -> serde_json::Map<String, Json> {
    let mut props = serde_json::Map::new();
    for (prop, attr) in pairs {
        if let Some(v) = attrs.get(*attr).filter(|v| **v != Value::Null) {
            props.insert((*prop).to_string(), cfn.value(v));
        }
    }
    props
}

/// A value CloudFormation types as a string (a uid, a TTL): numbers
/// written as text.
#[must_use]
pub fn cfn_text(cfn: &dyn CfnValues, v: &Value) -> Json {
    match v.as_i64() {
        Some(n) => Json::String(n.to_string()),
        None => cfn.value(v),
    }
}

/// A Fargate task's network (`AwsvpcConfiguration`'s value), from
/// `subnet_ids`, `security_group_ids` and `assign_public_ip`.
#[must_use]
pub fn awsvpc(cfn: &dyn CfnValues, attrs: &IndexMap<String, Value>) -> Json {
    let mut vpc = cfn_values(
        cfn,
        attrs,
        &[
            ("Subnets", "subnet_ids"),
            ("SecurityGroups", "security_group_ids"),
        ],
    );
    let public = attrs.get("assign_public_ip") == Some(&Value::Bool(true));
    vpc.insert(
        "AssignPublicIp".into(),
        serde_json::json!(if public { "ENABLED" } else { "DISABLED" }),
    );
    Json::Object(vpc)
}

/// A minimal estate for the contract test: the blocks the kind needs (a
/// VPC for a subnet) and one block of the kind named `contract`, in three
/// versions.
pub struct Fixture {
    pub create: &'static str,
    /// `create` with an attribute changed that AWS changes in place.
    pub update: &'static str,
    /// `create` with an attribute changed that forces a replacement;
    /// `None` for a kind whose every attribute changes in place.
    pub replace: Option<&'static str>,
    /// A call moto_server lacks: at that step the test expects the
    /// failure naming it, and goes no further.
    pub emulator_lacks: Option<Lack>,
}

/// A call moto_server does not implement, and the step of the contract
/// that makes it.
#[derive(Clone, Copy, Debug)]
pub struct Lack {
    pub call: &'static str,
    pub at: Step,
}

/// The steps of a kind's contract test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Create,
    Update,
    Replace,
    Destroy,
}

/// Every kind, in documentation order.
pub static KINDS: &[&Kind] = &[
    &vpc::KIND,
    &subnet::KIND,
    &internet_gateway::KIND,
    &nat_gateway::KIND,
    &route_table::KIND,
    &vpc_peering::KIND,
    &route::KIND,
    &security_group::KIND,
    &security_group_rule::KIND,
    &flow_log::KIND,
    &efs::KIND,
    &efs_mount_target::KIND,
    &efs_access_point::KIND,
    &ssm_parameter::KIND,
    &secret::KIND,
    &cache_subnet_group::KIND,
    &cache::KIND,
    &serverless_cache::KIND,
    &db_subnet_group::KIND,
    &aurora_cluster::KIND,
    &aurora_instance::KIND,
    &load_balancer::KIND,
    &target_group::KIND,
    &listener::KIND,
    &listener_rule::KIND,
    &certificate::KIND,
    &dns_zone::KIND,
    &dns_record::KIND,
    &cdn::KIND,
    &iam_role::KIND,
    &iam_instance_profile::KIND,
    &ecs_cluster::KIND,
    &ecs_task_definition::KIND,
    &ecs_service::KIND,
    &scheduled_task::KIND,
    &launch_template::KIND,
    &autoscaling_group::KIND,
    &scaling_policy::KIND,
    &instance::KIND,
    &log_group::KIND,
    &s3_bucket::KIND,
    &alarm::KIND,
];

/// Every kind, in documentation order.
pub fn all() -> &'static [&'static Kind] {
    KINDS
}

/// The registry's schemas, as the language crate takes them
/// (`lang::load_source`, `lang::load_file`).
pub fn schemas() -> &'static crate::schema::Kinds {
    static SCHEMAS: std::sync::OnceLock<crate::schema::Kinds> = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(|| {
        crate::schema::Kinds::with_lookups(
            KINDS.iter().map(|k| k.schema).collect(),
            crate::lookups::LOOKUPS.iter().map(|l| l.schema).collect(),
        )
    })
}

/// The schema of a kind's name.
pub fn schema(name: &str) -> Option<&'static KindSchema> {
    named(name).map(|k| k.schema)
}

/// The kind of a name.
pub fn named(name: &str) -> Option<&'static Kind> {
    KINDS.iter().copied().find(|k| k.schema.name == name)
}

/// The registry's entry of a schema: `None` only for a schema made
/// outside the registry (which `schemas` never hands out).
pub fn of(schema: &KindSchema) -> Option<&'static Kind> {
    KINDS
        .iter()
        .copied()
        .find(|k| std::ptr::eq(k.schema, schema) || k.schema.name == schema.name)
}

/// The kinds whose mapping adopts a CloudFormation resource type.
/// The kind whose block a CloudFormation resource type is part of, and
/// what it becomes there.
pub fn part_of(resource_type: &str) -> Option<(&'static Kind, &'static str)> {
    KINDS.iter().copied().find_map(|k| {
        k.cloudformation
            .parts
            .iter()
            .find(|(t, _)| *t == resource_type)
            .map(|(_, what)| (k, *what))
    })
}

pub fn adopting(resource_type: &str) -> Option<&'static Kind> {
    KINDS.iter().copied().find(|k| {
        k.cloudformation.type_name == resource_type
            || k.cloudformation.adopts.contains(&resource_type)
    })
}

#[cfg(test)]
mod tests {
    use super::KINDS;

    #[test]
    fn every_kind_is_registered_once_and_mapped_attributes_exist() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.schema.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a kind is registered twice");
        for k in KINDS {
            let m = k.cloudformation;
            for (attr, _) in m.attributes {
                assert!(
                    k.schema.referenceable().any(|r| r == *attr),
                    "{}: the mapping names `{attr}`, which the kind does not have",
                    k.schema.name
                );
            }
            for c in k.schema.computed {
                assert!(
                    m.attributes.iter().any(|(a, _)| *a == c.name),
                    "{}: the mapping does not say what `{}` is in a template",
                    k.schema.name,
                    c.name
                );
            }
        }
    }
}
