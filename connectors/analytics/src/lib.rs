//! The analytics connector: Segment's HTTP Tracking API (`analytics.track`), and an emulator
//! of it.
//!
//! - [`connector()`]: the factory (`from_env` reads `SEGMENT_WRITE_KEY`, `SEGMENT_BASE_URL`,
//!   `SEGMENT_RATE_LIMIT`).
//! - Op: [`Track`] ([`TrackParams`] → [`TrackResult`]); batching via
//!   [`AnalyticsConnector::batch`].
//! - [`emulator`]: [`emulator::emulator_router`] and [`emulator::EmulatorHandle`].

pub mod api;
pub mod emulator;
pub mod types;

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

pub use api::{AnalyticsConnector, Config};
pub use types::*;

/// The factory of the analytics connector.
pub fn connector() -> Box<dyn ConnectorFactory> {
    Box::new(AnalyticsFactory)
}

/// Builds analytics connectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnalyticsFactory;

impl ConnectorFactory for AnalyticsFactory {
    fn name(&self) -> &'static str {
        "analytics"
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = Config::from_env(env)?;
        Ok(Arc::new(
            AnalyticsConnector::new(config).map_err(|e| vec![e.message])?,
        ))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        Box::pin(sandboxed(
            "analytics",
            fixture,
            api::RATE_LIMIT.or_default(env),
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
            |base, h, pace| {
                let config = Config {
                    write_key: h.write_key().to_string(),
                    base_url: base.to_string(),
                    pace,
                };
                Ok(Arc::new(
                    AnalyticsConnector::new(config).map_err(|e| e.message)?,
                ))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let config = Config {
            write_key: emulator::SANDBOX_WRITE_KEY.to_string(),
            base_url: sandbox_base(url, "analytics"),
            pace: api::RATE_LIMIT.or_default(env)?,
        };
        Ok(Arc::new(
            AnalyticsConnector::new(config).map_err(|e| e.message)?,
        ))
    }
}
