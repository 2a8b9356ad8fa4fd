//! An emulator of the part of Amazon's Selling Partner API (and Login with Amazon) that the
//! connector uses.
//!
//! Routes (paths as on the real hosts):
//! - `POST /auth/o2/token`: form body `grant_type=refresh_token&refresh_token=…&client_id=…&
//!   client_secret=…`; a wrong client is 401 `invalid_client`, a wrong refresh token 400
//!   `invalid_grant`; issues `Atza|…` tokens valid `tokenTtl` seconds (3600).
//! - Every SP-API route needs `x-amz-access-token` with an unexpired issued token (else 403
//!   `Unauthorized`), and has a token bucket per operation at the documented rate (else 429
//!   `QuotaExceeded`); answers carry `x-amzn-RateLimit-Limit` and `x-amzn-RequestId`.
//! - `GET /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=…&includedData=…`:
//!   `summaries` (with the product type) and/or `fulfillmentAvailability`; 404 for an
//!   unknown SKU.
//! - `GET /listings/2021-08-01/items/{sellerId}?marketplaceIds=…` (`searchListingsItems`):
//!   either by `identifiers` (at most 20 SKUs, `identifiersType=SKU`), or every listing of the
//!   seller, sorted by `sortBy` (`sku` or `createdDate`; others as `sku`) and `sortOrder`,
//!   from `createdAfter` on, `pageSize` (at most 20, default 10) a page with
//!   `pagination.nextToken` passed back as `pageToken`; as on Amazon only the first 1,000
//!   results (`searchLimit`) can be paged through, while `numberOfResults` counts them all.
//!   `fulfillmentAvailability` lists the `DEFAULT` channel (the merchant quantity) and, for a
//!   SKU with FBA stock, `AMAZON_NA` with the FBA quantity.
//! - `PATCH /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=…`: a
//!   `fulfillment_availability` patch with channel `DEFAULT` and a quantity ≥ 0, and the
//!   listing's own `productType`: `ACCEPTED` and applied after `applyDelayMs` (0); otherwise
//!   `INVALID` with issues. SKU `BadSKU` is 400, as in Amazon's static sandbox.
//! - `GET /fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=M&
//!   marketplaceIds=M[&nextToken=…]`: `pageSize` (50) summaries a page, each with the SKU's
//!   FBA quantity only; a `nextToken` expires `nextTokenTtlSecs` (30) after it was issued.
//! - Feeds 2021-06-30: `POST /feeds/2021-06-30/documents` → an upload URL served here
//!   (`PUT /_documents/{id}`, same content type required); `POST /feeds/2021-06-30/feeds`
//!   (`JSON_LISTINGS_FEED`); `GET /feeds/2021-06-30/feeds/{id}` moves IN_QUEUE → IN_PROGRESS →
//!   DONE, `feedSteps` (1) polls each and not before `feedDelayMs` (0) after its creation (Amazon
//!   takes minutes), and at DONE applies every valid message and writes a
//!   processing report; `GET /feeds/2021-06-30/documents/{id}` → its URL (`GET /_documents/{id}`,
//!   GZIP-compressed when `gzipReports` is true). A feed that is not a listings feed ends FATAL.
//! - `GET /_state` ([`EmulatorHandle::state`]) and `/_faults` (fault injection; injected errors
//!   have SP-API's `{"errors":[…]}` shape, 429 as `QuotaExceeded`).
//!
//! Fixture (all optional): `{"sellerId": "A1SANDBOXSELLER", "marketplaceId": "ATVPDKIKX0DER",
//! "items": [{"sku": "A-1", "quantity": 10, "fbaQuantity": 4, "productType": "LUGGAGE",
//! "leadTimeToShipMaxDays": 3, "restockDate": "2026-12-01", "createdDate":
//! "2026-01-01T00:00:00Z"}], "clientId": …, "clientSecret": …, "refreshToken": …,
//! "tokenTtl": 3600, "applyDelayMs": 0, "pageSize": 50, "nextTokenTtlSecs": 30,
//! "searchLimit": 1000, "feedSteps": 1, "feedDelayMs": 0, "gzipReports": false,
//! "enforceSeller": true, "rateLimits": {"patchListingsItem": {"rate": 5, "burst": 5}}}`.
//!
//! Each SKU holds two stocks, as on Amazon. `quantity` is the merchant-fulfilled (`DEFAULT`
//! channel) quantity: what patches and feed messages set and what listings reads return.
//! `fbaQuantity` (default 0) is the stock in Amazon's fulfilment centres: only the FBA
//! inventory summaries report it, and nothing the connector sends changes it. A listing created
//! without `createdDate` was created one second after the one before it, from
//! 2026-01-01T00:00:00Z.
//!
//! `fulfillment_availability` patches follow Amazon's JSON Patch operations: `merge` changes
//! the fields it gives and keeps the others (`leadTimeToShipMaxDays`, `restockDate`), an
//! explicit `null` clearing one; `replace` and `add` set the whole `DEFAULT` entry, so a field
//! they leave out is cleared; `delete` removes it (quantity 0).

use handled_contract::lock;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use handled_connector_core::emulator::{Faults, OpCounters, with_faults};
use handled_contract::Json;
use serde::Deserialize;
use serde_json::json;

use crate::api::{MAX_SEARCH_RESULTS, Operation};
use crate::config::{AmazonSettings, DEFAULT_MARKETPLACE_ID};
use crate::types::{
    DEFAULT_FULFILLMENT_CHANNEL, ErrorList, FULFILLMENT_AVAILABILITY_PATH, Issue, ListingsFeed,
    ListingsItemPatchRequest, PatchOperation,
};

/// The LWA client id the emulator accepts by default.
pub const DEFAULT_CLIENT_ID: &str = "amzn1.application-oa2-client.sandbox";
/// The LWA client secret the emulator accepts by default.
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-lwa-client-secret";
/// The refresh token the emulator accepts by default.
pub const DEFAULT_REFRESH_TOKEN: &str = "Atzr|sandbox-refresh-token";
/// The seller the emulator plays by default.
pub const DEFAULT_SELLER_ID: &str = "A1SANDBOXSELLER";

