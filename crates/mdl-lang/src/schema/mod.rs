//! The types resource kinds are described in, once: attributes, types,
//! defaults, computed outputs, which attributes force replacement.
//! Validation (`check`), the diff (`mdl::plan`), plan rendering and
//! `mdl docs` all read these descriptions. The kinds themselves are the
//! `mdl` crate's (`mdl::kinds`), given to a load as `Kinds`.
//!
//! Must not import: `syntax`, `lang`.

pub mod normalize;

use crate::value::Value;

/// The type of an attribute.
#[derive(Clone, Copy, Debug)]
pub enum Type {
    String,
    Number,
    Bool,
    List(&'static Type),
    /// A list whose order carries no meaning.
    Set(&'static Type),
    Map(&'static Type),
    /// Nested blocks (`ingress { ... }`), written zero or more times; order
    /// carries no meaning.
    Blocks(&'static BlockSchema),
}

impl Type {
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::List(t) => format!("list({})", t.describe()),
            Type::Set(t) => format!("set({})", t.describe()),
            Type::Map(t) => format!("map({})", t.describe()),
            Type::Blocks(_) => "blocks".into(),
        }
    }
}

/// Whether an attribute must be set, and what it is when it is not.
#[derive(Clone, Copy, Debug)]
pub enum Presence {
    Required,
    /// Optional; when omitted the attribute takes this value, written as
    /// JSON.
    Default(&'static str),
    /// Optional; when omitted AWS chooses and mdl leaves it alone.
    Computed,
}

/// Checks the form of a string value; the error says what is wrong.
pub type Validator = fn(&str) -> Result<(), String>;

#[derive(Clone, Copy, Debug)]
pub struct AttrSchema {
    pub name: &'static str,
    pub ty: Type,
    pub presence: Presence,
    /// Changing it destroys and re-creates the resource.
    pub force_new: bool,
    /// Allowed values, for enumerations; empty for any.
    pub allowed: &'static [&'static str],
    /// Only used when the resource is created: never compared with what
    /// is live (an instruction such as "accept the peering", not a property).
    pub create_only: bool,
    /// A secret: shown as `(sensitive)`, kept in state only as a digest.
    pub sensitive: bool,
    /// Sensitive only when another attribute has this value (an SSM
    /// parameter's value when its type is SecureString).
    pub sensitive_if: Option<(&'static str, &'static str)>,
    /// An engine version: "8.0" matches the "8.0.mysql_aurora.3.02.2" AWS
    /// reports, so patch versions AWS picks cause no diff.
    pub version: bool,
    /// A DNS name: compared without case and without the trailing dot
    /// Route 53 adds.
    pub dns_name: bool,
    /// Rule blocks compared one per source (a CIDR block, a group, the
    /// group itself), as AWS reports them: a security group's rules.
    pub per_source: bool,
    /// Not compared while this other attribute is set (an ECS service's
    /// desired count while autoscaling owns it).
    pub ignored_when: Option<&'static str>,
    /// Checks a string value's form (or each string of a list), saying
    /// what is wrong and how to write it.
    pub validate: Option<Validator>,
    /// The least and the greatest number AWS takes.
    pub range: Option<(f64, f64)>,
    pub doc: &'static str,
}

impl AttrSchema {
    pub fn default_value(&self) -> Option<Value> {
        match self.presence {
            Presence::Default(json) => Some(Value::from_json(
                &serde_json::from_str(json).unwrap_or(serde_json::Value::Null),
            )),
            _ => None,
        }
    }
}

/// The attributes of one nested block.
#[derive(Debug)]
pub struct BlockSchema {
    pub attrs: &'static [AttrSchema],
    /// Exactly one of these attributes must be set (empty for no rule).
    pub exactly_one_of: &'static [&'static str],
}

/// A value AWS assigns that other resources can reference.
#[derive(Clone, Copy, Debug)]
pub struct ComputedSchema {
    pub name: &'static str,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct KindSchema {
    pub name: &'static str,
    /// The AWS service that holds it, named like its SDK crate (`ec2`,
    /// `efs`, `elasticache`, `rds`, `ssm`, `secretsmanager`).
    pub service: &'static str,
    pub summary: &'static str,
    pub attrs: &'static [AttrSchema],
    pub computed: &'static [ComputedSchema],
    /// Carries `tags`, plus `mdl:stack` and `mdl:address`.
    pub taggable: bool,
    /// Where the kind sits in the network's layering: a resource is deleted
    /// before any resource of a lower rank when no recorded dependency says
    /// otherwise (a state rebuilt from tags has none).
    pub rank: u8,
    /// Long waits: the resource becomes available asynchronously.
    pub slow: bool,
    /// Holds data (a file system, a database, a cache): deleting or
    /// replacing it is refused unless the block says `protect = false` or
    /// the user names it with `--allow-destroy`.
    pub protected: bool,
    /// Exactly one of these attributes must be written (empty for no rule).
    pub exactly_one_of: &'static [&'static str],
}

