//! The supplier op's parameter and result types (they match the catalog exactly) and the wire
//! types of the purchase-order API the connector and the emulator share.

use handled_contract::{CallError, Op};
use serde::{Deserialize, Serialize};

/// A purchase order (`data` of `supplier.createPurchaseOrder`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PurchaseOrder {
    /// The supplier.
    pub supplier_name: String,
    /// The SKU to order.
    pub sku: String,
    /// How many units.
    pub quantity: i64,
    /// `urgent`, `high`, `normal` or `low`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

impl PurchaseOrder {
    /// Refuses, for good, what no supplier takes: a quantity below 1, an empty SKU, a priority
    /// not in [`PRIORITIES`].
    pub fn check(&self) -> Result<(), CallError> {
        if self.quantity <= 0 {
            return Err(CallError::permanent(format!(
                "supplier.createPurchaseOrder: quantity must be at least 1 (got {})",
                self.quantity
            )));
        }
        if self.sku.trim().is_empty() {
            return Err(CallError::permanent(
                "supplier.createPurchaseOrder: sku must not be empty",
            ));
        }
        if let Some(p) = &self.priority
            && !PRIORITIES.contains(&p.as_str())
        {
            return Err(CallError::permanent(format!(
                "supplier.createPurchaseOrder: priority must be one of {} (got {p:?})",
                PRIORITIES.join(", ")
            )));
        }
        Ok(())
    }
}

/// Parameters of `supplier.createPurchaseOrder`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePurchaseOrderParams {
    /// The order.
    pub data: PurchaseOrder,
}

/// Result of `supplier.createPurchaseOrder`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePurchaseOrderResult {
    /// The supplier's order id.
    pub purchase_order_id: String,
}

/// The op `supplier.createPurchaseOrder`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CreatePurchaseOrder;

impl Op for CreatePurchaseOrder {
    const CONNECTOR: &'static str = "supplier";
    const NAME: &'static str = "createPurchaseOrder";
    type Params = CreatePurchaseOrderParams;
    type Output = CreatePurchaseOrderResult;
}

/// The priorities the API takes.
pub const PRIORITIES: &[&str] = &["urgent", "high", "normal", "low"];

/// The API's answer to `POST /purchase-orders` (201 created, 200 replayed, 409 duplicate).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseOrderResponse {
    /// The order's id.
    pub purchase_order_id: String,
    /// `received`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The API's error body: `{"error":{"code","message","purchaseOrderId"?}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// `duplicate`, `invalid_request`, `unauthorized`, …
    pub code: String,
    /// The message.
    pub message: String,
    /// For `duplicate`: the order already created with this idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_id: Option<String>,
}
