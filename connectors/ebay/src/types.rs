//! The ebay op's parameter and result types (they match the catalog exactly) and the Sell
//! Inventory API wire types the connector and the emulator share.

use handled_contract::Op;
use serde::{Deserialize, Serialize};

/// Static credentials given in an op's `config` (the bearer used instead of the refresh flow).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EbayConfig {
    /// The application key.
    pub api_key: String,
    /// A user access token.
    pub token: String,
}

/// Parameters of `ebay.updateInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateInventoryParams {
    /// The inventory item SKU.
    pub sku: String,
    /// The quantity to set (item and its offers).
    pub quantity: i64,
    /// Credentials (default: the OAuth refresh flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<EbayConfig>,
}

/// Result of `ebay.updateInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInventoryResult {
    /// The SKU.
    pub sku: String,
    /// eBay's per-SKU status code.
    pub status_code: i64,
}

/// The op `ebay.updateInventory` (`bulkUpdatePriceQuantity`).
#[derive(Clone, Copy, Debug, Default)]
pub struct UpdateInventory;

impl Op for UpdateInventory {
    const CONNECTOR: &'static str = "ebay";
    const NAME: &'static str = "updateInventory";
    type Params = UpdateInventoryParams;
    type Output = UpdateInventoryResult;
}

// ---------------------------------------------------------------------------------------------
// Wire types (Sell Inventory v1 JSON names).

/// The OAuth token endpoint's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    /// `v^1.1#…`.
    pub access_token: String,
    /// Seconds until it expires (7200).
    pub expires_in: u64,
    /// `User Access Token` or `Application Access Token`.
    #[serde(default)]
    pub token_type: Option<String>,
}

/// `{"quantity": n}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShipToLocationAvailability {
    /// The quantity available.
    pub quantity: i64,
}

/// One offer's new quantity in a bulk update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferPriceQuantity {
    /// The offer.
    pub offer_id: String,
    /// Its available quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_quantity: Option<i64>,
}

/// One entry of `bulk_update_price_quantity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuantity {
    /// The SKU.
    pub sku: String,
    /// The item's quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to_location_availability: Option<ShipToLocationAvailability>,
    /// Its offers' quantities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<OfferPriceQuantity>,
}

/// The body of `bulk_update_price_quantity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkPriceQuantity {
    /// At most 25 entries.
    pub requests: Vec<PriceQuantity>,
}

/// One per-item answer of `bulk_update_price_quantity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuantityResponse {
    /// The item's status code (200 on success).
    pub status_code: i64,
    /// The SKU.
    pub sku: String,
    /// The offer, for offer entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    /// Errors.
    #[serde(default)]
    pub errors: Vec<EbayError>,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<EbayError>,
}

/// The answer of `bulk_update_price_quantity` (200 or 207).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkPriceQuantityResponse {
    /// One entry per SKU and offer.
    #[serde(default)]
    pub responses: Vec<PriceQuantityResponse>,
}

/// One eBay error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EbayError {
    /// The numeric error id (2001, 25001, 25709, …).
    pub error_id: i64,
    /// `API_INVENTORY`, `ACCESS`, …
    #[serde(default)]
    pub domain: String,
    /// `REQUEST`, `APPLICATION` or `BUSINESS`.
    #[serde(default)]
    pub category: String,
    /// The message.
    #[serde(default)]
    pub message: String,
    /// A longer message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
}

impl EbayError {
    /// An error of the inventory API.
    pub fn new(error_id: i64, category: &str, message: &str) -> Self {
        EbayError {
            error_id,
            domain: "API_INVENTORY".into(),
            category: category.into(),
            message: message.into(),
            long_message: None,
        }
    }
}

/// eBay's error envelope.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The errors.
    #[serde(default)]
    pub errors: Vec<EbayError>,
}

/// One inventory item as `getInventoryItems` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItem {
    /// The SKU.
    pub sku: String,
    /// Availability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
}

/// An item's availability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    /// The quantity available for shipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to_location_availability: Option<ShipToLocationAvailability>,
}

/// One page of `getInventoryItems`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemsPage {
    /// This page's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// The page size.
    #[serde(default)]
    pub limit: i64,
    /// The next page's URL, absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The number of pages.
    #[serde(default)]
    pub size: i64,
    /// The number of items.
    #[serde(default)]
    pub total: i64,
    /// The items.
    #[serde(default)]
    pub inventory_items: Vec<InventoryItem>,
}

/// One offer as `getOffers` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    /// The offer's id.
    pub offer_id: String,
    /// The SKU.
    pub sku: String,
    /// The marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    /// `FIXED_PRICE` or `AUCTION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The offer's quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_quantity: Option<i64>,
    /// `PUBLISHED` or `UNPUBLISHED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The answer of `getOffers`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffersPage {
    /// The offers.
    #[serde(default)]
    pub offers: Vec<Offer>,
    /// The number of offers.
    #[serde(default)]
    pub total: i64,
    /// Next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}
