//! Syntax: the `.moodle` grammar, the AST and the formatter.
//!
//! Owns: `ast`, `parser` (the only user of pest), `fast` (the same grammar
//! by hand, for well-formed files), `fmt`.
//! Must not import: `lang`, `schema`, `graph`, `provider`, `plan`, `apply`.

pub mod ast;
mod fast;
pub mod fmt;
pub mod parser;
pub mod terraform;

pub use fast::parse as parse_fast;
pub use parser::{parse, parse_reference};
