//! The Selling Partner API client (LWA tokens, per-operation rate limits, Listings Items reads
//! and patches, FBA inventory summaries, JSON listings feeds).

use handled_contract::lock;
use std::collections::{HashMap, HashSet};
use std::io::Read as _;
use std::sync::Mutex;
use std::time::Duration;

use handled_connector_core::http::classify_status;
use handled_connector_core::{FreshToken, HttpClient, HttpResponse, TokenCache, params};
use handled_contract::types::SkuQuantity;
use handled_contract::{CallError, ErrorClass, Json};
use serde::Deserialize;
use serde_json::json;

use crate::config::{AmazonSettings, DEFAULT_MARKETPLACE_ID};
use crate::types::{
    AmazonConfig, DEFAULT_FULFILLMENT_CHANNEL, ErrorList, FeedHeader, FeedMessage,
    GetAllInventoryParams, GetAllInventoryResult, ListingsFeed, ListingsItemPatchRequest,
    ListingsItemSubmissionResponse, LwaTokenResponse, PatchOperation, ProcessingReport,
    UpdateInventoryParams, UpdateInventoryResult,
};

/// The access-token header of every SP-API call.
pub const ACCESS_TOKEN_HEADER: &str = "x-amz-access-token";
/// The header in which SP-API reports an operation's rate (requests a second).
pub const RATE_LIMIT_HEADER: &str = "x-amzn-ratelimit-limit";
/// The content type of listings feed documents.
pub const FEED_CONTENT_TYPE: &str = "application/json; charset=UTF-8";
/// A feed holds at most this many messages.
pub const MAX_FEED_MESSAGES: usize = 25_000;
/// The client paces at this share of Amazon's rate, so that timing jitter between us and
/// Amazon's bucket does not cross the limit.
const PACE_MARGIN: f64 = 0.9;
/// A guard against a `nextToken` chain that never ends.
const MAX_PAGES: usize = 100_000;

/// The SP-API operations this connector calls, each with its documented usage plan
/// (requests a second, burst).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `getListingsItem`: 5 / 10.
    GetListingsItem,
    /// `searchListingsItems`: 5 / 5.
    SearchListingsItems,
    /// `patchListingsItem`: 5 / 5.
    PatchListingsItem,
    /// `getInventorySummaries`: 2 / 2.
    GetInventorySummaries,
    /// `createFeedDocument`: 0.5 / 15.
    CreateFeedDocument,
    /// `createFeed`: 0.0083 / 15.
    CreateFeed,
    /// `getFeed`: 2 / 15.
    GetFeed,
    /// `getFeeds`: 0.0222 / 10.
    GetFeeds,
    /// `getFeedDocument`: 0.0222 / 10.
    GetFeedDocument,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 9] = [
        Operation::GetListingsItem,
        Operation::SearchListingsItems,
        Operation::PatchListingsItem,
        Operation::GetInventorySummaries,
        Operation::CreateFeedDocument,
        Operation::CreateFeed,
        Operation::GetFeed,
        Operation::GetFeeds,
        Operation::GetFeedDocument,
    ];

    /// Its documented rate (requests a second) and burst.
    pub fn usage_plan(self) -> (f64, u32) {
        match self {
            Operation::GetListingsItem => (5.0, 10),
            Operation::SearchListingsItems => (5.0, 5),
            Operation::PatchListingsItem => (5.0, 5),
            Operation::GetInventorySummaries => (2.0, 2),
            Operation::CreateFeedDocument => (0.5, 15),
            Operation::CreateFeed => (0.0083, 15),
            Operation::GetFeed => (2.0, 15),
            Operation::GetFeeds => (0.0222, 10),
            Operation::GetFeedDocument => (0.0222, 10),
        }
    }

    /// Its name in the SP-API models.
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetListingsItem => "getListingsItem",
            Operation::SearchListingsItems => "searchListingsItems",
            Operation::PatchListingsItem => "patchListingsItem",
            Operation::GetInventorySummaries => "getInventorySummaries",
            Operation::CreateFeedDocument => "createFeedDocument",
            Operation::CreateFeed => "createFeed",
            Operation::GetFeed => "getFeed",
            Operation::GetFeeds => "getFeeds",
            Operation::GetFeedDocument => "getFeedDocument",
        }
    }
}

/// One operation's client-side token bucket, shaped like Amazon's usage plan and re-shaped in
/// place when `x-amzn-RateLimit-Limit` reports another rate (the tokens already spent stay
/// spent, so a new rate never grants a fresh burst), plus a pause after a 429.
#[derive(Debug)]
struct OpLimiter {
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: tokio::time::Instant,
    paused_until: Option<tokio::time::Instant>,
}

impl Bucket {
    fn refill(&mut self, now: tokio::time::Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
    }
}

impl OpLimiter {
    fn new(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        OpLimiter {
            state: Mutex::new(Bucket {
                rate: rate * PACE_MARGIN,
                burst,
                tokens: burst,
                last: tokio::time::Instant::now(),
                paused_until: None,
            }),
        }
    }

