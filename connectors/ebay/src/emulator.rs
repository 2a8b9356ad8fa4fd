//! An emulator of the part of eBay's Sell Inventory API v1 (and its OAuth token endpoint)
//! that the connector uses.
//!
//! Routes (paths as on `api.ebay.com`):
//! - `POST /identity/v1/oauth2/token`: form body, `Authorization: Basic base64(id:secret)`
//!   (else 401 `invalid_client`). `grant_type=refresh_token` with the fixture's refresh token
//!   (else 400 `invalid_grant`) and scopes within `sell.inventory`, `sell.inventory.readonly`,
//!   `api_scope` (else 400 `invalid_scope`) issues a *User* token; `client_credentials` issues
//!   an *Application* token, which every `/sell` route refuses with 403 (errorId 1100). Tokens
//!   live `tokenTtl` seconds (7200).
//! - `GET /sell/inventory/v1/inventory_item?limit=&offset=`: `limit` 1–200 (default 25),
//!   `offset` the page number, as the contract has it ("sets the page number to retrieve. The
//!   first page of records has a value of 0, the second page of records has a value of 1"):
//!   page `n` holds records `n·limit` to `n·limit + limit − 1`. Answers `{href, limit, next?,
//!   prev?, size, total, inventoryItems}` with absolute links whose `offset` is a page number;
//!   `size` is the number of pages.
//! - `GET /sell/inventory/v1/offer?sku=&limit=&offset=`: the SKU's offers (404 errorId 25713
//!   when it has none), paged the same way (`offset` a page number, as the contract says for
//!   getOffers too; `limit` a positive integer, default 100); `size` is the number of offers
//!   on the page.
//! - `POST /sell/inventory/v1/bulk_update_price_quantity`: at most [`MAX_BULK_ENTRIES`] entries
//!   (else 400 errorId 25709; the crate doc says why 25 SKUs a call and not one); per entry,
//!   the item's `shipToLocationAvailability.quantity` and each offer's `availableQuantity` are
//!   checked (unknown SKU 404/25702, unknown or foreign offer 400/25713, negative quantity
//!   400/25709, more than `revisionsPerDay` (250) revisions of a listing today 400/25002) and
//!   applied when all are valid; HTTP 200 when every entry succeeded, 207 otherwise,
//!   `{"responses":[{statusCode, sku, offerId?, errors, warnings}]}`. The listing quantity is
//!   min(item quantity, offer quantity).
//! - Every `/sell` route needs `Authorization: Bearer <user token>`: a token issued by the
//!   token endpoint or listed in the fixture's `userTokens` (else 401 errorId 1001). Each counts
//!   against the application's calls a day (`callsPerDay`, [`DEFAULT_CALLS_PER_DAY`]); beyond
//!   it, 429 errorId 2001 until the next UTC day.
//! - `GET /_state` ([`EmulatorHandle::state`]) and `/_faults` (fault injection; an injected 429
//!   carries errorId 2001, a 5xx errorId 25001).
//!
//! Fixture (all optional): `{"items": [{"sku": "A-1", "quantity": 10, "offers":
//! [{"offerId": "5001", "availableQuantity": 10}]}], "clientId": …, "clientSecret": …,
//! "refreshToken": …, "userTokens": ["sandbox-user-token"], "revisionsPerDay": 250, "callsPerDay": 2000000,
//! "tokenTtl": 7200}`. Credentials default to [`DEFAULT_CLIENT_ID`], [`DEFAULT_CLIENT_SECRET`],
//! [`DEFAULT_REFRESH_TOKEN`], and [`DEFAULT_USER_TOKEN`] is accepted as a static token.

use handled_contract::lock;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Instant, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use handled_connector_core::emulator::{Faults, OpCounters, with_faults};
use handled_contract::Json;
use serde::Deserialize;
use serde_json::json;

use crate::api::MAX_BULK_ENTRIES;
use crate::config::EbaySettings;
use crate::types::{BulkPriceQuantity, EbayError, PriceQuantityResponse};

