//! The shopify connector: typed calls to the Shopify Admin GraphQL API (version 2026-04 by
//! default), the `shopify.inventoryChanged` webhook trigger, and an emulator of the API.
//!
//! - [`connector()`]: the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - Ops ([`types`]): [`FindProduct`], [`UpdateInventory`], [`GetInventoryLevels`],
//!   [`GetAllInventory`], [`UpdateProduct`], with their params and result structs.
//! - [`ShopifyConnector`] ([`api`]): the GraphQL client, paced by Shopify's cost bucket.
//! - [`webhook`]: HMAC check, topic filter and enrichment of `inventory_levels/update`.
//! - [`emulator`]: [`emulator::emulator_router`] and [`emulator::EmulatorHandle`].
//! - [`queries`]: every GraphQL document sent (validated against the schema in the tests).

pub mod api;
pub mod config;
pub mod emulator;
pub mod queries;
mod recent;
pub mod types;
pub mod webhook;

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use emulator::EmulatorHandle;

pub use api::ShopifyConnector;
pub use config::Config;
pub use types::*;

/// The factory of the shopify connector.
pub fn connector() -> Box<dyn ConnectorFactory> {
    Box::new(ShopifyFactory)
}

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
        "shopify"
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
            "shopify",
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

    fn sandbox_url(&self, url: &str, _env: &Env) -> Result<Arc<dyn Connector>, String> {
        let config = sandbox_config(
            &sandbox_base(url, "shopify"),
            emulator::SANDBOX_TOKEN,
            emulator::SANDBOX_WEBHOOK_SECRET,
        );
        Ok(Arc::new(
            ShopifyConnector::new(config).map_err(|e| e.message)?,
        ))
    }
}