impl KindSchema {
    /// A lookup kind's schema: nothing to tag, rank, wait for or protect.
    pub const fn lookup(
        name: &'static str,
        service: &'static str,
        summary: &'static str,
        attrs: &'static [AttrSchema],
        computed: &'static [ComputedSchema],
    ) -> KindSchema {
        KindSchema {
            name,
            service,
            summary,
            attrs,
            computed,
            taggable: false,
            rank: 0,
            slow: false,
            protected: false,
            exactly_one_of: &[],
        }
    }
}

impl KindSchema {
    pub fn attr(&self, name: &str) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// Whether the attribute holds a secret, given the resource's other
    /// attributes.
    pub fn is_sensitive(&self, name: &str, attrs: &indexmap::IndexMap<String, Value>) -> bool {
        self.attr(name).is_some_and(|a| {
            a.sensitive
                || a.sensitive_if.is_some_and(|(other, value)| {
                    attrs.get(other).and_then(Value::as_str).map_or_else(
                        || {
                            self.attr(other)
                                .and_then(AttrSchema::default_value)
                                .and_then(|d| d.as_str().map(|d| d == value))
                                .unwrap_or(false)
                        },
                        |v| v == value,
                    )
                })
        })
    }

    pub fn computed(&self, name: &str) -> Option<&'static ComputedSchema> {
        self.computed.iter().find(|c| c.name == name)
    }

    /// Every name that can follow `KIND.NAME.` in a reference.
    pub fn referenceable(&self) -> impl Iterator<Item = &'static str> {
        self.attrs
            .iter()
            .map(|a| a.name)
            .chain(self.computed.iter().map(|c| c.name))
    }
}

/// The kinds a load knows, in documentation order: the `mdl` crate's
/// registry gives them (`mdl::kinds::schemas()`); this crate names none.
pub struct Kinds {
    all: Vec<&'static KindSchema>,
    /// Kinds that read what exists instead of making it (`caller`): their
    /// blocks are lookups, read at plan time, never changed.
    lookups: Vec<&'static KindSchema>,
}

impl Kinds {
    /// No kinds: every block is an unknown kind.
    pub const NONE: Kinds = Kinds {
        all: Vec::new(),
        lookups: Vec::new(),
    };

    pub fn new(all: Vec<&'static KindSchema>) -> Kinds {
        Kinds {
            all,
            lookups: Vec::new(),
        }
    }

    /// Resource kinds and lookup kinds.
    pub fn with_lookups(all: Vec<&'static KindSchema>, lookups: Vec<&'static KindSchema>) -> Kinds {
        Kinds { all, lookups }
    }

    /// Every resource kind, in documentation order.
    pub fn all(&self) -> &[&'static KindSchema] {
        &self.all
    }

    /// Every lookup kind, in documentation order.
    pub fn lookups(&self) -> &[&'static KindSchema] {
        &self.lookups
    }

    /// A resource kind or a lookup kind.
    pub fn kind(&self, name: &str) -> Option<&'static KindSchema> {
        self.all
            .iter()
            .chain(&self.lookups)
            .copied()
            .find(|k| k.name == name)
    }

    /// Whether blocks of this kind are lookups.
    pub fn is_lookup(&self, name: &str) -> bool {
        self.lookups.iter().any(|k| k.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.all.iter().chain(&self.lookups).map(|k| k.name)
    }
}

impl std::fmt::Debug for Kinds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Default for &'static Kinds {
    fn default() -> Self {
        static NONE: Kinds = Kinds::NONE;
        &NONE
    }
}