/// The OAuth client id the emulator accepts by default.
pub const DEFAULT_CLIENT_ID: &str = "sandbox-ebay-client";
/// The OAuth client secret the emulator accepts by default.
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-ebay-secret";
/// The refresh token the emulator accepts by default.
pub const DEFAULT_REFRESH_TOKEN: &str = "v^1.1#sandbox-refresh-token";
/// A static user token the emulator accepts by default (for ops given `config.token`).
pub const DEFAULT_USER_TOKEN: &str = "sandbox-user-token";
/// Requests are counted under this op name.
const OP: &str = "updateInventory";
const SCOPES: &[&str] = &[
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/sell.inventory",
    "https://api.ebay.com/oauth/api_scope/sell.inventory.readonly",
];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    items: Vec<FixtureItem>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    user_tokens: Option<Vec<String>>,
    #[serde(default)]
    revisions_per_day: Option<u32>,
    #[serde(default)]
    calls_per_day: Option<u64>,
    #[serde(default)]
    token_ttl: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FixtureItem {
    sku: String,
    #[serde(default)]
    quantity: i64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    offers: Vec<FixtureOffer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FixtureOffer {
    offer_id: String,
    #[serde(default)]
    available_quantity: Option<i64>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug)]
struct OfferState {
    available_quantity: Option<i64>,
    format: String,
    status: String,
    revision_day: u64,
    revisions: u32,
}

#[derive(Debug)]
struct ItemState {
    quantity: i64,
    /// Bulk update entries applied to it.
    writes: u64,
    title: String,
    offers: BTreeMap<String, OfferState>,
}

#[derive(Debug)]
struct Token {
    user: bool,
    expires: Instant,
}

#[derive(Debug, Default)]
struct Mutable {
    items: BTreeMap<String, ItemState>,
    tokens: BTreeMap<String, Token>,
    seq: u64,
    /// The day (since the epoch) and the `/sell` calls made on it.
    calls: (u64, u64),
}

#[derive(Debug)]
struct Inner {
    client_id: String,
    client_secret: String,
    refresh_token: String,
    static_tokens: HashSet<String>,
    revisions_per_day: u32,
    calls_per_day: u64,
    token_ttl: u64,
    state: Mutex<Mutable>,
    counters: OpCounters,
    faults: Faults,
}

/// A handle on a running emulator's state.
#[derive(Clone, Debug)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

/// The Sell Inventory API's calls a day for one application (eBay's default application call
/// limit; a seller's app may have a raised one): `callsPerDay` in the fixture.
pub const DEFAULT_CALLS_PER_DAY: u64 = 2_000_000;

fn today() -> u64 {
    handled_contract::clock::wall_now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0)
}

impl EmulatorHandle {
    /// `{"items":{"<sku>":{"quantity":n,"offers":{"<offerId>":{"availableQuantity":n,
    /// "listingQuantity":min,"revisionsToday":r}}}},"ops":{"updateInventory":{"received":n,
    /// "applied":m}},"tokensIssued":k}`. Requests are counted per SKU entry.
    pub fn state(&self) -> Json {
        let st = lock(&self.inner.state);
        let day = today();
        let items: serde_json::Map<String, Json> = st
            .items
            .iter()
            .map(|(sku, item)| {
                let offers: serde_json::Map<String, Json> = item
                    .offers
                    .iter()
                    .map(|(id, o)| {
                        let listing = o.available_quantity.map_or(item.quantity, |q| q.min(item.quantity));
                        let revisions = if o.revision_day == day { o.revisions } else { 0 };
                        (
                            id.clone(),
                            json!({"availableQuantity": o.available_quantity, "listingQuantity": listing,
                                   "revisionsToday": revisions}),
                        )
                    })
                    .collect();
                (sku.clone(), json!({"quantity": item.quantity, "offers": offers, "writes": item.writes}))
            })
            .collect();
        let calls_today = if st.calls.0 == day { st.calls.1 } else { 0 };
        json!({"items": items, "ops": self.inner.counters.to_json(), "tokensIssued": st.seq,
               "calls": {"today": calls_today, "perDay": self.inner.calls_per_day}})
    }

    /// Connector settings that authenticate against this emulator at `base_url`.
    pub fn settings(&self, base_url: &str) -> EbaySettings {
        EbaySettings::new(
            base_url,
            &self.inner.client_id,
            &self.inner.client_secret,
            &self.inner.refresh_token,
        )
    }

    /// A static user token the emulator accepts (for `config.token`).
    pub fn static_token(&self) -> String {
        self.inner
            .static_tokens
            .iter()
            .next()
            .cloned()
            .unwrap_or_else(|| DEFAULT_USER_TOKEN.to_string())
    }

