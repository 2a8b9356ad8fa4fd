//! An emulator of Slack's `chat.postMessage`.
//!
//! Routes:
//! - `POST /api/chat.postMessage`: `Authorization: Bearer <token>` and a JSON body
//!   `{channel, text}` (a form body with the same fields, and `token`, is accepted too).
//!   Answers like Slack: HTTP 200 `{"ok":true,"channel":"C…","ts":"1700000000.000001",
//!   "message":{…}}`, or HTTP 200 `{"ok":false,"error":…}` with `not_authed`, `invalid_auth`,
//!   `channel_not_found` (a channel not in the fixture), `no_text`, `msg_too_long`
//!   (over 40,000 characters). One message a second per channel: a faster one gets HTTP 429
//!   with `Retry-After` and `{"ok":false,"error":"rate_limited"}`.
//!   Headers are read as a strict server reads them (see "Headers" below).
//! - `GET /messages`: every message posted, `{"messages":[{channel, name, ts, text}]}`.
//! - `GET /_state`: see [`EmulatorHandle::state`]; `/_faults`: fault injection (see
//!   `handled_connector_core::emulator`).
//!
//! Headers: `Content-Type` and `Authorization` are singleton fields (RFC 9110 §5.3); a request
//! carrying either more than once has no one value to read, and the emulator refuses it, as a
//! strict server does, with Slack's own shape (HTTP 200, `ok:false`), before anything else:
//! - `Content-Type` sent twice: `invalid_post_type`, the error Slack documents for "the specified
//!   Content-Type was invalid" (joined with ", " as a server combines a repeated field, the two
//!   values `application/json, application/json; charset=utf-8` name no one media type). Slack's other body errors do not fit: `invalid_form_data` is a form body that does
//!   not parse, `missing_post_type` a body without a type. How Slack itself treats a doubled
//!   header is not documented; this is the closest documented answer, chosen over a bare HTTP
//!   400 so that the connector sees a Slack error it classifies (Permanent).
//! - no `Content-Type` on a non-empty body: `missing_post_type`; one naming neither JSON nor a
//!   form: `invalid_post_type`; a `charset` other than `utf-8`/`iso-8859-1`: `invalid_charset`.
//! - `Authorization` sent twice: `invalid_auth`.
//!
//! Fixture (all optional): `{"channels": ["#inventory-alerts"], "token": "xoxb-…",
//! "perChannelPerSecond": 1}`. Channels get ids `C0000000001`, `C0000000002`, … in order and may
//! be named with or without `#`. Default channels: `#inventory-alerts`, `#general`.

use handled_contract::lock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use handled_connector_core::emulator::{Faults, OpCounters, with_faults};
use handled_contract::Json;
use serde::Deserialize;
use serde_json::json;

/// The bot token the emulator accepts unless the fixture names another.
pub const DEFAULT_TOKEN: &str = "xoxb-sandbox-token";
/// The op name under which requests are counted.
const OP: &str = "sendMessage";
/// Slack truncates longer texts; the emulator refuses them so tests notice.
const MAX_TEXT: usize = 40_000;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    per_channel_per_second: Option<f64>,
}

#[derive(Clone, Debug, serde::Serialize)]
struct Posted {
    channel: String,
    name: String,
    ts: String,
    text: String,
}

#[derive(Debug)]
struct Channel {
    id: String,
    name: String,
}

#[derive(Debug, Default)]
struct Mutable {
    messages: Vec<Posted>,
    last_post: HashMap<String, Instant>,
    seq: u64,
}

#[derive(Debug)]
struct Inner {
    token: String,
    channels: Vec<Channel>,
    min_interval: Duration,
    state: Mutex<Mutable>,
    counters: OpCounters,
    faults: Faults,
}

