//! An emulator of a warehouse API, serving the chosen profile's endpoints (see
//! [`crate::profile`]) with that product's auth, limits, error shapes and webhooks.
//!
//! Routes by profile:
//! - `generic`: `GET /inventory?page=&pageSize=` (pageSize ≤ 100), `PUT /inventory/{sku}`
//!   `{"quantity","location"}` (Bearer; `Idempotency-Key` replays the first response; unknown SKU
//!   404 `{"error":…}`; a quantity that is not a non-negative integer 400).
//! - `shiphero`: `POST /graphql` with `inventory_replace` or `warehouse_products` (cursor
//!   paging, first ≤ 100); errors as HTTP 200 `{"errors":[{"message","code"}]}`.
//! - `cin7`: `GET /ExternalApi/v2/ref/productavailability?Page=&Limit=` (each stock split over
//!   two bins, so clients must sum rows), `POST /ExternalApi/v2/stockadjustment`; credentials in
//!   `api-auth-accountid` / `api-auth-applicationkey` (403 otherwise); 60 calls a minute, then
//!   429 with `Retry-After`.
//!
//! Common: `GET /_state`; `POST /_webhooks {"url","duplicate","reorder"}` sends the profile's
//! webhook, signed as that product signs it, for every quantity change; `POST /_admin/inventory
//! {"sku","quantity","location"?}` changes stock as the warehouse would; `/_faults`.
//!
//! Fixture: `{"items":[{"sku":"A-1","quantity":10,"location":"MAIN"}], "profile":"generic",
//! "apiKey":"…", "webhookSecret":"…", "rateLimitPerMinute":60}` (all optional; the location
//! defaults to the profile's default location).

use handled_contract::lock;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use handled_connector_core::emulator::{Faults, IdempotencyCache, OpCounters, Replay, with_faults};
use handled_connector_core::{HttpClient, Json};
use serde_json::json;
use tokio::time::Instant;

use crate::profile::Profile;
use crate::webhook::{event_body, signed_headers};

/// The API key the sandbox uses (Cin7: `sandbox-account:` before it).
pub const SANDBOX_KEY: &str = "wms-sandbox-key";
/// The sandbox's webhook secret.
pub const SANDBOX_WEBHOOK_SECRET: &str = "wms-sandbox-secret";

/// Where to send webhooks.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct WebhookTarget {
    /// The URL deliveries are posted to.
    pub url: String,
    /// Deliver each twice (same event id).
    #[serde(default)]
    pub duplicate: bool,
    /// Hold each delivery back 300 ms so that later ones overtake it.
    #[serde(default)]
    pub reorder: bool,
}

struct Inner {
    profile: Profile,
    api_key: String,
    secret: String,
    stock: Mutex<BTreeMap<(String, String), i64>>,
    counters: OpCounters,
    idempotency: IdempotencyCache<(u16, Json)>,
    faults: Faults,
    calls: Mutex<VecDeque<Instant>>,
    per_minute: usize,
    webhook: Mutex<Option<WebhookTarget>>,
    seq: Mutex<u64>,
    delivered: Mutex<(u64, u64)>,
    http: Option<HttpClient>,
}

/// The emulator's shared state.
#[derive(Clone)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("profile", &self.inner.profile.name)
            .finish_non_exhaustive()
    }
}

fn reply(status: StatusCode, body: Json) -> Response {
    (status, axum::Json(body)).into_response()
}

/// The sandbox API key for a profile.
pub fn sandbox_key(profile: &Profile) -> String {
    match profile.auth {
        crate::profile::Auth::HeaderPair { .. } | crate::profile::Auth::Basic => {
            format!("sandbox-account:{SANDBOX_KEY}")
        }
        _ => SANDBOX_KEY.to_string(),
    }
}

/// Builds the router and handle; the profile is the fixture's `profile` (default `generic`).
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture = fixture.unwrap_or(Json::Null);
    let profile = Profile::from_setting(fixture["profile"].as_str().unwrap_or("generic"))?;
    emulator_router_for(profile, Some(fixture))
}

