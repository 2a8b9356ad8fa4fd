//! The wms connector: one generic REST + webhook connector for warehouse systems, shaped per
//! warehouse by a [`profile::Profile`] (`WMS_PROFILE`: `generic` (default), `shiphero`, `cin7`,
//! or a profile as JSON), and an emulator that serves the chosen profile's API.
//!
//! - [`connector()`]: the factory (`from_env`, `sandbox`, `sandbox_url`). In the sandbox the
//!   profile is the fixture's `profile` field (default `generic`).
//! - Ops ([`types`]): [`UpdateInventory`], [`GetAllInventory`].
//! - [`webhook`]: the `wms.inventoryChanged` trigger (signature, `events` filter, event id); the
//!   payload is the warehouse's own body.
//! - [`emulator`]: [`emulator::emulator_router`] and [`emulator::EmulatorHandle`].

pub mod api;
pub mod emulator;
pub mod path;
pub mod profile;
pub mod types;
pub mod webhook;

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

pub use api::{Config, WmsConnector};
pub use profile::Profile;
pub use types::*;

/// The factory of the wms connector.
pub fn connector() -> Box<dyn ConnectorFactory> {
    Box::new(WmsFactory)
}

/// Builds wms connectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct WmsFactory;

impl ConnectorFactory for WmsFactory {
    fn name(&self) -> &'static str {
        "wms"
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = Config::from_env(env)?;
        Ok(Arc::new(
            WmsConnector::new(config).map_err(|e| vec![e.message])?,
        ))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        Box::pin(sandboxed(
            "wms",
            fixture,
            api::RATE_LIMIT.set_in(env),
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
            |base, h, pace| {
                let config = Config {
                    base_url: base.to_string(),
                    api_key: h.api_key().to_string(),
                    webhook_secret: h.webhook_secret().to_string(),
                    profile: match pace {
                        Some(pace) => h.profile().clone().with_pace(pace),
                        None => h.profile().clone(),
                    },
                };
                Ok(Arc::new(WmsConnector::new(config).map_err(|e| e.message)?))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let profile = Profile::generic();
        let profile = match api::RATE_LIMIT.set_in(env)? {
            Some(pace) => profile.with_pace(pace),
            None => profile,
        };
        let config = Config {
            base_url: sandbox_base(url, "wms"),
            api_key: emulator::sandbox_key(&profile),
            webhook_secret: emulator::SANDBOX_WEBHOOK_SECRET.to_string(),
            profile,
        };
        Ok(Arc::new(WmsConnector::new(config).map_err(|e| e.message)?))
    }
}