/// A DNS name as mdl compares it: lower case, no trailing dot, `*` for
/// Route 53's escaped wildcard.
pub fn dns_name(name: &str) -> String {
    name.replace("\\052", "*")
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// The name a resource gets when its block does not give one:
/// `<stack>-<module instances>-<block name>-<key>`, lower case.
pub fn default_name(stack: &str, addr: &crate::addr::ResourceAddr) -> String {
    format!("{stack}-{}", addr.slug())
        .to_lowercase()
        .replace('_', "-")
}

/// An attribute with nothing but its name, type, presence and doc.
const fn attr(name: &'static str, ty: Type, presence: Presence, doc: &'static str) -> AttrSchema {
    AttrSchema {
        name,
        ty,
        presence,
        force_new: false,
        allowed: &[],
        create_only: false,
        sensitive: false,
        sensitive_if: None,
        version: false,
        dns_name: false,
        per_source: false,
        ignored_when: None,
        validate: None,
        range: None,
        doc,
    }
}

/// Shorthands for the kind tables.
pub const fn required(name: &'static str, ty: Type, doc: &'static str) -> AttrSchema {
    attr(name, ty, Presence::Required, doc)
}

pub const fn optional(
    name: &'static str,
    ty: Type,
    default: &'static str,
    doc: &'static str,
) -> AttrSchema {
    attr(name, ty, Presence::Default(default), doc)
}

pub const fn computed_optional(name: &'static str, ty: Type, doc: &'static str) -> AttrSchema {
    attr(name, ty, Presence::Computed, doc)
}

impl AttrSchema {
    pub const fn force_new(mut self) -> AttrSchema {
        self.force_new = true;
        self
    }

    pub const fn sensitive(mut self) -> AttrSchema {
        self.sensitive = true;
        self
    }

    pub const fn sensitive_if(mut self, attr: &'static str, value: &'static str) -> AttrSchema {
        self.sensitive_if = Some((attr, value));
        self
    }

    pub const fn version(mut self) -> AttrSchema {
        self.version = true;
        self
    }

    pub const fn dns_name(mut self) -> AttrSchema {
        self.dns_name = true;
        self
    }

    pub const fn per_source(mut self) -> AttrSchema {
        self.per_source = true;
        self
    }

    pub const fn ignored_when(mut self, other: &'static str) -> AttrSchema {
        self.ignored_when = Some(other);
        self
    }

    pub const fn create_only(mut self) -> AttrSchema {
        self.create_only = true;
        self
    }

    pub const fn validate(mut self, f: Validator) -> AttrSchema {
        self.validate = Some(f);
        self
    }

    /// Numbers from `lo` to `hi`, both included.
    pub const fn range(mut self, lo: f64, hi: f64) -> AttrSchema {
        self.range = Some((lo, hi));
        self
    }

    pub const fn one_of(mut self, allowed: &'static [&'static str]) -> AttrSchema {
        self.allowed = allowed;
        self
    }
}

/// The `id` most kinds have.
pub const ID: ComputedSchema = ComputedSchema {
    name: "id",
    doc: "The AWS id of the resource.",
};

/// The `arn` most kinds have.
pub const ARN: ComputedSchema = ComputedSchema {
    name: "arn",
    doc: "The ARN of the resource.",
};

pub const TAGS: AttrSchema = optional(
    "tags",
    Type::Map(&Type::String),
    "{}",
    "Tags to set on the resource, besides `mdl:stack` and `mdl:address`.",
);