    /// The fault queue.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// `(received, applied)` SKU entries of bulk updates.
    pub fn counts(&self) -> (u64, u64) {
        self.inner.counters.get(OP)
    }
}

/// The emulator's router and a handle on its state, seeded from `fixture` (module doc).
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture: Fixture = match fixture {
        Some(Json::Null) | None => Fixture::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("ebay fixture: {e}"))?,
    };
    let mut items = BTreeMap::new();
    for it in fixture.items {
        let offers = it
            .offers
            .into_iter()
            .map(|o| {
                (
                    o.offer_id,
                    OfferState {
                        available_quantity: o.available_quantity,
                        format: o.format.unwrap_or_else(|| "FIXED_PRICE".into()),
                        status: o.status.unwrap_or_else(|| "PUBLISHED".into()),
                        revision_day: 0,
                        revisions: 0,
                    },
                )
            })
            .collect();
        let title = it.title.unwrap_or_else(|| it.sku.clone());
        items.insert(
            it.sku,
            ItemState {
                quantity: it.quantity,
                writes: 0,
                title,
                offers,
            },
        );
    }
    let faults = Faults::new().with_body(|status| {
        let e = match status {
            429 => json!({"errorId": 2001, "domain": "ACCESS", "category": "REQUEST", "message": "Too many requests.",
                          "longMessage": "The request limit has been reached for the resource."}),
            s if s >= 500 => json!({"errorId": 25001, "domain": "API_INVENTORY", "category": "APPLICATION",
                                    "message": "A system error has occurred."}),
            _ => json!({"errorId": 25000, "domain": "API_INVENTORY", "category": "REQUEST",
                        "message": "Injected error."}),
        };
        json!({"errors": [e]})
    });
    let inner = Arc::new(Inner {
        client_id: fixture
            .client_id
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.into()),
        client_secret: fixture
            .client_secret
            .unwrap_or_else(|| DEFAULT_CLIENT_SECRET.into()),
        refresh_token: fixture
            .refresh_token
            .unwrap_or_else(|| DEFAULT_REFRESH_TOKEN.into()),
        static_tokens: fixture
            .user_tokens
            .unwrap_or_else(|| vec![DEFAULT_USER_TOKEN.into()])
            .into_iter()
            .collect(),
        revisions_per_day: fixture.revisions_per_day.unwrap_or(250),
        calls_per_day: fixture.calls_per_day.unwrap_or(DEFAULT_CALLS_PER_DAY),
        token_ttl: fixture.token_ttl.unwrap_or(7200),
        state: Mutex::new(Mutable {
            items,
            ..Mutable::default()
        }),
        counters: OpCounters::new(),
        faults: faults.clone(),
    });
    let handle = EmulatorHandle { inner };
    let router = Router::new()
        .route("/identity/v1/oauth2/token", post(token))
        .route("/sell/inventory/v1/inventory_item", get(inventory_items))
        .route("/sell/inventory/v1/offer", get(offers))
        .route(
            "/sell/inventory/v1/bulk_update_price_quantity",
            post(bulk_update),
        )
        .route("/_state", get(get_state))
        .with_state(handle.clone());
    Ok((with_faults(router, faults), handle))
}

async fn get_state(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(h.state()).into_response()
}

fn errors(status: StatusCode, error_id: i64, category: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"errors": [EbayError::new(error_id, category, message)]})),
    )
        .into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn token(State(h): State<EmulatorHandle>, headers: HeaderMap, body: Bytes) -> Response {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!("{}:{}", h.inner.client_id, h.inner.client_secret);
    if basic.as_deref() != Some(expected.as_str()) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let form: BTreeMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let user = match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {
            if form.get("refresh_token") != Some(&h.inner.refresh_token) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the provided authorization refresh token is invalid or was issued to another client",
                );
            }
            true
        }
        Some("client_credentials") => false,
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant type not supported",
            );
        }
    };
    let scope = form.get("scope").cloned().unwrap_or_default();
    if scope.split_whitespace().any(|s| !SCOPES.contains(&s)) || (!user && scope.contains("sell."))
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the requested scope is invalid or unknown",
        );
    }
    let ttl = h.inner.token_ttl;
    let mut st = lock(&h.inner.state);
    st.seq += 1;
    let kind = if user { "u" } else { "a" };
    let access = format!("v^1.1#i^1#{kind}^{}#emulated", st.seq);
    let expires = Instant::now() + std::time::Duration::from_secs(ttl);
    st.tokens.insert(access.clone(), Token { user, expires });
    let token_type = if user {
        "User Access Token"
    } else {
        "Application Access Token"
    };
    axum::Json(json!({"access_token": access, "expires_in": ttl, "token_type": token_type}))
        .into_response()
}

