//! An emulator of the Shopify Admin GraphQL API, as much of it as the connector uses, enforcing
//! what Shopify enforces.
//!
//! Endpoints (mount the router at the root, or under a prefix):
//!
//! - `POST /admin/api/{version}/graphql.json`: GraphQL. Checks `X-Shopify-Access-Token` (401
//!   `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`),
//!   prices every query (objects 1, connections 2 + first × items, mutations 10) against a leaky
//!   bucket (default 1000 points, restoring 100/s; `THROTTLED` as HTTP 200 with
//!   `extensions.cost`), caps pages and inputs at 250, and implements `productVariants`,
//!   `productVariant`, `products`, `product`, `inventoryItem(s)`, `location(s)`, `shop`,
//!   `inventorySetQuantities` (from 2026-04: `changeFromQuantity` on every quantity and
//!   `@idempotent(key:)` required; a key replays its first response, another request under the
//!   same key gets `IDEMPOTENCY_KEY_PARAMETER_MISMATCH`; before 2026-01: `compareQuantity` /
//!   `ignoreCompareQuantity`), `productUpdate(product:)` and `tagsAdd`.
//! - `GET /_state`: [`EmulatorHandle::state`].
//! - `POST /_webhooks` `{"url":"…","duplicate":false,"reorder":false}`: from now on, every change
//!   of an available quantity is delivered to `url` as an `inventory_levels/update` webhook with
//!   all of Shopify's headers and a correct HMAC (`duplicate`: every delivery twice, same event
//!   id; `reorder`: each delivery held back 300 ms so later ones overtake it). Failed deliveries
//!   are retried up to 8 times (100 ms doubling). `DELETE /_webhooks` stops.
//! - `POST /_admin/inventory` `{"sku":"A-1","quantity":5,"location":24826418?}`: a change made in
//!   the shop (by a merchant), which also emits the webhook; `{"sku":"A-1","tracked":false}`
//!   turns tracking off (or on), and the webhook of an untracked item says `"available": null`
//!   (as does any webhook of a product the fixture marks `"tracked": false`).
//! - `bulkOperationRunQuery`, `node(id:)`/`bulkOperation(id:)`/`currentBulkOperation` and
//!   `GET /_bulk/{id}.jsonl`: bulk query operations ([`bulk`]).
//! - `/_faults`: fault injection ([`handled_connector_core::emulator`]).
//!
//! Fixture (all optional):
//!
//! ```json
//! {"locations": [{"id": 24826418, "name": "Primary", "primary": true}, {"id": 5, "name": "Backroom"}],
//!  "products": [{"sku": "A-1", "title": "Alpha", "vendor": "Acme", "tags": ["x"], "status": "ACTIVE",
//!                "available": 10, "reserved": 1},
//!               {"sku": "B-1", "levels": {"24826418": 4, "5": {"available": 2, "reserved": 1}},
//!                "product": "group-key", "productId": 1, "variantId": 2, "inventoryItemId": 3}],
//!  "plan": "standard", "throttle": {"maximumAvailable": 1000, "restoreRate": 100},
//!  "accessToken": "shpat_sandbox", "webhookSecret": "sandbox-webhook-secret"}
//! ```
//!
//! `plan` (`standard`, `advanced`, `plus`, `enterprise`) sets the cost bucket by Shopify's
//! restore rates ([`plan_bucket`]); `throttle` overrides either number. Every query is charged
//! its requested cost (objects 1, connections 2 + `first` × their nodes, mutations 10) and
//! refunded to its actual cost (connections counted by the nodes they returned).
//!
//! `available` puts the quantity at the primary location; `levels` per location id. `items`
//! with `quantity` is accepted in place of `products` with `available`. Entries with the same
//! `product` key are variants of one product. Ids are generated when not given; inventory item
//! ids are above 2^53 so that clients must keep them exact.

pub mod bulk;
mod exec;
mod schema;
mod shop;

use handled_contract::lock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apollo_compiler::ast::{Document, OperationType, Selection};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use handled_connector_core::emulator::{Faults, IdempotencyCache, OpCounters, Replay, with_faults};
use handled_connector_core::{HttpClient, Json};
use handled_contract::sign::hmac_sha256_base64;
use serde_json::{Map, json};
use tokio::time::Instant;

use exec::{Exec, GqlError, Obj, Val, args, cost, fragments, json_val, operations, parse_gid};
pub use shop::{DEFAULT_LOCATION_ID, Shop};

/// The token the sandbox connector and emulator agree on by default.
pub const SANDBOX_TOKEN: &str = "shpat_sandbox";
/// The webhook secret of the sandbox by default.
pub const SANDBOX_WEBHOOK_SECRET: &str = "sandbox-webhook-secret";
/// The shop domain the emulator claims to be.
pub const SANDBOX_SHOP: &str = "handled-sandbox.myshopify.com";
/// API versions the emulator serves.
pub const VERSIONS: &[&str] = &[
    "2025-01", "2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10",
    "unstable",
];
/// How many parsed documents the emulator keeps (the cache starts over when full).
const DOCUMENT_CACHE_SIZE: usize = 256;
/// Longer documents are parsed on every request, not kept.
const DOCUMENT_CACHE_MAX_LEN: usize = 64 * 1024;
const INVALID_TOKEN: &str =
    "[API] Invalid API key or access token (unrecognized login or wrong password)";
const REASONS: &[&str] = &[
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
];

/// Where and how the emulator sends webhooks.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookTarget {
    /// The URL deliveries are posted to.
    pub url: String,
    /// Deliver every webhook twice (same event id, different webhook ids).
    #[serde(default)]
    pub duplicate: bool,
    /// Hold each delivery back so that later ones overtake it.
    #[serde(default)]
    pub reorder: bool,
    /// The subscription's API version, sent as `X-Shopify-API-Version` (default: the
    /// fixture's `"webhookApiVersion"`, else the connector's default version).
    #[serde(default, rename = "apiVersion")]
    pub api_version: Option<String>,
}

struct Bucket {
    maximum: f64,
    restore_rate: f64,
    available: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self) {
        let now = Instant::now();
        self.available = (self.available
            + self.restore_rate * now.duration_since(self.at).as_secs_f64())
        .min(self.maximum);
        self.at = now;
    }

    fn status(&self) -> Json {
        json!({"maximumAvailable": self.maximum, "currentlyAvailable": self.available.floor(), "restoreRate": self.restore_rate})
    }
}

