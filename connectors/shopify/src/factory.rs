//! Builds the shopify connector for the runtime: from the environment, or against an emulator.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::ShopifyConnector;
use crate::config::{self, Config};
use crate::emulator::{self, EmulatorHandle};
use crate::ops::OPS;

/// Builds shopify connectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShopifyFactory;

fn sandbox_config(base_url: &str, token: &str, secret: &str) -> Config {
    Config {
        store: emulator::SANDBOX_SHOP.to_string(),
        base_url: base_url.trim_end_matches('/').to_string(),
        access_token: token.to_string(),
        webhook_secret: secret.to_string(),
        api_version: config::DEFAULT_API_VERSION.to_string(),
    }
}

impl ConnectorFactory for ShopifyFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = Config::from_env(env)?;
        let connector = ShopifyConnector::new(config).map_err(|e| vec![e.message])?;
        Ok(Arc::new(connector))
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
            EmulatorHandle::state,
            |base, h, ()| {
                let config = sandbox_config(base, h.access_token(), h.webhook_secret());
                Ok(Arc::new(
                    ShopifyConnector::new(config).map_err(|e| e.message)?,
                ))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let config = sandbox_config(
            &sandbox_base(url, crate::NAME),
            env.get(TOKEN).unwrap_or(emulator::SANDBOX_TOKEN),
            env.get(SECRET).unwrap_or(emulator::SANDBOX_WEBHOOK_SECRET),
        );
        Ok(Arc::new(
            ShopifyConnector::new(config).map_err(|e| e.message)?,
        ))
    }

    fn sandbox_credentials(&self, fixture: Option<&Json>) -> Vec<(&'static str, String)> {
        let given = |field: &str, default: &str| {
            fixture
                .and_then(|f| f[field].as_str())
                .unwrap_or(default)
                .to_string()
        };
        vec![
            (TOKEN, given("accessToken", emulator::SANDBOX_TOKEN)),
            (
                SECRET,
                given("webhookSecret", emulator::SANDBOX_WEBHOOK_SECRET),
            ),
        ]
    }
}

/// The access token's variable.
const TOKEN: &str = "SHOPIFY_ACCESS_TOKEN";
/// The webhook secret's variable.
const SECRET: &str = "SHOPIFY_WEBHOOK_SECRET";

impl EmulatedFactory for ShopifyFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
        )))
    }
}
