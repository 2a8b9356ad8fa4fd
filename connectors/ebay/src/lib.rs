//! The ebay connector: the Sell Inventory API v1 with a user token from the OAuth
//! refresh-token grant (or a static token given in the op's `config`), quantity updates through
//! `bulkUpdatePriceQuantity` (item and every offer of the SKU, 25 SKUs per call), inventory
//! listing by following `next` links, and an emulator of that part of the API.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - [`UpdateInventory`] is the op type; [`UpdateInventoryParams`] and
//!   [`UpdateInventoryResult`] match the catalog.
//! - [`EbayClient::bulk_update`] updates many SKUs in as few calls as possible, each SKU getting
//!   its own result; [`EbayClient::get_all_inventory`] pages through every inventory item.
//! - [`emulator::emulator_router`] builds the emulator (fixture format in [`emulator`]).

pub mod api;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod types;
pub mod webhook;

pub use api::{EbayClient, classify_item_error};
pub use config::EbaySettings;
pub use ops::EbayConnector;
pub use types::{EbayConfig, UpdateInventory, UpdateInventoryParams, UpdateInventoryResult};

/// The connector's name in HandledScript.
pub const NAME: &str = "ebay";

/// The factory the runtime uses to build this connector.
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::EbayFactory)
}
