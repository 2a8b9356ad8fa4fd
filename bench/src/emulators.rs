//! The API emulators a compiled program talks to with `--sandbox-url`, mounted on one loopback
//! server, with a recorder of every write they receive.
//!
//! Each emulator is nested under `/{connector}` (`/shopify/_state`, `/wms/_faults`, …), which is
//! where every connector's `sandbox_url` looks for it.
//!
//! The [`Recorder`] sees every request that changes something at a channel, with the
//! idempotency key it carried (shopify's `@idempotent(key:)`, the wms `Idempotency-Key` header,
//! analytics' `messageId`), the time its answer left the emulator, and the harness's current
//! epoch (the number of times the program was killed so far).

use handled_contract::lock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// One write request as an emulator answered it.
#[derive(Clone, Debug)]
pub struct Write {
    /// The connector (`shopify`, `wms`, `analytics`, `ebay`, `amazon`).
    pub connector: &'static str,
    /// The idempotency key as sent (shopify may add `/N` after a stale compare-and-set; empty
    /// where the API takes none: eBay, Amazon).
    pub key: String,
    /// The HTTP status answered.
    pub status: u16,
    /// When the answer was ready.
    pub at: Instant,
    /// The recorder's epoch when it arrived.
    pub epoch: u64,
}

impl Write {
    /// The key without shopify's `/N` retry suffix: the key the runtime journaled.
    pub fn base_key(&self) -> &str {
        self.key.split('/').next().unwrap_or(&self.key)
    }
}

#[derive(Default)]
struct RecorderInner {
    writes: Mutex<Vec<Write>>,
    epoch: AtomicU64,
    /// Per connector, how long to hold a write's answer after the emulator applied it.
    hold: Mutex<HashMap<&'static str, Duration>>,
}

/// Every write request the emulators received, in order. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct Recorder {
    inner: Arc<RecorderInner>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("writes", &lock(&self.inner.writes).len())
            .finish()
    }
}

impl Recorder {
    /// Starts a new epoch (call after killing the program) and returns it.
    pub fn next_epoch(&self) -> u64 {
        self.inner.epoch.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::SeqCst)
    }

    /// A copy of every write so far.
    pub fn writes(&self) -> Vec<Write> {
        lock(&self.inner.writes).clone()
    }

    /// How many writes so far.
    pub fn len(&self) -> usize {
        lock(&self.inner.writes).len()
    }

    /// Whether no write arrived yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Per journaled (base) key, how many write requests carried it.
    pub fn counts_by_key(&self) -> HashMap<String, usize> {
        let mut out: HashMap<String, usize> = HashMap::new();
        for w in lock(&self.inner.writes).iter() {
            *out.entry(w.base_key().to_string()).or_default() += 1;
        }
        out
    }

    /// From now on, holds every answer to a write at `connector` for `hold` after the emulator
    /// applied it: a client that dies meanwhile leaves a write done but not known to be done.
    pub fn hold_answers(&self, connector: &'static str, hold: Duration) {
        lock(&self.inner.hold).insert(connector, hold);
    }

    fn push(&self, write: Write) {
        lock(&self.inner.writes).push(write);
    }
}

/// The idempotency key of a request that changes something at `connector`, if it is one.
fn write_key(connector: &'static str, request: &Request, body: &[u8]) -> Option<String> {
    match connector {
        "shopify" => {
            let v: Value = serde_json::from_slice(body).ok()?;
            let query = v["query"].as_str()?;
            if !query.contains("inventorySetQuantities") {
                return None;
            }
            Some(v["variables"]["key"].as_str().unwrap_or("").to_string())
        }
        "wms" if request.method() == axum::http::Method::PUT => Some(
            request
                .headers()
                .get("idempotency-key")
                .and_then(|k| k.to_str().ok())
                .unwrap_or("")
                .to_string(),
        ),
        "analytics" if request.uri().path().ends_with("/track") => {
            let v: Value = serde_json::from_slice(body).ok()?;
            Some(v["messageId"].as_str().unwrap_or("").to_string())
        }
        // No key to read: eBay's bulk quantity updates, Amazon's patches and feeds.
        "ebay"
            if request
                .uri()
                .path()
                .ends_with("/bulk_update_price_quantity") =>
        {
            Some(String::new())
        }
        "amazon"
            if request.method() == axum::http::Method::PATCH
                || (request.method() == axum::http::Method::POST
                    && request.uri().path().ends_with("/feeds")) =>
        {
            Some(String::new())
        }
        _ => None,
    }
}

async fn record(
    State((recorder, connector)): State<(Recorder, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::builder()
            .status(400)
            .body(Body::from("unreadable body"))
            .unwrap_or_default();
    };
    let request = Request::from_parts(parts, Body::from(bytes.clone()));
    let key = write_key(connector, &request, &bytes);
    let epoch = recorder.epoch();
    let response = next.run(request).await;
    if let Some(key) = key {
        recorder.push(Write {
            connector,
            key,
            status: response.status().as_u16(),
            at: Instant::now(),
            epoch,
        });
        let hold = lock(&recorder.inner.hold).get(connector).copied();
        if let Some(hold) = hold {
            tokio::time::sleep(hold).await;
        }
    }
    response
}