/// Checks the bearer of a `/sell` request.
fn authorize(h: &EmulatorHandle, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let invalid = || {
        errors(
            StatusCode::UNAUTHORIZED,
            1001,
            "REQUEST",
            "Invalid access token. Check the value of the Authorization HTTP request header.",
        )
    };
    let Some(bearer) = bearer else {
        return Err(Box::new(invalid()));
    };
    let mut st = lock(&h.inner.state);
    let known = h.inner.static_tokens.contains(bearer)
        || st
            .tokens
            .get(bearer)
            .is_some_and(|t| t.expires > Instant::now() && t.user);
    if known {
        // The application's daily call limit: every authorized `/sell` call counts.
        let day = today();
        if st.calls.0 != day {
            st.calls = (day, 0);
        }
        if st.calls.1 >= h.inner.calls_per_day {
            return Err(Box::new(errors(
                StatusCode::TOO_MANY_REQUESTS,
                2001,
                "REQUEST",
                "Too many requests. The request limit has been reached for the resource.",
            )));
        }
        st.calls.1 += 1;
        return Ok(());
    }
    match st.tokens.get(bearer) {
        Some(t) if t.expires > Instant::now() => Err(Box::new(errors(
            StatusCode::FORBIDDEN,
            1100,
            "REQUEST",
            "Access denied: Insufficient permissions to fulfill the request (an Application token cannot call the Sell APIs).",
        ))),
        _ => Err(Box::new(invalid())),
    }
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("api.ebay.com");
    format!("http://{host}")
}

/// The paging parameters of `getInventoryItems` and `getOffers`.
#[derive(Debug, Deserialize)]
struct PageQuery {
    limit: Option<String>,
    offset: Option<String>,
}

/// One page of a list as the contract pages it: `offset` is the page number (0 the first page,
/// 1 the second, …), each page `limit` records long. Not a record offset: page 1 of `limit=25`
/// starts at the 26th record.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Page {
    limit: usize,
    number: usize,
}

impl Page {
    /// The page `q` asks for: `limit` from 1 to `max_limit` (else 400 errorId 25706),
    /// `default_limit` when absent; `offset` a page number from 0 (else 400 errorId 25707).
    fn from_query(
        q: &PageQuery,
        default_limit: usize,
        max_limit: usize,
    ) -> Result<Page, Box<Response>> {
        let limit = match q.limit.as_deref().map(str::parse::<usize>) {
            None => default_limit,
            Some(Ok(l)) if (1..=max_limit).contains(&l) => l,
            _ => {
                return Err(Box::new(errors(
                    StatusCode::BAD_REQUEST,
                    25706,
                    "REQUEST",
                    &format!("Invalid value for limit: an integer from 1 to {max_limit}."),
                )));
            }
        };
        let number = match q.offset.as_deref().map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) => n,
            _ => {
                return Err(Box::new(errors(
                    StatusCode::BAD_REQUEST,
                    25707,
                    "REQUEST",
                    "Invalid value for offset: a page number from 0.",
                )));
            }
        };
        Ok(Page { limit, number })
    }

    /// The records of this page, out of all of them.
    fn of<T>(&self, all: impl Iterator<Item = T>) -> impl Iterator<Item = T> {
        all.skip(self.number.saturating_mul(self.limit))
            .take(self.limit)
    }

    /// How many pages `total` records fill.
    fn count(&self, total: usize) -> usize {
        total.div_ceil(self.limit)
    }

    /// `href`, and `next`/`prev` where there is such a page, as absolute links on `base` (a URL
    /// ending in `?` or `&`).
    fn links(&self, base: &str, total: usize) -> serde_json::Map<String, Json> {
        let link = |number: usize| json!(format!("{base}limit={}&offset={number}", self.limit));
        let mut out = serde_json::Map::new();
        out.insert("href".into(), link(self.number));
        if self.number + 1 < self.count(total) {
            out.insert("next".into(), link(self.number + 1));
        }
        if self.number > 0 {
            out.insert("prev".into(), link(self.number - 1));
        }
        out
    }
}