/// Connector settings for the emulator's default credentials at `base_url` (a standalone
/// sandbox server), polling feeds every 20 ms.
pub fn default_settings(base_url: &str) -> AmazonSettings {
    let base = base_url.trim_end_matches('/');
    let mut s = AmazonSettings::new(
        base,
        &format!("{base}/auth/o2/token"),
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REFRESH_TOKEN,
    )
    .with_seller(DEFAULT_SELLER_ID, DEFAULT_MARKETPLACE_ID);
    s.feed_poll_interval = Duration::from_millis(20);
    s.feed_timeout = Duration::from_secs(60);
    s
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    seller_id: Option<String>,
    #[serde(default)]
    marketplace_id: Option<String>,
    #[serde(default)]
    items: Vec<FixtureItem>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    token_ttl: Option<u64>,
    #[serde(default)]
    apply_delay_ms: Option<u64>,
    #[serde(default)]
    page_size: Option<usize>,
    #[serde(default)]
    next_token_ttl_secs: Option<u64>,
    #[serde(default)]
    search_limit: Option<usize>,
    #[serde(default)]
    feed_steps: Option<u32>,
    #[serde(default)]
    feed_delay_ms: Option<u64>,
    #[serde(default)]
    gzip_reports: Option<bool>,
    #[serde(default)]
    enforce_seller: Option<bool>,
    #[serde(default)]
    rate_limits: Option<HashMap<String, RateSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FixtureItem {
    sku: String,
    #[serde(default)]
    quantity: i64,
    #[serde(default)]
    fba_quantity: Option<i64>,
    #[serde(default)]
    product_type: Option<String>,
    /// The merchant's handling time of the DEFAULT channel (kept by a `merge` patch, cleared by
    /// a `replace` that does not give it).
    #[serde(default)]
    lead_time_to_ship_max_days: Option<i64>,
    /// The merchant's restock date of the DEFAULT channel (kept and cleared likewise).
    #[serde(default)]
    restock_date: Option<String>,
    /// When the listing was created (ISO 8601).
    #[serde(default)]
    created_date: Option<String>,
    #[serde(default)]
    asin: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateSpec {
    rate: f64,
    burst: u32,
}

/// The merchant-fulfilled (`DEFAULT` channel) entry of a listing's `fulfillment_availability`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Availability {
    quantity: i64,
    lead_time: Option<i64>,
    restock_date: Option<String>,
}

#[derive(Debug)]
struct Item {
    /// What the seller sets: patches and feed messages write it, listings reads return it.
    merchant: Availability,
    /// Quantity updates applied to it (patches and feed messages).
    writes: u64,
    /// The fulfillable stock in Amazon's fulfilment centres (FBA summaries only).
    fba_quantity: i64,
    product_type: String,
    asin: String,
    title: String,
    created: String,
}

impl Item {
    /// The listing's `fulfillmentAvailability`: the merchant channel, and FBA's when it holds
    /// stock.
    fn availability_json(&self) -> Json {
        let mut out = vec![
            json!({"fulfillmentChannelCode": DEFAULT_FULFILLMENT_CHANNEL,
                                  "quantity": self.merchant.quantity}),
        ];
        if self.fba_quantity > 0 {
            out.push(json!({"fulfillmentChannelCode": FBA_CHANNEL, "quantity": self.fba_quantity}));
        }
        Json::Array(out)
    }

    /// The listing's `summaries` in `marketplace`.
    fn summaries_json(&self, marketplace: &str) -> Json {
        json!([{
            "marketplaceId": marketplace, "asin": self.asin, "productType": self.product_type,
            "conditionType": "new_new", "status": ["BUYABLE", "DISCOVERABLE"], "itemName": self.title,
            "createdDate": self.created, "lastUpdatedDate": now_iso(),
        }])
    }
}

/// The FBA channel code the emulator reports beside `DEFAULT` (North America).
const FBA_CHANNEL: &str = "AMAZON_NA";
/// The date of the first listing created without a `createdDate`.
const FIRST_CREATED: &str = "2026-01-01T00:00:00Z";

#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
struct Document {
    content_type: String,
    bytes: Option<Vec<u8>>,
    gzip: bool,
}

#[derive(Debug)]
struct Feed {
    document_id: String,
    marketplace_ids: Vec<String>,
    created: String,
    /// When it was created, for `feedDelayMs`.
    created_at: Instant,
    polls: u32,
    status: &'static str,
    started: Option<String>,
    ended: Option<String>,
    result_document_id: Option<String>,
}

#[derive(Debug, Default)]
struct Mutable {
    items: BTreeMap<String, Item>,
    tokens: HashMap<String, Instant>,
    buckets: HashMap<&'static str, Bucket>,
    next_tokens: HashMap<String, (usize, Instant)>,
    /// `searchListingsItems` page tokens: the offset of the page each names.
    page_tokens: HashMap<String, usize>,
    documents: HashMap<String, Document>,
    feeds: BTreeMap<String, Feed>,
    pending: u64,
    seq: u64,
    /// Per operation, the requests it answered (refused ones included) and those refused
    /// with 429.
    requests: BTreeMap<&'static str, (u64, u64)>,
}

impl Mutable {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

#[derive(Debug)]
struct Inner {
    seller_id: String,
    marketplace_id: String,
    enforce_seller: bool,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    token_ttl: u64,
    apply_delay: Duration,
    page_size: usize,
    next_token_ttl: Duration,
    search_limit: usize,
    feed_steps: u32,
    feed_delay: std::time::Duration,
    gzip_reports: bool,
    prefix: String,
    rates: HashMap<&'static str, (f64, u32)>,
    state: Mutex<Mutable>,
    counters: OpCounters,
    faults: Faults,
}

/// A handle on a running emulator's state.
#[derive(Clone, Debug)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

fn now_iso() -> String {
    handled_contract::clock::utc_now()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl EmulatorHandle {
    /// `{"sellerId","marketplaceId","items":{"<sku>":{"quantity":n,"fbaQuantity":m,
    /// "productType":t,"writes":w,"leadTimeToShipMaxDays":d,"restockDate":r}},"pending":k,
    /// "feeds":{"<id>":"DONE"},"ops":{"updateInventory":{"received","applied"},
    /// "feedMessages":{…},"getAllInventory":{…},"fbaInventory":{…}},"tokensIssued":n}`.
    /// `quantity` is the merchant-fulfilled stock, `fbaQuantity` the FBA one;
    /// `getAllInventory` counts pages of the seller's listings, `fbaInventory` pages of FBA
    /// summaries; `pending` counts accepted patches not applied yet.
    pub fn state(&self) -> Json {
        let mut st = lock(&self.inner.state);
        process_due(self, &mut st);
        let items: serde_json::Map<String, Json> = st
            .items
            .iter()
            .map(|(sku, i)| {
                (
                    sku.clone(),
                    json!({"quantity": i.merchant.quantity, "fbaQuantity": i.fba_quantity,
                           "productType": i.product_type, "writes": i.writes,
                           "leadTimeToShipMaxDays": i.merchant.lead_time,
                           "restockDate": i.merchant.restock_date}),
                )
            })
            .collect();
        let feeds: serde_json::Map<String, Json> = st
            .feeds
            .iter()
            .map(|(id, f)| (id.clone(), json!(f.status)))
            .collect();
        json!({
            "sellerId": self.inner.seller_id,
            "marketplaceId": self.inner.marketplace_id,
            "items": items,
            "pending": st.pending,
            "feeds": feeds,
            "ops": self.inner.counters.to_json(),
            "requests": st.requests.iter().map(|(op, (n, refused))| (op.to_string(), json!({"received": n, "throttled": refused}))).collect::<serde_json::Map<String, Json>>(),
            "tokensIssued": st.tokens.len(),
        })
    }

    /// Connector settings that authenticate against this emulator at `base_url`, with its
    /// seller and marketplace as defaults, polling feeds every 20 ms.
    pub fn settings(&self, base_url: &str) -> AmazonSettings {
        let base = base_url.trim_end_matches('/');
        let mut s = AmazonSettings::new(
            base,
            &format!("{base}/auth/o2/token"),
            &self.inner.client_id,
            &self.inner.client_secret,
            &self.inner.refresh_token,
        )
        .with_seller(&self.inner.seller_id, &self.inner.marketplace_id);
        s.feed_poll_interval = Duration::from_millis(20);
        s.feed_timeout = Duration::from_secs(60);
        s
    }

    /// The fault queue.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// `(received, applied)` of an op (`updateInventory`, `feedMessages`, `getAllInventory`,
    /// `fbaInventory`).
    pub fn counts(&self, op: &str) -> (u64, u64) {
        self.inner.counters.get(op)
    }

    /// Forgets every issued access token (the next call gets 403 and must refresh).
    pub fn revoke_tokens(&self) {
        lock(&self.inner.state).tokens.clear();
    }
}

/// The emulator's router and a handle on its state, seeded from `fixture` (module doc).
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    emulator_router_at(fixture, "")
}

/// [`emulator_router`] for a router that will be mounted under `prefix` (`/amazon`), so the
/// feed document URLs it hands out point back at it.
pub fn emulator_router_at(
    fixture: Option<Json>,
    prefix: &str,
) -> Result<(Router, EmulatorHandle), String> {
    let fixture: Fixture = match fixture {
        Some(Json::Null) | None => Fixture::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("amazon fixture: {e}"))?,
    };
    let mut rates: HashMap<&'static str, (f64, u32)> = Operation::ALL
        .iter()
        .map(|op| (op.name(), op.usage_plan()))
        .collect();
    for (name, spec) in fixture.rate_limits.unwrap_or_default() {
        let Some(op) = Operation::ALL.iter().find(|op| op.name() == name) else {
            return Err(format!(
                "amazon fixture: unknown operation {name:?} in rateLimits"
            ));
        };
        if !(spec.rate.is_finite() && spec.rate > 0.0) || spec.burst == 0 {
            return Err(format!(
                "amazon fixture: rateLimits.{name} needs rate > 0 and burst ≥ 1"
            ));
        }
        rates.insert(op.name(), (spec.rate, spec.burst));
    }
    let now = Instant::now();
    let buckets = rates
        .iter()
        .map(|(name, (rate, burst))| {
            (
                *name,
                Bucket {
                    rate: *rate,
                    burst: f64::from(*burst),
                    tokens: f64::from(*burst),
                    last: now,
                },
            )
        })
        .collect();
    let items = fixture
        .items
        .into_iter()
        .enumerate()
        .map(|(n, i)| {
            let item = Item {
                merchant: Availability {
                    quantity: i.quantity,
                    lead_time: i.lead_time_to_ship_max_days,
                    restock_date: i.restock_date,
                },
                writes: 0,
                fba_quantity: i.fba_quantity.unwrap_or(0),
                product_type: i.product_type.unwrap_or_else(|| "PRODUCT".into()),
                asin: i.asin.unwrap_or_else(|| format!("B0SANDBOX{n:03}")),
                title: i.title.unwrap_or_else(|| i.sku.clone()),
                created: i.created_date.unwrap_or_else(|| created_at(n)),
            };
            (i.sku, item)
        })
        .collect();
    let faults = Faults::new().with_body(|status| {
        let (code, message) = match status {
            429 => (
                "QuotaExceeded",
                "You exceeded your quota for the requested resource.",
            ),
            403 => ("Unauthorized", "Access to requested resource is denied."),
            s if s >= 500 => (
                "InternalFailure",
                "We encountered an internal error. Please try again.",
            ),
            _ => ("InvalidInput", "Injected error."),
        };
        json!({"errors": [{"code": code, "message": message, "details": ""}]})
    });
    let inner = Arc::new(Inner {
        enforce_seller: fixture
            .enforce_seller
            .unwrap_or(fixture.seller_id.is_some()),
        seller_id: fixture
            .seller_id
            .unwrap_or_else(|| DEFAULT_SELLER_ID.into()),
        marketplace_id: fixture
            .marketplace_id
            .unwrap_or_else(|| DEFAULT_MARKETPLACE_ID.into()),
        client_id: fixture
            .client_id
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.into()),
        client_secret: fixture
            .client_secret
            .unwrap_or_else(|| DEFAULT_CLIENT_SECRET.into()),
        refresh_token: fixture
            .refresh_token
            .unwrap_or_else(|| DEFAULT_REFRESH_TOKEN.into()),
        token_ttl: fixture.token_ttl.unwrap_or(3600),
        apply_delay: Duration::from_millis(fixture.apply_delay_ms.unwrap_or(0)),
        page_size: fixture.page_size.unwrap_or(50).max(1),
        next_token_ttl: Duration::from_secs(fixture.next_token_ttl_secs.unwrap_or(30)),
        search_limit: fixture.search_limit.unwrap_or(MAX_SEARCH_RESULTS).max(1),
        feed_steps: fixture.feed_steps.unwrap_or(1).max(1),
        feed_delay: std::time::Duration::from_millis(fixture.feed_delay_ms.unwrap_or(0)),
        gzip_reports: fixture.gzip_reports.unwrap_or(false),
        prefix: prefix.trim_end_matches('/').to_string(),
        rates,
        state: Mutex::new(Mutable {
            items,
            buckets,
            ..Mutable::default()
        }),
        counters: OpCounters::new(),
        faults: faults.clone(),
    });
    let handle = EmulatorHandle { inner };
    let router = Router::new()
        .route("/auth/o2/token", post(lwa_token))
        .route(
            "/listings/2021-08-01/items/{seller_id}/{sku}",
            get(get_listing).patch(patch_listing),
        )
        .route(
            "/listings/2021-08-01/items/{seller_id}",
            get(search_listings),
        )
        .route("/fba/inventory/v1/summaries", get(summaries))
        .route("/feeds/2021-06-30/documents", post(create_document))
        .route("/feeds/2021-06-30/documents/{id}", get(get_document))
        .route("/feeds/2021-06-30/feeds", post(create_feed).get(get_feeds))
        .route("/feeds/2021-06-30/feeds/{id}", get(get_feed))
        .route(
            "/_documents/{id}",
            put(upload_document)
                .get(download_document)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_DOCUMENT_BYTES)),
        )
        .route("/_state", get(get_state))
        .with_state(handle.clone());
    Ok((with_faults(router, faults), handle))
}