/// An IPv4 CIDR block whose prefix is from `lo` to `hi`: the address, the
/// prefix, and no bits set past it.
pub fn cidr_v4(text: &str, lo: u8, hi: u8) -> Result<(), String> {
    let Some((addr, prefix)) = text.split_once('/') else {
        return Err(format!(
            "`{text}` is not a CIDR block: write an address and a prefix, such as \"10.0.0.0/16\""
        ));
    };
    let octets: Vec<&str> = addr.split('.').collect();
    let parsed: Vec<u8> = octets
        .iter()
        .filter_map(|o| {
            (!o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()))
                .then(|| o.parse::<u8>().ok())
                .flatten()
        })
        .collect();
    if octets.len() != 4 || parsed.len() != 4 {
        return Err(format!(
            "`{text}` is not a CIDR block: `{addr}` is not an IPv4 address (four numbers from 0 to 255)"
        ));
    }
    let Ok(bits) = prefix.parse::<u8>() else {
        return Err(format!(
            "`{text}` is not a CIDR block: `/{prefix}` is not a prefix length"
        ));
    };
    if bits > 32 {
        return Err(format!(
            "`{text}` is not a CIDR block: an IPv4 prefix is at most /32"
        ));
    }
    if bits < lo || bits > hi {
        return Err(format!(
            "`{text}` has a /{bits} prefix; AWS takes /{lo} to /{hi} here"
        ));
    }
    let value = u32::from_be_bytes([parsed[0], parsed[1], parsed[2], parsed[3]]);
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    if value & !mask != 0 {
        let base = std::net::Ipv4Addr::from(value & mask);
        return Err(format!(
            "`{text}` has bits set past its /{bits} prefix: the block starts at {base}/{bits}"
        ));
    }
    Ok(())
}

/// A VPC's or a subnet's CIDR block: /16 to /28.
/// AWS's regions, as their names are written (commercial, GovCloud and
/// China).
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
];

/// An availability zone's name: a region of AWS's and a letter
/// (`eu-west-2a`), or a Local Zone's (`us-west-2-lax-1a`).
pub fn availability_zone(text: &str) -> Result<(), String> {
    let region = REGIONS
        .iter()
        .copied()
        .filter(|r| text.starts_with(r))
        .max_by_key(|r| r.len());
    let fits = region.is_some_and(|r| {
        let rest = &text[r.len()..];
        (rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()))
            || (rest.starts_with('-')
                && rest.len() > 2
                && rest.ends_with(|c: char| c.is_ascii_lowercase()))
    });
    if fits {
        return Ok(());
    }
    let guess = text.trim_end_matches(|c: char| c.is_ascii_lowercase());
    Err(
        match crate::diagnostics::suggest(guess, REGIONS.iter().copied()) {
            Some(r) if region.is_none() => format!(
                "`{text}` is not an availability zone: `{guess}` is not an AWS region (did you mean `{r}`, as in \"{r}a\"?)"
            ),
            _ => format!(
                "`{text}` is not an availability zone: write a region and a letter, such as \"eu-west-2a\""
            ),
        },
    )
}