/// The most records one page of `getInventoryItems` holds, and how many by default.
const INVENTORY_PAGE: (usize, usize) = (200, 25);
/// How many offers one page of `getOffers` holds by default.
const OFFERS_PAGE: usize = 100;
/// The largest `limit` of `getOffers` the emulator takes (the contract sets no maximum; this is
/// the largest `int32`, the type of `Offers.limit`).
const MAX_OFFERS_LIMIT: usize = i32::MAX as usize;

async fn inventory_items(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    if let Err(r) = authorize(&h, &headers) {
        return *r;
    }
    let (max, default) = INVENTORY_PAGE;
    let page = match Page::from_query(&q, default, max) {
        Ok(page) => page,
        Err(r) => return *r,
    };
    let st = lock(&h.inner.state);
    let total = st.items.len();
    let items: Vec<Json> = page
        .of(st.items.iter())
        .map(|(sku, item)| {
            json!({"sku": sku, "locale": "en_US", "condition": "NEW", "product": {"title": item.title},
                   "availability": {"shipToLocationAvailability": {"quantity": item.quantity}}})
        })
        .collect();
    let base = format!("{}/sell/inventory/v1/inventory_item?", origin(&headers));
    let mut body = page.links(&base, total);
    body.insert("limit".into(), json!(page.limit));
    // `size` is the number of pages here (the contract's InventoryItems.size).
    body.insert("size".into(), json!(page.count(total)));
    body.insert("total".into(), json!(total));
    body.insert("inventoryItems".into(), Json::Array(items));
    axum::Json(Json::Object(body)).into_response()
}