/// The largest feed document the emulator takes (Amazon's upload URLs are S3's, which take
/// far more; a feed of 25,000 quantity patches is about 7 MB).
const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

async fn get_state(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(h.state()).into_response()
}

fn errors(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(ErrorList::one(code, message))).into_response()
}

fn with_rate(h: &EmulatorHandle, op: Operation, mut resp: Response, request_id: u64) -> Response {
    if let Some((rate, _)) = h.inner.rates.get(op.name())
        && let Ok(v) = HeaderValue::from_str(&format!("{rate}"))
    {
        resp.headers_mut().insert("x-amzn-ratelimit-limit", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("emulated-{request_id:08}")) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// Checks the access token and the operation's bucket.
fn gate(h: &EmulatorHandle, headers: &HeaderMap, op: Operation) -> Result<u64, Box<Response>> {
    let token = headers
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok());
    let mut st = lock(&h.inner.state);
    let id = st.next();
    let valid = token
        .and_then(|t| st.tokens.get(t))
        .is_some_and(|exp| *exp > Instant::now());
    if !valid {
        drop(st);
        let resp = errors(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied. The access token you provided is revoked, malformed or invalid.",
        );
        return Err(Box::new(with_rate(h, op, resp, id)));
    }
    let allowed = st.buckets.get_mut(op.name()).is_none_or(Bucket::take);
    let counted = st.requests.entry(op.name()).or_default();
    counted.0 += 1;
    if !allowed {
        counted.1 += 1;
    }
    drop(st);
    if !allowed {
        let resp = errors(
            StatusCode::TOO_MANY_REQUESTS,
            "QuotaExceeded",
            "You exceeded your quota for the requested resource.",
        );
        return Err(Box::new(with_rate(h, op, resp, id)));
    }
    Ok(id)
}

async fn lwa_token(State(h): State<EmulatorHandle>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let oauth = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only refresh_token is emulated",
        );
    }
    if form.get("client_id") != Some(&h.inner.client_id)
        || form.get("client_secret") != Some(&h.inner.client_secret)
    {
        return oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if form.get("refresh_token") != Some(&h.inner.refresh_token) {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : refresh_token",
        );
    }
    let mut st = lock(&h.inner.state);
    let n = st.next();
    let token = format!("Atza|emulated-{n:08}");
    st.tokens.insert(
        token.clone(),
        Instant::now() + Duration::from_secs(h.inner.token_ttl),
    );
    axum::Json(json!({"access_token": token, "refresh_token": h.inner.refresh_token, "token_type": "bearer",
                      "expires_in": h.inner.token_ttl}))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListingQuery {
    marketplace_ids: Option<String>,
    included_data: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchQuery {
    marketplace_ids: Option<String>,
    identifiers: Option<String>,
    identifiers_type: Option<String>,
    included_data: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    created_after: Option<String>,
    page_size: Option<usize>,
    page_token: Option<String>,
}

impl SearchQuery {
    fn includes(&self, part: &str, by_default: bool) -> bool {
        self.included_data
            .as_deref()
            .map_or(by_default, |d| d.split(',').any(|p| p == part))
    }
}

/// The date of the `n`th listing created without a `createdDate`: one second after the one
/// before it.
fn created_at(n: usize) -> String {
    let first = chrono::DateTime::parse_from_rfc3339(FIRST_CREATED)
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    let seconds = i64::try_from(n).unwrap_or(i64::MAX);
    (first + chrono::Duration::seconds(seconds))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An ISO 8601 date-time, for comparisons (`None` if it is not one).
fn instant(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(text).ok()
}

/// `searchListingsItems`: by SKU identifiers (at most 20), or every listing of the seller,
/// sorted and paged (module doc).
async fn search_listings(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Path(seller): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Response {
    let op = Operation::SearchListingsItems;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    if let Err((status, code, msg)) =
        check_seller_and_marketplace(&h, &seller, q.marketplace_ids.as_deref())
    {
        return with_rate(&h, op, errors(status, code, &msg), id);
    }
    let answer = match q.identifiers.as_deref().filter(|i| !i.is_empty()) {
        Some(identifiers) => search_by_sku(&h, &q, identifiers),
        None => search_all(&h, &q),
    };
    let resp = match answer {
        Ok(body) => axum::Json(body).into_response(),
        Err(msg) => errors(StatusCode::BAD_REQUEST, "InvalidInput", &msg),
    };
    with_rate(&h, op, resp, id)
}

/// One listing as a search result, with the data asked for.
fn search_result(h: &EmulatorHandle, q: &SearchQuery, sku: &str, item: &Item) -> Json {
    let mut body = json!({"sku": sku});
    if q.includes("summaries", true) {
        body["summaries"] = item.summaries_json(&h.inner.marketplace_id);
    }
    if q.includes("fulfillmentAvailability", false) {
        body["fulfillmentAvailability"] = item.availability_json();
    }
    body
}

/// The listings of up to 20 SKUs, one page.
fn search_by_sku(h: &EmulatorHandle, q: &SearchQuery, identifiers: &str) -> Result<Json, String> {
    if q.identifiers_type.as_deref() != Some("SKU") {
        return Err("identifiersType is required with identifiers (the emulator knows SKU)".into());
    }
    let skus: Vec<&str> = identifiers.split(',').collect();
    if skus.len() > 20 {
        return Err("identifiers takes at most 20 values".into());
    }
    let mut st = lock(&h.inner.state);
    process_due(h, &mut st);
    let items: Vec<Json> = skus
        .iter()
        .filter_map(|sku| Some(search_result(h, q, sku, st.items.get(*sku)?)))
        .collect();
    Ok(json!({"numberOfResults": items.len(), "items": items}))
}

/// Every listing of the seller from `createdAfter` on, sorted, one page of `pageSize`; only
/// the first `searchLimit` can be paged through.
fn search_all(h: &EmulatorHandle, q: &SearchQuery) -> Result<Json, String> {
    let page_size = q.page_size.unwrap_or(10);
    if !(1..=20).contains(&page_size) {
        return Err("pageSize must be between 1 and 20".into());
    }
    let after = match q.created_after.as_deref() {
        None => None,
        Some(t) => Some(instant(t).ok_or_else(|| format!("createdAfter {t:?} is not ISO 8601"))?),
    };
    h.inner.counters.received("getAllInventory");
    let mut st = lock(&h.inner.state);
    process_due(h, &mut st);
    let offset = match &q.page_token {
        None => 0,
        Some(t) => *st.page_tokens.get(t).ok_or("Invalid pageToken.")?,
    };
    let mut found: Vec<(&String, &Item)> = st
        .items
        .iter()
        .filter(|(_, i)| after.is_none_or(|a| instant(&i.created).is_some_and(|c| c >= a)))
        .collect();
    if q.sort_by.as_deref() == Some("createdDate") {
        found.sort_by(|a, b| (instant(&a.1.created), a.0).cmp(&(instant(&b.1.created), b.0)));
    }
    if q.sort_order.as_deref() != Some("ASC") {
        found.reverse();
    }
    let total = found.len();
    let reachable = total.min(h.inner.search_limit);
    let items: Vec<Json> = found
        .iter()
        .skip(offset)
        .take(page_size.min(reachable.saturating_sub(offset)))
        .map(|(sku, item)| search_result(h, q, sku, item))
        .collect();
    let mut body = json!({"numberOfResults": total, "items": items});
    if offset + page_size < reachable {
        let token = format!("pt-{:08}", st.next());
        st.page_tokens.insert(token.clone(), offset + page_size);
        body["pagination"] = json!({"nextToken": token});
    }
    drop(st);
    h.inner.counters.applied("getAllInventory");
    Ok(body)
}

fn check_seller_and_marketplace(
    h: &EmulatorHandle,
    seller: &str,
    marketplaces: Option<&str>,
) -> Result<(), (StatusCode, &'static str, String)> {
    let Some(m) = marketplaces.filter(|m| !m.is_empty()) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "marketplaceIds is required".into(),
        ));
    };
    if !m.split(',').any(|m| m == h.inner.marketplace_id) {
        return Err((
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            format!("unknown marketplace {m}"),
        ));
    }
    if h.inner.enforce_seller && seller != h.inner.seller_id {
        return Err((
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied (another seller).".into(),
        ));
    }
    Ok(())
}