#[derive(Default)]
struct WebhookStats {
    sent: u64,
    delivered: u64,
    failed: u64,
    seq: u64,
}

struct Inner {
    shop: Mutex<Shop>,
    token: String,
    secret: String,
    /// The app's webhook API version (fixture `"webhookApiVersion"`).
    webhook_version: String,
    counters: OpCounters,
    idempotency: IdempotencyCache<Json>,
    bucket: Mutex<Bucket>,
    faults: Faults,
    webhook: Mutex<Option<WebhookTarget>>,
    stats: Mutex<WebhookStats>,
    http: Option<HttpClient>,
    interfere: Mutex<Vec<(String, i64)>>,
    /// Cost points charged so far (requested and actual), and the queries refused THROTTLED.
    spent: Mutex<(f64, f64, u64)>,
    /// Parsed GraphQL documents by their text: clients send the same few documents again and
    /// again, and parsing is most of the cost of a small request.
    documents: Mutex<HashMap<String, Arc<Document>>>,
    /// Documents validated against their version's published schema.
    checked: schema::Cache,
    /// Per version and deprecated field (`2026-04 InventoryItem.variant`), how many documents
    /// selected it.
    deprecated: Mutex<std::collections::BTreeMap<String, u64>>,
    /// Bulk query operations, the newest last.
    bulk_ops: Mutex<Vec<bulk::BulkOp>>,
    /// How long a bulk operation runs.
    bulk_pace: bulk::Pace,
}

/// The emulator's shared state; clone it freely.
#[derive(Clone)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle").finish_non_exhaustive()
    }
}

/// A level change to announce by webhook.
struct Change {
    item: u64,
    location: u64,
    /// `None`: the item is not tracked (Shopify sends `"available": null`).
    available: Option<i64>,
    /// The level's `updated_at` (whole seconds, as Shopify writes it).
    updated_at: String,
    /// `X-Shopify-Triggered-At`: when the change happened, to the nanosecond.
    triggered_at: String,
}

/// The cost bucket (size, restore rate a second) of a plan named in the fixture: Shopify's
/// published restore rates (Standard 100 points a second, Advanced 200, Plus 1,000,
/// Enterprise 2,000); the bucket sizes for these rates are not published, and are taken as ten
/// seconds of restore (Standard's documented 1,000 at the older 100). No plan: Standard.
pub fn plan_bucket(plan: &Json) -> Result<(f64, f64), String> {
    let rate = match plan {
        Json::Null => 100.0,
        Json::String(name) => match name.to_ascii_lowercase().as_str() {
            "standard" | "basic" => 100.0,
            "advanced" => 200.0,
            "plus" => 1000.0,
            "enterprise" => 2000.0,
            other => {
                return Err(format!(
                    "shopify fixture: plan {other:?} is not one of standard, advanced, plus, enterprise"
                ));
            }
        },
        other => {
            return Err(format!(
                "shopify fixture: plan must be a string, not {other}"
            ));
        }
    };
    Ok((rate * 10.0, rate))
}

/// Builds the emulator's router and its handle from a fixture (format in the module doc).
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture = fixture.unwrap_or(Json::Null);
    let shop = Shop::from_fixture(&fixture)?;
    let (plan_maximum, plan_rate) = plan_bucket(&fixture["plan"])?;
    let throttle = &fixture["throttle"];
    let maximum = throttle["maximumAvailable"]
        .as_f64()
        .unwrap_or(plan_maximum);
    let restore_rate = throttle["restoreRate"].as_f64().unwrap_or(plan_rate);
    let inner = Inner {
        shop: Mutex::new(shop),
        token: fixture["accessToken"].as_str().unwrap_or(SANDBOX_TOKEN).to_string(),
        secret: fixture["webhookSecret"].as_str().unwrap_or(SANDBOX_WEBHOOK_SECRET).to_string(),
        webhook_version: fixture["webhookApiVersion"]
            .as_str()
            .unwrap_or(crate::config::DEFAULT_API_VERSION)
            .to_string(),
        counters: OpCounters::new(),
        idempotency: IdempotencyCache::new(),
        bucket: Mutex::new(Bucket { maximum, restore_rate, available: maximum, at: Instant::now() }),
        faults: Faults::new().with_body(|status| match status {
            429 => json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}),
            401 => json!({"errors": INVALID_TOKEN}),
            _ => json!({"errors": "Internal Server Error"}),
        }),
        webhook: Mutex::new(None),
        stats: Mutex::new(WebhookStats::default()),
        http: HttpClient::with_timeouts("shopify-emulator", Duration::from_secs(1), Duration::from_secs(5)).ok(),
        interfere: Mutex::new(Vec::new()),
        spent: Mutex::new((0.0, 0.0, 0)),
        documents: Mutex::new(HashMap::new()),
        checked: schema::Cache::default(),
        deprecated: Mutex::new(Default::default()),
        bulk_ops: Mutex::new(Vec::new()),
        bulk_pace: bulk::Pace::from_fixture(&fixture)?,
    };
    schema::warm();
    let handle = EmulatorHandle {
        inner: Arc::new(inner),
    };
    let router = Router::new()
        .route("/admin/api/{version}/graphql.json", post(graphql))
        .route(
            "/_state",
            get(|State(h): State<EmulatorHandle>| async move { axum::Json(h.state()) }),
        )
        .route("/_webhooks", post(set_webhook).delete(clear_webhook))
        .route("/_admin/inventory", post(admin_inventory))
        .route("/_bulk/{file}", get(bulk_file))
        .with_state(handle.clone());
    Ok((with_faults(router, handle.inner.faults.clone()), handle))
}

impl EmulatorHandle {
    /// Per SKU the total and per-location quantities, per SKU the product, per op
    /// `{received, applied}`, and webhook counts.
    pub fn state(&self) -> Json {
        let mut state = lock(&self.inner.shop).to_json();
        let stats = lock(&self.inner.stats);
        if let Some(obj) = state.as_object_mut() {
            obj.insert("ops".into(), self.inner.counters.to_json());
            obj.insert(
                "webhooks".into(),
                json!({"sent": stats.sent, "delivered": stats.delivered, "failed": stats.failed}),
            );
            obj.insert(
                "idempotencyKeys".into(),
                json!(self.inner.idempotency.len()),
            );
            let (requested, actual, throttled) = *lock(&self.inner.spent);
            obj.insert(
                "cost".into(),
                json!({"requested": requested, "actual": actual, "throttled": throttled}),
            );
            obj.insert(
                "deprecatedFields".into(),
                json!(*lock(&self.inner.deprecated)),
            );
            let bucket = lock(&self.inner.bucket);
            obj.insert(
                "bucket".into(),
                json!({"maximumAvailable": bucket.maximum, "restoreRate": bucket.restore_rate}),
            );
        }
        state
    }

