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

mod ami;
mod caller;
mod certificate;
mod stack;
mod vpc;
mod zone;

use futures_util::future::BoxFuture;
use indexmap::IndexMap;

use crate::addr::ResourceAddr;
use crate::provider::ProviderError;
use crate::provider::aws::AwsProvider;
use crate::schema::KindSchema;
use crate::value::Value;

/// What a lookup reads with: the provider, the account and region the run
/// was confirmed in, and the directory of the file run (where paths in
/// arguments start).
pub struct Context<'a> {
    pub provider: &'a AwsProvider,
    pub account_id: &'a str,
    pub region: &'a str,
    pub dir: &'a std::path::Path,
}

/// The answer of a lookup: its computed values by name.
pub type Answer = IndexMap<String, Value>;

/// One lookup block to read: its address and evaluated arguments.
pub struct Query<'a> {
    pub addr: &'a ResourceAddr,
    pub args: &'a IndexMap<String, Value>,
}

impl Query<'_> {
    /// A string argument, when set.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.args.get(name) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// A lookup that found nothing, or more than one thing where it needs
/// one: said at the argument that chose, with what to do.
#[derive(Debug)]
pub struct Miss {
    /// `lookup::not_found` or `lookup::ambiguous`.
    pub code: &'static str,
    /// The argument the label is on.
    pub attr: &'static str,
    pub message: String,
    pub help: String,
}

impl Miss {
    pub fn not_found(attr: &'static str, message: String, help: impl Into<String>) -> Miss {
        Miss {
            code: "lookup::not_found",
            attr,
            message,
            help: help.into(),
        }
    }

    pub fn ambiguous(attr: &'static str, message: String, help: impl Into<String>) -> Miss {
        Miss {
            code: "lookup::ambiguous",
            attr,
            message,
            help: help.into(),
        }
    }
}

/// What one block's read found.
pub type Found = Result<Answer, Miss>;

/// A lookup kind's read: every block of the kind at once (so that it
/// batches its calls), one result per block, in order.
pub type Read = for<'a> fn(
    &'a Context<'a>,
    &'a [Query<'a>],
) -> BoxFuture<'a, Result<Vec<Found>, ProviderError>>;

/// One lookup kind.
pub struct Lookup {
    pub schema: &'static KindSchema,
    /// Read its blocks, given their evaluated arguments.
    pub read: Read,
    /// A computed value in a CloudFormation export (a pseudo parameter, a
    /// resolved parameter), given the block's evaluated arguments; `None`
    /// where the export cannot say it.
    pub cloudformation: fn(attr: &str, args: &IndexMap<String, Value>) -> Option<serde_json::Value>,
}

/// Every lookup kind, in documentation order.
pub static LOOKUPS: &[&Lookup] = &[
    &caller::LOOKUP,
    &ami::LOOKUP,
    &vpc::LOOKUP,
    &zone::LOOKUP,
    &certificate::LOOKUP,
    &stack::LOOKUP,
];

/// The lookup kind of a name.
pub fn named(name: &str) -> Option<&'static Lookup> {
    LOOKUPS.iter().copied().find(|l| l.schema.name == name)
}

/// A domain as compared: lower case, no trailing dot.
fn domain(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
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

/// The diagnostic of a lookup that found nothing, or too much.
fn missed(res: &crate::lang::Resource, miss: Miss) -> crate::diagnostics::Diagnostic {
    let label = match miss.code {
        "lookup::ambiguous" => "more than one thing matches this",
        _ => "nothing matches this",
    };
    crate::diagnostics::Diagnostic::error(miss.code, miss.message, res.attr_span(miss.attr), label)
        .with_help(miss.help)
}

/// Values of lookups answered so far; every other value is unknown.
pub struct Answered<'a>(pub &'a IndexMap<ResourceAddr, Answer>);

impl crate::lang::Computed for Answered<'_> {
    fn get(&self, addr: &ResourceAddr, attr: &str) -> Option<Value> {
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
) -> Result<IndexMap<ResourceAddr, Answer>, Failure> {
    use crate::diagnostics::Diagnostic;
    let mut answers: IndexMap<ResourceAddr, Answer> = IndexMap::new();
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
        // One read per kind, of all its ready blocks, the kinds at once.
        let mut by_kind: IndexMap<&'static str, Vec<usize>> = IndexMap::new();
        for (i, (_, kind, _)) in reads.iter().enumerate() {
            by_kind.entry(kind).or_default().push(i);
        }
        let results = futures_util::future::join_all(by_kind.iter().map(|(kind, items)| {
            let queries: Vec<Query> = items
                .iter()
                .map(|&i| Query {
                    addr: &reads[i].0,
                    args: &reads[i].2,
                })
                .collect();
            async move {
                let lookup = named(kind).ok_or_else(|| {
                    ProviderError::new("mdl", "lookup", format!("no lookup kind `{kind}`"))
                })?;
                // A failed call names the first block it was for.
                let found = (lookup.read)(cx, &queries).await.map_err(|e| {
                    if e.addr.is_some() {
                        e
                    } else {
                        e.for_addr(queries[0].addr)
                    }
                })?;
                if found.len() == queries.len() {
                    Ok(found)
                } else {
                    Err(ProviderError::new(
                        "mdl",
                        "lookup",
                        format!(
                            "the `{kind}` lookup answered {} of {} blocks",
                            found.len(),
                            queries.len()
                        ),
                    ))
                }
            }
        }))
        .await;
        let mut misses = Vec::new();
        for ((_, items), result) in by_kind.iter().zip(results) {
            for (&i, found) in items.iter().zip(result.map_err(Failure::Read)?) {
                let addr = &reads[i].0;
                match found {
                    Ok(answer) => {
                        answers.insert(addr.clone(), answer);
                    }
                    Err(miss) => {
                        if let Some(res) = config.lookups.get(addr) {
                            misses.push(missed(res, miss));
                        }
                    }
                }
            }
        }
        if !misses.is_empty() {
            return Err(Failure::Invalid(misses));
        }
        left = waiting;
    }
    Ok(answers)
}
