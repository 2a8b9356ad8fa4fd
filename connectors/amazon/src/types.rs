//! The amazon ops' parameter and result types (they match the catalog exactly) and the
//! SP-API wire types the connector and the emulator share.

use handled_contract::Op;
use handled_contract::types::SkuQuantity;
use serde::{Deserialize, Serialize};

/// The seller and marketplace a call is made for (`config` of `amazon.updateInventory`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AmazonConfig {
    /// The seller id (`A1…`).
    pub seller_id: String,
    /// The marketplace id (`ATVPDKIKX0DER`).
    pub marketplace_id: String,
}

/// Parameters of `amazon.updateInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateInventoryParams {
    /// The seller SKU.
    pub sku: String,
    /// The merchant-fulfilled quantity to set.
    pub quantity: i64,
    /// Seller and marketplace (default `AMAZON_SELLER_ID`, `AMAZON_MARKETPLACE_ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<AmazonConfig>,
}

/// Result of `amazon.updateInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInventoryResult {
    /// The seller SKU.
    pub sku: String,
    /// `ACCEPTED` (queued, not applied yet) or `INVALID`.
    pub status: String,
    /// Amazon's submission id.
    pub submission_id: String,
}

/// Parameters of `amazon.getAllInventory`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetAllInventoryParams {
    /// The seller id (default `AMAZON_SELLER_ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
}

/// Result of `amazon.getAllInventory`: every listing's merchant-fulfilled (`DEFAULT` channel)
/// quantity, the stock `amazon.updateInventory` sets, all pages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAllInventoryResult {
    /// Every SKU.
    pub items: Vec<SkuQuantity>,
}

/// The op `amazon.updateInventory` (Listings Items patch of `fulfillment_availability`).
#[derive(Clone, Copy, Debug, Default)]
pub struct UpdateInventory;

impl Op for UpdateInventory {
    const CONNECTOR: &'static str = "amazon";
    const NAME: &'static str = "updateInventory";
    type Params = UpdateInventoryParams;
    type Output = UpdateInventoryResult;
}

/// The op `amazon.getAllInventory` (`searchListingsItems` of the seller's listings, all pages).
#[derive(Clone, Copy, Debug, Default)]
pub struct GetAllInventory;

impl Op for GetAllInventory {
    const CONNECTOR: &'static str = "amazon";
    const NAME: &'static str = "getAllInventory";
    type Params = GetAllInventoryParams;
    type Output = GetAllInventoryResult;
}

// ---------------------------------------------------------------------------------------------
// Wire types (SP-API JSON names).

/// The Login with Amazon token response.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LwaTokenResponse {
    /// `Atza|…`.
    pub access_token: String,
    /// `bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds until the token expires (3600).
    pub expires_in: u64,
    /// The refresh token echo (not guaranteed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// One patch of a Listings Items `PATCH` or a listings feed message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `replace`, `merge` or `delete`.
    pub op: String,
    /// The attribute path (`/attributes/fulfillment_availability`).
    pub path: String,
    /// The values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Vec<serde_json::Value>>,
}

impl PatchOperation {
    /// The `fulfillment_availability` patch that sets the merchant-fulfilled quantity: a
    /// `merge` of the `DEFAULT` channel giving `quantity` only. Amazon's "Merge a listing"
    /// tutorial: `merge` updates `quantity` "without specifying other optional fields such as
    /// restock_date and lead_time_to_ship_max_days", which it leaves unchanged; the model's
    /// `PatchOperation.op` lists `merge` beside `add`, `replace` and `delete`. A `replace` (or
    /// `add`) sets the whole attribute, so one giving only the quantity would clear the
    /// merchant's handling time and restock date.
    pub fn fulfillment_quantity(quantity: i64) -> Self {
        PatchOperation {
            op: "merge".into(),
            path: FULFILLMENT_AVAILABILITY_PATH.into(),
            value: Some(vec![serde_json::json!({
                "fulfillment_channel_code": DEFAULT_FULFILLMENT_CHANNEL,
                "quantity": quantity,
            })]),
        }
    }
}

