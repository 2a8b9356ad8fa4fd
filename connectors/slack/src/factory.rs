//! Builds the slack connector for the runtime: from the environment, or against an emulator.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::SlackClient;
use crate::config::{RATE_LIMIT, SlackConfig};
use crate::emulator;
use crate::ops::{OPS, SlackConnector};

/// Builds [`SlackConnector`]s for the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct SlackFactory;

impl ConnectorFactory for SlackFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = SlackConfig::from_env(env)?;
        let client = SlackClient::new(config).map_err(|e| vec![e.message])?;
        Ok(Arc::new(SlackConnector::new(client)))
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
                let config = SlackConfig::new(&format!("{base}/api"), &h.token()).with_pace(pace);
                let client = SlackClient::new(config).map_err(|e| e.message)?;
                Ok(Arc::new(SlackConnector::new(client)))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let base = format!("{}/api", sandbox_base(url, crate::NAME));
        let client = SlackClient::new(
            SlackConfig::new(&base, emulator::DEFAULT_TOKEN).with_pace(RATE_LIMIT.or_default(env)?),
        )
        .map_err(|e| e.message)?;
        Ok(Arc::new(SlackConnector::new(client)))
    }
}

impl EmulatedFactory for SlackFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
        )))
    }
}
