//! The amazon connector: the Selling Partner API with Login with Amazon tokens (cached,
//! refreshed once for all callers), per-operation rate limits, merchant-fulfilled quantity
//! updates through Listings Items patches, JSON listings feeds for bulk updates, reads of the
//! same quantity through `searchListingsItems`, FBA inventory summaries, and an emulator of
//! that part of the API.
//!
//! Two stocks. A SKU's merchant-fulfilled quantity (the `DEFAULT` channel of the listing's
//! `fulfillment_availability`) is the seller's to set; its FBA quantity is what Amazon holds in
//! its fulfilment centres and only Amazon changes. `amazon.updateInventory` writes the first,
//! and `amazon.getAllInventory` reads the first, so that a reconciliation reads back what it
//! wrote. [`AmazonClient::get_fba_inventory`] reads the second (FBA inventory summaries).
//!
//! How `getAllInventory` reads, at Amazon's published rates: `searchListingsItems` of the
//! seller's listings with `includedData=summaries,fulfillmentAvailability` answers 20 listings
//! a request at 5 requests a second (burst 5): N SKUs cost ⌈N/20⌉ requests, 100 SKUs a second,
//! as many as FBA summaries gave (50 a page at 2 a second). `getListingsItem` per SKU costs N
//! requests (5 SKUs a second), 20 times as many. The merchant listings report
//! (`GET_MERCHANT_LISTINGS_ALL_DATA`) costs a few requests whatever N (create, polls, the
//! document), but `createReport` allows about one a minute and Amazon takes minutes to build
//! it, and it is a snapshot of an earlier moment rather than of the listings the patches just
//! changed. The search also reads exactly the attribute the patches write. Amazon pages
//! through at most 1,000 results of one query; longer catalogs are read in windows of
//! creation dates ([`AmazonClient::get_all_inventory`]).
//!
//! Patches `merge` rather than `replace` `fulfillment_availability`
//! ([`types::PatchOperation::fulfillment_quantity`]): a `merge` giving only the quantity keeps
//! the merchant's handling time (`lead_time_to_ship_max_days`) and restock date
//! (`restock_date`), where a `replace` would clear them (Amazon's "Merge a listing" tutorial;
//! the emulator models both).
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