async fn get_listing(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Path((seller, sku)): Path<(String, String)>,
    Query(q): Query<ListingQuery>,
) -> Response {
    let op = Operation::GetListingsItem;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    if let Err((status, code, msg)) =
        check_seller_and_marketplace(&h, &seller, q.marketplace_ids.as_deref())
    {
        return with_rate(&h, op, errors(status, code, &msg), id);
    }
    let mut st = lock(&h.inner.state);
    process_due(&h, &mut st);
    let Some(item) = st.items.get(&sku) else {
        drop(st);
        return with_rate(
            &h,
            op,
            errors(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("SKU '{sku}' not found in marketplace"),
            ),
            id,
        );
    };
    let included = q.included_data.unwrap_or_else(|| "summaries".into());
    let mut body = json!({"sku": sku});
    for part in included.split(',') {
        match part {
            "summaries" => {
                body["summaries"] = item.summaries_json(&h.inner.marketplace_id);
            }
            "fulfillmentAvailability" => {
                body["fulfillmentAvailability"] = item.availability_json();
            }
            "productTypes" => {
                body["productTypes"] = json!([{"marketplaceId": h.inner.marketplace_id, "productType": item.product_type}]);
            }
            _ => {}
        }
    }
    drop(st);
    with_rate(&h, op, axum::Json(body).into_response(), id)
}

