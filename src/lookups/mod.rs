//! Lookups: kinds whose blocks read what exists instead of making it.
//!
//! ```text
//! caller me {}
//! s3_bucket logs { name = "vle-logs-${caller.me.account_id}" }
//! ```
//!
//! A lookup's block takes its arguments as attributes and answers with
//! computed values, referred to like a resource's. Lookups are read at
//! plan time, after the account and region are confirmed and before the
//! changes are worked out; `mdl validate`, which reads nothing, sees their
//! values as unknown. What they answered is recorded in state, so that an
//! apply evaluates with the answers its plan used.
//!
//! Must not import: `cli`, `plan`, `apply`.

mod caller;

use futures_util::future::BoxFuture;
use indexmap::IndexMap;

use crate::provider::ProviderError;
use crate::provider::aws::AwsProvider;
use crate::schema::KindSchema;
use crate::value::Value;

/// What a lookup reads with: the provider, and the account and region the
/// run was confirmed in.
pub struct Context<'a> {
    pub provider: &'a AwsProvider,
    pub account_id: &'a str,
    pub region: &'a str,
}

/// The answer of a lookup: its computed values by name.
pub type Answer = IndexMap<String, Value>;

/// A lookup's read: its evaluated arguments in, its answer out.
pub type Read = for<'a> fn(
    &'a Context<'a>,
    &'a IndexMap<String, Value>,
) -> BoxFuture<'a, Result<Answer, ProviderError>>;

/// One lookup kind.
pub struct Lookup {
    pub schema: &'static KindSchema,
    /// Read it, given its evaluated arguments.
    pub read: Read,
    /// A computed value in a CloudFormation export (a pseudo parameter, a
    /// resolved parameter); `None` where the export cannot say it.
    pub cloudformation: fn(attr: &str) -> Option<serde_json::Value>,
}

/// Every lookup kind, in documentation order.
pub static LOOKUPS: &[&Lookup] = &[&caller::LOOKUP];

/// The lookup kind of a name.
pub fn named(name: &str) -> Option<&'static Lookup> {
    LOOKUPS.iter().copied().find(|l| l.schema.name == name)
}

/// The partition of a region: `aws`, `aws-cn` or `aws-us-gov`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Why the lookups could not all be read.
pub enum Failure {
    /// Arguments not known before anything changes, or lookups that need
    /// each other.
    Invalid(Vec<crate::diagnostics::Diagnostic>),
    /// AWS refused or failed a read (the error names the lookup).
    Read(ProviderError),
}

/// Values of lookups answered so far; every other value is unknown.
struct Answered<'a>(&'a IndexMap<crate::addr::ResourceAddr, Answer>);

impl crate::lang::Computed for Answered<'_> {
    fn get(&self, addr: &crate::addr::ResourceAddr, attr: &str) -> Option<Value> {
        self.0
            .get(addr)?
            .get(attr)
            .cloned()
            .filter(|v| *v != Value::Null)
    }
}

/// Read every lookup of the configuration: those that need another's
/// answer after it, the rest at once.
///
/// # Errors
/// An argument that is not known before anything changes (it refers to a
/// resource's value), lookups that need each other, or a failed read.
pub async fn read_all(
    config: &crate::lang::Config,
    cx: &Context<'_>,
) -> Result<IndexMap<crate::addr::ResourceAddr, Answer>, Failure> {
    use crate::diagnostics::Diagnostic;
    let mut answers: IndexMap<crate::addr::ResourceAddr, Answer> = IndexMap::new();
    let mut left: Vec<&crate::lang::Resource> = config.lookups.values().collect();
    while !left.is_empty() {
        let answered = Answered(&answers);
        let eval = crate::lang::Evaluator::new(config, &answered);
        let (ready, waiting): (Vec<_>, Vec<_>) = left.into_iter().partition(|res| {
            eval.references(res)
                .iter()
                .all(|(dep, _)| !config.lookups.contains_key(dep) || answers.contains_key(dep))
        });
        if ready.is_empty() {
            return Err(Failure::Invalid(
                waiting
                    .iter()
                    .map(|res| {
                        Diagnostic::error(
                            "lookup::cycle",
                            format!("the lookup `{}` needs a lookup that needs it", res.addr),
                            res.block.name.span,
                            "needs another lookup's answer, which needs this one's",
                        )
                        .with_help("give one of them its argument as a literal or a param")
                    })
                    .collect(),
            ));
        }
        let mut diags = Vec::new();
        let mut reads = Vec::new();
        for res in &ready {
            let mut own = Vec::new();
            let args = eval.resource(res, &mut own);
            diags.extend(own);
            if let Some((name, _)) = args.iter().find(|(_, v)| v.has_unknown()) {
                diags.push(
                    Diagnostic::error(
                        "lookup::unknown_argument",
                        format!("`{}` of the lookup `{}` is not known before the apply", name, res.addr),
                        res.attr_span(name),
                        "refers to a value AWS assigns during the apply",
                    )
                    .with_help("a lookup is read before anything changes: give it literals, params or other lookups' values"),
                );
                continue;
            }
            reads.push((res.addr.clone(), res.kind.name, args));
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Err(Failure::Invalid(diags));
        }
        let results =
            futures_util::future::join_all(reads.iter().map(|(addr, kind, args)| async move {
                let lookup = named(kind).ok_or_else(|| {
                    ProviderError::new("mdl", "lookup", format!("no lookup kind `{kind}`"))
                })?;
                (lookup.read)(cx, args).await.map_err(|e| e.for_addr(addr))
            }))
            .await;
        for ((addr, _, _), result) in reads.iter().zip(results) {
            answers.insert(addr.clone(), result.map_err(Failure::Read)?);
        }
        left = waiting;
    }
    Ok(answers)
}