/// Builds the router and handle for a given profile.
pub fn emulator_router_for(
    profile: Profile,
    fixture: Option<Json>,
) -> Result<(Router, EmulatorHandle), String> {
    let fixture = fixture.unwrap_or(Json::Null);
    let mut stock = BTreeMap::new();
    match &fixture["items"] {
        Json::Null => {}
        Json::Array(items) => {
            for (i, it) in items.iter().enumerate() {
                let sku = it["sku"]
                    .as_str()
                    .ok_or_else(|| format!("items[{i}]: `sku` must be a string"))?;
                let q = crate::path::coerce_integer(&it["quantity"]).unwrap_or(0);
                let loc = it["location"]
                    .as_str()
                    .unwrap_or(&profile.default_location)
                    .to_string();
                stock.insert((sku.to_string(), loc), q);
            }
        }
        _ => return Err("`items` must be a list".into()),
    }
    let api_key = fixture["apiKey"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| sandbox_key(&profile));
    let inner = Inner {
        api_key,
        secret: fixture["webhookSecret"]
            .as_str()
            .unwrap_or(SANDBOX_WEBHOOK_SECRET)
            .to_string(),
        stock: Mutex::new(stock),
        counters: OpCounters::new(),
        idempotency: IdempotencyCache::new(),
        faults: Faults::new()
            .with_body(|status| json!({"error": format!("injected fault {status}")})),
        calls: Mutex::new(VecDeque::new()),
        per_minute: fixture["rateLimitPerMinute"].as_u64().unwrap_or(60) as usize,
        webhook: Mutex::new(None),
        seq: Mutex::new(0),
        delivered: Mutex::new((0, 0)),
        http: HttpClient::with_timeouts(
            "wms-emulator",
            Duration::from_secs(1),
            Duration::from_secs(5),
        )
        .ok(),
        profile,
    };
    let handle = EmulatorHandle {
        inner: Arc::new(inner),
    };
    let mut router = Router::new()
        .route(
            "/_state",
            get(|State(h): State<EmulatorHandle>| async move { axum::Json(h.state()) }),
        )
        .route("/_webhooks", post(set_webhook).delete(clear_webhook))
        .route("/_admin/inventory", post(admin_inventory));
    router = match handle.inner.profile.name.as_str() {
        "shiphero" => router.route("/graphql", post(shiphero_graphql)),
        "cin7" => router
            .route("/ExternalApi/v2/ref/productavailability", get(cin7_list))
            .route("/ExternalApi/v2/stockadjustment", post(cin7_adjust)),
        _ => router
            .route("/inventory", get(generic_list))
            .route("/inventory/{sku}", put(generic_put)),
    };
    let router = router.with_state(handle.clone());
    Ok((with_faults(router, handle.inner.faults.clone()), handle))
}

impl EmulatorHandle {
    /// `{"profile", "inventory": {sku: {"quantity": total, "locations": {loc: q}}}, "ops": …, "webhooks": …}`.
    pub fn state(&self) -> Json {
        let stock = lock(&self.inner.stock);
        let mut inv = serde_json::Map::new();
        for ((sku, loc), q) in stock.iter() {
            let e = inv
                .entry(sku.clone())
                .or_insert_with(|| json!({"quantity": 0, "locations": {}}));
            e["quantity"] = json!(e["quantity"].as_i64().unwrap_or(0) + q);
            e["locations"][loc] = json!(q);
        }
        let (delivered, failed) = *lock(&self.inner.delivered);
        json!({"profile": self.inner.profile.name, "inventory": inv, "ops": self.inner.counters.to_json(),
               "webhooks": {"delivered": delivered, "failed": failed}})
    }

    /// The profile served.
    pub fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// The API key accepted.
    pub fn api_key(&self) -> &str {
        &self.inner.api_key
    }

    /// The webhook secret used to sign.
    pub fn webhook_secret(&self) -> &str {
        &self.inner.secret
    }

    /// Sends webhooks for every change to this target (or stops).
    pub fn set_webhook_target(&self, target: Option<WebhookTarget>) {
        *lock(&self.inner.webhook) = target;
    }

    /// Changes stock as the warehouse would (emits the webhook).
    pub fn set_quantity(&self, sku: &str, location: Option<&str>, quantity: i64) {
        let loc = location
            .unwrap_or(&self.inner.profile.default_location)
            .to_string();
        lock(&self.inner.stock).insert((sku.to_string(), loc.clone()), quantity);
        self.emit(sku, &loc, quantity);
    }

