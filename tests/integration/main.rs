//! The integration tests: one binary, no network. See tests/README.md.

mod apply;
mod check;
mod cli;
mod codes;
mod examples;
mod fmt;
mod fuzz;
mod parse;
mod plan;
mod snapshots;
mod stdlib;
mod support;
