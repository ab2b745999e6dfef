//! mdl: a declarative plan/apply engine for Moodle estates on AWS.
//!
//! The pipeline, one module per stage: `syntax` (parse) → `lang` (evaluate)
//! → `schema` + `check` → `graph` → `provider` (refresh) → `plan` (diff) →
//! `apply` (execute), with `state` keeping what was applied. See
//! ARCHITECTURE.md for the code map and the invariants.

pub mod check;
pub mod diagnostics;
pub mod syntax;
pub mod graph;
pub mod lang;
pub mod provider;
pub mod schema;
pub mod state;
pub mod value;