/// A handle on a running emulator's state.
#[derive(Clone, Debug)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl EmulatorHandle {
    /// `{"channels":{"#name":{"id":"C…","messages":[{"ts","text"}]}},"messages":[{channel,
    /// name, ts, text}],"ops":{"sendMessage":{"received":n,"applied":m}}}`.
    pub fn state(&self) -> Json {
        let st = lock(&self.inner.state);
        let channels: serde_json::Map<String, Json> = self
            .inner
            .channels
            .iter()
            .map(|c| {
                let msgs: Vec<Json> = st
                    .messages
                    .iter()
                    .filter(|m| m.channel == c.id)
                    .map(|m| json!({"ts": m.ts, "text": m.text}))
                    .collect();
                (c.name.clone(), json!({"id": c.id, "messages": msgs}))
            })
            .collect();
        json!({"channels": channels, "messages": st.messages, "ops": self.inner.counters.to_json()})
    }

    /// The token the emulator accepts.
    pub fn token(&self) -> String {
        self.inner.token.clone()
    }

    /// The fault queue.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// The texts posted to a channel (by `#name` or id), oldest first.
    pub fn messages(&self, channel: &str) -> Vec<String> {
        let Some(c) = self.inner.find(channel) else {
            return Vec::new();
        };
        let id = c.id.clone();
        lock(&self.inner.state)
            .messages
            .iter()
            .filter(|m| m.channel == id)
            .map(|m| m.text.clone())
            .collect()
    }
}

impl Inner {
    fn find(&self, channel: &str) -> Option<&Channel> {
        let bare = channel.trim_start_matches('#');
        self.channels
            .iter()
            .find(|c| c.id == channel || c.name.trim_start_matches('#') == bare)
    }
}

/// The emulator's router and a handle on its state, seeded from `fixture` (module doc).
pub fn emulator_router(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture: Fixture = match fixture {
        Some(Json::Null) | None => Fixture::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("slack fixture: {e}"))?,
    };
    let names = fixture
        .channels
        .unwrap_or_else(|| vec!["#inventory-alerts".into(), "#general".into()]);
    let channels = names
        .iter()
        .enumerate()
        .map(|(i, n)| Channel {
            id: format!("C{:010}", i + 1),
            name: if n.starts_with('#') {
                n.clone()
            } else {
                format!("#{n}")
            },
        })
        .collect();
    let rate = fixture
        .per_channel_per_second
        .filter(|r| r.is_finite() && *r > 0.0)
        .unwrap_or(1.0);
    // A little slack for clock and network jitter between client and emulator.
    let min_interval =
        Duration::from_secs_f64(1.0 / rate).saturating_sub(Duration::from_millis(50));
    let faults = Faults::new().with_body(|status| {
        let error = match status {
            429 => "rate_limited",
            401 | 403 => "invalid_auth",
            _ => "fatal_error",
        };
        json!({"ok": false, "error": error})
    });
    let inner = Arc::new(Inner {
        token: fixture.token.unwrap_or_else(|| DEFAULT_TOKEN.to_string()),
        channels,
        min_interval,
        state: Mutex::new(Mutable::default()),
        counters: OpCounters::new(),
        faults: faults.clone(),
    });
    let handle = EmulatorHandle { inner };
    let router = Router::new()
        .route("/api/chat.postMessage", post(post_message))
        .route("/messages", get(list_messages))
        .route("/_state", get(get_state))
        .with_state(handle.clone());
    Ok((with_faults(router, faults), handle))
}

async fn get_state(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(h.state()).into_response()
}

async fn list_messages(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(json!({"messages": lock(&h.inner.state).messages})).into_response()
}

fn fail(error: &str) -> Response {
    axum::Json(json!({"ok": false, "error": error})).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct PostBody {
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    token: Option<String>,
}

/// How a `chat.postMessage` body is encoded.
#[derive(Clone, Copy, Debug, PartialEq)]
enum PostType {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// The one value of a request header, `Ok(None)` when it was not sent, `Err(())` when it was
/// sent more than once (a singleton field repeated: no one value to read).
fn single_header(
    headers: &HeaderMap,
    name: header::HeaderName,
) -> Result<Option<&HeaderValue>, ()> {
    let mut values = headers.get_all(name).into_iter();
    match (values.next(), values.next()) {
        (first, None) => Ok(first),
        _ => Err(()),
    }
}

/// The body's encoding from its `Content-Type` (module doc, "Headers"): `missing_post_type`
/// when a body came without one, `invalid_post_type` when it was sent more than once or names
/// another type, `invalid_charset` for a charset other than UTF-8 or ISO-8859-1.
fn post_type(headers: &HeaderMap, body: &[u8]) -> Result<Option<PostType>, &'static str> {
    let value = single_header(headers, header::CONTENT_TYPE).map_err(|()| "invalid_post_type")?;
    let Some(value) = value else {
        return if body.is_empty() {
            Ok(None)
        } else {
            Err("missing_post_type")
        };
    };
    let value = value.to_str().map_err(|_| "invalid_post_type")?;
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or("").trim();
    for param in parts {
        check_charset(param)?;
    }
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(Some(PostType::Json))
    } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(Some(PostType::Form))
    } else {
        Err("invalid_post_type")
    }
}

