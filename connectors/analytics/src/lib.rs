//! The analytics connector: Segment's HTTP Tracking API (`analytics.track`), and an emulator
//! of it.
//!
//! - [`connector()`]: the factory (`from_env` reads `SEGMENT_WRITE_KEY`, `SEGMENT_BASE_URL`,
//!   `SEGMENT_RATE_LIMIT`).
//! - Op: [`Track`] ([`TrackParams`] → [`TrackResult`]); batching via
//!   [`AnalyticsConnector::batch`].
//! - [`emulator`]: [`emulator::emulator_router`] and [`emulator::EmulatorHandle`].

pub mod api;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod types;

pub use api::AnalyticsConnector;
pub use config::Config;
pub use types::*;

/// The connector's name in HandledScript.
pub const NAME: &str = "analytics";

/// The factory of the analytics connector.
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::AnalyticsFactory)
}
