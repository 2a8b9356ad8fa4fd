//! `handled-sandbox`: every channel's API emulator on one port, as a process of its own, so
//! that channel state outlives the program under test (CONNECTORS.md §3); and a feeder that
//! sends a realistic stream of signed webhooks to a served program and checks that every
//! channel converges.
//!
//! - [`server`]: [`start`] (in-process, loopback), [`server::serve`], the routes.
//! - [`persist`]: `--state FILE`, the emulators' stock written back as a fixture.
//! - [`feed`]: the webhook stream, its signatures, and the convergence report.

pub mod feed;
pub mod persist;
pub mod server;

pub use server::{Emulators, Sandbox, factories, start};