    async fn acquire(&self) {
        loop {
            let wait = {
                let mut b = lock(&self.state);
                let now = tokio::time::Instant::now();
                match b.paused_until {
                    Some(until) if until > now => Some(until - now),
                    _ => {
                        b.paused_until = None;
                        b.refill(now);
                        if b.tokens >= 1.0 {
                            b.tokens -= 1.0;
                            None
                        } else {
                            Some(Duration::from_secs_f64(
                                ((1.0 - b.tokens) / b.rate).max(0.001),
                            ))
                        }
                    }
                }
            };
            match wait {
                None => return,
                Some(w) => tokio::time::sleep(w).await,
            }
        }
    }

    /// Follows `x-amzn-RateLimit-Limit` when it names a positive rate (paced at
    /// [`PACE_MARGIN`] of it).
    fn observe(&self, header: Option<&str>) {
        let Some(rate) = header.and_then(|h| h.trim().parse::<f64>().ok()) else {
            return;
        };
        if !(rate.is_finite() && rate > 0.0) {
            return;
        }
        let mut b = lock(&self.state);
        b.refill(tokio::time::Instant::now());
        b.rate = rate * PACE_MARGIN;
    }

    /// After a 429: empties the bucket and holds every caller of the operation back for one
    /// request interval (SP-API sends no `Retry-After`); returns that wait.
    fn throttled(&self) -> Duration {
        let mut b = lock(&self.state);
        let wait = Duration::from_secs_f64((1.0 / b.rate).clamp(0.2, 120.0));
        b.tokens = 0.0;
        b.paused_until = Some(tokio::time::Instant::now() + wait);
        wait
    }
}

/// One SKU's outcome in a bulk update.
pub type SkuOutcome = (String, Result<UpdateInventoryResult, CallError>);

