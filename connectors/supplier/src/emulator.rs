//! An emulator of a supplier's purchase-order API.
//!
//! Routes (all JSON):
//! - `POST /purchase-orders` with `{supplierName, sku, quantity, priority?}` and an
//!   `Idempotency-Key` header (required): `201 {"purchaseOrderId":"PO-1","status":"received"}`.
//!   The same key again with the same body is a duplicate: `409 {"error":{"code":"duplicate",
//!   "message":…,"purchaseOrderId":"PO-1"}}` (or, with fixture `"replayStatus": 200`, a `200`
//!   with the original body). The same key with another body: `422 idempotency_key_mismatch`.
//!   Missing or wrong fields: `400 invalid_request`. With a fixture `apiKey`, a missing or wrong
//!   `Authorization: Bearer` is `401 unauthorized`.
//! - `GET /purchase-orders`: every order kept, `{"purchaseOrders":[…]}`.
//! - `GET /_state`: see [`EmulatorHandle::state`]; `POST|GET|DELETE /_faults`: fault injection
//!   (see `handled_connector_core::emulator`).
//!
//! Fixture (all optional): `{"apiKey": "secret", "replayStatus": 409, "orders": [{"purchaseOrderId":
//! "PO-7", "supplierName": "Acme", "sku": "A-1", "quantity": 5}]}`.

use handled_contract::lock;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use handled_connector_core::emulator::{Faults, IdempotencyCache, OpCounters, Replay, with_faults};
use handled_contract::Json;
use serde::Deserialize;
use serde_json::json;

use crate::types::{PRIORITIES, PurchaseOrder};

/// The op name under which requests are counted.
const OP: &str = "createPurchaseOrder";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    replay_status: Option<u16>,
    #[serde(default)]
    orders: Vec<StoredOrder>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StoredOrder {
    purchase_order_id: String,
    supplier_name: String,
    sku: String,
    quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    priority: Option<String>,
}

#[derive(Debug)]
struct Inner {
    api_key: Option<String>,
    replay_status: u16,
    orders: Mutex<Vec<StoredOrder>>,
    next_id: Mutex<u64>,
    keys: IdempotencyCache<String>,
    counters: OpCounters,
    faults: Faults,
}

/// A handle on a running emulator's state.
#[derive(Clone, Debug)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl EmulatorHandle {
    /// The emulator's state: `{"orders":[…], "items":{"<sku>":{"ordered":n}},
    /// "ops":{"createPurchaseOrder":{"received":n,"applied":m}}}` (a replayed key counts as
    /// received, not applied).
    pub fn state(&self) -> Json {
        let orders = lock(&self.inner.orders).clone();
        let mut items: BTreeMap<String, i64> = BTreeMap::new();
        for o in &orders {
            *items.entry(o.sku.clone()).or_default() += o.quantity;
        }
        let items: serde_json::Map<String, Json> = items
            .into_iter()
            .map(|(sku, n)| (sku, json!({"ordered": n})))
            .collect();
        json!({
            "orders": orders,
            "items": items,
            "ops": self.inner.counters.to_json(),
        })
    }

    /// The bearer token the emulator requires, if any.
    pub fn api_key(&self) -> Option<String> {
        self.inner.api_key.clone()
    }

    /// The fault queue (what `POST /_faults` fills).
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// `(received, applied)` of `createPurchaseOrder`.
    pub fn counts(&self) -> (u64, u64) {
        self.inner.counters.get(OP)
    }
}

/// The emulator's router and a handle on its state, seeded from `fixture` (see the module
/// doc). Mount it anywhere (`Router::nest("/supplier", router)`); paths are relative.
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture: Fixture = match fixture {
        Some(Json::Null) | None => Fixture::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("supplier fixture: {e}"))?,
    };
    let next_id = fixture.orders.len() as u64 + 1;
    let faults = Faults::new().with_body(
        |status| json!({"error": {"code": "fault", "message": format!("injected HTTP {status}")}}),
    );
    let inner = Arc::new(Inner {
        api_key: fixture.api_key,
        replay_status: fixture.replay_status.unwrap_or(409),
        orders: Mutex::new(fixture.orders),
        next_id: Mutex::new(next_id),
        keys: IdempotencyCache::new(),
        counters: OpCounters::new(),
        faults: faults.clone(),
    });
    let handle = EmulatorHandle { inner };
    let router = Router::new()
        .route("/purchase-orders", post(create_order).get(list_orders))
        .route("/_state", get(get_state))
        .with_state(handle.clone());
    Ok((with_faults(router, faults), handle))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

async fn get_state(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(h.state()).into_response()
}

async fn list_orders(State(h): State<EmulatorHandle>, headers: HeaderMap) -> Response {
    if let Some(resp) = check_auth(&h, &headers) {
        return resp;
    }
    axum::Json(json!({"purchaseOrders": lock(&h.inner.orders).clone()})).into_response()
}

fn check_auth(h: &EmulatorHandle, headers: &HeaderMap) -> Option<Response> {
    let expected = h.inner.api_key.as_ref()?;
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given == Some(expected.as_str()) {
        return None;
    }
    Some(error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing or invalid bearer token",
    ))
}

async fn create_order(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    h.inner.counters.received(OP);
    if let Some(resp) = check_auth(&h, &headers) {
        return resp;
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the Idempotency-Key header is required",
        );
    };
    let order: PurchaseOrder = match serde_json::from_slice(&body) {
        Ok(o) => o,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("bad purchase order: {e}"),
            );
        }
    };
    if order.quantity <= 0 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "quantity must be at least 1",
        );
    }
    if let Some(p) = &order.priority
        && !PRIORITIES.contains(&p.as_str())
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "priority must be urgent, high, normal or low",
        );
    }
    let fingerprint = String::from_utf8_lossy(&body).into_owned();
    let fingerprint = serde_json::to_string(&order).unwrap_or(fingerprint);
    match h.inner.keys.check(key, &fingerprint) {
        Replay::Same(id) => {
            if h.inner.replay_status == 200 {
                return axum::Json(json!({"purchaseOrderId": id, "status": "received"}))
                    .into_response();
            }
            return (
                StatusCode::CONFLICT,
                axum::Json(json!({"error": {"code": "duplicate",
                    "message": "a purchase order was already created with this Idempotency-Key",
                    "purchaseOrderId": id}})),
            )
                .into_response();
        }
        Replay::Mismatch => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_mismatch",
                "this Idempotency-Key was used with a different purchase order",
            );
        }
        Replay::New => {}
    }
    let id = {
        let mut next = lock(&h.inner.next_id);
        let id = format!("PO-{}", *next);
        *next += 1;
        id
    };
    lock(&h.inner.orders).push(StoredOrder {
        purchase_order_id: id.clone(),
        supplier_name: order.supplier_name,
        sku: order.sku,
        quantity: order.quantity,
        priority: order.priority,
    });
    h.inner.keys.store(key, &fingerprint, id.clone());
    h.inner.counters.applied(OP);
    (
        StatusCode::CREATED,
        axum::Json(json!({"purchaseOrderId": id, "status": "received"})),
    )
        .into_response()
}
