//! Apply: the executor that carries out a plan. It builds its own graph
//! from the plan (never the configuration's graph), starts each step as
//! soon as the steps it needs are done, up to a parallelism bound, and
//! journals every finished step to state before its dependents start. A
//! failed step skips its dependents; independent steps go on.
//!
//! The only module besides providers that uses tokio.

mod executor;

pub use executor::{ApplyReport, Event, Outcome, Pace, Step, StepKind, apply};
