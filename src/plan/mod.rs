//! Plans: refreshing live state, diffing it against the configuration per
//! attribute, and rendering the result for people.
//!
//! Must not import: `apply`, `aws_sdk_*`.

mod diff;
pub mod json;
mod refresh;
pub mod render;

pub use diff::{Action, AttrChange, Change, Options, Plan, PlanComputed, diff, diff_with};
pub use refresh::{Live, ReadOptions, refresh, refresh_with};