fn issue(code: &str, message: &str, category: &str) -> Issue {
    Issue {
        code: code.into(),
        message: message.into(),
        severity: "ERROR".into(),
        attribute_names: vec!["fulfillment_availability".into()],
        categories: vec![category.into()],
    }
}

/// Checks a listing patch and returns the listing's merchant entry after it, or the issues.
fn check_patch(
    item: Option<&Item>,
    sku: &str,
    product_type: &str,
    patches: &[PatchOperation],
) -> Result<Availability, Vec<Issue>> {
    let Some(item) = item else {
        return Err(vec![issue(
            "4000001",
            &format!("No listing exists for SKU '{sku}'."),
            "INVALID_ATTRIBUTE",
        )]);
    };
    let mut problems = Vec::new();
    // `PRODUCT` patches a listing of any type (Amazon's own patch examples use it).
    if product_type != item.product_type && product_type != "PRODUCT" {
        problems.push(issue(
            "4000003",
            &format!(
                "The product type '{product_type}' does not match the listing's product type '{}'.",
                item.product_type
            ),
            "INVALID_ATTRIBUTE",
        ));
    }
    if patches.is_empty() {
        problems.push(issue(
            "4000002",
            "At least one patch is required.",
            "MISSING_ATTRIBUTE",
        ));
    }
    let mut now = item.merchant.clone();
    for p in patches {
        match apply_patch(&now, p) {
            Ok(next) => now = next,
            Err(found) => problems.extend(found),
        }
    }
    if problems.is_empty() {
        Ok(now)
    } else {
        Err(problems)
    }
}

/// One `fulfillment_availability` patch applied to the merchant entry (module doc).
fn apply_patch(now: &Availability, p: &PatchOperation) -> Result<Availability, Vec<Issue>> {
    if p.path != FULFILLMENT_AVAILABILITY_PATH {
        return Err(vec![issue(
            "4000004",
            &format!(
                "The emulator only models {FULFILLMENT_AVAILABILITY_PATH}, not {}.",
                p.path
            ),
            "INVALID_ATTRIBUTE",
        )]);
    }
    let merge = match p.op.as_str() {
        "delete" => return Ok(Availability::default()),
        "merge" => true,
        "add" | "replace" => false,
        other => {
            return Err(vec![issue(
                "4000005",
                &format!("Unknown patch op '{other}'."),
                "INVALID_ATTRIBUTE",
            )]);
        }
    };
    let values = p.value.clone().unwrap_or_default();
    let Some(entry) = values.first() else {
        return Err(vec![issue(
            "90220",
            "'fulfillment_availability' needs a value.",
            "MISSING_ATTRIBUTE",
        )]);
    };
    check_channel(entry)?;
    let quantity = match entry.get("quantity").map(Json::as_i64) {
        Some(Some(q)) if q >= 0 => q,
        None if merge => now.quantity,
        _ => {
            return Err(vec![issue(
                "90215",
                "'quantity' must be a whole number of 0 or more.",
                "INVALID_ATTRIBUTE",
            )]);
        }
    };
    Ok(Availability {
        quantity,
        lead_time: field(
            entry,
            "lead_time_to_ship_max_days",
            merge,
            &now.lead_time,
            |v| v.as_i64(),
        ),
        restock_date: field(entry, "restock_date", merge, &now.restock_date, |v| {
            v.as_str().map(str::to_string)
        }),
    })
}

