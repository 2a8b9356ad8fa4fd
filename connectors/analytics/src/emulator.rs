//! An emulator of Segment's HTTP Tracking API.
//!
//! - `POST /v1/track`, `/v1/identify`, `/v1/page`, `/v1/screen`, `/v1/group`, `/v1/alias`: one
//!   message; `POST /v1/batch` `{"batch":[…]}`.
//! - Auth: HTTP Basic with the write key as user name (empty password), or `writeKey` in the
//!   body; missing or unknown key → 401 `{"success":false,"message":"Invalid write key"}`
//!   (our choice: Segment's documented answers are only 400 and 200).
//! - A message over 32 KB, a batch over 500 KB, or a body that is not JSON → 400
//!   `{"success":false,"message":…}`; anything else → 200 `{"success":true}`, even for messages
//!   Segment would drop later (no `userId`/`anonymousId`, or a track without `event`), which are
//!   counted as dropped.
//! - Messages are deduplicated by `messageId`: a repeat counts as received, not applied.
//! - `GET /_state`: `{"events":[…accepted messages…], "dropped": n, "ops": {"track": {received, applied}, …}}`;
//!   `/_faults`.
//!
//! Fixture: `{}` or `{"writeKey":"…"}` (default [`SANDBOX_WRITE_KEY`]).

use handled_contract::lock;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use handled_connector_core::Json;
use handled_connector_core::emulator::{Faults, OpCounters, with_faults};
use serde_json::json;

use crate::api::{MAX_BATCH_BYTES, MAX_EVENT_BYTES};

/// The write key the sandbox uses.
pub const SANDBOX_WRITE_KEY: &str = "sandbox-write-key";

struct Inner {
    write_key: String,
    events: Mutex<Vec<Json>>,
    seen: Mutex<HashSet<String>>,
    dropped: Mutex<u64>,
    counters: OpCounters,
    faults: Faults,
}

/// The emulator's shared state.
#[derive(Clone)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle").finish_non_exhaustive()
    }
}

fn answer(status: StatusCode, message: Option<&str>) -> Response {
    let body = match message {
        Some(m) => json!({"success": false, "message": m}),
        None => json!({"success": true}),
    };
    (status, axum::Json(body)).into_response()
}

/// Builds the router and handle (fixture format in the module doc).
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture = fixture.unwrap_or(Json::Null);
    if !(fixture.is_null() || fixture.is_object()) {
        return Err("the analytics fixture must be an object".into());
    }
    let inner = Inner {
        write_key: fixture["writeKey"]
            .as_str()
            .unwrap_or(SANDBOX_WRITE_KEY)
            .to_string(),
        events: Mutex::new(Vec::new()),
        seen: Mutex::new(HashSet::new()),
        dropped: Mutex::new(0),
        counters: OpCounters::new(),
        faults: Faults::new().with_body(
            |status| json!({"success": false, "message": format!("injected fault {status}")}),
        ),
    };
    let handle = EmulatorHandle {
        inner: Arc::new(inner),
    };
    let router = Router::new()
        .route("/v1/batch", post(batch))
        .route("/v1/{kind}", post(single))
        .route(
            "/_state",
            get(|State(h): State<EmulatorHandle>| async move { axum::Json(h.state()) }),
        )
        .with_state(handle.clone());
    Ok((with_faults(router, handle.inner.faults.clone()), handle))
}

impl EmulatorHandle {
    /// Accepted messages, dropped count and per-op counters.
    pub fn state(&self) -> Json {
        json!({"events": *lock(&self.inner.events), "dropped": *lock(&self.inner.dropped),
               "ops": self.inner.counters.to_json()})
    }

    /// The write key accepted.
    pub fn write_key(&self) -> &str {
        &self.inner.write_key
    }

    fn authorized(&self, headers: &HeaderMap, body: &Json) -> bool {
        let basic = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok());
        let user = basic
            .as_deref()
            .map(|u| u.split_once(':').map(|(u, _)| u).unwrap_or(u));
        user == Some(self.inner.write_key.as_str())
            || body["writeKey"].as_str() == Some(self.inner.write_key.as_str())
    }

    /// Records one message: deduplicated by messageId, dropped when Segment would drop it.
    fn record(&self, kind: &str, mut msg: Json) {
        self.inner.counters.received(kind);
        let has_id = msg["userId"].as_str().is_some_and(|s| !s.is_empty())
            || msg["anonymousId"].as_str().is_some_and(|s| !s.is_empty());
        if !has_id || (kind == "track" && msg["event"].as_str().is_none_or(str::is_empty)) {
            *lock(&self.inner.dropped) += 1;
            return;
        }
        if let Some(id) = msg["messageId"].as_str()
            && !lock(&self.inner.seen).insert(id.to_string())
        {
            return;
        }
        if msg.get("type").is_none() {
            msg["type"] = json!(kind);
        }
        self.inner.counters.applied(kind);
        lock(&self.inner.events).push(msg);
    }
}

async fn single(
    State(h): State<EmulatorHandle>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !["track", "identify", "page", "screen", "group", "alias"].contains(&kind.as_str()) {
        return answer(StatusCode::NOT_FOUND, Some("Not Found"));
    }
    if body.len() > MAX_EVENT_BYTES {
        return answer(
            StatusCode::BAD_REQUEST,
            Some("Message is too large: 32KB is the limit"),
        );
    }
    let Ok(msg) = serde_json::from_slice::<Json>(&body) else {
        return answer(StatusCode::BAD_REQUEST, Some("Invalid JSON"));
    };
    if !msg.is_object() {
        return answer(StatusCode::BAD_REQUEST, Some("Invalid JSON"));
    }
    if !h.authorized(&headers, &msg) {
        return answer(StatusCode::UNAUTHORIZED, Some("Invalid write key"));
    }
    h.record(&kind, msg);
    answer(StatusCode::OK, None)
}

async fn batch(State(h): State<EmulatorHandle>, headers: HeaderMap, body: Bytes) -> Response {
    if body.len() > MAX_BATCH_BYTES {
        return answer(
            StatusCode::BAD_REQUEST,
            Some("Batch is too large: 500KB is the limit"),
        );
    }
    let Ok(req) = serde_json::from_slice::<Json>(&body) else {
        return answer(StatusCode::BAD_REQUEST, Some("Invalid JSON"));
    };
    let Some(messages) = req["batch"].as_array() else {
        return answer(StatusCode::BAD_REQUEST, Some("`batch` must be a list"));
    };
    if !h.authorized(&headers, &req) {
        return answer(StatusCode::UNAUTHORIZED, Some("Invalid write key"));
    }
    for m in messages {
        if serde_json::to_vec(m).map(|v| v.len()).unwrap_or(0) > MAX_EVENT_BYTES {
            return answer(
                StatusCode::BAD_REQUEST,
                Some("Message is too large: 32KB is the limit"),
            );
        }
    }
    for m in messages {
        let kind = m["type"].as_str().unwrap_or("track").to_string();
        h.record(&kind, m.clone());
    }
    answer(StatusCode::OK, None)
}
