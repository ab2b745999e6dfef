//! Language: loading a file into a `Config` (params, resources, outputs) and
//! evaluating expressions. Evaluation never touches the network: values that
//! AWS assigns come in through the [`Computed`] lookup, or are `Unknown`.
//!
//! Must not import: `graph`, `provider`, `plan`, `apply`, `state`.

mod eval;
pub mod files;
pub mod functions;
mod load;
pub mod refactor;
pub mod stack;

pub use crate::addr::{ResourceAddr, key_suffix};
pub use eval::{Computed, Evaluator, NoComputed, Scope};
pub use load::{
    Config, Declared, Each, ModuleDef, ModuleInstance, ParamValue, Resource, load_file,
    load_source, type_matches, type_text,
};

/// Attribute names the language itself interprets inside a resource block.
pub const META_ATTRIBUTES: &[&str] = &["depends_on", "protect", "for_each", "when"];
