//! Result and payload types shared by several connectors and triggers.

use serde::{Deserialize, Serialize};

/// One SKU's quantity (`getAllInventory` items).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuQuantity {
    /// The SKU.
    pub sku: String,
    /// The quantity.
    pub quantity: i64,
}

/// The payload of a `schedule.cron` run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tick {
    /// The tick's scheduled time (ISO 8601, UTC).
    pub scheduled_at: String,
    /// When the run actually started (ISO 8601, UTC).
    pub fired_at: String,
}
