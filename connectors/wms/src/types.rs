//! The ops' parameter and result types, exactly as the catalog declares them.

use handled_contract::Op;
use handled_contract::types::SkuQuantity;
use serde::{Deserialize, Serialize};

/// `wms.updateInventory`: sets a SKU's quantity in the warehouse.
#[derive(Clone, Copy, Debug, Default)]
pub struct UpdateInventory;

impl Op for UpdateInventory {
    const CONNECTOR: &'static str = "wms";
    const NAME: &'static str = "updateInventory";
    type Params = UpdateInventoryParams;
    type Output = UpdateInventoryResult;
}

/// `wms.getAllInventory`: every SKU's quantity in the warehouse.
#[derive(Clone, Copy, Debug, Default)]
pub struct GetAllInventory;

impl Op for GetAllInventory {
    const CONNECTOR: &'static str = "wms";
    const NAME: &'static str = "getAllInventory";
    type Params = GetAllInventoryParams;
    type Output = GetAllInventoryResult;
}

/// Parameters of `wms.updateInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateInventoryParams {
    /// The SKU.
    pub sku: String,
    /// The quantity to set.
    pub quantity: i64,
    /// The warehouse location (default: the profile's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Result of `wms.updateInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInventoryResult {
    /// The SKU.
    pub sku: String,
    /// The quantity the warehouse now holds.
    pub quantity: i64,
}

/// Parameters of `wms.getAllInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetAllInventoryParams {
    /// One location; default: all, summed per SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Result of `wms.getAllInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAllInventoryResult {
    /// Every SKU, all pages.
    pub items: Vec<SkuQuantity>,
}