    fn emit(&self, sku: &str, location: &str, quantity: i64) {
        let Some(target) = lock(&self.inner.webhook).clone() else {
            return;
        };
        let Some(http) = self.inner.http.clone() else {
            return;
        };
        let event_id = {
            let mut s = lock(&self.inner.seq);
            *s += 1;
            format!("wms-evt-{:08}", *s)
        };
        let at =
            handled_contract::clock::utc_now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let body = event_body(&self.inner.profile, &event_id, sku, quantity, location, &at);
        let Ok(bytes) = serde_json::to_vec(&body) else {
            return;
        };
        let headers = signed_headers(&self.inner.profile, &self.inner.secret, &bytes, &event_id);
        for _ in 0..if target.duplicate { 2 } else { 1 } {
            let (http, url, bytes, headers, handle) = (
                http.clone(),
                target.url.clone(),
                bytes.clone(),
                headers.clone(),
                self.clone(),
            );
            let delay = if target.reorder {
                Duration::from_millis(300)
            } else {
                Duration::ZERO
            };
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let mut backoff = Duration::from_millis(100);
                for _ in 0..6 {
                    let mut rb = http.post(&url).body(bytes.clone());
                    for (k, v) in &headers {
                        rb = rb.header(k.as_str(), v.as_str());
                    }
                    if http.send(rb).await.is_ok() {
                        lock(&handle.inner.delivered).0 += 1;
                        return;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                lock(&handle.inner.delivered).1 += 1;
            });
        }
    }

    fn bearer_ok(&self, headers: &HeaderMap) -> bool {
        headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(format!("Bearer {}", self.inner.api_key).as_str())
    }

    /// Applies an absolute write; false when the SKU is unknown.
    fn write(&self, sku: &str, location: &str, quantity: i64) -> bool {
        let known = {
            let mut stock = lock(&self.inner.stock);
            if !stock.keys().any(|(s, _)| s == sku) {
                false
            } else {
                let old = stock.insert((sku.to_string(), location.to_string()), quantity);
                if old == Some(quantity) {
                    return true;
                }
                true
            }
        };
        if known {
            self.emit(sku, location, quantity);
        }
        known
    }

    fn rows(&self) -> Vec<(String, String, i64)> {
        lock(&self.inner.stock)
            .iter()
            .map(|((s, l), q)| (s.clone(), l.clone(), *q))
            .collect()
    }
}

async fn set_webhook(State(h): State<EmulatorHandle>, body: Bytes) -> Response {
    match serde_json::from_slice::<WebhookTarget>(&body) {
        Ok(t) if !t.url.is_empty() => {
            h.set_webhook_target(Some(t));
            reply(StatusCode::OK, json!({"ok": true}))
        }
        _ => reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "`url` is required"}),
        ),
    }
}

async fn clear_webhook(State(h): State<EmulatorHandle>) -> Response {
    h.set_webhook_target(None);
    reply(StatusCode::OK, json!({"ok": true}))
}

async fn admin_inventory(State(h): State<EmulatorHandle>, body: Bytes) -> Response {
    let v: Json = serde_json::from_slice(&body).unwrap_or(Json::Null);
    match (v["sku"].as_str(), v["quantity"].as_i64()) {
        (Some(sku), Some(q)) => {
            h.set_quantity(sku, v["location"].as_str(), q);
            reply(StatusCode::OK, json!({"ok": true}))
        }
        _ => reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "sku and quantity are required"}),
        ),
    }
}

async fn generic_list(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    h.inner.counters.received("getAllInventory");
    if !h.bearer_ok(&headers) {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid or missing API key"}),
        );
    }
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let size = q
        .get("pageSize")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(50);
    if size == 0 || size > 100 {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "pageSize must be between 1 and 100"}),
        );
    }
    let rows = h.rows();
    let items: Vec<Json> = rows
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|(s, l, q)| json!({"sku": s, "quantity": q, "location": l}))
        .collect();
    h.inner.counters.applied("getAllInventory");
    reply(
        StatusCode::OK,
        json!({"items": items, "page": page, "pageSize": size, "total": rows.len()}),
    )
}

