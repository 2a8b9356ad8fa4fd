//! The client: Admin GraphQL calls with cost-based pacing, for the five ops.
//!
//! A write of an available quantity is a compare-and-set (`changeFromQuantity`, or
//! `compareQuantity` before 2026-01) against the level last read or set: by the SKU search of
//! the run's `findProduct` (which reads the level at the primary location in the same request)
//! or by our own write moments before, else by a read. A stale compare reads again and retries.
//! For two seconds a SKU search is answered from the last one for that SKU: a burst of changes
//! to the same SKUs costs Shopify one request each, the set, instead of two.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use handled_connector_core::{CallError, CallInfo, ErrorClass, HttpClient, Json, Pause, params};
use handled_contract::lock;
use handled_contract::types::SkuQuantity;
use serde_json::json;
use tokio::time::Instant;

use crate::config::Config;
use crate::queries;
use crate::recent::Recent;
use crate::types::*;

/// How often a compare-and-swap write is retried after `CHANGE_FROM_QUANTITY_STALE`.
pub(crate) const MAX_STALE_RETRIES: u32 = 3;
/// The cost assumed for a query never sent before.
const DEFAULT_COST: f64 = 60.0;

/// The client-side model of Shopify's leaky bucket, fed by every response's
/// `extensions.cost.throttleStatus`, so calls wait before the bucket runs dry.
#[derive(Debug)]
pub struct CostBucket {
    state: Mutex<BucketState>,
    pause: Pause,
    /// Wakes the callers waiting for the bucket when a response reports it.
    reported: tokio::sync::Notify,
}

/// A document and its `first` argument: what its requested cost depends on.
type CostKey = (&'static str, u64);

#[derive(Debug)]
struct BucketState {
    maximum: f64,
    available: f64,
    restore_rate: f64,
    at: Instant,
    /// The last requested cost of each document, by its `first` (a search of 51 costs ten
    /// times one of 5).
    costs: HashMap<CostKey, f64>,
}

impl Default for CostBucket {
    fn default() -> Self {
        CostBucket {
            state: Mutex::new(BucketState {
                maximum: 1000.0,
                available: 1000.0,
                restore_rate: 50.0,
                at: Instant::now(),
                costs: HashMap::new(),
            }),
            pause: Pause::new(),
            reported: tokio::sync::Notify::new(),
        }
    }
}

impl CostBucket {
    fn lock(&self) -> std::sync::MutexGuard<'_, BucketState> {
        lock(&self.state)
    }

    /// Waits until the bucket (as last reported, refilled since) holds the query's cost, then
    /// books that cost. A caller that has to wait looks again whenever a response reports the
    /// bucket (the first responses replace the assumed plan with the shop's real one).
    pub async fn reserve(&self, query: CostKey) {
        self.pause.wait().await;
        loop {
            let reported = self.reported.notified();
            tokio::pin!(reported);
            reported.as_mut().enable();
            let wait = {
                let mut s = self.lock();
                // A margin for other clients of the same app and shop spending from the bucket.
                let margin = (s.maximum * 0.02).max(10.0);
                // Unknown yet: a page costs about 5 points a node (the connector's searches).
                let cost = s
                    .costs
                    .get(&query)
                    .copied()
                    .unwrap_or(DEFAULT_COST.max(2.0 + 5.0 * query.1 as f64));
                let need = (cost + margin).min(s.maximum);
                let now = Instant::now();
                let refilled = (s.available
                    + s.restore_rate * now.duration_since(s.at).as_secs_f64())
                .min(s.maximum);
                if refilled >= need || s.restore_rate <= 0.0 {
                    s.available = refilled - cost.min(need);
                    s.at = now;
                    Duration::ZERO
                } else {
                    Duration::from_secs_f64((need - refilled) / s.restore_rate)
                }
            };
            if wait.is_zero() {
                return;
            }
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "shopify: waiting for the cost bucket"
            );
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = reported => {}
            }
        }
    }

    /// The points the bucket holds now, as last reported and refilled since.
    pub fn available_now(&self) -> f64 {
        let s = self.lock();
        (s.available + s.restore_rate * s.at.elapsed().as_secs_f64()).min(s.maximum)
    }

    /// Takes in a response's `extensions.cost`.
    pub fn observe(&self, query: CostKey, cost: &Json) {
        let mut s = self.lock();
        if let Some(requested) = cost.get("requestedQueryCost").and_then(Json::as_f64) {
            s.costs.insert(query, requested);
        }
        let status = &cost["throttleStatus"];
        if let (Some(max), Some(avail), Some(rate)) = (
            status.get("maximumAvailable").and_then(Json::as_f64),
            status.get("currentlyAvailable").and_then(Json::as_f64),
            status.get("restoreRate").and_then(Json::as_f64),
        ) {
            s.maximum = max;
            s.available = avail;
            s.restore_rate = rate;
            s.at = Instant::now();
            drop(s);
            self.reported.notify_waiters();
        }
    }

    /// Holds every caller back (after a THROTTLED answer).
    pub fn pause_for(&self, wait: Duration) {
        self.pause.pause_for(wait);
    }
}