#[derive(Debug, Deserialize)]
struct OfferQuery {
    sku: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// An offer as `getOffers` lists it.
fn offer_json(sku: &str, id: &str, o: &OfferState) -> Json {
    let mut v = json!({"offerId": id, "sku": sku, "marketplaceId": "EBAY_US", "format": o.format,
                       "status": o.status});
    if let Some(q) = o.available_quantity {
        v["availableQuantity"] = json!(q);
    }
    v
}

async fn offers(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    Query(q): Query<OfferQuery>,
) -> Response {
    if let Err(r) = authorize(&h, &headers) {
        return *r;
    }
    let Some(sku) = q.sku.filter(|s| !s.is_empty()) else {
        return errors(
            StatusCode::BAD_REQUEST,
            25709,
            "REQUEST",
            "Invalid value for sku.",
        );
    };
    let page = match Page::from_query(&q.page, OFFERS_PAGE, MAX_OFFERS_LIMIT) {
        Ok(page) => page,
        Err(r) => return *r,
    };
    let st = lock(&h.inner.state);
    let Some(item) = st.items.get(&sku).filter(|i| !i.offers.is_empty()) else {
        return errors(
            StatusCode::NOT_FOUND,
            25713,
            "REQUEST",
            "This Offer is not available.",
        );
    };
    let total = item.offers.len();
    let offers: Vec<Json> = page
        .of(item.offers.iter())
        .map(|(id, o)| offer_json(&sku, id, o))
        .collect();
    let sku_query: String = form_urlencoded::byte_serialize(sku.as_bytes()).collect();
    let base = format!(
        "{}/sell/inventory/v1/offer?sku={sku_query}&",
        origin(&headers)
    );
    let mut body = page.links(&base, total);
    body.insert("limit".into(), json!(page.limit));
    // `size` is the number of offers on this page here (the contract's Offers.size).
    body.insert("size".into(), json!(offers.len()));
    body.insert("total".into(), json!(total));
    body.insert("offers".into(), Json::Array(offers));
    axum::Json(Json::Object(body)).into_response()
}

fn item_error(status: i64, sku: &str, offer: Option<&str>, e: EbayError) -> PriceQuantityResponse {
    PriceQuantityResponse {
        status_code: status,
        sku: sku.to_string(),
        offer_id: offer.map(str::to_string),
        errors: vec![e],
        warnings: Vec::new(),
    }
}

async fn bulk_update(State(h): State<EmulatorHandle>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authorize(&h, &headers) {
        return *r;
    }
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_body {
        return errors(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            25709,
            "REQUEST",
            "Content-Type must be application/json.",
        );
    }
    let request: BulkPriceQuantity = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return errors(
                StatusCode::BAD_REQUEST,
                25709,
                "REQUEST",
                &format!("Invalid request: {e}"),
            );
        }
    };
    if request.requests.is_empty() || request.requests.len() > MAX_BULK_ENTRIES {
        return errors(
            StatusCode::BAD_REQUEST,
            25709,
            "REQUEST",
            &format!(
                "Invalid value for requests: 1 to {MAX_BULK_ENTRIES} inventory items per call."
            ),
        );
    }
    let day = today();
    let limit = h.inner.revisions_per_day;
    let mut responses = Vec::new();
    let mut st = lock(&h.inner.state);
    for entry in request.requests {
        h.inner.counters.received(OP);
        let sku = entry.sku.clone();
        let Some(item) = st.items.get_mut(&sku) else {
            responses.push(item_error(
                404,
                &sku,
                None,
                EbayError::new(
                    25702,
                    "REQUEST",
                    &format!("SKU {sku} is not available in the system."),
                ),
            ));
            continue;
        };
        // Validate the whole entry first.
        let mut problems: Vec<PriceQuantityResponse> = Vec::new();
        if let Some(s) = &entry.ship_to_location_availability
            && s.quantity < 0
        {
            problems.push(item_error(
                400,
                &sku,
                None,
                EbayError::new(25709, "REQUEST", "Invalid value for quantity."),
            ));
        }
        let mut seen = HashSet::new();
        for o in &entry.offers {
            let bad = |m: &str, id: i64| {
                item_error(
                    400,
                    &sku,
                    Some(&o.offer_id),
                    EbayError::new(id, "REQUEST", m),
                )
            };
            if !seen.insert(o.offer_id.clone()) {
                problems.push(bad("Duplicate offerId in the request.", 25709));
            } else if !item.offers.contains_key(&o.offer_id) {
                problems.push(bad(
                    "This Offer is not available (unknown, or of another SKU).",
                    25713,
                ));
            } else if o.available_quantity.is_none() {
                problems.push(bad(
                    "availableQuantity or price is required for an offer.",
                    25709,
                ));
            } else if o.available_quantity.is_some_and(|q| q < 0) {
                problems.push(bad("Invalid value for availableQuantity.", 25709));
            }
        }
        let touched: Vec<String> = if entry.offers.is_empty() {
            item.offers
                .iter()
                .filter(|(_, o)| o.status == "PUBLISHED")
                .map(|(id, _)| id.clone())
                .collect()
        } else {
            entry.offers.iter().map(|o| o.offer_id.clone()).collect()
        };
        for id in &touched {
            if let Some(o) = item.offers.get(id)
                && o.revision_day == day
                && o.revisions >= limit
            {
                problems.push(item_error(
                        400,
                        &sku,
                        Some(id),
                        EbayError::new(
                            25002,
                            "BUSINESS",
                            &format!("This listing has been revised {limit} times today; it can be revised again tomorrow."),
                        ),
                    ));
            }
        }
        if !problems.is_empty() {
            responses.extend(problems);
            continue;
        }
        item.writes += 1;
        if let Some(s) = &entry.ship_to_location_availability {
            item.quantity = s.quantity;
            responses.push(PriceQuantityResponse {
                status_code: 200,
                sku: sku.clone(),
                offer_id: None,
                errors: Vec::new(),
                warnings: Vec::new(),
            });
        }
        for o in &entry.offers {
            if let Some(state) = item.offers.get_mut(&o.offer_id) {
                state.available_quantity = o.available_quantity.or(state.available_quantity);
            }
            responses.push(PriceQuantityResponse {
                status_code: 200,
                sku: sku.clone(),
                offer_id: Some(o.offer_id.clone()),
                errors: Vec::new(),
                warnings: Vec::new(),
            });
        }
        for id in &touched {
            if let Some(o) = item.offers.get_mut(id) {
                if o.revision_day != day {
                    o.revision_day = day;
                    o.revisions = 0;
                }
                o.revisions += 1;
            }
        }
        h.inner.counters.applied(OP);
    }
    drop(st);
    let all_ok = responses.iter().all(|r| r.status_code == 200);
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    (status, axum::Json(json!({"responses": responses}))).into_response()
}
