//! Builds the ebay connector for the runtime: from the environment, or against an emulator.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::EbayClient;
use crate::config::{EbaySettings, RATE_LIMIT};
use crate::emulator;
use crate::ops::{EbayConnector, OPS};

/// Builds [`EbayConnector`]s for the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct EbayFactory;

impl ConnectorFactory for EbayFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let settings = EbaySettings::from_env(env)?;
        let client = EbayClient::new(settings).map_err(|e| vec![e.message])?;
        Ok(Arc::new(EbayConnector::new(client)))
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
                    EbayClient::new(h.settings(base).with_pace(pace)).map_err(|e| e.message)?;
                Ok(Arc::new(EbayConnector::new(client)))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let base = sandbox_base(url, crate::NAME);
        let settings = EbaySettings::new(
            &base,
            emulator::DEFAULT_CLIENT_ID,
            emulator::DEFAULT_CLIENT_SECRET,
            emulator::DEFAULT_REFRESH_TOKEN,
        )
        .with_pace(RATE_LIMIT.or_default(env)?);
        let client = EbayClient::new(settings).map_err(|e| e.message)?;
        Ok(Arc::new(EbayConnector::new(client)))
    }
}

impl EmulatedFactory for EbayFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
        )))
    }
}
