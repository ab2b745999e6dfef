//! End-to-end tests: the real `mdl` binary against `moto_server` on
//! 127.0.0.1 at a free port, one emulator per test.
//!
//! moto comes from the project's own virtualenv (`scripts/moto-env.sh`, run
//! by `scripts/test.sh`). Without it these tests fail, saying how to install
//! it; they never skip.

mod backend;
mod compute;
mod contract;
mod crash;
mod data;
mod database;
mod edge;
mod events;
mod examples;
mod export;
mod faults;
mod flags;
mod harness;
mod identity;
mod import_stack;
mod known;
mod lookups;
mod network;
mod pipes;
mod proxy;
mod reads;
mod refactor;
mod secrets;
mod signals;
mod state;
mod tutorial;
