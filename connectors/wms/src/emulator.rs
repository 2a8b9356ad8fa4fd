//! An emulator of a warehouse API, serving the chosen profile's endpoints (see
//! [`crate::profile`]) with that product's auth, limits, error shapes and webhooks.
//!
//! Routes by profile:
//! - `generic`: `GET /inventory?page=&pageSize=` (pageSize ≤ 100), `PUT /inventory/{sku}`
//!   `{"quantity","location"}` (Bearer; `Idempotency-Key` replays the first response; unknown SKU
//!   404 `{"error":…}`; a quantity that is not a non-negative integer 400).
//! - `shiphero` ([`shiphero`]): `POST /graphql`, every document validated and executed against
//!   ShipHero's published schema (`specs/shiphero-inventory.graphql`): `inventory_replace` and
//!   `warehouse_products` (cursor paging, `first` ≤ 100). A document or variables the schema
//!   refuses get HTTP 400 `{"errors":[{"message","locations"}]}`; an error while resolving a
//!   field gets HTTP 200 `{"errors":[{"message","operation","field","request_id","code"}],
//!   "data":{"<field>":null}}`, ShipHero's shape.
//! - `cin7` ([`cin7`]): `GET /ExternalApi/v2/ref/productavailability?Page=&Limit=` (each stock
//!   split over two bins, so clients must sum rows), `POST /ExternalApi/v2/stockadjustment`, its
//!   body checked against Cin7 Core's documented model (`specs/cin7-stockadjustment.json`) and
//!   refused with Cin7's 400 `[{"ErrorCode":400,"Exception":"Required attribute 'Status' not
//!   provided."}]`; credentials in `api-auth-accountid` / `api-auth-applicationkey` (403
//!   otherwise); 60 calls a minute, then 429 with `Retry-After`.
//!
//! Common: `GET /_state`; `POST /_webhooks {"url","duplicate","reorder"}` sends the profile's
//! webhook, signed as that product signs it, for every quantity change; `POST /_admin/inventory
//! {"sku","quantity","location"?}` changes stock as the warehouse would; `/_faults`.
//!
//! Fixture: `{"items":[{"sku":"A-1","quantity":10,"location":"MAIN"}], "profile":"generic",
//! "apiKey":"…", "webhookSecret":"…", "rateLimitPerMinute":60}` (all optional; the location
//! defaults to the profile's default location).

pub mod cin7;
pub mod shiphero;

use handled_contract::lock;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Numbers the emulator's ShipHero requests and Cin7 tasks.
    serial: AtomicU64,
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
        serial: AtomicU64::new(0),
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
        "shiphero" => {
            shiphero::schema()?;
            router.route("/graphql", post(shiphero::graphql))
        }
        "cin7" => {
            cin7::spec()?;
            router
                .route(cin7::LIST_PATH, get(cin7::list))
                .route(cin7::ADJUST_PATH, post(cin7::adjust))
        }
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

    /// Whether the warehouse holds this SKU at any location.
    fn knows(&self, sku: &str) -> bool {
        lock(&self.inner.stock).keys().any(|(s, _)| s == sku)
    }

    /// The quantity held of a SKU at a location, if the pair exists.
    fn held(&self, sku: &str, location: &str) -> Option<i64> {
        lock(&self.inner.stock)
            .get(&(sku.to_string(), location.to_string()))
            .copied()
    }

    /// The next number of the emulator's own sequence (request ids, task numbers).
    fn next_serial(&self) -> u64 {
        self.inner.serial.fetch_add(1, Ordering::Relaxed) + 1
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

/// An FNV-1a hash: stable ids and request ids derived from what was sent.
fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A GUID-shaped id, the same for the same `kind` and `name` (Cin7's `ProductID`, `TaskID`, …).
fn guid(kind: &str, name: &str) -> String {
    let a = fxhash(format!("{kind}\u{0}{name}").as_bytes());
    let b = fxhash(format!("{name}\u{0}{kind}").as_bytes());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}
