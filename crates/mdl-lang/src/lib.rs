//! The `.moodle` language, on its own: `syntax` (parse, format) → `lang`
//! (load and evaluate) → `schema` types + `check` → `graph`, over the
//! shared vocabulary at the bottom (`addr`, `value`, `digest`,
//! `diagnostics`). No AWS crate and no async runtime are below it.
//!
//! What kinds exist is not this crate's to say: the `mdl` crate's registry
//! of kinds gives their schemas as a `schema::Kinds` to `lang::load_source`,
//! and every later phase reads them from the loaded `Config`.

pub mod addr;
pub mod check;
pub mod diagnostics;
pub mod digest;
pub mod graph;
pub mod lang;
pub mod schema;
pub mod stdlib;
pub mod syntax;
pub mod value;
