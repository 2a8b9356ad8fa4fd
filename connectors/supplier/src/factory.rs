//! Builds the supplier connector for the runtime: from the environment, or against an emulator.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::mail::{Mailer, Templates};
use handled_connector_core::{EmulatedFactory, Emulator, Pace};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::SupplierClient;
use crate::by_email::OrderMailer;
use crate::config::{DEFAULT_TEMPLATES_DIR, OrderTemplate, RATE_LIMIT, Settings, SupplierConfig};
use crate::emulator::{self, EmulatorHandle};
use crate::ops::{OPS, SupplierConnector};

/// Builds [`SupplierConnector`]s for the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct SupplierFactory;

/// The connector of settings read from the environment.
fn from_settings(settings: Settings) -> Result<SupplierConnector, String> {
    let api = settings
        .api
        .map(SupplierClient::new)
        .transpose()
        .map_err(|e| e.message)?;
    match (api, settings.email) {
        (api, Some(email)) => Ok(SupplierConnector::with_email(api, OrderMailer::new(email))),
        (Some(api), None) => Ok(SupplierConnector::new(api)),
        (None, None) => Err("missing environment variable SUPPLIER_API_URL".into()),
    }
}

/// The order template of a sandboxed connector: `purchase-order` in `./templates` (beside
/// the program, as the email connector's sandbox reads them), else the built-in one.
fn sandbox_template() -> OrderTemplate {
    OrderTemplate::default_in(Templates::Dir(DEFAULT_TEMPLATES_DIR.into()))
}

/// The connector of an in-process sandbox: its emulator's API, and its mailbox when the
/// fixture names suppliers that take orders by email.
fn sandboxed_connector(
    base: &str,
    handle: &EmulatorHandle,
    pace: Pace,
) -> Result<Arc<dyn Connector>, String> {
    let config = SupplierConfig::new(base, handle.api_key()).with_pace(pace);
    let client = SupplierClient::new(config).map_err(|e| e.message)?;
    let Some((smtp, from, suppliers)) = handle.order_email() else {
        return Ok(Arc::new(SupplierConnector::new(client)));
    };
    let from = from
        .parse()
        .map_err(|e| format!("supplier sandbox: sender {from:?}: {e}"))?;
    let mailer = Mailer::new(crate::NAME, smtp, pace);
    let mailer = OrderMailer::with_mailer(suppliers, from, sandbox_template(), mailer);
    Ok(Arc::new(SupplierConnector::with_email(
        Some(client),
        mailer,
    )))
}

impl ConnectorFactory for SupplierFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let settings = Settings::from_env(env)?;
        Ok(Arc::new(from_settings(settings).map_err(|e| vec![e])?))
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
            EmulatorHandle::state,
            sandboxed_connector,
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let base = sandbox_base(url, crate::NAME);
        let pace = RATE_LIMIT.or_default(env)?;
        let config = SupplierConfig::new(&base, None).with_pace(pace);
        let client = SupplierClient::new(config).map_err(|e| e.message)?;
        let discovery = format!("{base}/_smtp");
        Ok(Arc::new(SupplierConnector::discovering(
            client,
            &discovery,
            sandbox_template(),
            pace,
        )))
    }
}

impl EmulatedFactory for SupplierFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            EmulatorHandle::state,
        )))
    }
}
