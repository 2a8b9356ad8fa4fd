//! The ops' parameter and result types, exactly as the catalog declares them, and the op types
//! that link each catalog entry to them.

use handled_contract::types::SkuQuantity;
use handled_contract::{Json, Op};
use serde::{Deserialize, Serialize};

macro_rules! op {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $params:ty, $output:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $ty;
        impl Op for $ty {
            const CONNECTOR: &'static str = "shopify";
            const NAME: &'static str = $name;
            type Params = $params;
            type Output = $output;
        }
    };
}

op!(
    /// `shopify.findProduct`: the variant with this exact SKU.
    FindProduct, "findProduct", FindProductParams, FindProductResult
);
op!(
    /// `shopify.updateInventory`: sets an available quantity (inventorySetQuantities).
    UpdateInventory, "updateInventory", UpdateInventoryParams, UpdateInventoryResult
);
op!(
    /// `shopify.getInventoryLevels`: every level at a location, with its product.
    GetInventoryLevels, "getInventoryLevels", GetInventoryLevelsParams, GetInventoryLevelsResult
);
op!(
    /// `shopify.getAllInventory`: every SKU's available quantity.
    GetAllInventory, "getAllInventory", GetAllInventoryParams, GetAllInventoryResult
);
op!(
    /// `shopify.updateProduct`: status, tags or title of a product found by SKU.
    UpdateProduct, "updateProduct", UpdateProductParams, UpdateProductResult
);

/// Parameters of `shopify.findProduct`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FindProductParams {
    /// The SKU to look up (exact match).
    pub sku: String,
}

/// Result of `shopify.findProduct`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindProductResult {
    /// The product GID.
    pub product_id: String,
    /// The variant GID.
    pub variant_id: String,
    /// The inventory item GID.
    pub inventory_item_id: String,
    /// The SKU.
    pub sku: String,
    /// The product's title.
    pub title: String,
}

/// Parameters of `shopify.updateInventory`: `sku`, or `productId` with `variantId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateInventoryParams {
    /// The available quantity to set.
    pub quantity: i64,
    /// The SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// The product id or GID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// The variant id or GID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// `"primary"` or a location id (default primary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Result of `shopify.updateInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInventoryResult {
    /// The inventory item GID.
    pub inventory_item_id: String,
    /// The location GID.
    pub location_id: String,
    /// The quantity now available.
    pub quantity: i64,
    /// The quantity before the write.
    pub previous_quantity: i64,
}

/// A product as `getInventoryLevels` reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSummary {
    /// The product's title.
    pub title: String,
    /// The product's vendor.
    pub vendor: String,
    /// The product's tags.
    pub tags: Vec<String>,
}

/// One inventory level of `getInventoryLevels`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryLevelItem {
    /// The SKU.
    pub sku: String,
    /// Available units at the location.
    pub available: i64,
    /// The item's product.
    pub product: ProductSummary,
}

/// Parameters of `shopify.getInventoryLevels`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetInventoryLevelsParams {
    /// The shop (informational: the connector serves the shop it was configured for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// `"primary"` or a location id (default primary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Result of `shopify.getInventoryLevels`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetInventoryLevelsResult {
    /// Every level, all pages.
    pub items: Vec<InventoryLevelItem>,
}

/// Parameters of `shopify.getAllInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetAllInventoryParams {
    /// The shop (informational: the connector serves the shop it was configured for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// One location; default: all locations summed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Result of `shopify.getAllInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAllInventoryResult {
    /// Every SKU, all pages.
    pub items: Vec<SkuQuantity>,
}

/// What `shopify.updateProduct` changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductData {
    /// `false` sets the product to DRAFT, `true` to ACTIVE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// A tag, comma-separated tags, or a list of tags (added to the existing ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Json>,
    /// The new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// ACTIVE, ARCHIVED, DRAFT or UNLISTED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Parameters of `shopify.updateProduct`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProductParams {
    /// The SKU of one of the product's variants.
    pub product_sku: String,
    /// What to change.
    pub data: ProductData,
}

/// Result of `shopify.updateProduct`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProductResult {
    /// The product GID.
    pub product_id: String,
}

/// The inventory item of a `shopify.inventoryChanged` payload (added by the trigger).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InventoryItemRef {
    /// The numeric inventory item id (64-bit: Shopify's ids pass 2^53, so not an `f64`).
    pub id: u64,
    /// The item's SKU.
    pub sku: String,
}

/// The payload of `shopify.inventoryChanged`: Shopify's `inventory_levels/update` body,
/// enriched. Ids are 64-bit integers, kept exact (they pass 2^53).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InventoryLevelEvent {
    /// Numeric inventory item id.
    pub inventory_item_id: u64,
    /// Numeric location id.
    pub location_id: u64,
    /// Available quantity; `None` for untracked items.
    pub available: Option<i64>,
    /// When the level changed (ISO 8601).
    pub updated_at: String,
    /// The InventoryLevel GID.
    pub admin_graphql_api_id: String,
    /// The item (enriched).
    pub inventory_item: InventoryItemRef,
    /// Reserved units at the location (enriched).
    pub reserved_quantity: i64,
}