    /// The access token the emulator accepts.
    pub fn access_token(&self) -> &str {
        &self.inner.token
    }

    /// The secret the emulator signs webhooks with.
    pub fn webhook_secret(&self) -> &str {
        &self.inner.secret
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// Sends webhooks for every quantity change to this target (or stops, with `None`).
    pub fn set_webhook_target(&self, target: Option<WebhookTarget>) {
        *lock(&self.inner.webhook) = target;
    }

    /// Just before the next `inventorySetQuantities` runs, sets `sku`'s available quantity at
    /// the primary location to `quantity`, as a concurrent change between a client's read and
    /// its write would (to exercise compare-and-swap handling).
    pub fn change_before_next_write(&self, sku: &str, quantity: i64) {
        lock(&self.inner.interfere).push((sku.to_string(), quantity));
    }

    /// Changes a quantity as a merchant would (emits the webhook).
    pub fn set_available(
        &self,
        sku: &str,
        location: Option<u64>,
        quantity: i64,
    ) -> Result<(), String> {
        let change = {
            let mut shop = lock(&self.inner.shop);
            let loc = location.unwrap_or_else(|| shop.primary().id);
            let v = shop
                .variant_by_sku(sku)
                .ok_or_else(|| format!("no SKU {sku}"))?;
            let (item, tracked) = (shop.variants[v].item_id, shop.variants[v].tracked);
            let level = shop
                .levels
                .get_mut(&(item, loc))
                .ok_or_else(|| format!("{sku} is not stocked at {loc}"))?;
            level.available = quantity;
            level.updated_at = shop::now();
            Change {
                item,
                location: loc,
                available: tracked.then_some(quantity),
                updated_at: level.updated_at.clone(),
                triggered_at: shop::now_precise(),
            }
        };
        self.emit(vec![change]);
        Ok(())
    }

    /// Turns inventory tracking of `sku` on or off as a merchant would: each of its levels
    /// emits the webhook (`"available": null` while untracked).
    pub fn set_tracked(&self, sku: &str, tracked: bool) -> Result<(), String> {
        let changes = {
            let mut shop = lock(&self.inner.shop);
            let v = shop
                .variant_by_sku(sku)
                .ok_or_else(|| format!("no SKU {sku}"))?;
            shop.variants[v].tracked = tracked;
            let item = shop.variants[v].item_id;
            let now = shop::now();
            shop.levels
                .iter()
                .filter(|((i, _), _)| *i == item)
                .map(|((_, location), level)| Change {
                    item,
                    location: *location,
                    available: tracked.then_some(level.available),
                    updated_at: now.clone(),
                    triggered_at: shop::now_precise(),
                })
                .collect()
        };
        self.emit(changes);
        Ok(())
    }

    fn emit(&self, changes: Vec<Change>) {
        let Some(target) = lock(&self.inner.webhook).clone() else {
            return;
        };
        let Some(http) = self.inner.http.clone() else {
            return;
        };
        for c in changes {
            let mut body = crate::webhook::inventory_level_body(
                c.item,
                c.location,
                c.available.unwrap_or_default(),
                &c.updated_at,
            );
            if c.available.is_none() {
                body["available"] = Json::Null;
            }
            let Ok(body) = serde_json::to_vec(&body) else {
                continue;
            };
            let hmac = hmac_sha256_base64(self.inner.secret.as_bytes(), &body);
            let copies = if target.duplicate { 2 } else { 1 };
            let event_id = {
                let mut s = lock(&self.inner.stats);
                s.seq += 1;
                format!("evt-{:08}-{}", s.seq, c.item % 100_000)
            };
            for copy in 0..copies {
                let handle = self.clone();
                let http = http.clone();
                let url = target.url.clone();
                let body = body.clone();
                let hmac = hmac.clone();
                let event_id = event_id.clone();
                let version = target
                    .api_version
                    .clone()
                    .unwrap_or_else(|| self.inner.webhook_version.clone());
                let delay = if target.reorder {
                    Duration::from_millis(300)
                } else {
                    Duration::ZERO
                };
                let triggered_at = c.triggered_at.clone();
                let webhook_id = {
                    let mut s = lock(&self.inner.stats);
                    s.sent += 1;
                    s.seq += 1;
                    format!("whk-{:08}-{copy}", s.seq)
                };
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let mut backoff = Duration::from_millis(100);
                    for _attempt in 0..8 {
                        let request = http
                            .post(&url)
                            .header("Content-Type", "application/json")
                            .header("X-Shopify-Topic", "inventory_levels/update")
                            .header("X-Shopify-Hmac-Sha256", &hmac)
                            .header("X-Shopify-Shop-Domain", SANDBOX_SHOP)
                            .header("X-Shopify-API-Version", &version)
                            .header("X-Shopify-Webhook-Id", &webhook_id)
                            .header("X-Shopify-Event-Id", &event_id)
                            .header("X-Shopify-Triggered-At", &triggered_at)
                            .body(body.clone());
                        if http.send(request).await.is_ok() {
                            lock(&handle.inner.stats).delivered += 1;
                            return;
                        }
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                    }
                    lock(&handle.inner.stats).failed += 1;
                });
            }
        }
    }
}

async fn bulk_file(State(h): State<EmulatorHandle>, Path(file): Path<String>) -> Response {
    let id = file
        .strip_suffix(".jsonl")
        .and_then(|n| n.parse::<u64>().ok());
    match id.and_then(|id| h.bulk_file(id)) {
        Some(lines) => (
            [(axum::http::header::CONTENT_TYPE, "application/jsonl")],
            lines,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "NoSuchKey").into_response(),
    }
}

async fn set_webhook(State(h): State<EmulatorHandle>, body: Bytes) -> Response {
    match serde_json::from_slice::<WebhookTarget>(&body) {
        Ok(t) if !t.url.is_empty() => {
            h.set_webhook_target(Some(t));
            axum::Json(json!({"ok": true})).into_response()
        }
        Ok(_) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": "url is required"})),
        )
            .into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": e.to_string()})),
        )
            .into_response(),
    }
}

