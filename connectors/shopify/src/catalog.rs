//! The catalog: every inventory item's id by SKU, read by one bulk query operation when a
//! batch needs the items of many SKUs at once (a recount: thousands of SKUs whose items are
//! not known yet). A search costs about a point a SKU (`2 + first × nodes`), so 10,000 SKUs
//! cost 10,000 points, 100 seconds of a standard plan's bucket; the bulk operation costs ten
//! points and a few polls, and Shopify runs it outside the bucket. Its file (JSONL, one item
//! a line) is read once and the items kept ([`ShopifyConnector::items`]).
//!
//! It is read when a batch's searches would wait for the cost bucket (they cost more than it
//! holds now), as in a recount; a lone event's lookups never wait for a bulk operation.
//!
//! One load at a time: callers that need the catalog while it loads wait for it. A catalog
//! read recently ([`RELOAD_AFTER`]) is not read again: a SKU it lacks is searched for.

use std::time::Duration;

use handled_contract::CallError;
use serde_json::json;
use tokio::time::Instant;

use crate::api::ShopifyConnector;
use crate::queries;

/// The fewest SKUs without a known item that make a batch read the catalog instead of
/// searching (below this the searches cost less than the catalog's file is worth reading).
pub const CATALOG_MIN_SKUS: usize = 100;

/// A catalog read this recently is not read again (the items it gave serve as long).
pub const RELOAD_AFTER: Duration = Duration::from_secs(600);

/// How long a bulk operation may run before the searches take over.
const PATIENCE: Duration = Duration::from_secs(300);

/// The first wait between two polls of the operation (doubling up to [`MAX_POLL`]).
const FIRST_POLL: Duration = Duration::from_millis(200);
const MAX_POLL: Duration = Duration::from_secs(2);

impl ShopifyConnector {
    /// Whether the items of `unknown` SKUs are better read from the catalog: there are at
    /// least [`CATALOG_MIN_SKUS`] of them and the bucket cannot pay their searches now (they
    /// would wait for it; a catalog read is ten points).
    pub(crate) fn catalog_pays(&self, unknown: usize) -> bool {
        let searches = unknown.div_ceil(crate::bulk::SEARCH_CHUNK);
        let cost = unknown as f64 + 2.0 * searches as f64;
        unknown >= CATALOG_MIN_SKUS && cost > self.bucket.available_now()
    }

    /// Reads the catalog unless it was read within [`RELOAD_AFTER`] (or is being read: then
    /// waits for that read). True: the items of every SKU the shop had are known now; false:
    /// the read failed (logged), the caller searches.
    pub(crate) async fn load_catalog(&self) -> bool {
        let mut last = self.catalog.lock().await;
        if let Some((at, loaded)) = *last
            && at.elapsed() < RELOAD_AFTER
        {
            return loaded;
        }
        let loaded = match self.read_catalog().await {
            Ok(items) => {
                tracing::info!(items, "shopify: read the catalog by a bulk operation");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e.message, "shopify: the catalog's bulk operation failed; searching instead");
                false
            }
        };
        *last = Some((Instant::now(), loaded));
        loaded
    }

    /// Runs the bulk query, waits for it, reads its file into the items; the items read.
    async fn read_catalog(&self) -> Result<usize, CallError> {
        let data = self
            .graphql(
                queries::RUN_BULK_QUERY,
                json!({ "query": queries::CATALOG_ITEMS }),
            )
            .await?;
        let payload = &data["bulkOperationRunQuery"];
        if let Some(e) = payload["userErrors"].as_array().and_then(|e| e.first()) {
            return Err(CallError::retryable(format!(
                "shopify: bulkOperationRunQuery: {} ({})",
                e["message"].as_str().unwrap_or("refused"),
                e["code"].as_str().unwrap_or("")
            )));
        }
        let Some(id) = payload["bulkOperation"]["id"].as_str().map(str::to_string) else {
            return Err(CallError::permanent(
                "shopify: bulkOperationRunQuery answered no operation",
            ));
        };
        let started = Instant::now();
        let mut wait = FIRST_POLL;
        let url = loop {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_POLL);
            let data = self
                .graphql(queries::BULK_OPERATION, json!({ "id": id }))
                .await?;
            let op = &data["node"];
            match op["status"].as_str() {
                Some("COMPLETED") => break op["url"].as_str().map(str::to_string),
                Some("CREATED" | "RUNNING") if started.elapsed() < PATIENCE => continue,
                Some("CREATED" | "RUNNING") => {
                    return Err(CallError::retryable(format!(
                        "shopify: bulk operation {id} still running after {} s",
                        PATIENCE.as_secs()
                    )));
                }
                other => {
                    return Err(CallError::retryable(format!(
                        "shopify: bulk operation {id} ended {} ({})",
                        other.unwrap_or("without a status"),
                        op["errorCode"].as_str().unwrap_or("no error code")
                    )));
                }
            }
        };
        // A completed operation without a file found nothing.
        let Some(url) = url else {
            return Ok(0);
        };
        let response = self.http.send(self.http.get(&url)).await?;
        if !response.is_success() {
            return Err(CallError::retryable(format!(
                "shopify: the bulk operation's file answered HTTP {}",
                response.status
            )));
        }
        let mut items = 0;
        for line in response.body.split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let node: serde_json::Value = serde_json::from_slice(line).map_err(|e| {
                CallError::permanent(format!(
                    "shopify: a line of the bulk operation's file is not JSON: {e}"
                ))
            })?;
            let (Some(item), Some(sku)) = (node["id"].as_str(), node["sku"].as_str()) else {
                continue;
            };
            if !sku.is_empty() {
                self.items.put(sku.to_string(), item.to_string());
                items += 1;
            }
        }
        Ok(items)
    }
}