/// Talks to the Selling Partner API.
#[derive(Debug)]
pub struct AmazonClient {
    http: HttpClient,
    settings: AmazonSettings,
    tokens: TokenCache,
    limiters: HashMap<Operation, OpLimiter>,
    /// (seller, SKU) → product type, looked up once.
    product_types: Mutex<HashMap<(String, String), String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemSummaries {
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    summaries: Vec<ItemSummary>,
    #[serde(default)]
    fulfillment_availability: Vec<FulfillmentAvailability>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FulfillmentAvailability {
    #[serde(default)]
    fulfillment_channel_code: Option<String>,
    #[serde(default)]
    quantity: Option<i64>,
}

/// `getFeeds`' answer (the fields read).
#[derive(Deserialize)]
struct FeedsPage {
    #[serde(default)]
    feeds: Vec<Json>,
}

impl ItemSummaries {
    /// The summary in `marketplace_id` (else the first).
    fn summary(&self, marketplace_id: &str) -> Option<&ItemSummary> {
        self.summaries
            .iter()
            .find(|s| s.marketplace_id.as_deref() == Some(marketplace_id))
            .or_else(|| self.summaries.first())
    }

    /// The product type in `marketplace_id` (else the first summary's).
    fn product_type(&self, marketplace_id: &str) -> Option<String> {
        self.summary(marketplace_id)
            .and_then(|s| s.product_type.clone())
    }

    /// The merchant-fulfilled quantity: the `DEFAULT` channel's (0 when it gives none);
    /// `None` for a listing with no `DEFAULT` channel (fulfilled by Amazon only).
    fn merchant_quantity(&self) -> Option<i64> {
        self.fulfillment_availability
            .iter()
            .find(|f| f.fulfillment_channel_code.as_deref() == Some(DEFAULT_FULFILLMENT_CHANNEL))
            .map(|f| f.quantity.unwrap_or(0))
    }
}

/// The listings read so far by [`AmazonClient::get_all_inventory`], each SKU once.
#[derive(Default)]
struct Listings {
    items: Vec<SkuQuantity>,
    seen: HashSet<String>,
}

impl Listings {
    /// Adds a page's listings not seen yet; returns how many were new (those with no merchant
    /// quantity included, so that a window of them still moves on).
    fn add(&mut self, page: &[ItemSummaries]) -> usize {
        let mut added = 0;
        for item in page {
            let Some(sku) = &item.sku else { continue };
            if !self.seen.insert(sku.clone()) {
                continue;
            }
            added += 1;
            if let Some(quantity) = item.merchant_quantity() {
                self.items.push(SkuQuantity {
                    sku: sku.clone(),
                    quantity,
                });
            }
        }
        added
    }
}

/// How one `searchListingsItems` query (a window of creation dates) ended.
enum Window {
    /// Every listing from its start on was read.
    Complete,
    /// Amazon's 1,000-result limit cut it: the next window starts at this creation date.
    CutAt(String),
}

/// `searchListingsItems`' answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchResponse {
    #[serde(default)]
    number_of_results: Option<usize>,
    #[serde(default)]
    items: Vec<ItemSummaries>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

/// The most SKUs one `searchListingsItems` takes as `identifiers`.
pub const MAX_SEARCH_IDENTIFIERS: usize = 20;
/// The largest `pageSize` of `searchListingsItems`.
pub const MAX_SEARCH_PAGE: usize = 20;
/// The most results one `searchListingsItems` query can page through ("the maximum number of
/// items (SKUs) that can be returned and paged through is 1000"); `numberOfResults` may say
/// more.
pub const MAX_SEARCH_RESULTS: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemSummary {
    #[serde(default)]
    marketplace_id: Option<String>,
    #[serde(default)]
    product_type: Option<String>,
    #[serde(default)]
    created_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummariesResponse {
    #[serde(default)]
    payload: Option<SummariesPayload>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummariesPayload {
    #[serde(default)]
    inventory_summaries: Vec<InventorySummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InventorySummary {
    #[serde(default)]
    seller_sku: Option<String>,
    #[serde(default)]
    total_quantity: Option<i64>,
    #[serde(default)]
    inventory_details: Option<InventoryDetails>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InventoryDetails {
    #[serde(default)]
    fulfillable_quantity: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedDocumentResponse {
    feed_document_id: String,
    url: String,
    #[serde(default)]
    compression_algorithm: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateFeedResponse {
    feed_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedStatus {
    processing_status: String,
    #[serde(default)]
    result_feed_document_id: Option<String>,
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl AmazonClient {
    /// A client for these settings, with one limiter per operation at its documented rate.
    pub fn new(settings: AmazonSettings) -> Result<Self, CallError> {
        let http = HttpClient::new(crate::NAME)?.with_secrets(settings.secrets());
        let limiters = Operation::ALL
            .iter()
            .map(|&op| {
                let (rate, burst) = op.usage_plan();
                (op, OpLimiter::new(rate, burst))
            })
            .collect();
        Ok(AmazonClient {
            http,
            settings,
            tokens: TokenCache::new(),
            limiters,
            product_types: Mutex::new(HashMap::new()),
        })
    }

    /// Remembers a SKU's product type (saves the `getListingsItem` lookup).
    pub fn set_product_type(&self, seller_id: &str, sku: &str, product_type: &str) {
        lock(&self.product_types).insert(
            (seller_id.to_string(), sku.to_string()),
            product_type.to_string(),
        );
    }

    /// The settings.
    pub fn settings(&self) -> &AmazonSettings {
        &self.settings
    }

    pub(crate) fn seller_and_marketplace(
        &self,
        config: Option<&AmazonConfig>,
    ) -> Result<(String, String), CallError> {
        if let Some(c) = config {
            if c.seller_id.trim().is_empty() || c.marketplace_id.trim().is_empty() {
                return Err(CallError::permanent(
                    "amazon: config.sellerId and config.marketplaceId must not be empty",
                ));
            }
            return Ok((c.seller_id.clone(), c.marketplace_id.clone()));
        }
        let Some(seller) = self.settings.seller_id.clone() else {
            return Err(CallError::permanent(
                "amazon: no seller id: set AMAZON_SELLER_ID or pass config: { sellerId, marketplaceId }",
            ));
        };
        Ok((seller, self.marketplace()))
    }

    fn marketplace(&self) -> String {
        self.settings
            .marketplace_id
            .clone()
            .unwrap_or_else(|| DEFAULT_MARKETPLACE_ID.to_string())
    }

    async fn fetch_token(&self) -> Result<FreshToken, CallError> {
        let request = self.http.post(&self.settings.lwa_url).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", self.settings.refresh_token.as_str()),
            ("client_id", self.settings.client_id.as_str()),
            ("client_secret", self.settings.client_secret.as_str()),
        ]);
        let response = self.http.send_raw(request).await?;
        if !response.is_success() {
            let e = classify_status(
                response.status,
                &response.headers,
                &response.body,
                handled_contract::clock::wall_now(),
            );
            let code = serde_json::from_slice::<Json>(&response.body)
                .ok()
                .and_then(|v| v.get("error").and_then(Json::as_str).map(str::to_string));
            let class = if matches!(response.status, 400 | 401) {
                ErrorClass::Auth
            } else {
                e.class
            };
            let what = code.map(|c| format!(" ({c})")).unwrap_or_default();
            let message = self.http.redact(&format!(
                "amazon: Login with Amazon refused the refresh token{what}: {}",
                e.message
            ));
            return Err(CallError {
                class,
                message,
                ..e
            });
        }
        let token: LwaTokenResponse = response.json()?;
        Ok(FreshToken {
            access_token: token.access_token,
            expires_in: Duration::from_secs(token.expires_in),
        })
    }

    fn limiter(&self, op: Operation) -> Result<&OpLimiter, CallError> {
        self.limiters
            .get(&op)
            .ok_or_else(|| CallError::permanent(format!("amazon: no limiter for {}", op.name())))
    }

    /// Sends an SP-API request: token, the operation's limiter, one retry with a fresh token
    /// after 401/403, rate-limit header followed, and every non-2xx answer classified.
    async fn send<F>(&self, op: Operation, build: F) -> Result<HttpResponse, CallError>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        let limiter = self.limiter(op)?;
        let token = self.tokens.get(|| self.fetch_token()).await?;
        limiter.acquire().await;
        let mut response = self
            .http
            .send_raw(build(&token).header(ACCESS_TOKEN_HEADER, &token))
            .await?;
        if matches!(response.status, 401 | 403) {
            let fresh = self
                .tokens
                .refresh_after_rejection(&token, || self.fetch_token())
                .await?;
            limiter.acquire().await;
            response = self
                .http
                .send_raw(build(&fresh).header(ACCESS_TOKEN_HEADER, &fresh))
                .await?;
        }
        limiter.observe(response.header(RATE_LIMIT_HEADER));
        if response.is_success() {
            return Ok(response);
        }
        Err(self.failure(op, limiter, &response))
    }

    fn failure(&self, op: Operation, limiter: &OpLimiter, response: &HttpResponse) -> CallError {
        let e = classify_status(
            response.status,
            &response.headers,
            &response.body,
            handled_contract::clock::wall_now(),
        );
        let errors: ErrorList = serde_json::from_slice(&response.body).unwrap_or_default();
        let detail = if errors.errors.is_empty() {
            e.message.clone()
        } else {
            errors.summary()
        };
        let message = self.http.redact(&format!(
            "amazon: {}: HTTP {}: {detail}",
            op.name(),
            response.status
        ));
        let mut e = CallError { message, ..e };
        if response.status == 429 && e.retry_after.is_none() {
            e.retry_after = Some(limiter.throttled());
        }
        e
    }

    /// The listing's product type, from the cache or `getListingsItem` (`summaries`).
    pub async fn product_type(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        sku: &str,
    ) -> Result<String, CallError> {
        if let Some(t) = &self.settings.product_type {
            return Ok(t.clone());
        }
        let key = (seller_id.to_string(), sku.to_string());
        if let Some(t) = lock(&self.product_types).get(&key) {
            return Ok(t.clone());
        }
        let url = format!(
            "{}/listings/2021-08-01/items/{}/{}",
            self.settings.base_url,
            encode_segment(seller_id),
            encode_segment(sku)
        );
        let response = self
            .send(Operation::GetListingsItem, |_| {
                self.http.get(&url).query(&[
                    ("marketplaceIds", marketplace_id),
                    ("includedData", "summaries"),
                ])
            })
            .await
            .map_err(|e| {
                if e.status == Some(404) {
                    CallError::permanent(format!(
                        "amazon: no listing with SKU {sku:?} for seller {seller_id}"
                    ))
                    .with_status(404)
                } else {
                    e
                }
            })?;
        let item: ItemSummaries = response.json()?;
        let Some(product_type) = item.product_type(marketplace_id) else {
            return Err(CallError::permanent(format!(
                "amazon: the listing {sku:?} has no product type"
            )));
        };
        lock(&self.product_types).insert(key, product_type.clone());
        Ok(product_type)
    }

    /// The product types of many listings, from the cache or `searchListingsItems` of up to 20
    /// SKUs each (a SKU with a comma, which the list cannot carry, is looked up alone); a SKU
    /// with no listing gets that error.
    pub async fn product_types(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        skus: &[String],
    ) -> HashMap<String, Result<String, CallError>> {
        let mut out = HashMap::new();
        if let Some(t) = &self.settings.product_type {
            for sku in skus {
                out.insert(sku.clone(), Ok(t.clone()));
            }
            return out;
        }
        let mut wanted: Vec<&String> = Vec::new();
        for sku in skus {
            if out.contains_key(sku) || wanted.contains(&sku) {
                continue;
            }
            let cached = lock(&self.product_types)
                .get(&(seller_id.to_string(), sku.clone()))
                .cloned();
            match cached {
                Some(t) => {
                    out.insert(sku.clone(), Ok(t));
                }
                None if sku.contains(',') => {
                    let t = self.product_type(seller_id, marketplace_id, sku).await;
                    out.insert(sku.clone(), t);
                }
                None => wanted.push(sku),
            }
        }
        let url = format!(
            "{}/listings/2021-08-01/items/{}",
            self.settings.base_url,
            encode_segment(seller_id)
        );
        for chunk in wanted.chunks(MAX_SEARCH_IDENTIFIERS) {
            let identifiers = chunk
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let answer = self
                .search_skus(&url, marketplace_id, &identifiers, "summaries")
                .await;
            match answer {
                Ok(found) => {
                    for item in found.items {
                        let (Some(sku), Some(t)) =
                            (item.sku.clone(), item.product_type(marketplace_id))
                        else {
                            continue;
                        };
                        lock(&self.product_types)
                            .insert((seller_id.to_string(), sku.clone()), t.clone());
                        out.insert(sku, Ok(t));
                    }
                    for sku in chunk {
                        out.entry((*sku).clone()).or_insert_with(|| {
                            Err(CallError::permanent(format!(
                                "amazon: no listing with SKU {sku:?} for seller {seller_id}"
                            ))
                            .with_status(404))
                        });
                    }
                }
                Err(e) => {
                    for sku in chunk {
                        out.insert((*sku).clone(), Err(e.clone()));
                    }
                }
            }
        }
        out
    }

    /// Of these writes, those whose listing holds the quantity already: the writes an earlier
    /// attempt may have made unanswered (a process stopped while a patch or a feed was on its
    /// way) are not made twice. First waits for this seller's listings feeds still queued or in
    /// progress (`getFeeds`), which may carry them, then reads the listings' merchant quantity
    /// (`searchListingsItems`, 20 SKUs a request, with `fulfillmentAvailability`). A failed read
    /// holds nothing: the write is made (the stock ends right either way).
    pub async fn already_held(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        items: &[(String, i64)],
    ) -> HashSet<String> {
        let mut held = HashSet::new();
        if items.is_empty() {
            return held;
        }
        self.wait_for_feeds(marketplace_id).await;
        let url = format!(
            "{}/listings/2021-08-01/items/{}",
            self.settings.base_url,
            encode_segment(seller_id)
        );
        let searchable: Vec<&(String, i64)> =
            items.iter().filter(|(sku, _)| !sku.contains(',')).collect();
        for chunk in searchable.chunks(MAX_SEARCH_IDENTIFIERS) {
            let identifiers = chunk
                .iter()
                .map(|(sku, _)| sku.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let answer = self
                .search_skus(
                    &url,
                    marketplace_id,
                    &identifiers,
                    "fulfillmentAvailability",
                )
                .await;
            let Ok(found) = answer else { continue };
            for item in found.items {
                let Some(sku) = item.sku else { continue };
                let now = item
                    .fulfillment_availability
                    .iter()
                    .find(|f| {
                        f.fulfillment_channel_code.as_deref() == Some(DEFAULT_FULFILLMENT_CHANNEL)
                    })
                    .and_then(|f| f.quantity);
                if chunk.iter().any(|(s, q)| *s == sku && Some(*q) == now) {
                    held.insert(sku);
                }
            }
        }
        held
    }

    /// One `searchListingsItems` of up to 20 SKUs (`identifiers`, comma-separated) at `url` (the
    /// seller's items), with `included` data.
    async fn search_skus(
        &self,
        url: &str,
        marketplace_id: &str,
        identifiers: &str,
        included: &str,
    ) -> Result<SearchResponse, CallError> {
        self.send(Operation::SearchListingsItems, |_| {
            self.http.get(url).query(&[
                ("marketplaceIds", marketplace_id),
                ("identifiers", identifiers),
                ("identifiersType", "SKU"),
                ("includedData", included),
                ("pageSize", "20"),
            ])
        })
        .await?
        .json::<SearchResponse>()
    }

    /// Waits (up to the feed timeout) until no listings feed of this seller in `marketplace_id`
    /// is queued or in progress.
    async fn wait_for_feeds(&self, marketplace_id: &str) {
        let url = format!("{}/feeds/2021-06-30/feeds", self.settings.base_url);
        let started = tokio::time::Instant::now();
        loop {
            let answer = self
                .send(Operation::GetFeeds, |_| {
                    self.http.get(&url).query(&[
                        ("feedTypes", "JSON_LISTINGS_FEED"),
                        ("processingStatuses", "IN_QUEUE,IN_PROGRESS"),
                        ("marketplaceIds", marketplace_id),
                    ])
                })
                .await
                .and_then(|r| r.json::<FeedsPage>());
            match answer {
                Ok(page) if !page.feeds.is_empty() => {}
                _ => return,
            }
            if started.elapsed() >= self.settings.feed_timeout {
                return;
            }
            // getFeeds allows a burst of 10, then one every 45 s: at most one a second.
            tokio::time::sleep(self.poll_wait(started).max(Duration::from_secs(1))).await;
        }
    }

    /// How long to wait before asking again about a feed created `started` ago: a quarter of
    /// its age, from a second (or the poll interval, when shorter) to the poll interval.
    fn poll_wait(&self, started: tokio::time::Instant) -> Duration {
        let most = self.settings.feed_poll_interval;
        (started.elapsed() / 4)
            .min(most)
            .max(most.min(Duration::from_secs(1)))
    }

    /// Sets a listing's merchant-fulfilled (`DEFAULT`) quantity with a Listings Items patch.
    /// `ACCEPTED` means queued, not applied yet; `INVALID` is a Permanent error carrying the
    /// issues' messages.
    pub async fn update_inventory(
        &self,
        params: &UpdateInventoryParams,
    ) -> Result<UpdateInventoryResult, CallError> {
        params::non_negative("amazon.updateInventory: quantity", params.quantity)?;
        if params.sku.is_empty() {
            return Err(CallError::permanent(
                "amazon.updateInventory: sku must not be empty",
            ));
        }
        let (seller, marketplace) = self.seller_and_marketplace(params.config.as_ref())?;
        let product_type = self
            .product_type(&seller, &marketplace, &params.sku)
            .await?;
        let body = ListingsItemPatchRequest {
            product_type,
            patches: vec![PatchOperation::fulfillment_quantity(params.quantity)],
        };
        let url = format!(
            "{}/listings/2021-08-01/items/{}/{}",
            self.settings.base_url,
            encode_segment(&seller),
            encode_segment(&params.sku)
        );
        let response = self
            .send(Operation::PatchListingsItem, |_| {
                self.http
                    .client()
                    .patch(&url)
                    .query(&[
                        ("marketplaceIds", marketplace.as_str()),
                        ("issueLocale", "en_US"),
                    ])
                    .json(&body)
            })
            .await?;
        let answer: ListingsItemSubmissionResponse = response.json()?;
        if answer.status == "INVALID" {
            lock(&self.product_types).remove(&(seller.clone(), params.sku.clone()));
            let issues: Vec<String> = answer
                .issues
                .iter()
                .filter(|i| i.severity == "ERROR")
                .map(|i| format!("{} {}", i.code, i.message))
                .collect();
            let issues = if issues.is_empty() {
                "no issue given".to_string()
            } else {
                issues.join("; ")
            };
            return Err(CallError::permanent(format!(
                "amazon: the listing update for {} was refused (INVALID): {issues}",
                params.sku
            ))
            .with_status(response.status));
        }
        Ok(UpdateInventoryResult {
            sku: answer.sku,
            status: answer.status,
            submission_id: answer.submission_id,
        })
    }

    /// Every listing's merchant-fulfilled quantity (the `DEFAULT` channel of
    /// `fulfillment_availability`): the stock [`Self::update_inventory`] and
    /// [`Self::bulk_update`] write, read back the way they write it. One `searchListingsItems`
    /// page of 20 listings a request (5 requests a second), sorted by creation date, the
    /// listings of the seller (`params.seller_id`, else the default one) in the default
    /// marketplace. Amazon pages through at most 1,000 results of one query: a longer catalog
    /// is read in windows, each starting (`createdAfter`, inclusive) at the creation date of
    /// the last listing of the one before, the SKUs read twice kept once. A listing with no
    /// `DEFAULT` channel (fulfilled by Amazon only) has no merchant quantity and is left out.
    pub async fn get_all_inventory(
        &self,
        params: &GetAllInventoryParams,
    ) -> Result<GetAllInventoryResult, CallError> {
        let seller = match params.seller_id.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => self.seller_and_marketplace(None)?.0,
        };
        let marketplace = self.marketplace();
        let url = format!(
            "{}/listings/2021-08-01/items/{}",
            self.settings.base_url,
            encode_segment(&seller)
        );
        let mut listings = Listings::default();
        let mut from: Option<String> = None;
        loop {
            match self
                .search_window(&url, &marketplace, from.as_deref(), &mut listings)
                .await?
            {
                Window::Complete => {
                    return Ok(GetAllInventoryResult {
                        items: listings.items,
                    });
                }
                Window::CutAt(date) => from = Some(date),
            }
        }
    }

    /// Reads one window of the seller's listings (created at or after `from`, oldest first) to
    /// its last page, or to Amazon's 1,000-result limit; a window that cannot move past its
    /// start (more than 1,000 listings created in the same second) is an error.
    async fn search_window(
        &self,
        url: &str,
        marketplace: &str,
        from: Option<&str>,
        listings: &mut Listings,
    ) -> Result<Window, CallError> {
        let mut token: Option<String> = None;
        let (mut read, mut added) = (0usize, 0usize);
        let mut last_created: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .search_page(url, marketplace, from, token.as_deref())
                .await?;
            read += page.items.len();
            added += listings.add(&page.items);
            if let Some(created) = page
                .items
                .last()
                .and_then(|i| i.summary(marketplace))
                .and_then(|s| s.created_date.clone())
            {
                last_created = Some(created);
            }
            token = page
                .pagination
                .and_then(|p| p.next_token)
                .filter(|t| !t.is_empty());
            if token.is_some() {
                continue;
            }
            if page.number_of_results.unwrap_or(0) <= read {
                return Ok(Window::Complete);
            }
            return match last_created {
                Some(date) if added > 0 && from != Some(date.as_str()) => Ok(Window::CutAt(date)),
                _ => Err(CallError::permanent(format!(
                    "amazon: searchListingsItems found {} listings but pages through {read} only, \
                     and their creation dates give no later start",
                    page.number_of_results.unwrap_or(0)
                ))),
            };
        }
        Ok(Window::Complete)
    }

    /// One page of the seller's listings with their summaries and fulfillment availability,
    /// oldest first.
    async fn search_page(
        &self,
        url: &str,
        marketplace: &str,
        from: Option<&str>,
        token: Option<&str>,
    ) -> Result<SearchResponse, CallError> {
        let page_size = MAX_SEARCH_PAGE.to_string();
        self.send(Operation::SearchListingsItems, |_| {
            let mut q: Vec<(&str, &str)> = vec![
                ("marketplaceIds", marketplace),
                ("includedData", "summaries,fulfillmentAvailability"),
                ("sortBy", "createdDate"),
                ("sortOrder", "ASC"),
                ("pageSize", page_size.as_str()),
            ];
            if let Some(f) = from {
                q.push(("createdAfter", f));
            }
            if let Some(t) = token {
                q.push(("pageToken", t));
            }
            self.http.get(url).query(&q)
        })
        .await?
        .json::<SearchResponse>()
    }

    /// Every SKU's fulfillable FBA quantity (inventory summaries, `granularityType=Marketplace`):
    /// the stock in Amazon's fulfilment centres, which Amazon keeps and nothing this connector
    /// sends changes, not the merchant quantity [`Self::get_all_inventory`] reads. Follows
    /// `nextToken` to the last page at once (tokens expire after 30 s); 50 SKUs a page, 2
    /// requests a second. The seller is the one the LWA token belongs to.
    pub async fn get_fba_inventory(&self) -> Result<GetAllInventoryResult, CallError> {
        let marketplace = self.marketplace();
        let url = format!("{}/fba/inventory/v1/summaries", self.settings.base_url);
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let response = self
                .send(Operation::GetInventorySummaries, |_| {
                    let mut q: Vec<(&str, &str)> = vec![
                        ("details", "true"),
                        ("granularityType", "Marketplace"),
                        ("granularityId", marketplace.as_str()),
                        ("marketplaceIds", marketplace.as_str()),
                    ];
                    if let Some(t) = &next {
                        q.push(("nextToken", t.as_str()));
                    }
                    self.http.get(&url).query(&q)
                })
                .await?;
            let page: SummariesResponse = response.json()?;
            for s in page
                .payload
                .map(|p| p.inventory_summaries)
                .unwrap_or_default()
            {
                let Some(sku) = s.seller_sku else { continue };
                let quantity = s
                    .inventory_details
                    .and_then(|d| d.fulfillable_quantity)
                    .or(s.total_quantity)
                    .unwrap_or(0);
                items.push(SkuQuantity { sku, quantity });
            }
            match page
                .pagination
                .and_then(|p| p.next_token)
                .filter(|t| !t.is_empty())
            {
                Some(t) => next = Some(t),
                None => return Ok(GetAllInventoryResult { items }),
            }
        }
        Ok(GetAllInventoryResult { items })
    }

    /// Sets many SKUs' merchant-fulfilled quantities with one `JSON_LISTINGS_FEED` (create a
    /// feed document, upload it, create the feed, poll it to `DONE`, read the processing
    /// report) and maps each message's issues back to its SKU. The outer error is a failure of
    /// the feed as a whole; each SKU also gets its own result (`ACCEPTED` with the feed id as
    /// `submissionId`, or a Permanent error with the report's messages).
    pub async fn bulk_update(
        &self,
        items: Vec<(String, i64)>,
        config: Option<&AmazonConfig>,
    ) -> Result<Vec<SkuOutcome>, CallError> {
        if items.len() > MAX_FEED_MESSAGES {
            return Err(CallError::permanent(format!(
                "amazon: a listings feed holds at most {MAX_FEED_MESSAGES} messages (got {})",
                items.len()
            )));
        }
        let (seller, marketplace) = self.seller_and_marketplace(config)?;
        let mut outcomes: Vec<Option<Result<UpdateInventoryResult, CallError>>> =
            vec![None; items.len()];
        let mut messages = Vec::new();
        let mut message_index: HashMap<i64, usize> = HashMap::new();
        let skus: Vec<String> = items.iter().map(|(sku, _)| sku.clone()).collect();
        let types = self.product_types(&seller, &marketplace, &skus).await;
        for (i, (sku, quantity)) in items.iter().enumerate() {
            if let Err(e) = params::non_negative("amazon.updateInventory: quantity", *quantity) {
                outcomes[i] = Some(Err(e));
                continue;
            }
            let product_type = match types.get(sku) {
                Some(Ok(t)) => t.clone(),
                Some(Err(e)) => {
                    outcomes[i] = Some(Err(e.clone()));
                    continue;
                }
                None => {
                    outcomes[i] = Some(Err(CallError::permanent(format!(
                        "amazon: no product type for {sku:?}"
                    ))));
                    continue;
                }
            };
            let message_id = i64::try_from(messages.len() + 1).unwrap_or(i64::MAX);
            message_index.insert(message_id, i);
            messages.push(FeedMessage {
                message_id,
                sku: sku.clone(),
                operation_type: "PATCH".into(),
                product_type: Some(product_type),
                patches: Some(vec![PatchOperation::fulfillment_quantity(*quantity)]),
            });
        }
        if !messages.is_empty() {
            let feed = ListingsFeed {
                header: FeedHeader {
                    seller_id: seller.clone(),
                    version: "2.0".into(),
                    issue_locale: Some("en_US".into()),
                },
                messages,
            };
            let (feed_id, report) = self.run_feed(&feed, &marketplace).await?;
            let mut errors: HashMap<usize, Vec<String>> = HashMap::new();
            let mut feed_errors = Vec::new();
            for issue in report.issues.iter().filter(|i| i.severity == "ERROR") {
                let text = format!("{} {}", issue.code.as_deref().unwrap_or("-"), issue.message);
                match issue.message_id.and_then(|m| message_index.get(&m)) {
                    Some(&i) => errors.entry(i).or_default().push(text),
                    None => feed_errors.push(text),
                }
            }
            for &i in message_index.values() {
                let sku = &items[i].0;
                let result = match errors.remove(&i) {
                    Some(msgs) => Err(CallError::permanent(format!(
                        "amazon: feed {feed_id} refused the update of {sku}: {}",
                        msgs.join("; ")
                    ))),
                    None if !feed_errors.is_empty() => Err(CallError::permanent(format!(
                        "amazon: feed {feed_id} failed: {}",
                        feed_errors.join("; ")
                    ))),
                    None => Ok(UpdateInventoryResult {
                        sku: sku.clone(),
                        status: "ACCEPTED".into(),
                        submission_id: feed_id.clone(),
                    }),
                };
                outcomes[i] = Some(result);
            }
        }
        Ok(items
            .into_iter()
            .zip(outcomes)
            .map(|((sku, _), r)| {
                let r = r.unwrap_or_else(|| {
                    Err(CallError::permanent(format!("amazon: no result for {sku}")))
                });
                (sku, r)
            })
            .collect())
    }

    /// Creates, uploads and submits a feed, waits for it, and reads its processing report.
    async fn run_feed(
        &self,
        feed: &ListingsFeed,
        marketplace: &str,
    ) -> Result<(String, ProcessingReport), CallError> {
        let base = &self.settings.base_url;
        let docs_url = format!("{base}/feeds/2021-06-30/documents");
        let document: FeedDocumentResponse = self
            .send(Operation::CreateFeedDocument, |_| {
                self.http
                    .post(&docs_url)
                    .json(&json!({"contentType": FEED_CONTENT_TYPE}))
            })
            .await?
            .json()?;
        let body = serde_json::to_vec(feed)
            .map_err(|e| CallError::permanent(format!("amazon: cannot serialize the feed: {e}")))?;
        // The upload URL is pre-signed: no SP-API headers, the same content type.
        let upload = self
            .http
            .put(&document.url)
            .header("content-type", FEED_CONTENT_TYPE)
            .body(body);
        let uploaded = self.http.send_raw(upload).await?;
        if !uploaded.is_success() {
            let e = classify_status(
                uploaded.status,
                &uploaded.headers,
                &uploaded.body,
                handled_contract::clock::wall_now(),
            );
            let class = if e.class == ErrorClass::Auth {
                ErrorClass::Retryable
            } else {
                e.class
            };
            return Err(CallError {
                class,
                message: format!("amazon: feed document upload: {}", e.message),
                ..e
            });
        }
        let feeds_url = format!("{base}/feeds/2021-06-30/feeds");
        let created: CreateFeedResponse = self
            .send(Operation::CreateFeed, |_| {
                self.http.post(&feeds_url).json(&json!({
                    "feedType": "JSON_LISTINGS_FEED",
                    "marketplaceIds": [marketplace],
                    "inputFeedDocumentId": document.feed_document_id,
                }))
            })
            .await?
            .json()?;
        let feed_id = created.feed_id;
        let status_url = format!("{feeds_url}/{}", encode_segment(&feed_id));
        let started = tokio::time::Instant::now();
        let status = loop {
            let status: FeedStatus = self
                .send(Operation::GetFeed, |_| self.http.get(&status_url))
                .await?
                .json()?;
            match status.processing_status.as_str() {
                "DONE" | "FATAL" | "CANCELLED" => break status,
                _ => {}
            }
            if started.elapsed() >= self.settings.feed_timeout {
                return Err(CallError::retryable(format!(
                    "amazon: feed {feed_id} still {} after {:?}",
                    status.processing_status, self.settings.feed_timeout
                )));
            }
            // A feed done in seconds is seen within a second or so; an old one every
            // `feed_poll_interval` (getFeed allows 2 a second).
            tokio::time::sleep(self.poll_wait(started)).await;
        };
        if status.processing_status == "CANCELLED" {
            return Err(CallError::permanent(format!(
                "amazon: feed {feed_id} was cancelled"
            )));
        }
        let Some(result_id) = status.result_feed_document_id else {
            return Err(CallError::permanent(format!(
                "amazon: feed {feed_id} ended {} without a processing report",
                status.processing_status
            )));
        };
        let report = self.read_report(&result_id).await?;
        if status.processing_status == "FATAL" {
            let issues: Vec<String> = report.issues.iter().map(|i| i.message.clone()).collect();
            return Err(CallError::permanent(format!(
                "amazon: feed {feed_id} failed (FATAL): {}",
                issues.join("; ")
            )));
        }
        Ok((feed_id, report))
    }

    async fn read_report(&self, document_id: &str) -> Result<ProcessingReport, CallError> {
        let url = format!(
            "{}/feeds/2021-06-30/documents/{}",
            self.settings.base_url,
            encode_segment(document_id)
        );
        let document: FeedDocumentResponse = self
            .send(Operation::GetFeedDocument, |_| self.http.get(&url))
            .await?
            .json()?;
        let download = self.http.send(self.http.get(&document.url)).await?;
        let bytes = match document.compression_algorithm.as_deref() {
            Some("GZIP") => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(download.body.as_slice())
                    .read_to_end(&mut out)
                    .map_err(|e| {
                        CallError::permanent(format!(
                            "amazon: processing report is not valid GZIP: {e}"
                        ))
                    })?;
                out
            }
            _ => download.body,
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            CallError::permanent(format!(
                "amazon: processing report is not the expected JSON: {e}"
            ))
        })
    }
}