/// The entry's `fulfillment_channel_code` must be `DEFAULT`: FBA channels are Amazon's.
fn check_channel(entry: &Json) -> Result<(), Vec<Issue>> {
    match entry.get("fulfillment_channel_code").and_then(Json::as_str) {
        Some(DEFAULT_FULFILLMENT_CHANNEL) => Ok(()),
        Some(code) if code.starts_with("AMAZON_") => Err(vec![issue(
            "90244",
            &format!("Fulfillment channel '{code}' is managed by Amazon and cannot be written."),
            "INVALID_ATTRIBUTE",
        )]),
        _ => Err(vec![issue(
            "90220",
            "'fulfillment_channel_code' is required and must be DEFAULT.",
            "MISSING_ATTRIBUTE",
        )]),
    }
}

/// An optional field of the entry after a patch: `merge` keeps what it does not name (an
/// explicit `null` clears it); `replace` and `add` keep only what they give.
fn field<T: Clone>(
    entry: &Json,
    name: &str,
    merge: bool,
    now: &Option<T>,
    read: impl Fn(&Json) -> Option<T>,
) -> Option<T> {
    match entry.get(name) {
        Some(v) => read(v),
        None if merge => now.clone(),
        None => None,
    }
}

fn submission_id(n: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        n.wrapping_mul(2_654_435_761) & 0xffff_ffff,
        n & 0xffff,
        n & 0xfff,
        (n >> 12) & 0xfff,
        n
    )
}

async fn patch_listing(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Path((seller, sku)): Path<(String, String)>,
    Query(q): Query<ListingQuery>,
    body: Bytes,
) -> Response {
    let op = Operation::PatchListingsItem;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    h.inner.counters.received("updateInventory");
    if let Err((status, code, msg)) =
        check_seller_and_marketplace(&h, &seller, q.marketplace_ids.as_deref())
    {
        return with_rate(&h, op, errors(status, code, &msg), id);
    }
    if sku == "BadSKU" {
        return with_rate(
            &h,
            op,
            errors(StatusCode::BAD_REQUEST, "BAD_REQUEST", "Invalid input"),
            id,
        );
    }
    let request: ListingsItemPatchRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return with_rate(
                &h,
                op,
                errors(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    &format!("Invalid input: {e}"),
                ),
                id,
            );
        }
    };
    let mut st = lock(&h.inner.state);
    let n = st.next();
    let submission = submission_id(n);
    let checked = check_patch(
        st.items.get(&sku),
        &sku,
        &request.product_type,
        &request.patches,
    );
    let applied = match checked {
        Ok(applied) => applied,
        Err(issues) => {
            drop(st);
            let body = json!({"sku": sku, "status": "INVALID", "submissionId": submission, "issues": issues});
            return with_rate(&h, op, axum::Json(body).into_response(), id);
        }
    };
    if h.inner.apply_delay.is_zero() {
        if let Some(item) = st.items.get_mut(&sku) {
            item.merchant = applied;
            item.writes += 1;
        }
        h.inner.counters.applied("updateInventory");
    } else {
        st.pending += 1;
        let later = h.clone();
        let sku = sku.clone();
        tokio::spawn(async move {
            tokio::time::sleep(later.inner.apply_delay).await;
            let mut st = lock(&later.inner.state);
            st.pending = st.pending.saturating_sub(1);
            if let Some(item) = st.items.get_mut(&sku) {
                item.merchant = applied;
                item.writes += 1;
            }
            later.inner.counters.applied("updateInventory");
        });
    }
    drop(st);
    let body = json!({"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []});
    with_rate(&h, op, axum::Json(body).into_response(), id)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummariesQuery {
    granularity_type: Option<String>,
    granularity_id: Option<String>,
    marketplace_ids: Option<String>,
    next_token: Option<String>,
}

async fn summaries(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Query(q): Query<SummariesQuery>,
) -> Response {
    let op = Operation::GetInventorySummaries;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    h.inner.counters.received("fbaInventory");
    let bad = |msg: &str| {
        with_rate(
            &h,
            op,
            errors(StatusCode::BAD_REQUEST, "InvalidInput", msg),
            id,
        )
    };
    if q.granularity_type.as_deref() != Some("Marketplace") {
        return bad("granularityType must be Marketplace");
    }
    let Some(marketplace) = q.marketplace_ids.filter(|m| !m.is_empty()) else {
        return bad("marketplaceIds is required");
    };
    if marketplace.contains(',') {
        return bad("marketplaceIds takes one marketplace");
    }
    if q.granularity_id.as_deref() != Some(marketplace.as_str())
        || marketplace != h.inner.marketplace_id
    {
        return bad("granularityId must be the marketplace, which must be the seller's");
    }
    let mut st = lock(&h.inner.state);
    let offset = match q.next_token {
        None => 0,
        Some(t) => match st.next_tokens.remove(&t) {
            Some((offset, issued)) if issued.elapsed() <= h.inner.next_token_ttl => offset,
            Some(_) => {
                drop(st);
                return bad("The nextToken has expired; start again without it.");
            }
            None => {
                drop(st);
                return bad("Invalid nextToken.");
            }
        },
    };
    let page: Vec<Json> = st
        .items
        .iter()
        .skip(offset)
        .take(h.inner.page_size)
        .map(|(sku, i)| {
            let q = i.fba_quantity;
            json!({
                "asin": i.asin, "fnSku": format!("X00{}", i.asin), "sellerSku": sku, "condition": "NewItem",
                "inventoryDetails": {
                    "fulfillableQuantity": q, "inboundWorkingQuantity": 0, "inboundShippedQuantity": 0,
                    "inboundReceivingQuantity": 0,
                    "reservedQuantity": {"totalReservedQuantity": 0, "pendingCustomerOrderQuantity": 0,
                                         "pendingTransshipmentQuantity": 0, "fcProcessingQuantity": 0},
                    "unfulfillableQuantity": {"totalUnfulfillableQuantity": 0}
                },
                "lastUpdatedTime": now_iso(), "productName": i.title, "totalQuantity": q,
            })
        })
        .collect();
    let total = st.items.len();
    let mut body = json!({
        "payload": {"granularity": {"granularityType": "Marketplace", "granularityId": marketplace},
                    "inventorySummaries": page},
    });
    if offset + h.inner.page_size < total {
        let n = st.next();
        let token = format!("nt-{n:08}-{}", offset + h.inner.page_size);
        st.next_tokens
            .insert(token.clone(), (offset + h.inner.page_size, Instant::now()));
        body["pagination"] = json!({"nextToken": token});
    }
    drop(st);
    h.inner.counters.applied("fbaInventory");
    with_rate(&h, op, axum::Json(body).into_response(), id)
}

fn origin(h: &EmulatorHandle, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}{}", h.inner.prefix)
}

async fn create_document(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let op = Operation::CreateFeedDocument;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let content_type = serde_json::from_slice::<Json>(&body).ok().and_then(|v| {
        v.get("contentType")
            .and_then(Json::as_str)
            .map(str::to_string)
    });
    let Some(content_type) = content_type else {
        return with_rate(
            &h,
            op,
            errors(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                "contentType is required",
            ),
            id,
        );
    };
    let mut st = lock(&h.inner.state);
    let doc_id = format!("amzn1.tortuga.4.na.{:08}", st.next());
    st.documents.insert(
        doc_id.clone(),
        Document {
            content_type,
            bytes: None,
            gzip: false,
        },
    );
    drop(st);
    let url = format!("{}/_documents/{doc_id}", origin(&h, &headers));
    with_rate(
        &h,
        op,
        (
            StatusCode::CREATED,
            axum::Json(json!({"feedDocumentId": doc_id, "url": url})),
        )
            .into_response(),
        id,
    )
}

async fn upload_document(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Path(doc_id): Path<String>,
    body: Bytes,
) -> Response {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut st = lock(&h.inner.state);
    let Some(doc) = st.documents.get_mut(&doc_id) else {
        return (
            StatusCode::NOT_FOUND,
            "<Error><Code>NoSuchKey</Code></Error>",
        )
            .into_response();
    };
    if !doc.content_type.eq_ignore_ascii_case(ctype) {
        return (StatusCode::FORBIDDEN, "<Error><Code>SignatureDoesNotMatch</Code><Message>Content-Type differs from the one the URL was signed for</Message></Error>").into_response();
    }
    doc.bytes = Some(body.to_vec());
    StatusCode::OK.into_response()
}

async fn download_document(
    State(h): State<EmulatorHandle>,
    Path(doc_id): Path<String>,
) -> Response {
    let st = lock(&h.inner.state);
    match st
        .documents
        .get(&doc_id)
        .and_then(|d| d.bytes.clone().map(|b| (b, d.content_type.clone())))
    {
        Some((bytes, ctype)) => ([(header::CONTENT_TYPE, ctype)], bytes).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "<Error><Code>NoSuchKey</Code></Error>",
        )
            .into_response(),
    }
}