async fn generic_put(
    State(h): State<EmulatorHandle>,
    Path(sku): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    h.inner.counters.received("updateInventory");
    if !h.bearer_ok(&headers) {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid or missing API key"}),
        );
    }
    let Ok(v) = serde_json::from_slice::<Json>(&body) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "body is not JSON"}),
        );
    };
    let Some(quantity) = v["quantity"].as_i64().filter(|q| *q >= 0) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "quantity must be a non-negative integer"}),
        );
    };
    let location = match &v["location"] {
        Json::Null => h.inner.profile.default_location.clone(),
        Json::String(s) => s.clone(),
        _ => {
            return reply(
                StatusCode::BAD_REQUEST,
                json!({"error": "location must be a string"}),
            );
        }
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let fingerprint = format!("{sku}|{}", String::from_utf8_lossy(&body));
    if let Some(k) = &key {
        match h.inner.idempotency.check(k, &fingerprint) {
            Replay::Same((status, body)) => {
                return reply(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body);
            }
            Replay::Mismatch => {
                return reply(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"error": "Idempotency-Key reused with a different request"}),
                );
            }
            Replay::New => {}
        }
    }
    let (status, out) = if h.write(&sku, &location, quantity) {
        h.inner.counters.applied("updateInventory");
        (
            200,
            json!({"sku": sku, "quantity": quantity, "location": location}),
        )
    } else {
        (404, json!({"error": format!("unknown sku {sku}")}))
    };
    if let Some(k) = &key {
        h.inner
            .idempotency
            .store(k, &fingerprint, (status, out.clone()));
    }
    reply(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), out)
}

fn gql_error(message: &str, code: u32) -> Response {
    reply(
        StatusCode::OK,
        json!({"errors": [{"message": message, "code": code}], "data": null}),
    )
}

async fn shiphero_graphql(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(req) = serde_json::from_slice::<Json>(&body) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{"message": "body is not JSON"}]}),
        );
    };
    let query = req["query"].as_str().unwrap_or_default();
    let vars = &req["variables"];
    let op = if query.contains("inventory_replace") {
        "updateInventory"
    } else if query.contains("warehouse_products") {
        "getAllInventory"
    } else {
        "unknown"
    };
    h.inner.counters.received(op);
    if !h.bearer_ok(&headers) {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({"errors": [{"message": "Unauthorized", "code": 401}]}),
        );
    }
    match op {
        "updateInventory" => {
            let data = &vars["data"];
            let (Some(sku), Some(wh)) = (data["sku"].as_str(), data["warehouse_id"].as_str())
            else {
                return gql_error("sku and warehouse_id are required", 22);
            };
            let Some(q) = data["quantity"].as_i64() else {
                return gql_error("quantity must be an Int", 22);
            };
            if !h.write(sku, wh, q) {
                return gql_error(&format!("Product with sku {sku} not found"), 6);
            }
            h.inner.counters.applied(op);
            let request_id = format!("{:x}", fxhash(body.as_ref()));
            reply(
                StatusCode::OK,
                json!({"data": {"inventory_replace": {"request_id": request_id, "complexity": 10,
                "warehouse_product": {"sku": sku, "warehouse_id": wh, "on_hand": q}}}}),
            )
        }
        "getAllInventory" => {
            let first = vars["first"].as_u64().unwrap_or(20) as usize;
            if first == 0 || first > 100 {
                return gql_error("first must be between 1 and 100", 22);
            }
            let start = match vars["after"].as_str() {
                Some(c) => match c
                    .strip_prefix("YXJyYXljb25uZWN0aW9uOg")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    Some(i) => i + 1,
                    None => return gql_error("invalid cursor", 22),
                },
                None => 0,
            };
            let rows = h.rows();
            let edges: Vec<Json> = rows
                .iter()
                .enumerate()
                .skip(start)
                .take(first)
                .map(|(i, (s, l, q))| json!({"cursor": format!("YXJyYXljb25uZWN0aW9uOg{i}"),
                    "node": {"sku": s, "warehouse_id": l, "on_hand": q, "available": q.to_string()}}))
                .collect();
            let end = start + edges.len();
            let end_cursor = if edges.is_empty() {
                Json::Null
            } else {
                json!(format!("YXJyYXljb25uZWN0aW9uOg{}", end - 1))
            };
            h.inner.counters.applied(op);
            reply(
                StatusCode::OK,
                json!({"data": {"warehouse_products": {"request_id": "r", "complexity": 101,
                "data": {"pageInfo": {"hasNextPage": end < rows.len(), "endCursor": end_cursor}, "edges": edges}}}}),
            )
        }
        _ => gql_error("unknown operation", 22),
    }
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl EmulatorHandle {
    /// Cin7's credentials and per-minute limit; `Err` is the answer to send.
    fn cin7_gate(&self, headers: &HeaderMap) -> Result<(), Box<Response>> {
        let (account, key) = self
            .inner
            .api_key
            .split_once(':')
            .unwrap_or((self.inner.api_key.as_str(), ""));
        let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        if get("api-auth-accountid") != Some(account) || get("api-auth-applicationkey") != Some(key)
        {
            return Err(Box::new(reply(
                StatusCode::FORBIDDEN,
                json!([{"ErrorCode": 403, "Exception": "Incorrect credentials!"}]),
            )));
        }
        let mut calls = lock(&self.inner.calls);
        let now = Instant::now();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            calls.pop_front();
        }
        if calls.len() >= self.inner.per_minute {
            let wait = calls
                .front()
                .map(|t| 60 - now.duration_since(*t).as_secs())
                .unwrap_or(60)
                .max(1);
            let mut resp = reply(
                StatusCode::TOO_MANY_REQUESTS,
                json!([{"ErrorCode": 429, "Exception": format!("You have reached {} calls per 60 seconds API limit.", self.inner.per_minute)}]),
            );
            if let Ok(v) = wait.to_string().parse() {
                resp.headers_mut().insert("retry-after", v);
            }
            return Err(Box::new(resp));
        }
        calls.push_back(now);
        Ok(())
    }
}