async fn clear_webhook(State(h): State<EmulatorHandle>) -> Response {
    h.set_webhook_target(None);
    axum::Json(json!({"ok": true})).into_response()
}

async fn admin_inventory(State(h): State<EmulatorHandle>, body: Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Json>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": "body is not JSON"})),
        )
            .into_response();
    };
    let done = match (
        v["sku"].as_str(),
        v["quantity"].as_i64(),
        v["tracked"].as_bool(),
    ) {
        (Some(sku), Some(q), None) => h.set_available(sku, v["location"].as_u64(), q),
        (Some(sku), None, Some(tracked)) => h.set_tracked(sku, tracked),
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"errors": "sku and either quantity or tracked are required"})),
            )
                .into_response();
        }
    };
    match done {
        Ok(()) => axum::Json(json!({"ok": true})).into_response(),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"errors": e})),
        )
            .into_response(),
    }
}

fn errors_body(errors: &[GqlError]) -> Json {
    Json::Array(
        errors
            .iter()
            .map(|e| json!({"message": e.message, "extensions": {"code": e.code}}))
            .collect(),
    )
}

async fn graphql(
    State(h): State<EmulatorHandle>,
    Path(version): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Where this router is served (a bulk operation's file is offered next to it).
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let suffix = format!("/admin/api/{version}/graphql.json");
    let prefix = uri.path().strip_suffix(suffix.as_str()).unwrap_or("");
    let base_url = format!("http://{host}{prefix}");
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(h.inner.token.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"errors": INVALID_TOKEN})),
        )
            .into_response();
    }
    if !VERSIONS.contains(&version.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"errors": "Not Found"})),
        )
            .into_response();
    }
    let mut response = match serde_json::from_slice::<Json>(&body) {
        Ok(mut req) => {
            let vars = match req.get_mut("variables") {
                Some(Json::Object(vars)) => std::mem::take(vars),
                _ => Map::new(),
            };
            match req["query"].as_str() {
                Some(q) => h
                    .execute(&version, q, vars, req["operationName"].as_str(), &base_url)
                    .into_response(),
                None => (
                    StatusCode::BAD_REQUEST,
                    axum::Json(
                        json!({"errors": {"query": "Required parameter missing or invalid"}}),
                    ),
                )
                    .into_response(),
            }
        }
        Err(_) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": {"query": "Required parameter missing or invalid"}})),
        )
            .into_response(),
    };
    if let Ok(v) = version.parse() {
        response.headers_mut().insert("x-shopify-api-version", v);
    }
    response
}