async fn get_document(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Path(doc_id): Path<String>,
) -> Response {
    let op = Operation::GetFeedDocument;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let st = lock(&h.inner.state);
    let Some(doc) = st.documents.get(&doc_id) else {
        drop(st);
        return with_rate(
            &h,
            op,
            errors(
                StatusCode::NOT_FOUND,
                "NotFound",
                "The feed document was not found",
            ),
            id,
        );
    };
    let mut body = json!({"feedDocumentId": doc_id, "url": format!("{}/_documents/{doc_id}", origin(&h, &headers))});
    if doc.gzip {
        body["compressionAlgorithm"] = json!("GZIP");
    }
    drop(st);
    with_rate(&h, op, axum::Json(body).into_response(), id)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateFeed {
    feed_type: String,
    marketplace_ids: Vec<String>,
    input_feed_document_id: String,
}

async fn create_feed(State(h): State<EmulatorHandle>, headers: HeaderMap, body: Bytes) -> Response {
    let op = Operation::CreateFeed;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let bad = |msg: &str| {
        with_rate(
            &h,
            op,
            errors(StatusCode::BAD_REQUEST, "InvalidInput", msg),
            id,
        )
    };
    let spec: CreateFeed = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad(&format!("Invalid input: {e}")),
    };
    if spec.feed_type != "JSON_LISTINGS_FEED" {
        return bad("The emulator accepts JSON_LISTINGS_FEED feeds only");
    }
    if spec.marketplace_ids.is_empty() || !spec.marketplace_ids.contains(&h.inner.marketplace_id) {
        return bad("marketplaceIds must name the seller's marketplace");
    }
    let mut st = lock(&h.inner.state);
    let uploaded = st
        .documents
        .get(&spec.input_feed_document_id)
        .and_then(|d| d.bytes.as_ref())
        .is_some();
    if !uploaded {
        drop(st);
        return bad("inputFeedDocumentId names no uploaded document");
    }
    let feed_id = format!("{}", 50_000 + st.next());
    st.feeds.insert(
        feed_id.clone(),
        Feed {
            document_id: spec.input_feed_document_id,
            marketplace_ids: spec.marketplace_ids,
            created: now_iso(),
            created_at: Instant::now(),
            polls: 0,
            status: "IN_QUEUE",
            started: None,
            ended: None,
            result_document_id: None,
        },
    );
    drop(st);
    with_rate(
        &h,
        op,
        (StatusCode::ACCEPTED, axum::Json(json!({"feedId": feed_id}))).into_response(),
        id,
    )
}

async fn get_feed(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Path(feed_id): Path<String>,
) -> Response {
    let op = Operation::GetFeed;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let steps = h.inner.feed_steps;
    let mut st = lock(&h.inner.state);
    process_due(&h, &mut st);
    let Some(feed) = st.feeds.get_mut(&feed_id) else {
        drop(st);
        return with_rate(
            &h,
            op,
            errors(StatusCode::NOT_FOUND, "NotFound", "The feed was not found"),
            id,
        );
    };
    feed.polls += 1;
    let polls = feed.polls;
    if feed.status == "IN_QUEUE" && polls > steps {
        feed.status = "IN_PROGRESS";
        feed.started = Some(now_iso());
    }
    if feed.status == "IN_PROGRESS"
        && polls > 2 * steps
        && feed.created_at.elapsed() >= h.inner.feed_delay
    {
        let document_id = feed.document_id.clone();
        process_feed(&h, &mut st, &feed_id, &document_id);
    }
    let Some(feed) = st.feeds.get(&feed_id) else {
        drop(st);
        return with_rate(
            &h,
            op,
            errors(StatusCode::NOT_FOUND, "NotFound", "The feed was not found"),
            id,
        );
    };
    let mut body = json!({"feedId": feed_id, "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": feed.marketplace_ids,
                          "createdTime": feed.created, "processingStatus": feed.status});
    if let Some(t) = &feed.started {
        body["processingStartTime"] = json!(t);
    }
    if let Some(t) = &feed.ended {
        body["processingEndTime"] = json!(t);
    }
    if let Some(d) = &feed.result_document_id {
        body["resultFeedDocumentId"] = json!(d);
    }
    drop(st);
    with_rate(&h, op, axum::Json(body).into_response(), id)
}