/// The emulators of one harness, served on a loopback port.
pub struct Emulators {
    /// `http://127.0.0.1:PORT`: the program's `--sandbox-url`.
    pub url: String,
    /// The shopify emulator.
    pub shopify: handled_shopify::emulator::EmulatorHandle,
    /// The wms emulator (generic profile).
    pub wms: handled_wms::emulator::EmulatorHandle,
    /// The amazon emulator.
    pub amazon: handled_amazon::emulator::EmulatorHandle,
    /// The ebay emulator.
    pub ebay: handled_ebay::emulator::EmulatorHandle,
    /// The analytics emulator.
    pub analytics: handled_analytics::emulator::EmulatorHandle,
    /// Every write received.
    pub recorder: Recorder,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Emulators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulators").field("url", &self.url).finish()
    }
}

impl Drop for Emulators {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Emulators {
    /// Starts every emulator, each seeded from `fixture[connector]`, on one server.
    pub async fn start(fixture: &Value) -> anyhow::Result<Emulators> {
        let entry = |name: &str| fixture.get(name).cloned();
        let recorder = Recorder::default();
        let (shopify_router, shopify) =
            handled_shopify::emulator::emulator_router(entry("shopify"))
                .map_err(anyhow::Error::msg)?;
        let (wms_router, wms) =
            handled_wms::emulator::emulator_router(entry("wms")).map_err(anyhow::Error::msg)?;
        let (amazon_router, amazon) =
            handled_amazon::emulator::emulator_router_at(entry("amazon"), "/amazon")
                .map_err(anyhow::Error::msg)?;
        let (ebay_router, ebay) =
            handled_ebay::emulator::emulator_router(entry("ebay")).map_err(anyhow::Error::msg)?;
        let (analytics_router, analytics) =
            handled_analytics::emulator::emulator_router(entry("analytics"))
                .map_err(anyhow::Error::msg)?;
        let recorded = |router: Router, name: &'static str| {
            router.layer(axum::middleware::from_fn_with_state(
                (recorder.clone(), name),
                record,
            ))
        };
        let router = Router::new()
            .nest("/shopify", recorded(shopify_router, "shopify"))
            .nest("/wms", recorded(wms_router, "wms"))
            .nest("/amazon", recorded(amazon_router, "amazon"))
            .nest("/ebay", recorded(ebay_router, "ebay"))
            .nest("/analytics", recorded(analytics_router, "analytics"));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Emulators {
            url,
            shopify,
            wms,
            amazon,
            ebay,
            analytics,
            recorder,
            task,
        })
    }

    /// Every emulator's `/_state`, by connector.
    pub fn state(&self) -> Value {
        json!({
            "shopify": self.shopify.state(),
            "wms": self.wms.state(),
            "amazon": self.amazon.state(),
            "ebay": self.ebay.state(),
            "analytics": self.analytics.state(),
        })
    }
}

/// A fixture for `skus` SKUs (`{prefix}-0000`, …) stocked at zero everywhere, with Shopify's
/// cost limit raised so that throttling does not pace the program (what is measured is the
/// runtime, not Shopify's leaky bucket). Shopify's inventory item id of SKU `i` is
/// [`shopify_item_id`]`(i)`.
pub fn fixture(prefix: &str, skus: usize) -> Value {
    let sku = |i: usize| format!("{prefix}-{i:04}");
    let shopify_products: Vec<Value> = (0..skus)
        .map(|i| {
            json!({"sku": sku(i), "title": format!("Item {i}"), "vendor": "Bench", "status": "ACTIVE",
                   "available": 0, "inventoryItemId": shopify_item_id(i)})
        })
        .collect();
    let wms_items: Vec<Value> = (0..skus)
        .map(|i| json!({"sku": sku(i), "quantity": 0, "location": "primary"}))
        .collect();
    let amazon_items: Vec<Value> = (0..skus)
        .map(|i| json!({"sku": sku(i), "quantity": 0, "productType": "SHIRT"}))
        .collect();
    let ebay_items: Vec<Value> = (0..skus)
        .map(|i| {
            json!({"sku": sku(i), "quantity": 0,
                   "offers": [{"offerId": format!("{}", 7000 + i), "availableQuantity": 0}]})
        })
        .collect();
    json!({
        "shopify": {
            "locations": [{"id": handled_shopify::emulator::DEFAULT_LOCATION_ID, "name": "Primary", "primary": true}],
            "products": shopify_products,
            "throttle": {"maximumAvailable": 1.0e12, "restoreRate": 1.0e12},
        },
        "wms": {"items": wms_items},
        "amazon": {"items": amazon_items},
        "ebay": {"items": ebay_items},
        "analytics": {},
    })
}

/// Shopify's inventory item id of the fixture's SKU number `i` (above 2^53, as Shopify's are).
pub fn shopify_item_id(i: usize) -> u64 {
    9_007_199_254_740_993 + 2 * i as u64
}
