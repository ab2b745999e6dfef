//! mdl: a declarative plan/apply engine for Moodle estates on AWS.
//!
//! The pipeline, one module per stage: `syntax` (parse) → `lang` (evaluate)
//! → `schema` + `check` → `graph` → `provider` (refresh) → `plan` (diff) →
//! `apply` (execute), with `state` keeping what was applied. See
//! ARCHITECTURE.md for the code map and the invariants.

pub mod addr;
pub mod apply;
pub mod bench;
pub mod check;
pub mod cli;
pub mod diagnostics;
pub mod digest;
pub mod engine;
pub mod export;
pub mod graph;
pub mod import;
pub mod kinds;
pub mod lang;
pub mod plan;
pub mod provider;
pub mod schema;
pub mod state;
pub mod stdlib;
pub mod syntax;
pub mod value;