/// Applies a feed's valid messages and writes its processing report.
/// How long after its `feedDelayMs` a feed nobody polls is processed anyway (Amazon processes
/// a feed whether or not its submitter is still there to ask).
const UNPOLLED_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Processes every feed whose time has come, polled or not.
fn process_due(h: &EmulatorHandle, st: &mut Mutable) {
    let due: Vec<(String, String)> = st
        .feeds
        .iter()
        .filter(|(_, f)| {
            matches!(f.status, "IN_QUEUE" | "IN_PROGRESS")
                && f.created_at.elapsed() >= h.inner.feed_delay + UNPOLLED_GRACE
        })
        .map(|(id, f)| (id.clone(), f.document_id.clone()))
        .collect();
    for (feed_id, document_id) in due {
        if let Some(feed) = st.feeds.get_mut(&feed_id)
            && feed.started.is_none()
        {
            feed.started = Some(now_iso());
        }
        process_feed(h, st, &feed_id, &document_id);
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedsQuery {
    feed_types: Option<String>,
    processing_statuses: Option<String>,
    marketplace_ids: Option<String>,
}

/// `getFeeds`: the feeds of the given types (required unless paging) and statuses, newest
/// first, one page.
async fn get_feeds(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Query(q): Query<FeedsQuery>,
) -> Response {
    let op = Operation::GetFeeds;
    let id = match gate(&h, &headers, op) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let Some(types) = q.feed_types.as_deref().filter(|t| !t.is_empty()) else {
        return with_rate(
            &h,
            op,
            errors(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                "feedTypes is required when nextToken is not given",
            ),
            id,
        );
    };
    let mut st = lock(&h.inner.state);
    process_due(&h, &mut st);
    let statuses: Option<Vec<&str>> = q
        .processing_statuses
        .as_deref()
        .map(|s| s.split(',').collect());
    let marketplaces: Option<Vec<&str>> =
        q.marketplace_ids.as_deref().map(|s| s.split(',').collect());
    let feeds: Vec<Json> = st
        .feeds
        .iter()
        .rev()
        .filter(|_| types.split(',').any(|t| t == "JSON_LISTINGS_FEED"))
        .filter(|(_, f)| statuses.as_ref().is_none_or(|s| s.contains(&f.status)))
        .filter(|(_, f)| {
            marketplaces
                .as_ref()
                .is_none_or(|m| f.marketplace_ids.iter().any(|id| m.contains(&id.as_str())))
        })
        .map(|(feed_id, f)| {
            json!({"feedId": feed_id, "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": f.marketplace_ids,
                   "createdTime": f.created, "processingStatus": f.status})
        })
        .collect();
    drop(st);
    with_rate(
        &h,
        op,
        axum::Json(json!({"feeds": feeds})).into_response(),
        id,
    )
}

fn process_feed(h: &EmulatorHandle, st: &mut Mutable, feed_id: &str, document_id: &str) {
    let bytes = st
        .documents
        .get(document_id)
        .and_then(|d| d.bytes.clone())
        .unwrap_or_default();
    let mut issues: Vec<Json> = Vec::new();
    let (mut processed, mut accepted, mut invalid) = (0i64, 0i64, 0i64);
    let mut fatal = false;
    match serde_json::from_slice::<ListingsFeed>(&bytes) {
        Err(e) => {
            fatal = true;
            issues.push(json!({"code": "100001", "severity": "ERROR",
                               "message": format!("The feed is not a valid JSON listings feed: {e}")}));
        }
        Ok(feed)
            if feed.header.version != "2.0"
                || (h.inner.enforce_seller && feed.header.seller_id != h.inner.seller_id) =>
        {
            fatal = true;
            issues.push(json!({"code": "100002", "severity": "ERROR",
                               "message": "The feed header must have version 2.0 and the submitting seller's id."}));
        }
        Ok(feed) => {
            let mut seen = HashSet::new();
            for m in feed.messages {
                processed += 1;
                h.inner.counters.received("feedMessages");
                let mut problems: Vec<Issue> = Vec::new();
                if !(1..=i64::from(i32::MAX)).contains(&m.message_id) || !seen.insert(m.message_id)
                {
                    problems.push(issue(
                        "100003",
                        "messageId must be unique and between 1 and 2^31-1.",
                        "INVALID_ATTRIBUTE",
                    ));
                }
                let mut new_quantity = None;
                if m.operation_type != "PATCH" {
                    problems.push(issue(
                        "100004",
                        "The emulator handles PATCH messages only.",
                        "INVALID_ATTRIBUTE",
                    ));
                } else {
                    let product_type = m.product_type.clone().unwrap_or_default();
                    let patches = m.patches.clone().unwrap_or_default();
                    match check_patch(st.items.get(&m.sku), &m.sku, &product_type, &patches) {
                        Ok(applied) => new_quantity = Some(applied),
                        Err(found) => problems.extend(found),
                    }
                }
                if problems.is_empty() {
                    if let (Some(applied), Some(item)) = (new_quantity, st.items.get_mut(&m.sku)) {
                        item.merchant = applied;
                        item.writes += 1;
                    }
                    accepted += 1;
                    h.inner.counters.applied("feedMessages");
                } else {
                    invalid += 1;
                    for p in problems {
                        issues.push(
                            json!({"messageId": m.message_id, "sku": m.sku, "code": p.code,
                                           "severity": p.severity, "message": p.message,
                                           "attributeName": "fulfillment_availability"}),
                        );
                    }
                }
            }
        }
    }
    let errors = issues.iter().filter(|i| i["severity"] == "ERROR").count() as i64;
    let report = json!({
        "header": {"sellerId": h.inner.seller_id, "version": "2.0", "feedId": feed_id},
        "issues": issues,
        "summary": {"errors": errors, "warnings": 0, "messagesProcessed": processed,
                    "messagesAccepted": accepted, "messagesInvalid": invalid},
    });
    let text = serde_json::to_vec(&report).unwrap_or_default();
    let gzip = h.inner.gzip_reports;
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = enc.write_all(&text);
        enc.finish().unwrap_or_default()
    } else {
        text
    };
    let result_id = format!("amzn1.tortuga.4.na.{:08}", st.next());
    st.documents.insert(
        result_id.clone(),
        Document {
            content_type: "application/json".into(),
            bytes: Some(bytes),
            gzip,
        },
    );
    if let Some(feed) = st.feeds.get_mut(feed_id) {
        feed.status = if fatal { "FATAL" } else { "DONE" };
        feed.ended = Some(now_iso());
        feed.result_document_id = Some(result_id);
    }
}