/// The attribute path of the merchant-fulfilled quantity.
pub const FULFILLMENT_AVAILABILITY_PATH: &str = "/attributes/fulfillment_availability";
/// The merchant-fulfilled channel code (FBA codes are Amazon's to set).
pub const DEFAULT_FULFILLMENT_CHANNEL: &str = "DEFAULT";

/// The body of `PATCH /listings/2021-08-01/items/{sellerId}/{sku}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsItemPatchRequest {
    /// The listing's product type (required).
    pub product_type: String,
    /// The patches.
    pub patches: Vec<PatchOperation>,
}

/// An issue of a listings submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// Amazon's issue code.
    pub code: String,
    /// The message.
    pub message: String,
    /// `ERROR`, `WARNING` or `INFO`.
    pub severity: String,
    /// The attributes concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attribute_names: Vec<String>,
    /// `INVALID_ATTRIBUTE`, `MISSING_ATTRIBUTE`, …
    #[serde(default)]
    pub categories: Vec<String>,
}

/// `ListingsItemSubmissionResponse`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsItemSubmissionResponse {
    /// The SKU.
    pub sku: String,
    /// `ACCEPTED`, `INVALID` or `VALID`.
    pub status: String,
    /// The submission id.
    pub submission_id: String,
    /// Issues found.
    #[serde(default)]
    pub issues: Vec<Issue>,
}

/// SP-API's error envelope: `{"errors":[{"code","message","details"}]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorList {
    /// The errors.
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// One SP-API error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// `QuotaExceeded`, `Unauthorized`, `BAD_REQUEST`, `NOT_FOUND`, …
    pub code: String,
    /// The message.
    #[serde(default)]
    pub message: String,
    /// More details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl ErrorList {
    /// One error.
    pub fn one(code: &str, message: &str) -> Self {
        ErrorList {
            errors: vec![ApiError {
                code: code.into(),
                message: message.into(),
                details: Some(String::new()),
            }],
        }
    }

    /// The errors as one line: `CODE: message; …`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.code, e.message))
            .collect();
        parts.join("; ")
    }
}

/// The listings feed (`JSON_LISTINGS_FEED`, schema v2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListingsFeed {
    /// Seller, version and locale.
    pub header: FeedHeader,
    /// The messages, one per SKU.
    pub messages: Vec<FeedMessage>,
}

/// The feed header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedHeader {
    /// The seller.
    pub seller_id: String,
    /// `2.0`.
    pub version: String,
    /// `en_US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_locale: Option<String>,
}

/// One message of a listings feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedMessage {
    /// Unique within the feed, 1…2^31−1.
    pub message_id: i64,
    /// The SKU.
    pub sku: String,
    /// `PATCH` here.
    pub operation_type: String,
    /// The listing's product type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// The patches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<Vec<PatchOperation>>,
}

/// One issue of a feed's processing report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportIssue {
    /// The message it concerns (absent for feed-level issues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
    /// The SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Amazon's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `ERROR`, `WARNING` or `INFO`.
    pub severity: String,
    /// The message.
    pub message: String,
}

/// A feed's processing report (listings feed processing report, schema v2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessingReport {
    /// `{sellerId, version, feedId}`.
    pub header: serde_json::Value,
    /// Issues per message.
    #[serde(default)]
    pub issues: Vec<ReportIssue>,
    /// Counts.
    pub summary: ReportSummary,
}

/// The counts of a processing report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummary {
    /// Messages with errors.
    pub errors: i64,
    /// Warnings.
    pub warnings: i64,
    /// Messages processed.
    pub messages_processed: i64,
    /// Messages accepted.
    pub messages_accepted: i64,
    /// Messages refused.
    pub messages_invalid: i64,
}
