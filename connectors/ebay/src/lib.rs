//! The ebay connector: the Sell Inventory API v1 with a user token from the OAuth
//! refresh-token grant (or a static token given in the op's `config`), quantity updates through
//! `bulkUpdatePriceQuantity` (item and every offer of the SKU, up to 25 SKUs per call: see
//! below), inventory listing by following `next` links, and an emulator of that part of the
//! API.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - [`UpdateInventory`] is the op type; [`UpdateInventoryParams`] and
//!   [`UpdateInventoryResult`] match the catalog.
//! - [`EbayClient::bulk_update`] updates many SKUs in as few calls as possible, each SKU getting
//!   its own result; [`EbayClient::get_all_inventory`] pages through every inventory item.
//! - [`emulator::emulator_router`] builds the emulator (fixture format in [`emulator`]).
//!
//! ## How many SKUs one `bulkUpdatePriceQuantity` call takes
//!
//! The contract in `specs/` (Sell Inventory API 1.18.0) says two things. The method's
//! description: "Up to 25 offers associated with an inventory item may be updated with one
//! bulkUpdatePriceQuantity call. Only one SKU (one product) can be updated per call." Its
//! request type: `BulkPriceQuantity.requests` updates "the total 'ship-to-home' quantity of one
//! or more inventory items (up to 25)", and `PriceQuantity` is for "one or more inventory
//! items". We take the second: up to 25 entries a call, each its own SKU with its offers, the
//! one limit [`api::MAX_BULK_ENTRIES`] that the connector batches by and the emulator refuses
//! beyond. The evidence:
//!
//! - eBay's guide to the call (Selling Integration Guide, "Bulk updates",
//!   <https://developer.ebay.com/api-docs/sell/static/inventory/bulk-updates.html>): "Up to 25
//!   inventory item records (and the active offers associated with them) may be updated with
//!   one bulkUpdatePriceQuantity call", and "a statusCode field will be returned for each
//!   SKU/offer that the seller attempted to update".
//! - eBay's type reference (`…/api-docs/sell/inventory/types/slr:BulkPriceQuantity` and
//!   `slr:PriceQuantity`) says "one or more inventory items (up to 25)"; each entry of the
//!   answer (`PriceQuantityResponse`) names its own `sku`, which a call of one SKU would not
//!   need.
//! - The one-SKU sentence is the method's oldest text: it stands word for word on the method
//!   page of API version 1.5.0
//!   (<https://developer.ebay.com/api-docs/sell/inventory/resources/inventory_item/methods/bulkUpdatePriceQuantity>),
//!   beside statements later versions corrected (that `Authorization` is the only header the
//!   call needs; `Content-Type` is required now). The types were rewritten for several
//!   inventory items; the method's first paragraph was not.
//! - The clients generated from eBay's contracts carry the same "(up to 25)" inventory items
//!   on the request type (hendt/ebay-api, where our copy of the contract comes from;
//!   brandon14/ebay-sdk-php; nopolabs/ebay_restful_apis; agtt/ebay-openapi-inventory), and
//!   integrations in public code send several SKUs a call in chunks of 25. We found no report
//!   of eBay refusing a call for holding more than one SKU.
//!
//! How sure: fairly, not certain. No statement of eBay's settles the contradiction, and we
//! have no captured answer of eBay's to a call of several SKUs. Were eBay to refuse one, the
//! whole call would fail with a 4xx and each of its SKUs would get that error (Permanent); the
//! fix would be [`api::MAX_BULK_ENTRIES`] = 1, which the connector and the emulator would both
//! follow.
//!
//! ## Paging: `offset` is a page number
//!
//! The contract documents `offset` of both `getInventoryItems` and `getOffers` as "the page
//! number to retrieve. The first page of records has a value of 0, the second page of records
//! has a value of 1, and so on", and `InventoryItems.size` as the number of pages. The
//! emulator pages so (page `n` of `limit` records starts at record `n·limit`), and its `next`
//! and `prev` links carry page numbers. Much client code passes record offsets (0, 25, 50)
//! instead, which suggests eBay's servers may not do what the text says; so the connector never
//! computes an offset: [`EbayClient::get_all_inventory`] asks for `offset=0` (the first page
//! under either reading) and then follows each answer's `next` link to the end, which reads
//! every item once whichever meaning the server gives `offset`. It reads `getOffers` as one
//! page of 100: a SKU has at most 25 offers (`Offers.offers`, "Max Occurs: 25").

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
