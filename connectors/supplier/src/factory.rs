//! Builds the supplier connector for the runtime: from the environment, or against an emulator.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::SupplierClient;
use crate::config::{RATE_LIMIT, SupplierConfig};
use crate::emulator;
use crate::ops::{OPS, SupplierConnector};

/// Builds [`SupplierConnector`]s for the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct SupplierFactory;

impl ConnectorFactory for SupplierFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = SupplierConfig::from_env(env)?;
        let client = SupplierClient::new(config).map_err(|e| vec![e.message])?;
        Ok(Arc::new(SupplierConnector::new(client)))
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
                let client =
                    SupplierClient::new(SupplierConfig::new(base, h.api_key()).with_pace(pace))
                        .map_err(|e| e.message)?;
                Ok(Arc::new(SupplierConnector::new(client)))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let base = sandbox_base(url, crate::NAME);
        let config = SupplierConfig::new(&base, None).with_pace(RATE_LIMIT.or_default(env)?);
        let client = SupplierClient::new(config).map_err(|e| e.message)?;
        Ok(Arc::new(SupplierConnector::new(client)))
    }
}

impl EmulatedFactory for SupplierFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
        )))
    }
}