/// A `charset` parameter names UTF-8 or ISO-8859-1 (Slack's two); other parameters pass.
fn check_charset(param: &str) -> Result<(), &'static str> {
    let Some((name, value)) = param.split_once('=') else {
        return Ok(());
    };
    if !name.trim().eq_ignore_ascii_case("charset") {
        return Ok(());
    }
    let value = value.trim().trim_matches('"');
    if value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("iso-8859-1") {
        Ok(())
    } else {
        Err("invalid_charset")
    }
}

/// The body's fields, decoded as its `Content-Type` says.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<PostBody, &'static str> {
    match post_type(headers, body)? {
        None => Ok(PostBody::default()),
        Some(PostType::Json) => serde_json::from_slice(body).map_err(|_| "invalid_json"),
        Some(PostType::Form) => Ok(form_body(body)),
    }
}

/// The fields of a form body (unknown ones ignored).
fn form_body(body: &[u8]) -> PostBody {
    let mut out = PostBody::default();
    for (k, v) in form_urlencoded::parse(body).into_owned() {
        match k.as_str() {
            "channel" => out.channel = Some(v),
            "text" => out.text = Some(v),
            "token" => out.token = Some(v),
            _ => {}
        }
    }
    out
}

/// The token of a request: its one `Authorization: Bearer …`, else the body's `token`.
/// `Authorization` sent more than once is `invalid_auth`; none at all is `not_authed`.
fn token_of(headers: &HeaderMap, parsed: &PostBody) -> Result<String, &'static str> {
    let auth = single_header(headers, header::AUTHORIZATION).map_err(|()| "invalid_auth")?;
    let bearer = auth
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    bearer.or_else(|| parsed.token.clone()).ok_or("not_authed")
}

/// The channel and text of a request the token is good for, or the Slack error code.
fn check_post<'a>(
    h: &'a EmulatorHandle,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(&'a Channel, String), &'static str> {
    let parsed = parse_body(headers, body)?;
    if token_of(headers, &parsed)? != h.inner.token {
        return Err("invalid_auth");
    }
    let channel = parsed
        .channel
        .as_deref()
        .and_then(|c| h.inner.find(c))
        .ok_or("channel_not_found")?;
    let text = parsed.text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err("no_text");
    }
    if text.chars().count() > MAX_TEXT {
        return Err("msg_too_long");
    }
    Ok((channel, text))
}

/// HTTP 429 with `Retry-After` (whole seconds, at least one) and `rate_limited`.
fn rate_limited(wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut resp = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({"ok": false, "error": "rate_limited"})),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Records the message posted to `channel` now, or the wait left when the channel's last post
/// was too recent.
fn record_post(h: &EmulatorHandle, channel: &Channel, text: &str) -> Result<String, Duration> {
    let now = Instant::now();
    let mut st = lock(&h.inner.state);
    if let Some(last) = st.last_post.get(&channel.id) {
        let since = now.saturating_duration_since(*last);
        if since < h.inner.min_interval {
            return Err(h.inner.min_interval - since);
        }
    }
    st.last_post.insert(channel.id.clone(), now);
    st.seq += 1;
    let secs = handled_contract::clock::wall_now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let ts = format!("{secs:010}.{:06}", st.seq % 1_000_000);
    st.messages.push(Posted {
        channel: channel.id.clone(),
        name: channel.name.clone(),
        ts: ts.clone(),
        text: text.to_string(),
    });
    Ok(ts)
}

async fn post_message(
    State(h): State<EmulatorHandle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    h.inner.counters.received(OP);
    let (channel, text) = match check_post(&h, &headers, &body) {
        Ok(checked) => checked,
        Err(code) => return fail(code),
    };
    let ts = match record_post(&h, channel, &text) {
        Ok(ts) => ts,
        Err(wait) => return rate_limited(wait),
    };
    h.inner.counters.applied(OP);
    axum::Json(json!({
        "ok": true,
        "channel": channel.id,
        "ts": ts,
        "message": {"type": "message", "subtype": "bot_message", "text": text, "ts": ts, "bot_id": "B0000SANDBOX"},
    }))
    .into_response()
}
