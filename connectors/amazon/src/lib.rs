//! The amazon connector: the Selling Partner API with Login with Amazon tokens (cached,
//! refreshed once for all callers), per-operation rate limits, merchant-fulfilled quantity
//! updates through Listings Items patches, FBA inventory summaries, JSON listings feeds for
//! bulk updates, and an emulator of that part of the API.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - [`UpdateInventory`] and [`GetAllInventory`] are the op types; their params and results
//!   match the catalog.
//! - [`AmazonClient::bulk_update`] sends many SKUs as one listings feed, each SKU getting its
//!   own result.
//! - [`emulator::emulator_router`] builds the emulator (fixture format in [`emulator`]).

pub mod api;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod types;
pub mod webhook;

pub use api::{AmazonClient, Operation, SkuOutcome};
pub use config::AmazonSettings;
pub use ops::AmazonConnector;
pub use types::{
    AmazonConfig, GetAllInventory, GetAllInventoryParams, GetAllInventoryResult, UpdateInventory,
    UpdateInventoryParams, UpdateInventoryResult,
};

/// The connector's name in HandledScript.
pub const NAME: &str = "amazon";

/// The factory the runtime uses to build this connector.
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::AmazonFactory)
}