impl EmulatorHandle {
    /// The parsed document (from the cache when this text was parsed before), or the syntax
    /// errors' message. Documents with errors are not kept.
    fn parse(&self, query: &str) -> Result<Arc<Document>, String> {
        if let Some(doc) = lock(&self.inner.documents).get(query) {
            return Ok(doc.clone());
        }
        match Document::parse(query, "query.graphql") {
            Ok(doc) => {
                let doc = Arc::new(doc);
                if query.len() <= DOCUMENT_CACHE_MAX_LEN {
                    let mut cache = lock(&self.inner.documents);
                    if cache.len() >= DOCUMENT_CACHE_SIZE {
                        cache.clear();
                    }
                    cache.insert(query.to_string(), doc.clone());
                }
                Ok(doc)
            }
            Err(with_errors) => Err(with_errors
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")),
        }
    }

    /// Checks `query` and its variables against the published schema of `version` (when
    /// `specs/` holds it), as Shopify does before running anything, and logs and counts the
    /// deprecated fields it selects. `Err`: Shopify's `errors`.
    fn check(
        &self,
        version: &str,
        query: &str,
        vars: &Map<String, Json>,
        op_name: Option<&str>,
    ) -> Result<(), Json> {
        let Some(checked) = self.inner.checked.check(version, query) else {
            return Ok(());
        };
        let checked = match checked.as_ref() {
            Ok(checked) => checked,
            Err(message) => {
                return Err(json!([{"message": message,
                    "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]));
            }
        };
        if let Err(message) = checked.variables(op_name, vars) {
            return Err(json!([{"message": message, "extensions": {"code": "INVALID_VARIABLE"}}]));
        }
        if !checked.deprecated.is_empty() {
            let mut counts = lock(&self.inner.deprecated);
            for (field, reason) in &checked.deprecated {
                let count = counts.entry(format!("{version} {field}")).or_insert(0);
                if *count == 0 {
                    tracing::warn!(
                        version,
                        field,
                        reason,
                        "Shopify emulator: a document selects a deprecated field"
                    );
                }
                *count += 1;
            }
        }
        Ok(())
    }

    fn execute(
        &self,
        version: &str,
        query: &str,
        mut vars: Map<String, Json>,
        op_name: Option<&str>,
        base_url: &str,
    ) -> axum::Json<Json> {
        let doc = match self.parse(query) {
            Ok(d) => d,
            Err(msg) => {
                return axum::Json(
                    json!({"errors": [{"message": format!("syntax error: {msg}"), "extensions": {"code": "PARSE_ERROR"}}]}),
                );
            }
        };
        if let Err(errors) = self.check(version, query, &vars, op_name) {
            return axum::Json(json!({ "errors": errors }));
        }
        let ops = operations(&doc);
        let op = match op_name {
            Some(n) => ops
                .iter()
                .find(|o| o.name.as_ref().is_some_and(|x| x.as_str() == n)),
            None if ops.len() == 1 => ops.first(),
            None => None,
        };
        let Some(op) = op else {
            return axum::Json(
                json!({"errors": [{"message": "An operation name is required (or exactly one operation)"}]}),
            );
        };
        // Variables with defaults.
        for v in &op.variables {
            if !vars.contains_key(v.name.as_str())
                && let Some(d) = &v.default_value
            {
                vars.insert(v.name.to_string(), exec::value_to_json(d, &Map::new()));
            }
        }
        let frags = fragments(&doc);
        let is_mutation = op.operation_type == OperationType::Mutation;
        let requested =
            cost(&op.selection_set, &vars, &frags, 0) + if is_mutation { 10.0 } else { 0.0 };
        let requested = requested.ceil();
        let throttle = {
            let mut b = lock(&self.inner.bucket);
            b.refill();
            if requested > b.maximum {
                Some((
                    "MAX_COST_EXCEEDED",
                    format!(
                        "Query cost is {requested}, which exceeds the single query max cost limit ({}).",
                        b.maximum
                    ),
                    b.status(),
                ))
            } else if requested > b.available {
                Some(("THROTTLED", "Throttled".to_string(), b.status()))
            } else {
                b.available -= requested;
                None
            }
        };
        if let Some((code, message, status)) = throttle {
            lock(&self.inner.spent).2 += 1;
            return axum::Json(json!({
                "errors": [{"message": message, "extensions": {"code": code, "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": null, "throttleStatus": status}}
            }));
        }
        let mut data = Map::new();
        let mut errors: Vec<GqlError> = Vec::new();
        let mut changes = Vec::new();
        for sel in &op.selection_set {
            let Selection::Field(f) = sel else {
                errors.push(GqlError::new(
                    "BAD_REQUEST",
                    "fragments at the root are not supported by the emulator",
                ));
                continue;
            };
            let key = f.alias.as_ref().unwrap_or(&f.name).to_string();
            let name = f.name.as_str();
            self.inner.counters.received(name);
            let result = if is_mutation {
                self.mutate(version, f, &vars, &mut changes, base_url)
            } else {
                let shop = lock(&self.inner.shop);
                let ex = Exec {
                    shop: &shop,
                    vars: &vars,
                    fragments: &frags,
                    bulk: false,
                };
                self.query_field(&ex, f)
                    .and_then(|v| ex.complete(v, &f.selection_set))
                    .map(|j| (j, true))
            };
            match result {
                Ok((j, applied)) => {
                    if applied {
                        self.inner.counters.applied(name);
                    }
                    data.insert(key, j);
                }
                Err(e) => {
                    data.insert(key, Json::Null);
                    errors.push(e);
                }
            }
        }
        self.emit(changes);
        let data = Json::Object(data);
        let actual = (exec::actual_cost(&op.selection_set, &data, &vars, &frags, 0)
            + if is_mutation { 10.0 } else { 0.0 })
        .ceil()
        .min(requested);
        let status = {
            // Charged the requested cost up front, refunded to the actual cost.
            let mut b = lock(&self.inner.bucket);
            b.refill();
            b.available = (b.available + requested - actual).min(b.maximum);
            b.status()
        };
        {
            let mut spent = lock(&self.inner.spent);
            spent.0 += requested;
            spent.1 += actual;
        }
        let mut out = json!({
            "data": data,
            "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}}
        });
        if !errors.is_empty() {
            out["errors"] = errors_body(&errors);
        }
        axum::Json(out)
    }

    fn query_field(&self, ex: &Exec<'_>, f: &apollo_compiler::ast::Field) -> Result<Val, GqlError> {
        let a = args(f, ex.vars);
        let shop = ex.shop;
        let id = |kind: &str| parse_gid(a.get("id").unwrap_or(&Json::Null), kind);
        Ok(match f.name.as_str() {
            "productVariants" => {
                let filter = search_term(a.get("query"));
                let all = shop
                    .variants
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| {
                        filter.as_ref().is_none_or(|terms| {
                            terms.iter().any(|t| contains_lowercased(&v.sku, t))
                        })
                    })
                    .map(|(i, _)| Obj::Variant(i))
                    .collect();
                return ex.page(f, all, "ProductVariant");
            }
            "productVariant" => match id("ProductVariant")
                .and_then(|i| shop.variants.iter().position(|v| v.id == i))
            {
                Some(i) => Val::Obj(Obj::Variant(i)),
                None => Val::Null,
            },
            "products" => {
                let all = (0..shop.products.len()).map(Obj::Product).collect();
                return ex.page(f, all, "Product");
            }
            "product" => {
                match id("Product").and_then(|i| shop.products.iter().position(|p| p.id == i)) {
                    Some(i) => Val::Obj(Obj::Product(i)),
                    None => Val::Null,
                }
            }
            "inventoryItem" => match id("InventoryItem").and_then(|i| shop.variant_by_item(i)) {
                Some(i) => Val::Obj(Obj::Item(i)),
                None => Val::Null,
            },
            "inventoryItems" => {
                let filter = search_term(a.get("query"));
                let all = shop
                    .variants
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| {
                        filter.as_ref().is_none_or(|terms| {
                            terms.iter().any(|t| contains_lowercased(&v.sku, t))
                        })
                    })
                    .map(|(i, _)| Obj::Item(i))
                    .collect();
                return ex.page(f, all, "InventoryItem");
            }
            "location" => {
                let loc = match a.get("id") {
                    None | Some(Json::Null) => Some(shop.primary().id),
                    Some(v) => parse_gid(v, "Location")
                        .filter(|i| shop.locations.iter().any(|l| l.id == *i)),
                };
                match loc {
                    Some(l) => Val::Obj(Obj::Location(l)),
                    None => Val::Null,
                }
            }
            "locations" => {
                let include_inactive = a
                    .get("includeInactive")
                    .and_then(Json::as_bool)
                    .unwrap_or(false);
                let all = shop
                    .locations
                    .iter()
                    .filter(|l| l.active || include_inactive)
                    .map(|l| Obj::Location(l.id))
                    .collect();
                return ex.page(f, all, "Location");
            }
            "node" => {
                // `gid://shopify/{Kind}/{n}`: the kinds the emulator keeps.
                let v = a.get("id").unwrap_or(&Json::Null);
                let kind = v
                    .as_str()
                    .and_then(|s| s.strip_prefix("gid://shopify/"))
                    .and_then(|rest| rest.split('/').next())
                    .unwrap_or("");
                let found = match kind {
                    "BulkOperation" => bulk::parse_id(v)
                        .and_then(|op| self.bulk_operation(op))
                        .map(json_val),
                    "ProductVariant" => parse_gid(v, kind)
                        .and_then(|i| shop.variants.iter().position(|x| x.id == i))
                        .map(|i| Val::Obj(Obj::Variant(i))),
                    "InventoryItem" => parse_gid(v, kind)
                        .and_then(|i| shop.variant_by_item(i))
                        .map(|i| Val::Obj(Obj::Item(i))),
                    "Product" => parse_gid(v, kind)
                        .and_then(|i| shop.products.iter().position(|p| p.id == i))
                        .map(|i| Val::Obj(Obj::Product(i))),
                    _ => None,
                };
                found.unwrap_or(Val::Null)
            }
            "bulkOperation" => match bulk::parse_id(a.get("id").unwrap_or(&Json::Null)) {
                Some(op) => self.bulk_operation(op).map(json_val).unwrap_or(Val::Null),
                None => Val::Null,
            },
            "currentBulkOperation" => self
                .current_bulk_operation()
                .map(json_val)
                .unwrap_or(Val::Null),
            "shop" => json_val(
                json!({"id": "gid://shopify/Shop/1", "name": "Handled Sandbox", "myshopifyDomain": SANDBOX_SHOP}),
            ),
            other => {
                return Err(GqlError::new(
                    "undefinedField",
                    format!("Field '{other}' doesn't exist on type 'QueryRoot'"),
                ));
            }
        })
    }

    fn mutate(
        &self,
        version: &str,
        f: &apollo_compiler::ast::Field,
        vars: &Map<String, Json>,
        changes: &mut Vec<Change>,
        base_url: &str,
    ) -> Result<(Json, bool), GqlError> {
        let mut a = args(f, vars);
        let mut shop = lock(&self.inner.shop);
        let (payload, applied) = match f.name.as_str() {
            "inventorySetQuantities" => {
                if let Some((sku, q)) = lock(&self.inner.interfere).pop() {
                    let primary = shop.primary().id;
                    if let Some(v) = shop.variant_by_sku(&sku) {
                        let item = shop.variants[v].item_id;
                        if let Some(level) = shop.levels.get_mut(&(item, primary)) {
                            level.available = q;
                        }
                    }
                }
                let key = f
                    .directives
                    .get("idempotent")
                    .and_then(|d| d.arguments.iter().find(|x| x.name == "key"))
                    .map(|x| exec::value_to_json(&x.value, vars))
                    .and_then(|v| v.as_str().map(str::to_string));
                if version >= "2026-04" && key.is_none() {
                    return Err(GqlError::new(
                        "BAD_REQUEST",
                        "The @idempotent directive with a key is required for inventorySetQuantities",
                    ));
                }
                let input = a.remove("input").unwrap_or(Json::Null);
                let fingerprint = serde_json::to_string(&input).unwrap_or_default();
                if let Some(k) = &key {
                    match self.inner.idempotency.check(k, &fingerprint) {
                        Replay::Same(stored) => {
                            drop(shop);
                            let shop = lock(&self.inner.shop);
                            let ex = Exec {
                                shop: &shop,
                                vars,
                                fragments: &HashMap::new(),
                                bulk: false,
                            };
                            return ex
                                .complete(json_val(stored), &f.selection_set)
                                .map(|j| (j, false));
                        }
                        Replay::Mismatch => {
                            let p = json!({"inventoryAdjustmentGroup": null, "userErrors": [{
                                "field": ["input"], "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                                "message": "The same idempotency key was used with different parameters."}]});
                            (p, false)
                        }
                        Replay::New => {
                            let (p, applied) = set_quantities(&mut shop, version, &input, changes)?;
                            self.inner.idempotency.store(k, &fingerprint, p.clone());
                            (p, applied)
                        }
                    }
                } else {
                    set_quantities(&mut shop, version, &input, changes)?
                }
            }
            "productUpdate" => {
                if a.contains_key("input") && !a.contains_key("product") {
                    return Err(GqlError::new(
                        "BAD_REQUEST",
                        "productUpdate takes `product: ProductUpdateInput!` since 2024-10",
                    ));
                }
                product_update(&mut shop, a.get("product").unwrap_or(&Json::Null))?
            }
            "tagsAdd" => tags_add(&mut shop, &a)?,
            "bulkOperationRunQuery" => {
                drop(shop);
                let payload = self.run_bulk_query(version, &a, base_url)?;
                let applied = payload["bulkOperation"].is_object();
                shop = lock(&self.inner.shop);
                (payload, applied)
            }
            other => {
                return Err(GqlError::new(
                    "undefinedField",
                    format!("Field '{other}' doesn't exist on type 'Mutation'"),
                ));
            }
        };
        let ex = Exec {
            shop: &shop,
            vars,
            fragments: &HashMap::new(),
            bulk: false,
        };
        ex.complete(json_val(payload), &f.selection_set)
            .map(|j| (j, applied))
    }
}

/// Whether `text` lowercased contains `term` (lowercased already), without allocating when both
/// are ASCII (the same answer as `text.to_lowercase().contains(term)`).
fn contains_lowercased(text: &str, term: &str) -> bool {
    if text.is_ascii() && term.is_ascii() {
        let (text, term) = (text.as_bytes(), term.as_bytes());
        term.is_empty()
            || text.windows(term.len()).any(|w| {
                w.iter()
                    .zip(term)
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
            })
    } else {
        text.to_lowercase().contains(term)
    }
}

/// The search terms of a `sku:"…"` / `sku:…` query, or of several joined by ` OR `,
/// lowercased (None: no filter).
fn search_term(q: Option<&Json>) -> Option<Vec<String>> {
    let q = q?.as_str()?.trim();
    let terms: Vec<String> = q
        .split(" OR ")
        .filter_map(|part| {
            let part = part.trim();
            let term = part.strip_prefix("sku:").unwrap_or(part).trim();
            let term = term
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .unwrap_or(term);
            let term = term.replace("\\\"", "\"").replace("\\\\", "\\");
            (!term.is_empty()).then(|| term.to_lowercase())
        })
        .collect();
    if terms.is_empty() { None } else { Some(terms) }
}

fn user_error(field: Json, code: &str, message: String) -> Json {
    json!({"field": field, "code": code, "message": message})
}

fn set_quantities(
    shop: &mut Shop,
    version: &str,
    input: &Json,
    changes: &mut Vec<Change>,
) -> Result<(Json, bool), GqlError> {
    let fail = |errors: Vec<Json>| {
        Ok((
            json!({"inventoryAdjustmentGroup": null, "userErrors": errors}),
            false,
        ))
    };
    let Some(quantities) = input["quantities"].as_array() else {
        return Err(GqlError::new(
            "INVALID_VARIABLE",
            "Variable $input of type InventorySetQuantitiesInput! was provided invalid value for quantities",
        ));
    };
    if quantities.len() > 250 {
        return Err(GqlError::new(
            "MAX_INPUT_SIZE_EXCEEDED",
            format!(
                "The input array size of {} is greater than the maximum allowed of 250.",
                quantities.len()
            ),
        ));
    }
    let name = input["name"].as_str().unwrap_or_default();
    if !matches!(name, "available" | "on_hand") {
        return fail(vec![user_error(
            json!(["input", "name"]),
            "INVALID_NAME",
            format!("The quantity name must be either 'available' or 'on_hand', not '{name}'."),
        )]);
    }
    let reason = input["reason"].as_str().unwrap_or_default();
    if !REASONS.contains(&reason) {
        return fail(vec![user_error(
            json!(["input", "reason"]),
            "INVALID_REASON",
            "The specified reason is invalid.".into(),
        )]);
    }
    if let Some(uri) = input["referenceDocumentUri"].as_str()
        && (!uri.contains(':') || uri.ends_with(':'))
    {
        return fail(vec![user_error(
            json!(["input", "referenceDocumentUri"]),
            "INVALID_REFERENCE_DOCUMENT",
            "The reference document URI isn't a valid URI.".into(),
        )]);
    }
    let mut planned = Vec::new();
    let mut errors = Vec::new();
    for (i, q) in quantities.iter().enumerate() {
        let field = |f: &str| json!(["input", "quantities", i.to_string(), f]);
        let has = |key: &str| q.get(key).is_some();
        let has_change_from = has("changeFromQuantity");
        // `ignoreCompareQuantity` belongs to the input (before 2026-04), not to a quantity.
        let has_compare = has("compareQuantity")
            || has("ignoreCompareQuantity")
            || input.get("ignoreCompareQuantity").is_some();
        if version >= "2026-04" {
            if has_compare {
                return Err(GqlError::new(
                    "INVALID_VARIABLE",
                    "compareQuantity and ignoreCompareQuantity are not defined on InventoryQuantityInput (removed in 2026-04)",
                ));
            }
            if !has_change_from {
                return Err(GqlError::new(
                    "INVALID_VARIABLE",
                    format!(
                        "input.quantities.{i}.changeFromQuantity must be provided (pass null to skip the check)"
                    ),
                ));
            }
        } else if version < "2026-01" && has_change_from {
            return Err(GqlError::new(
                "INVALID_VARIABLE",
                "changeFromQuantity is not defined on InventoryQuantityInput before 2026-01",
            ));
        }
        let Some(item) = parse_gid(&q["inventoryItemId"], "InventoryItem")
            .filter(|i| shop.variant_by_item(*i).is_some())
        else {
            errors.push(user_error(
                field("inventoryItemId"),
                "INVALID_INVENTORY_ITEM",
                "The specified inventory item could not be found.".into(),
            ));
            continue;
        };
        let Some(loc) = parse_gid(&q["locationId"], "Location")
            .filter(|l| shop.locations.iter().any(|x| x.id == *l))
        else {
            errors.push(user_error(
                field("locationId"),
                "INVALID_LOCATION",
                "The specified location could not be found.".into(),
            ));
            continue;
        };
        let Some(level) = shop.levels.get(&(item, loc)) else {
            errors.push(user_error(
                field("locationId"),
                "ITEM_NOT_STOCKED_AT_LOCATION",
                "The specified inventory item is not stocked at the location.".into(),
            ));
            continue;
        };
        let Some(target) = q["quantity"].as_i64() else {
            return Err(GqlError::new(
                "INVALID_VARIABLE",
                format!("input.quantities.{i}.quantity must be an Int"),
            ));
        };
        if target < 0 && name == "on_hand" {
            errors.push(user_error(
                field("quantity"),
                "INVALID_QUANTITY_NEGATIVE",
                "The quantity can't be negative.".into(),
            ));
            continue;
        }
        if target.abs() > 1_000_000_000 {
            let code = if target > 0 {
                "INVALID_QUANTITY_TOO_HIGH"
            } else {
                "INVALID_QUANTITY_TOO_LOW"
            };
            errors.push(user_error(
                field("quantity"),
                code,
                "The quantity is out of range.".into(),
            ));
            continue;
        }
        let current = if name == "available" {
            level.available
        } else {
            level.available + level.committed + level.reserved
        };
        if has_change_from && version >= "2026-01" {
            if let Some(expected) = q["changeFromQuantity"].as_i64()
                && expected != current
            {
                errors.push(user_error(field("changeFromQuantity"), "CHANGE_FROM_QUANTITY_STALE", format!("The specified changeFromQuantity ({expected}) does not match the current quantity.")));
                continue;
            }
        } else {
            let ignore = input
                .get("ignoreCompareQuantity")
                .and_then(Json::as_bool)
                .unwrap_or(false);
            match q["compareQuantity"].as_i64() {
                Some(expected) if !ignore && expected != current => {
                    errors.push(user_error(
                        field("compareQuantity"),
                        "COMPARE_QUANTITY_STALE",
                        "The specified compare quantity does not match the current quantity."
                            .into(),
                    ));
                    continue;
                }
                None if !ignore => {
                    errors.push(user_error(
                        field("compareQuantity"),
                        "COMPARE_QUANTITY_REQUIRED",
                        "compareQuantity is required unless ignoreCompareQuantity is true.".into(),
                    ));
                    continue;
                }
                _ => {}
            }
        }
        planned.push((item, loc, target - current, target));
    }
    if !errors.is_empty() {
        return fail(errors);
    }
    let at = shop::now();
    let mut change_list = Vec::new();
    for (item, loc, delta, target) in &planned {
        if let Some(level) = shop.levels.get_mut(&(*item, *loc)) {
            level.available += delta;
            level.updated_at = at.clone();
            level.writes += 1;
            let item_gid = format!("gid://shopify/InventoryItem/{item}");
            let loc_gid = format!("gid://shopify/Location/{loc}");
            change_list.push(
                json!({"name": "available", "delta": delta, "quantityAfterChange": level.available,
                "item": {"id": item_gid}, "location": {"id": loc_gid}}),
            );
            change_list.push(json!({"name": "on_hand", "delta": delta,
                "quantityAfterChange": level.available + level.committed + level.reserved,
                "item": {"id": item_gid}, "location": {"id": loc_gid}}));
            if *delta != 0 {
                changes.push(Change {
                    item: *item,
                    location: *loc,
                    available: Some(level.available),
                    updated_at: at.clone(),
                    triggered_at: shop::now_precise(),
                });
            }
            let _ = target;
        }
    }
    shop.adjustments += 1;
    let group = json!({
        "id": format!("gid://shopify/InventoryAdjustmentGroup/{}", 90_000_000 + shop.adjustments),
        "createdAt": at, "reason": reason,
        "referenceDocumentUri": input.get("referenceDocumentUri").cloned().unwrap_or(Json::Null),
        "changes": change_list,
    });
    Ok((
        json!({"inventoryAdjustmentGroup": group, "userErrors": []}),
        true,
    ))
}

fn product_update(shop: &mut Shop, input: &Json) -> Result<(Json, bool), GqlError> {
    let Some(idx) = parse_gid(&input["id"], "Product")
        .and_then(|id| shop.products.iter().position(|p| p.id == id))
    else {
        return Ok((
            json!({"product": null, "userErrors": [{"field": ["id"], "message": "Product does not exist"}]}),
            false,
        ));
    };
    if let Some(status) = input.get("status").filter(|s| !s.is_null()) {
        let s = status.as_str().unwrap_or_default();
        if !["ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED"].contains(&s) {
            return Err(GqlError::new(
                "INVALID_VARIABLE",
                format!("Expected \"{s}\" to be one of: ACTIVE, ARCHIVED, DRAFT, UNLISTED"),
            ));
        }
    }
    let p = &mut shop.products[idx];
    if let Some(s) = input["status"].as_str() {
        p.status = s.to_string();
    }
    if let Some(t) = input["title"].as_str() {
        if t.trim().is_empty() {
            return Ok((
                json!({"product": null, "userErrors": [{"field": ["title"], "message": "Title can't be blank"}]}),
                false,
            ));
        }
        p.title = t.to_string();
    }
    if let Some(v) = input["vendor"].as_str() {
        p.vendor = v.to_string();
    }
    if let Some(tags) = input["tags"].as_array() {
        p.tags = tags
            .iter()
            .filter_map(|t| t.as_str().map(|s| s.trim().to_string()))
            .collect();
    }
    let product = json!({"id": format!("gid://shopify/Product/{}", p.id), "status": p.status, "tags": p.tags,
                         "title": p.title, "vendor": p.vendor});
    Ok((json!({"product": product, "userErrors": []}), true))
}

fn tags_add(shop: &mut Shop, a: &Map<String, Json>) -> Result<(Json, bool), GqlError> {
    let Some(idx) = parse_gid(a.get("id").unwrap_or(&Json::Null), "Product")
        .and_then(|id| shop.products.iter().position(|p| p.id == id))
    else {
        return Ok((
            json!({"node": null, "userErrors": [{"field": ["id"], "message": "Node does not exist"}]}),
            false,
        ));
    };
    let tags: Vec<String> = match a.get("tags") {
        Some(Json::Array(t)) => t
            .iter()
            .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect(),
        Some(Json::String(s)) => s.split(',').map(|t| t.trim().to_string()).collect(),
        _ => {
            return Err(GqlError::new(
                "missingRequiredArguments",
                "tagsAdd needs `tags`",
            ));
        }
    };
    let p = &mut shop.products[idx];
    for t in tags.into_iter().filter(|t| !t.is_empty()) {
        if !p.tags.contains(&t) {
            p.tags.push(t);
        }
    }
    Ok((
        json!({"node": {"id": format!("gid://shopify/Product/{}", p.id)}, "userErrors": []}),
        true,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn handle() -> EmulatorHandle {
        emulator_router(None).unwrap().1
    }

    #[test]
    fn documents_are_parsed_once_and_the_cache_is_bounded() {
        let h = handle();
        let q = "query { shop { id } }";
        let first = h.parse(q).unwrap();
        assert!(Arc::ptr_eq(&first, &h.parse(q).unwrap()));
        for i in 0..DOCUMENT_CACHE_SIZE + 10 {
            h.parse(&format!("query Q{i} {{ shop {{ id }} }}")).unwrap();
            assert!(lock(&h.inner.documents).len() <= DOCUMENT_CACHE_SIZE);
        }
        // Gone with the rest when the cache started over, parsed again.
        assert!(!Arc::ptr_eq(&first, &h.parse(q).unwrap()));
        let long = format!(
            "query {{ shop {{ id }} }}#{}",
            "x".repeat(DOCUMENT_CACHE_MAX_LEN)
        );
        h.parse(&long).unwrap();
        assert!(!lock(&h.inner.documents).contains_key(&long));
    }

    #[test]
    fn sku_search_matches_as_lowercasing_would() {
        let texts = ["A-1", "a-10", "XA-1Y", "", "Ä-1", "ÄB-1", "İ-1", "a"];
        let terms = ["a-1", "a", "ä-1", "b-1", "xa-1y!", "i̇-1", "-"];
        for text in texts {
            for term in terms {
                assert_eq!(
                    contains_lowercased(text, term),
                    text.to_lowercase().contains(term),
                    "{text:?} {term:?}"
                );
            }
        }
    }

    #[test]
    fn malformed_documents_fail_every_time_and_are_not_kept() {
        let h = handle();
        for _ in 0..2 {
            let axum::Json(out) = h.execute("2026-04", "query { shop { id }", Map::new(), None, "");
            assert_eq!(
                out["errors"][0]["extensions"]["code"], "PARSE_ERROR",
                "{out}"
            );
            assert!(
                out["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("syntax error: "),
                "{out}"
            );
            assert!(out.get("data").is_none(), "{out}");
        }
        assert!(lock(&h.inner.documents).is_empty());
    }

    #[test]
    fn a_cached_document_runs_with_each_request_s_variables_and_operation() {
        let h = handle();
        let q = "query A($id: ID!) { location(id: $id) { id } } query B { shop { id } }";
        let run = |vars: Json, op: Option<&str>| {
            let Json::Object(vars) = vars else { panic!() };
            h.execute("2026-04", q, vars, op, "").0
        };
        let primary = format!("gid://shopify/Location/{DEFAULT_LOCATION_ID}");
        let out = run(json!({"id": primary}), Some("A"));
        assert_eq!(out["data"]["location"]["id"], primary, "{out}");
        let out = run(json!({"id": "gid://shopify/Location/1"}), Some("A"));
        assert_eq!(out["data"]["location"], Json::Null, "{out}");
        let out = run(json!({}), Some("B"));
        assert_eq!(out["data"]["shop"]["id"], "gid://shopify/Shop/1", "{out}");
        let out = run(json!({}), None);
        assert!(out["errors"][0]["message"].is_string(), "{out}");
        assert_eq!(lock(&h.inner.documents).len(), 1);
    }
}