/// A size of an instance class (`large`, `2xlarge`, `metal`).
fn class_size(size: &str, small: bool) -> bool {
    matches!(size, "medium" | "large" | "xlarge" | "metal")
        || (small && matches!(size, "micro" | "small"))
        || size
            .strip_suffix("xlarge")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// `prefix.FAMILY.SIZE` against the families AWS offers, with the nearest
/// when it is not one.
fn instance_class(
    text: &str,
    prefix: &str,
    families: &[&str],
    small: bool,
    what: &str,
    example: &str,
) -> Result<(), String> {
    let parts: Vec<&str> = text.split('.').collect();
    if let [p, family, size] = parts[..]
        && p == prefix
        && families.contains(&family)
        && class_size(size, small)
    {
        return Ok(());
    }
    let known: Vec<String> = families
        .iter()
        .flat_map(|f| {
            ["micro", "small", "medium", "large", "xlarge", "2xlarge"]
                .iter()
                .filter(move |s| small || !matches!(**s, "micro" | "small"))
                .map(move |s| format!("{prefix}.{f}.{s}"))
        })
        .collect();
    Err(
        match crate::diagnostics::suggest(text, known.iter().map(String::as_str)) {
            Some(s) => format!("`{text}` is not {what}: did you mean `{s}`?"),
            None => format!("`{text}` is not {what}, such as {example}"),
        },
    )
}

/// An Aurora DB instance class: `db.serverless`, or a family Aurora
/// runs on (AWS's "Supported DB engines for DB instance classes").
pub fn db_instance_class(text: &str) -> Result<(), String> {
    if text == "db.serverless" {
        return Ok(());
    }
    instance_class(
        text,
        "db",
        &[
            "t3", "t4g", "r5", "r6g", "r6gd", "r6i", "r6id", "r7g", "r7i", "r8g", "x2g", "x2iedn",
        ],
        false,
        "an Aurora instance class",
        "\"db.serverless\" or \"db.r6g.large\"",
    )
}

/// An ElastiCache node type of a current or previous generation.
pub fn cache_node_type(text: &str) -> Result<(), String> {
    instance_class(
        text,
        "cache",
        &[
            "t2", "t3", "t4g", "m4", "m5", "m6g", "m7g", "r4", "r5", "r6g", "r6gd", "r7g", "c7gn",
        ],
        true,
        "an ElastiCache node type",
        "\"cache.t4g.small\" or \"cache.r6g.large\"",
    )
}

pub fn network_cidr(text: &str) -> Result<(), String> {
    cidr_v4(text, 16, 28)
}

/// Any IPv4 CIDR block, /0 to /32 (a rule's source or destination).
pub fn any_cidr(text: &str) -> Result<(), String> {
    cidr_v4(text, 0, 32)
}

/// A name of letters, digits and hyphens, at most `max` long, that starts
/// with a letter (`letter_first`), neither ends with a hyphen nor holds two
/// in a row (`no_double`), in lower case only (`lower`).
fn aws_name(
    text: &str,
    max: usize,
    lower: bool,
    letter_first: bool,
    no_double: bool,
) -> Result<(), String> {
    let count = text.chars().count();
    if count == 0 || count > max {
        return Err(format!(
            "`{text}` is {count} characters long; AWS takes 1 to {max}"
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-') || (lower && c.is_ascii_uppercase()))
    {
        return Err(format!(
            "`{text}` holds `{c}`; AWS takes {} digits and hyphens",
            if lower {
                "lower-case letters,"
            } else {
                "letters,"
            }
        ));
    }
    if letter_first && !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("`{text}` must start with a letter"));
    }
    if text.starts_with('-') || text.ends_with('-') {
        return Err(format!("`{text}` must not start or end with a hyphen"));
    }
    if no_double && text.contains("--") {
        return Err(format!("`{text}` must not hold two hyphens in a row"));
    }
    Ok(())
}

/// A load balancer's or target group's name: 32 characters at most.
pub fn elb_name(text: &str) -> Result<(), String> {
    if text.starts_with("internal-") {
        return Err(format!("`{text}` must not start with `internal-`"));
    }
    aws_name(text, 32, false, false, false)
}

/// An ElastiCache id: 40 characters at most, lower case, from a letter.
pub fn elasticache_id(text: &str) -> Result<(), String> {
    aws_name(text, 40, true, true, true)
}

/// An Aurora cluster's or instance's identifier: 63 characters at most,
/// from a letter; lower case, as RDS keeps it (another case would show
/// as a change in every plan).
pub fn rds_id(text: &str) -> Result<(), String> {
    aws_name(text, 63, true, true, true)
}

/// Whether the CIDR block `inner` lies inside `outer` (both well formed).
pub fn cidr_within(inner: &str, outer: &str) -> Option<bool> {
    let parse = |t: &str| -> Option<(u32, u8)> {
        let (a, p) = t.split_once('/')?;
        let addr: std::net::Ipv4Addr = a.parse().ok()?;
        Some((u32::from(addr), p.parse().ok()?))
    };
    let (i, ib) = parse(inner)?;
    let (o, ob) = parse(outer)?;
    if ib < ob || ob > 32 || ib > 32 {
        return Some(false);
    }
    let mask = if ob == 0 { 0 } else { u32::MAX << (32 - ob) };
    Some(i & mask == o & mask)
}

/// Whether two CIDR blocks share an address.
pub fn cidrs_overlap(a: &str, b: &str) -> Option<bool> {
    Some(cidr_within(a, b)? || cidr_within(b, a)?)
}

/// Whether a configured version is satisfied by the version AWS reports:
/// equal, or a prefix of it that ends at a component boundary.
pub fn version_matches(wanted: &str, live: &str) -> bool {
    live == wanted
        || (live.starts_with(wanted) && live[wanted.len()..].starts_with(['.', '_', '-']))
}

pub use crate::digest::digest;

/// The key of the one-entry map that stands for a secret in state and in
/// the diff. A map, so that no string a user writes (`"sha256:..."`
/// included) can be taken for a digest.
pub const DIGEST_KEY: &str = "mdl:sha256";

/// The form a sensitive value takes in state and in the diff: its digest,
/// salted with the state's salt (so that weak secrets cannot be looked up
/// in precomputed tables, nor compared across states), so that changes
/// are seen without the value being kept. An empty salt is the unsalted
/// digest of states written before salts.
pub fn secret_digest(salt: &str, value: &str) -> Value {
    let digest = if salt.is_empty() {
        digest(value)
    } else {
        digest(&format!("{salt}\0{value}"))
    };
    let mut m = indexmap::IndexMap::with_capacity(1);
    m.insert(DIGEST_KEY.to_string(), Value::String(digest));
    Value::Map(m)
}

/// Whether `v` is a digest made by [`secret_digest`].
pub fn is_secret_digest(v: &Value) -> bool {
    matches!(v, Value::Map(m) if m.len() == 1 && m.contains_key(DIGEST_KEY))
}

/// Replace every sensitive attribute's value by its digest, salted with
/// `salt` (the state's).
pub fn redact(kind: &KindSchema, attrs: &mut indexmap::IndexMap<String, Value>, salt: &str) {
    if !kind
        .attrs
        .iter()
        .any(|a| a.sensitive || a.sensitive_if.is_some())
    {
        return;
    }
    let secret: Vec<&str> = kind
        .attrs
        .iter()
        .filter(|a| kind.is_sensitive(a.name, attrs))
        .map(|a| a.name)
        .collect();
    for name in secret {
        if let Some(v) = attrs.get_mut(name)
            && let Value::String(s) = v
        {
            *v = secret_digest(salt, s);
        }
    }
}

/// Render the documentation of one kind (used by `mdl docs`).
pub fn docs(kind: &KindSchema) -> String {
    render_docs(kind, "Attributes:", "Computed (known after apply):")
}

/// `mdl docs` of a lookup kind: its arguments, and the answers it reads
/// before anything changes.
pub fn lookup_docs(kind: &KindSchema) -> String {
    let arguments = if kind.attrs.is_empty() {
        "Arguments: none."
    } else {
        "Arguments:"
    };
    render_docs(
        kind,
        arguments,
        "Answers (read at plan time, before anything changes; unknown to `mdl validate`):",
    )
}

fn render_docs(kind: &KindSchema, attributes: &str, computed: &str) -> String {
    let mut out = format!(
        "{}\n\n{}\n\nAWS service: {}\n",
        kind.name, kind.summary, kind.service
    );
    if kind.protected {
        out.push_str("\nProtected: holds data; deleting or replacing it needs `protect = false` in the block\nor `--allow-destroy ADDRESS` on the command line.\n");
    }
    out.push_str(&format!("\n{attributes}\n"));
    fn write_attrs(out: &mut String, attrs: &[AttrSchema], indent: &str) {
        for a in attrs {
            let presence = match a.presence {
                Presence::Required => "required".to_string(),
                Presence::Default(d) => format!("default {d}"),
                Presence::Computed => "optional, chosen by AWS when omitted".to_string(),
            };
            let secret = match (a.sensitive, a.sensitive_if) {
                (true, _) => ", sensitive".to_string(),
                (false, Some((attr, value))) => format!(", sensitive when {attr} is {value}"),
                _ => String::new(),
            };
            let fnew = if a.force_new {
                ", forces replacement"
            } else if a.create_only {
                ", used at creation only"
            } else {
                ""
            };
            let allowed = if a.allowed.is_empty() {
                String::new()
            } else {
                format!(", one of {}", a.allowed.join(" | "))
            };
            let range = a.range.map_or(String::new(), |(lo, hi)| {
                format!(", from {} to {}", Value::Number(lo), Value::Number(hi))
            });
            let checked = if a.validate.is_some() {
                ", its form checked by validate"
            } else {
                ""
            };
            out.push_str(&format!(
                "{indent}{} ({}; {presence}{fnew}{secret}{allowed}{range}{checked})\n{indent}    {}\n",
                a.name,
                a.ty.describe(),
                a.doc
            ));
            if let Type::Blocks(b) = a.ty {
                write_attrs(out, b.attrs, &format!("{indent}    "));
            }
        }
    }
    write_attrs(&mut out, kind.attrs, "  ");
    out.push_str(&format!("\n{computed}\n"));
    for c in kind.computed {
        out.push_str(&format!("  {}\n      {}\n", c.name, c.doc));
    }
    out
}
