//! Builds the analytics connector for the runtime: from the environment, or against an
//! emulator.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::AnalyticsConnector;
use crate::config::{Config, RATE_LIMIT};
use crate::emulator;
use crate::ops::OPS;

/// Builds analytics connectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnalyticsFactory;

impl ConnectorFactory for AnalyticsFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
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
            crate::NAME,
            fixture,
            RATE_LIMIT.or_default(env),
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
            base_url: sandbox_base(url, crate::NAME),
            pace: RATE_LIMIT.or_default(env)?,
        };
        Ok(Arc::new(
            AnalyticsConnector::new(config).map_err(|e| e.message)?,
        ))
    }
}

impl EmulatedFactory for AnalyticsFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
        )))
    }
}
