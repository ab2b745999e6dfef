//! mdl: a declarative plan/apply engine for Moodle estates on AWS.
//!
//! The pipeline, one module per stage: `syntax` (parse) → `lang` (evaluate)
//! → `schema` + `check` → `graph` → `provider` (refresh) → `plan` (diff) →
//! `apply` (execute), with `state` keeping what was applied. See
//! ARCHITECTURE.md for the code map and the invariants.

pub mod apply;
pub mod bench;
pub mod cli;
pub mod engine;
pub mod export;
pub mod import;
pub mod kinds;
pub mod log;
pub mod lookups;
pub mod plan;
pub mod provider;
pub mod state;

// The language, below everything here: its own crate, which no AWS crate
// is under (crates/mdl-lang). Its modules keep their paths in this one.
pub use mdl_lang::{addr, check, diagnostics, digest, graph, lang, schema, stdlib, syntax, value};
