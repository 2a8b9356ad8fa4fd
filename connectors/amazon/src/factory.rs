//! Builds the amazon connector for the runtime: from the environment, or against an emulator.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::AmazonClient;
use crate::config::AmazonSettings;
use crate::emulator;
use crate::ops::{AmazonConnector, OPS};

/// Builds [`AmazonConnector`]s for the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct AmazonFactory;

impl ConnectorFactory for AmazonFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let settings = AmazonSettings::from_env(env)?;
        let client = AmazonClient::new(settings).map_err(|e| vec![e.message])?;
        Ok(Arc::new(AmazonConnector::new(client)))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        _env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        Box::pin(sandboxed(
            crate::NAME,
            fixture,
            Ok(()),
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
            |base, h, ()| {
                let client = AmazonClient::new(h.settings(base)).map_err(|e| e.message)?;
                Ok(Arc::new(AmazonConnector::new(client)))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, _env: &Env) -> Result<Arc<dyn Connector>, String> {
        let base = sandbox_base(url, crate::NAME);
        let client = AmazonClient::new(emulator::default_settings(&base)).map_err(|e| e.message)?;
        Ok(Arc::new(AmazonConnector::new(client)))
    }
}

impl EmulatedFactory for AmazonFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
        )))
    }
}
