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
//! Suppliers that take orders by email (fixture `orderEmails`) have a mailbox: an SMTP sink
//! (`handled_connector_core::mail::sink`) on a loopback port, whose messages are the state's
//! `emails` (a message whose Message-ID arrived before counts as a `createPurchaseOrder`
//! received, not applied), with the sink's `GET /messages` and `POST /_smtp/faults`, and
//! `GET /_smtp`: `{host, port, username, password, from, orderEmails}`, what a connector
//! pointed at the standalone server needs to email them (404 without `orderEmails`).
//!
//! Fixture (all optional): `{"apiKey": "secret", "replayStatus": 409, "orders": [{"purchaseOrderId":
//! "PO-7", "supplierName": "Acme", "sku": "A-1", "quantity": 5}], "orderEmails": {"Globex":
//! "orders@globex.example"}, "orderFrom": "purchasing@shop.example"}` (`orderEmails` values
//! are an address, a comma-separated list or an array; `orderFrom` defaults to the sink's
//! `handled@sandbox.invalid`).

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
use handled_connector_core::mail::sink::DEFAULT_FROM;
use handled_connector_core::mail::{Received, Sink, SinkOptions, SmtpSettings};
use handled_contract::Json;
use serde::Deserialize;
use serde_json::json;

use crate::config::EmailSuppliers;
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
    #[serde(default)]
    order_emails: Json,
    #[serde(default)]
    order_from: Option<String>,
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
    counters: Arc<OpCounters>,
    faults: Faults,
    inbox: Option<Inbox>,
}

/// The mailbox of the suppliers that take orders by email.
#[derive(Debug)]
struct Inbox {
    sink: Sink,
    suppliers: EmailSuppliers,
    from: String,
}

impl Inbox {
    /// Starts the sink when the fixture names suppliers that take orders by email.
    fn start(
        order_emails: &Json,
        order_from: Option<String>,
        counters: &Arc<OpCounters>,
    ) -> Result<Option<Inbox>, String> {
        let suppliers = EmailSuppliers::from_json(order_emails)
            .map_err(|e| format!("supplier fixture: {}", e.join("; ")))?;
        if suppliers.is_empty() {
            return Ok(None);
        }
        let from = order_from.unwrap_or_else(|| DEFAULT_FROM.into());
        if from
            .parse::<handled_connector_core::mail::Mailbox>()
            .is_err()
        {
            return Err(format!(
                "supplier fixture: orderFrom {from:?} is not an email address"
            ));
        }
        let sink = Sink::start(SinkOptions::default(), Arc::clone(counters), OP)
            .map_err(|e| format!("supplier mailbox: {e}"))?;
        Ok(Some(Inbox {
            sink,
            suppliers,
            from,
        }))
    }

    /// `GET /_smtp`: the sink's address with the sender and the suppliers.
    fn info(&self) -> Json {
        let mut info = self.sink.info();
        if let Some(obj) = info.as_object_mut() {
            obj.insert("from".into(), self.from.clone().into());
            obj.insert(
                crate::config::SANDBOX_FIELD.into(),
                self.suppliers.to_json(),
            );
        }
        info
    }
}

/// A handle on a running emulator's state.
#[derive(Clone, Debug)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl EmulatorHandle {
    /// The emulator's state: `{"orders":[…], "items":{"<sku>":{"ordered":n}},
    /// "ops":{"createPurchaseOrder":{"received":n,"applied":m}}}` (a replayed key, or an order
    /// email whose Message-ID arrived before, counts as received, not applied), and with
    /// `orderEmails`, `"emails":[{from, to, subject, messageId, text, html, duplicate}]`. The
    /// `items` count the API's orders only.
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
        let mut state = json!({
            "orders": orders,
            "items": items,
            "ops": self.inner.counters.to_json(),
        });
        if let (Some(inbox), Some(obj)) = (&self.inner.inbox, state.as_object_mut()) {
            obj.insert("emails".into(), json!(inbox.sink.messages()));
        }
        state
    }

    /// The order emails received (none without `orderEmails`).
    pub fn emails(&self) -> Vec<Received> {
        self.inner
            .inbox
            .as_ref()
            .map(|i| i.sink.messages())
            .unwrap_or_default()
    }

    /// How a connector reaches the mailbox: SMTP settings, sender and the suppliers that take
    /// orders by email; `None` without `orderEmails`.
    pub fn order_email(&self) -> Option<(SmtpSettings, String, EmailSuppliers)> {
        let inbox = self.inner.inbox.as_ref()?;
        Some((
            inbox.sink.smtp_settings(),
            inbox.from.clone(),
            inbox.suppliers.clone(),
        ))
    }

    /// Answers the next `count` order emails with `reply` (such as `451 4.3.0 Try again
    /// later`); nothing without `orderEmails`.
    pub fn fail_next_email(&self, reply: &str, count: u32) {
        if let Some(inbox) = &self.inner.inbox {
            inbox.sink.fail_next(reply, count);
        }
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
/// doc). Mount it anywhere (`Router::nest("/supplier", router)`); paths are relative. With
/// `orderEmails`, it opens its mailbox's SMTP port, so it is called inside a tokio runtime.
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture: Fixture = match fixture {
        Some(Json::Null) | None => Fixture::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("supplier fixture: {e}"))?,
    };
    let next_id = fixture.orders.len() as u64 + 1;
    let faults = Faults::new().with_body(
        |status| json!({"error": {"code": "fault", "message": format!("injected HTTP {status}")}}),
    );
    let counters = Arc::new(OpCounters::new());
    let inbox = Inbox::start(&fixture.order_emails, fixture.order_from, &counters)?;
    let inner = Arc::new(Inner {
        api_key: fixture.api_key,
        replay_status: fixture.replay_status.unwrap_or(409),
        orders: Mutex::new(fixture.orders),
        next_id: Mutex::new(next_id),
        keys: IdempotencyCache::new(),
        counters,
        faults: faults.clone(),
        inbox,
    });
    let handle = EmulatorHandle { inner };
    let mut router = Router::new()
        .route("/purchase-orders", post(create_order).get(list_orders))
        .route("/_state", get(get_state))
        .route("/_smtp", get(smtp_info))
        .with_state(handle.clone());
    if let Some(inbox) = &handle.inner.inbox {
        router = router.merge(inbox.sink.routes());
    }
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

async fn smtp_info(State(h): State<EmulatorHandle>) -> Response {
    match &h.inner.inbox {
        Some(inbox) => axum::Json(inbox.info()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no supplier takes orders by email (fixture `orderEmails`)",
        ),
    }
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