/// The Shopify connector for one shop.
pub struct ShopifyConnector {
    pub(crate) config: Config,
    /// The GraphQL endpoint, parsed once.
    graphql_url: reqwest::Url,
    pub(crate) http: HttpClient,
    pub(crate) bucket: CostBucket,
    primary_location: tokio::sync::Mutex<Option<String>>,
    /// What an `inventory_levels/update` webhook is enriched with, per inventory item and
    /// location: the SKU and the reserved quantity (`crate::webhook::enrich`).
    pub(crate) enriched: Recent<(u64, u64), (String, i64)>,
    /// The SKU of each variant looked up so far (variant GID → SKU), so that a write by
    /// product and variant id can name its SKU for echo suppression.
    variant_skus: Mutex<HashMap<String, String>>,
    /// Levels read by a SKU search or set by a write of ours moments ago (variant GID → the
    /// variant, the location GID, its available quantity): the compare value of the write
    /// that follows, taken once ([`LEVEL_FRESH_FOR`]).
    recent_levels: Recent<String, (Variant, String, i64)>,
    /// Variants found by SKU moments ago: a run's `findProduct` right after another run's for
    /// the same SKU is answered without a request ([`FOUND_FRESH_FOR`]).
    found: Recent<String, Variant>,
    /// Inventory items found by SKU (SKU → item GID), for writes that send no compare value
    /// ([`ITEM_FRESH_FOR`]); a SKU whose write is refused is forgotten.
    pub(crate) items: Recent<String, String>,
    /// When the catalog was last read by a bulk operation, and whether that read worked
    /// ([`crate::catalog`]); held while a read is under way.
    pub(crate) catalog: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

/// How long a level read by a SKU search, or set by a write of ours, serves as the compare value
/// of the next write. A value that changed meanwhile only costs the write a stale compare, a
/// read and a second attempt.
const LEVEL_FRESH_FOR: Duration = Duration::from_secs(2);

/// How long a throttled document keeps waiting for the bucket before the throttle is
/// reported to the engine (which waits again, within the action's timeout).
const THROTTLE_PATIENCE: Duration = Duration::from_secs(300);

/// How many variants an exact SKU search asks for: the SKU's own and a few whose SKU contains
/// it (the search matches words, the connector compares exactly), not a page of 25 with their
/// levels (the search's cost is `2 + first × nodes`).
const EXACT_SEARCH_FIRST: usize = 5;

/// How long a variant found by SKU answers the next search for that SKU. Ids do not change, but
/// a SKU may be moved to another variant: for this long a write may still go to the old one.
const FOUND_FRESH_FOR: Duration = Duration::from_secs(2);

/// How long an inventory item found by SKU serves the writes of that SKU. A SKU moved to
/// another item meanwhile is written at the old one for at most this long (or until a write
/// there is refused).
const ITEM_FRESH_FOR: Duration = Duration::from_secs(600);

/// How many SKUs' inventory items are kept (a large catalog's, at about 100 bytes each).
const ITEMS_KEPT: usize = 200_000;

impl std::fmt::Debug for ShopifyConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyConnector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A variant found by SKU or id.
#[derive(Clone, Debug)]
pub(crate) struct Variant {
    pub product_id: String,
    pub variant_id: String,
    pub inventory_item_id: String,
    pub sku: String,
    pub title: String,
}

impl ShopifyConnector {
    /// A connector for the shop in `config`.
    pub fn new(config: Config) -> Result<Self, CallError> {
        let http = HttpClient::new("shopify")?
            .with_secrets([config.access_token.clone(), config.webhook_secret.clone()]);
        let graphql_url = reqwest::Url::parse(&config.graphql_url()).map_err(|e| {
            CallError::permanent(format!(
                "shopify: the store URL does not make a valid endpoint: {e}"
            ))
        })?;
        Ok(ShopifyConnector {
            config,
            graphql_url,
            http,
            bucket: CostBucket::default(),
            primary_location: tokio::sync::Mutex::new(None),
            enriched: Recent::new(crate::webhook::ENRICH_TTL),
            variant_skus: Mutex::new(HashMap::new()),
            recent_levels: Recent::new(LEVEL_FRESH_FOR),
            found: Recent::new(FOUND_FRESH_FOR),
            items: Recent::with_capacity(ITEM_FRESH_FOR, ITEMS_KEPT),
            catalog: tokio::sync::Mutex::new(None),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sends one GraphQL document and returns its `data`, with errors classified: HTTP
    /// statuses as usual, `THROTTLED` as Throttled with the restore wait, other GraphQL
    /// errors as Permanent (`ACCESS_DENIED` as Auth, `INTERNAL_SERVER_ERROR` as Retryable).
    ///
    /// A throttled document waits for the bucket and is sent again, for up to
    /// [`THROTTLE_PATIENCE`]: a throttle is the API's pace, not a failure of the call.
    pub async fn graphql(&self, query: &'static str, variables: Json) -> Result<Json, CallError> {
        let key = (query, variables["first"].as_u64().unwrap_or(0));
        let started = Instant::now();
        let mut body: Json = loop {
            self.bucket.reserve(key).await;
            let request = self
                .http
                .post(self.graphql_url.clone())
                .header("X-Shopify-Access-Token", &self.config.access_token)
                .json(&json!({"query": query, "variables": &variables}));
            let response = self.http.send(request).await?;
            let body: Json = response.json()?;
            let cost = &body["extensions"]["cost"];
            if cost.is_object() {
                self.bucket.observe(key, cost);
            }
            match body.get("errors").filter(|e| !e.is_null()) {
                Some(errors) => {
                    let e = self.graphql_error(errors, cost);
                    if e.class == ErrorClass::Throttled && started.elapsed() < THROTTLE_PATIENCE {
                        // graphql_error paused the bucket for the refill; reserve waits.
                        continue;
                    }
                    return Err(e);
                }
                None => break body,
            }
        };
        match body.get_mut("data") {
            Some(data) if !data.is_null() => Ok(data.take()),
            _ => Err(CallError::permanent("shopify: the response has no data")),
        }
    }

    fn graphql_error(&self, errors: &Json, cost: &Json) -> CallError {
        let list: Vec<&Json> = match errors {
            Json::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let code_of = |e: &Json| e["extensions"]["code"].as_str().unwrap_or("").to_string();
        let messages: Vec<String> = list
            .iter()
            .map(|e| {
                e.get("message")
                    .and_then(Json::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| e.to_string())
            })
            .collect();
        let message = self
            .http
            .redact(&format!("shopify: {}", messages.join("; ")));
        if list.iter().any(|e| code_of(e) == "THROTTLED") {
            let requested = cost["requestedQueryCost"].as_f64().unwrap_or(DEFAULT_COST);
            let status = &cost["throttleStatus"];
            let available = status["currentlyAvailable"].as_f64().unwrap_or(0.0);
            let rate = status["restoreRate"]
                .as_f64()
                .filter(|r| *r > 0.0)
                .unwrap_or(50.0);
            let wait = Duration::from_secs_f64(((requested - available) / rate).max(0.0));
            self.bucket.pause_for(wait);
            tracing::info!(
                connector = "shopify",
                wait_ms = wait.as_millis() as u64,
                "throttled (THROTTLED)"
            );
            return CallError::new(ErrorClass::Throttled, message).with_retry_after(wait);
        }
        if list.iter().any(|e| code_of(e) == "ACCESS_DENIED") {
            return CallError::new(ErrorClass::Auth, message);
        }
        if list.iter().any(|e| {
            matches!(
                code_of(e).as_str(),
                "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE"
            )
        }) {
            return CallError::retryable(message);
        }
        CallError::permanent(message)
    }

    /// The variant with exactly this SKU (the search is fuzzy; the comparison is not).
    pub(crate) async fn find_variant(&self, sku: &str) -> Result<Variant, CallError> {
        if let Some(v) = self.found.get(sku) {
            return Ok(v);
        }
        let query = crate::bulk::sku_term(sku);
        // Once the primary location is known, the search also reads each variant's level there.
        let location = self.primary_location.lock().await.clone();
        let mut after = Json::Null;
        for _page in 0..20 {
            let data = match &location {
                Some(location) => {
                    self.graphql(
                        queries::FIND_VARIANTS_AT,
                        json!({"query": query, "first": EXACT_SEARCH_FIRST, "after": after, "location": location}),
                    )
                    .await?
                }
                None => {
                    self.graphql(
                        queries::FIND_VARIANTS,
                        json!({"query": query, "first": EXACT_SEARCH_FIRST, "after": after}),
                    )
                    .await?
                }
            };
            let conn = &data["productVariants"];
            for node in conn["nodes"].as_array().into_iter().flatten() {
                if node["sku"].as_str() == Some(sku) {
                    let v = self.remember(variant_from(node)?);
                    let level = &node["inventoryItem"]["inventoryLevel"];
                    if let Some(location) = &location
                        && !level.is_null()
                        && let Ok(available) = available_in(level, &v.inventory_item_id, location)
                    {
                        self.note_level(&v, location, available);
                    }
                    self.found.put(sku.to_string(), v.clone());
                    return Ok(v);
                }
            }
            if conn["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
        Err(CallError::permanent(format!(
            "shopify: no product variant has SKU \"{sku}\""
        )))
    }

    /// The variant found by this SKU moments ago, if any.
    pub(crate) fn found_variant(&self, sku: &str) -> Option<Variant> {
        self.found.get(sku)
    }

    /// The variant of a SKU search's node, remembered (its SKU by id, and found by SKU).
    pub(crate) fn found_from_search(&self, node: &Json) -> Result<Variant, CallError> {
        let v = self.remember(variant_from(node)?);
        self.found.put(v.sku.clone(), v.clone());
        Ok(v)
    }

    /// Remembers a variant's SKU (see [`ShopifyConnector::written_quantity`]).
    pub(crate) fn remember(&self, v: Variant) -> Variant {
        if !v.sku.is_empty() {
            let mut skus = lock(&self.variant_skus);
            // A shop has as many variants as it has; a cache this large is rebuilt from scratch.
            if skus.len() >= 100_000 {
                skus.clear();
            }
            skus.insert(v.variant_id.clone(), v.sku.clone());
        }
        v
    }

    /// Notes a variant's available quantity at `location`, just read or just set by us: the
    /// compare value of its next write, if that comes soon.
    pub(crate) fn note_level(&self, variant: &Variant, location: &str, available: i64) {
        self.recent_levels.put(
            variant.variant_id.clone(),
            (variant.clone(), location.to_string(), available),
        );
    }

    /// The level read or set moments ago for this variant at `location`, taken (the write it
    /// serves notes the level it sets).
    pub(crate) fn recent_level(&self, variant_id: &str, location: &str) -> Option<(Variant, i64)> {
        let (variant, at_location, available) = self.recent_levels.take(variant_id)?;
        (at_location == location).then_some((variant, available))
    }

    /// A variant by product and variant id, with its item's available quantity at `location`
    /// (a location GID), in one request.
    pub(crate) async fn variant_level(
        &self,
        product_id: &str,
        variant_id: &str,
        location: &str,
    ) -> Result<(Variant, i64), CallError> {
        let id = gid("ProductVariant", variant_id);
        let data = self
            .graphql(
                queries::VARIANT_LEVEL,
                json!({"id": id, "location": location}),
            )
            .await?;
        let node = &data["productVariant"];
        if node.is_null() {
            return Err(CallError::permanent(format!(
                "shopify: no product variant {id}"
            )));
        }
        let v = self.remember(variant_from(node)?);
        if v.product_id != gid("Product", product_id) {
            return Err(CallError::permanent(format!(
                "shopify: variant {id} belongs to {}, not {}",
                v.product_id,
                gid("Product", product_id)
            )));
        }
        let available = available_in(
            &node["inventoryItem"]["inventoryLevel"],
            &v.inventory_item_id,
            location,
        )?;
        Ok((v, available))
    }

    /// The location GID for `"primary"`/none (cached) or an id.
    pub(crate) async fn location_id(&self, location: Option<&str>) -> Result<String, CallError> {
        match location.map(str::trim) {
            None | Some("") | Some("primary") => {}
            Some(id) => return Ok(gid("Location", id)),
        }
        let mut cached = self.primary_location.lock().await;
        if let Some(id) = cached.as_ref() {
            return Ok(id.clone());
        }
        let data = self.graphql(queries::PRIMARY_LOCATION, json!({})).await?;
        let Some(id) = data["location"]["id"].as_str() else {
            return Err(CallError::permanent(
                "shopify: the shop has no primary location",
            ));
        };
        *cached = Some(id.to_string());
        Ok(id.to_string())
    }

    async fn all_locations(&self) -> Result<Vec<String>, CallError> {
        let mut out = Vec::new();
        let mut after = Json::Null;
        loop {
            let data = self
                .graphql(queries::LOCATIONS, json!({"after": after}))
                .await?;
            let conn = &data["locations"];
            for node in conn["nodes"].as_array().into_iter().flatten() {
                if node["isActive"].as_bool() != Some(false)
                    && let Some(id) = node["id"].as_str()
                {
                    out.push(id.to_string());
                }
            }
            if conn["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
                return Ok(out);
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
    }

    /// The available quantity of an item at a location (errors when the item or the level
    /// does not exist).
    pub(crate) async fn read_available(
        &self,
        item: &str,
        location: &str,
    ) -> Result<i64, CallError> {
        let data = self
            .graphql(
                queries::ITEM_LEVEL,
                json!({"item": item, "location": location}),
            )
            .await?;
        if data["inventoryItem"].is_null() {
            return Err(CallError::permanent(format!(
                "shopify: no inventory item {item}"
            )));
        }
        available_in(&data["inventoryItem"]["inventoryLevel"], item, location)
    }

    pub(crate) async fn find_product(
        &self,
        p: FindProductParams,
    ) -> Result<FindProductResult, CallError> {
        let v = self.find_variant(&p.sku).await?;
        Ok(FindProductResult {
            product_id: v.product_id,
            variant_id: v.variant_id,
            inventory_item_id: v.inventory_item_id,
            sku: v.sku,
            title: v.title,
        })
    }

    pub(crate) async fn update_inventory(
        &self,
        p: UpdateInventoryParams,
        info: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
        params::non_negative("quantity", p.quantity)?;
        let location = self.location_id(p.location.as_deref()).await?;
        // The item, and the quantity to compare with where one was read moments ago (by the
        // run's `findProduct`, or by the last write of ours): without one, the write is a plain
        // set (`changeFromQuantity: null`) and learns what it replaced from its answer.
        let (item, variant, mut compare) = match (&p.sku, &p.product_id, &p.variant_id) {
            (Some(sku), _, _) => {
                let recent = self
                    .found_variant(sku)
                    .and_then(|v| self.recent_level(&v.variant_id, &location));
                match recent {
                    Some((v, available)) => (v.inventory_item_id.clone(), Some(v), Some(available)),
                    None => {
                        let mut found = self.item_ids(std::slice::from_ref(sku)).await?;
                        match found.remove(sku) {
                            Some(item) => (item, None, None),
                            None => return Err(crate::bulk::no_such_sku(sku)),
                        }
                    }
                }
            }
            (None, Some(product), Some(variant)) => {
                // The variant and its level at the location in one request, or none when the
                // run's `findProduct` just read them.
                let recent = self
                    .recent_level(&gid("ProductVariant", variant), &location)
                    .filter(|(v, _)| v.product_id == gid("Product", product));
                let (variant, current) = match recent {
                    Some(found) => found,
                    None => self.variant_level(product, variant, &location).await?,
                };
                (
                    variant.inventory_item_id.clone(),
                    Some(variant),
                    Some(current),
                )
            }
            _ => {
                return Err(CallError::permanent(
                    "shopify.updateInventory needs `sku`, or `productId` and `variantId`",
                ));
            }
        };
        if info.maybe_sent {
            // An earlier attempt may have set it unanswered, perhaps in a bulk request under
            // another key: read first, and leave what is already there.
            let current = self.read_available(&item, &location).await?;
            if current == p.quantity {
                return Ok(UpdateInventoryResult {
                    inventory_item_id: item,
                    location_id: location,
                    quantity: p.quantity,
                    previous_quantity: current,
                });
            }
            compare = Some(current);
        }
        let reference = format!("gid://handled/SyncRun/{}", info.run_id);
        let mut key = info.idempotency_key.clone();
        let mut attempt = 0;
        loop {
            let quantities = vec![self.quantity_input(&item, &location, p.quantity, compare)];
            let (query, variables) =
                self.set_document(&reference, quantities, compare.is_none(), &key);
            let data = self.graphql(query, variables).await?;
            let payload = &data["inventorySetQuantities"];
            let errors = payload["userErrors"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if errors.is_empty() {
                if let Some(v) = &variant {
                    // Shopify set it: the level is now ours.
                    self.note_level(v, &location, p.quantity);
                }
                let previous = replaced_quantity(payload, &item, &location)
                    .or(compare)
                    .unwrap_or(p.quantity);
                return Ok(UpdateInventoryResult {
                    inventory_item_id: item,
                    location_id: location,
                    quantity: p.quantity,
                    previous_quantity: previous,
                });
            }
            let codes: Vec<&str> = errors.iter().filter_map(|e| e["code"].as_str()).collect();
            let stale = codes
                .iter()
                .any(|c| matches!(*c, "CHANGE_FROM_QUANTITY_STALE" | "COMPARE_QUANTITY_STALE"));
            let replayed_other = codes.iter().any(|c| {
                matches!(
                    *c,
                    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" | "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"
                )
            });
            if codes.contains(&"IDEMPOTENCY_CONCURRENT_REQUEST") {
                return Err(CallError::retryable(
                    "shopify: the same write is still in flight (IDEMPOTENCY_CONCURRENT_REQUEST)",
                ));
            }
            if (stale || replayed_other) && attempt < MAX_STALE_RETRIES {
                attempt += 1;
                // Read again: the next write compares with what is there now.
                let current = self.read_available(&item, &location).await?;
                if replayed_other && current == p.quantity {
                    // An earlier attempt of this call (same key, older read) already set it.
                    if let Some(v) = &variant {
                        self.note_level(v, &location, p.quantity);
                    }
                    return Ok(UpdateInventoryResult {
                        inventory_item_id: item,
                        location_id: location,
                        quantity: p.quantity,
                        previous_quantity: p.quantity,
                    });
                }
                compare = Some(current);
                // The compared quantity changed, so the request differs: it needs its own key.
                key = format!("{}/{attempt}", info.idempotency_key);
                continue;
            }
            if let Some(sku) = &p.sku {
                self.items.take(sku.as_str());
            }
            return Err(user_errors("inventorySetQuantities", errors));
        }
    }

    /// One entry of `inventorySetQuantities`' `quantities`: compared with `compare`, or with
    /// nothing (`changeFromQuantity: null`; before 2026-01, the input's `ignoreCompareQuantity`).
    pub(crate) fn quantity_input(
        &self,
        item: &str,
        location: &str,
        quantity: i64,
        compare: Option<i64>,
    ) -> Json {
        let mut q = json!({"inventoryItemId": item, "locationId": location, "quantity": quantity});
        if self.config.uses_change_from() {
            q["changeFromQuantity"] = json!(compare);
        } else if let Some(compare) = compare {
            q["compareQuantity"] = json!(compare);
        }
        q
    }

    /// The `inventorySetQuantities` document and variables for these quantities (made by
    /// [`ShopifyConnector::quantity_input`]), idempotent by `key` where the version allows.
    /// `plain`: none of them compares (before 2026-01 that is said once for the whole input,
    /// with `ignoreCompareQuantity`).
    pub(crate) fn set_document(
        &self,
        reference: &str,
        quantities: Vec<Json>,
        plain: bool,
        key: &str,
    ) -> (&'static str, Json) {
        let mut input = json!({"name": "available", "reason": "correction",
                               "referenceDocumentUri": reference, "quantities": quantities});
        if self.config.uses_change_from() {
            (queries::SET_QUANTITIES, json!({"input": input, "key": key}))
        } else {
            if plain {
                input["ignoreCompareQuantity"] = json!(true);
            }
            (queries::SET_QUANTITIES_LEGACY, json!({"input": input}))
        }
    }

    async fn levels_at(
        &self,
        location: &str,
    ) -> Result<Vec<(String, i64, ProductSummary)>, CallError> {
        let mut out = Vec::new();
        let mut after = Json::Null;
        loop {
            let document = if self.config.uses_change_from() {
                queries::LOCATION_LEVELS
            } else {
                queries::LOCATION_LEVELS_LEGACY
            };
            let data = self
                .graphql(document, json!({"location": location, "after": after}))
                .await?;
            if data["location"].is_null() {
                return Err(CallError::permanent(format!(
                    "shopify: no location {location}"
                )));
            }
            let conn = &data["location"]["inventoryLevels"];
            for node in conn["nodes"].as_array().into_iter().flatten() {
                let item = &node["item"];
                let Some(sku) = item["sku"].as_str().filter(|s| !s.is_empty()) else {
                    continue;
                };
                let product = match &item["variants"]["nodes"][0] {
                    Json::Null => &item["variant"]["product"],
                    variant => &variant["product"],
                };
                let summary = ProductSummary {
                    title: product["title"].as_str().unwrap_or_default().to_string(),
                    vendor: product["vendor"].as_str().unwrap_or_default().to_string(),
                    tags: product["tags"]
                        .as_array()
                        .map(|t| {
                            t.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                out.push((
                    sku.to_string(),
                    quantity_named(node, "available").unwrap_or(0),
                    summary,
                ));
            }
            if conn["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
                return Ok(out);
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
    }

    pub(crate) async fn get_inventory_levels(
        &self,
        p: GetInventoryLevelsParams,
    ) -> Result<GetInventoryLevelsResult, CallError> {
        let location = self.location_id(p.location.as_deref()).await?;
        let items = self
            .levels_at(&location)
            .await?
            .into_iter()
            .map(|(sku, available, product)| InventoryLevelItem {
                sku,
                available,
                product,
            })
            .collect();
        Ok(GetInventoryLevelsResult { items })
    }

    pub(crate) async fn get_all_inventory(
        &self,
        p: GetAllInventoryParams,
    ) -> Result<GetAllInventoryResult, CallError> {
        let locations = match p.location.as_deref() {
            Some(l) => vec![self.location_id(Some(l)).await?],
            None => self.all_locations().await?,
        };
        let mut totals: Vec<SkuQuantity> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for location in locations {
            for (sku, available, _) in self.levels_at(&location).await? {
                match index.get(&sku) {
                    Some(&i) => totals[i].quantity += available,
                    None => {
                        index.insert(sku.clone(), totals.len());
                        totals.push(SkuQuantity {
                            sku,
                            quantity: available,
                        });
                    }
                }
            }
        }
        Ok(GetAllInventoryResult { items: totals })
    }

    pub(crate) async fn update_product(
        &self,
        p: UpdateProductParams,
    ) -> Result<UpdateProductResult, CallError> {
        let variant = self.find_variant(&p.product_sku).await?;
        let product_id = variant.product_id;
        let mut input = serde_json::Map::new();
        let status = match (&p.data.status, p.data.published) {
            (Some(s), _) => Some(s.to_ascii_uppercase()),
            (None, Some(true)) => Some("ACTIVE".to_string()),
            (None, Some(false)) => Some("DRAFT".to_string()),
            (None, None) => None,
        };
        if let Some(status) = status {
            if !["ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED"].contains(&status.as_str()) {
                return Err(CallError::permanent(format!(
                    "shopify.updateProduct: status must be ACTIVE, ARCHIVED, DRAFT or UNLISTED (got {status})"
                )));
            }
            input.insert("status".into(), json!(status));
        }
        if let Some(title) = &p.data.title {
            input.insert("title".into(), json!(title));
        }
        let tags = match &p.data.tags {
            Some(t) => parse_tags(t)?,
            None => Vec::new(),
        };
        if !input.is_empty() {
            input.insert("id".into(), json!(product_id));
            let data = self
                .graphql(queries::PRODUCT_UPDATE, json!({"product": input}))
                .await?;
            check_user_errors("productUpdate", &data["productUpdate"])?;
        }
        if !tags.is_empty() {
            let data = self
                .graphql(queries::TAGS_ADD, json!({"id": product_id, "tags": tags}))
                .await?;
            check_user_errors("tagsAdd", &data["tagsAdd"])?;
        }
        Ok(UpdateProductResult { product_id })
    }

    /// The SKU of a variant (by GID) that a search or a write of this connector has seen.
    pub(crate) fn sku_of_variant(&self, variant: &str) -> Option<String> {
        lock(&self.variant_skus).get(variant).cloned()
    }
}

/// The available quantity a write replaced at `item` and `location`, from its answer's
/// `changes` (`quantityAfterChange - delta`); None when the answer does not say.
pub(crate) fn replaced_quantity(payload: &Json, item: &str, location: &str) -> Option<i64> {
    payload["inventoryAdjustmentGroup"]["changes"]
        .as_array()?
        .iter()
        .find(|c| {
            c["name"] == "available" && c["item"]["id"] == item && c["location"]["id"] == location
        })
        .and_then(|c| Some(c["quantityAfterChange"].as_i64()? - c["delta"].as_i64()?))
}

/// `gid://shopify/<kind>/<id>` for a numeric id; a GID stays as it is.
pub fn gid(kind: &str, id: &str) -> String {
    let id = id.trim();
    if id.starts_with("gid://") {
        id.to_string()
    } else {
        format!("gid://shopify/{kind}/{id}")
    }
}

fn variant_from(node: &Json) -> Result<Variant, CallError> {
    let s = |v: &Json| v.as_str().map(str::to_string);
    match (
        s(&node["product"]["id"]),
        s(&node["id"]),
        s(&node["inventoryItem"]["id"]),
    ) {
        (Some(product_id), Some(variant_id), Some(inventory_item_id)) => Ok(Variant {
            product_id,
            variant_id,
            inventory_item_id,
            sku: s(&node["sku"]).unwrap_or_default(),
            title: s(&node["product"]["title"]).unwrap_or_default(),
        }),
        _ => Err(CallError::permanent(
            "shopify: a variant in the response lacks its ids",
        )),
    }
}

/// The available quantity in an item's `inventoryLevel` (null: the item is not stocked there).
pub(crate) fn available_in(level: &Json, item: &str, location: &str) -> Result<i64, CallError> {
    if level.is_null() {
        return Err(CallError::permanent(format!(
            "shopify: item {item} is not stocked at {location} (ITEM_NOT_STOCKED_AT_LOCATION)"
        )));
    }
    Ok(quantity_named(level, "available").unwrap_or(0))
}

/// The quantity called `name` in a level's `quantities`.
pub(crate) fn quantity_named(level: &Json, name: &str) -> Option<i64> {
    level["quantities"]
        .as_array()?
        .iter()
        .find(|q| q["name"].as_str() == Some(name))?["quantity"]
        .as_i64()
}

pub(crate) fn user_errors(mutation: &str, errors: &[Json]) -> CallError {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| {
            let msg = e["message"].as_str().unwrap_or("error");
            match e["code"].as_str() {
                Some(code) => format!("{msg} ({code})"),
                None => msg.to_string(),
            }
        })
        .collect();
    CallError::permanent(format!("shopify {mutation}: {}", parts.join("; ")))
}

fn check_user_errors(mutation: &str, payload: &Json) -> Result<(), CallError> {
    match payload["userErrors"].as_array() {
        Some(errors) if !errors.is_empty() => Err(user_errors(mutation, errors)),
        _ => Ok(()),
    }
}

/// Tags from `"a, b"`, `"a"` or `["a","b"]`.
pub fn parse_tags(tags: &Json) -> Result<Vec<String>, CallError> {
    let raw: Vec<String> = match tags {
        Json::String(s) => s.split(',').map(str::to_string).collect(),
        Json::Array(items) => items
            .iter()
            .map(|v| match v {
                Json::String(s) => Ok(s.clone()),
                other => Err(CallError::permanent(format!(
                    "shopify.updateProduct: a tag must be a string, got {other}"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Json::Null => Vec::new(),
        other => {
            return Err(CallError::permanent(format!(
                "shopify.updateProduct: tags must be a string or a list of strings, got {other}"
            )));
        }
    };
    Ok(raw
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect())
}