async fn cin7_list(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    h.inner.counters.received("getAllInventory");
    if let Err(r) = h.cin7_gate(&headers) {
        return *r;
    }
    let page = q
        .get("Page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let limit = q
        .get("Limit")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return reply(
            StatusCode::BAD_REQUEST,
            json!([{"ErrorCode": 400, "Exception": "Limit must be between 1 and 1000"}]),
        );
    }
    // One row per SKU × location × bin: the stock is split over two bins.
    let mut rows = Vec::new();
    for (i, (sku, loc, qty)) in h.rows().into_iter().enumerate() {
        let half = qty / 2;
        for (bin, part) in [("A-01", qty - half), ("B-02", half)] {
            rows.push(json!({"ID": format!("{i:08}-0000-0000-0000-000000000000"), "SKU": sku, "Name": sku,
                "Location": loc, "Bin": bin, "Batch": null, "OnHand": part, "Allocated": 0, "Available": part,
                "OnOrder": 0, "InTransit": 0}));
        }
    }
    let total = rows.len();
    let list: Vec<Json> = rows
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    h.inner.counters.applied("getAllInventory");
    reply(
        StatusCode::OK,
        json!({"Total": total, "Page": page, "ProductAvailabilityList": list}),
    )
}

async fn cin7_adjust(State(h): State<EmulatorHandle>, headers: HeaderMap, body: Bytes) -> Response {
    h.inner.counters.received("updateInventory");
    if let Err(r) = h.cin7_gate(&headers) {
        return *r;
    }
    let Ok(v) = serde_json::from_slice::<Json>(&body) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!([{"ErrorCode": 400, "Exception": "Invalid JSON"}]),
        );
    };
    let Some(lines) = v["Lines"].as_array().filter(|l| !l.is_empty()) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!([{"ErrorCode": 400, "Exception": "Lines are required"}]),
        );
    };
    for line in lines {
        let (Some(sku), Some(loc), Some(q)) = (
            line["SKU"].as_str(),
            line["Location"].as_str(),
            line["Quantity"].as_i64(),
        ) else {
            return reply(
                StatusCode::BAD_REQUEST,
                json!([{"ErrorCode": 400, "Exception": "Each line needs SKU, Location and Quantity"}]),
            );
        };
        if q < 0 {
            return reply(
                StatusCode::BAD_REQUEST,
                json!([{"ErrorCode": 400, "Exception": "Quantity must not be negative"}]),
            );
        }
        if !lock(&h.inner.stock).keys().any(|(s, _)| s == sku) {
            return reply(
                StatusCode::BAD_REQUEST,
                json!([{"ErrorCode": 400, "Exception": format!("Product not found: {sku}")}]),
            );
        }
        let _ = (sku, loc);
    }
    for line in lines {
        if let (Some(sku), Some(loc), Some(q)) = (
            line["SKU"].as_str(),
            line["Location"].as_str(),
            line["Quantity"].as_i64(),
        ) {
            h.write(sku, loc, q);
        }
    }
    h.inner.counters.applied("updateInventory");
    reply(
        StatusCode::OK,
        json!({"TaskID": format!("{:016x}", fxhash(&body)), "Status": "COMPLETED", "Reference": v["Reference"], "Lines": lines}),
    )
}
