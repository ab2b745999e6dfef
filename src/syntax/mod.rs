//! Syntax: the `.moodle` grammar, the AST and the formatter.
//!
//! Owns: `ast`, `parser` (the only user of pest), `fmt`.
//! Must not import: `lang`, `schema`, `graph`, `provider`, `plan`, `apply`.

pub mod ast;
pub mod fmt;
pub mod parser;

pub use parser::parse;
