//! Language: loading a file into a `Config` (params, resources, outputs) and
//! evaluating expressions. Evaluation never touches the network: values that
//! AWS assigns come in through the [`Computed`] lookup, or are `Unknown`.
//!
//! Must not import: `graph`, `provider`, `plan`, `apply`, `state`.

mod eval;
mod functions;
mod load;

pub use eval::{Computed, Evaluator, NoComputed};
pub use load::{Config, ParamValue, Resource, load_file, load_source};

use std::fmt;

/// The address of a resource instance: `KIND.NAME`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub kind: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> ResourceAddr {
        ResourceAddr {
            kind: kind.into(),
            name: name.into(),
        }
    }

    /// Parse `KIND.NAME`.
    pub fn parse(s: &str) -> Option<ResourceAddr> {
        let (kind, name) = s.split_once('.')?;
        if kind.is_empty() || name.is_empty() || name.contains('.') {
            return None;
        }
        Some(ResourceAddr::new(kind, name))
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

/// Attribute names the language itself interprets inside a resource block.
pub const META_ATTRIBUTES: &[&str] = &["depends_on", "protect"];
