//! The shopify connector: typed calls to the Shopify Admin GraphQL API (version 2026-04 by
//! default), the `shopify.inventoryChanged` webhook trigger, and an emulator of the API.
//!
//! - [`connector()`]: the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - Ops ([`types`]): [`FindProduct`], [`UpdateInventory`], [`GetInventoryLevels`],
//!   [`GetAllInventory`], [`UpdateProduct`], with their params and result structs.
//! - [`ShopifyConnector`] ([`api`]): the GraphQL client, paced by Shopify's cost bucket.
//! - [`webhook`]: HMAC check, topic filter and enrichment of `inventory_levels/update`.
//! - [`emulator`]: [`emulator::emulator_router`] and [`emulator::EmulatorHandle`].
//! - [`catalog`]: every item's id by SKU, read by one bulk operation for large batches.
//! - [`queries`]: every GraphQL document sent (validated against the schema in the tests).

pub mod api;
pub mod bulk;
pub mod catalog;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod queries;
mod recent;
pub mod types;
pub mod webhook;

pub use api::ShopifyConnector;
pub use config::Config;
pub use types::*;

/// The connector's name in HandledScript.
pub const NAME: &str = "shopify";

/// The factory of the shopify connector.
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::ShopifyFactory)
}
