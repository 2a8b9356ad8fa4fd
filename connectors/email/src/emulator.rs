//! An SMTP sink standing in for a mail server, with an HTTP API to look at what it received
//! (the sink itself, its SMTP dialogue and its faults, is `handled_connector_core::mail::sink`).
//!
//! HTTP (the router [`start_sink`] returns):
//! - `GET /messages`: `{"messages":[{from, to, subject, messageId, text, html, duplicate}]}`.
//! - `GET /_smtp`: where the sink listens, `{host, port, username, password}` (for
//!   `sandbox_url`).
//! - `POST /_smtp/faults`: `{"reply": "451 4.3.0 Try again later", "count": 1}` answers the
//!   next `count` `DATA` ends with that reply instead of accepting; `{"drop": 1}` closes the
//!   connection instead.
//! - `GET /_state` ([`EmulatorHandle::state`]) and `/_faults` (HTTP fault injection).
//!
//! Fixture (all optional): `{"username": "sandbox", "password": "sandbox-password",
//! "requireAuth": true, "from": "handled@sandbox.invalid", "rejectRecipients": [],
//! "deferRecipients": []}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use handled_connector_core::emulator::{Faults, OpCounters, with_faults};
use handled_connector_core::mail::{Sink, SinkOptions};
use handled_contract::Json;
use serde_json::json;

use crate::config::SmtpSettings;

pub use handled_connector_core::mail::Received;
pub use handled_connector_core::mail::sink::DEFAULT_FROM;

/// The op name under which messages are counted.
const OP: &str = "send";

/// A handle on a running sink.
#[derive(Clone, Debug)]
pub struct EmulatorHandle {
    sink: Sink,
    counters: Arc<OpCounters>,
    faults: Faults,
}

impl EmulatorHandle {
    /// `{"messages":[{from, to, subject, messageId, text, html, duplicate}],
    /// "ops":{"send":{"received":n,"applied":m}}}`: a message whose Message-ID arrived before
    /// counts as received, not applied.
    pub fn state(&self) -> Json {
        json!({"messages": self.sink.messages(), "ops": self.counters.to_json()})
    }

    /// Every message received.
    pub fn messages(&self) -> Vec<Received> {
        self.sink.messages()
    }

    /// The port the SMTP listener is on.
    pub fn smtp_port(&self) -> u16 {
        self.sink.port()
    }

    /// Settings for a connector that sends to this sink (plain SMTP, its credentials).
    pub fn smtp_settings(&self) -> SmtpSettings {
        self.sink.smtp_settings()
    }

    /// The sender a sandboxed connector uses.
    pub fn default_from(&self) -> String {
        self.sink.default_from()
    }

    /// Answers the next `count` messages with `reply` (such as `451 4.3.0 Try again later`).
    pub fn fail_next(&self, reply: &str, count: u32) {
        self.sink.fail_next(reply, count);
    }

    /// The HTTP fault queue.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }
}

/// Starts the SMTP listener on a loopback port and returns the sink's HTTP router (mount it
/// anywhere) with a handle on its state, seeded from `fixture` (module doc).
pub async fn start_sink(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let options: SinkOptions = match fixture {
        Some(Json::Null) | None => SinkOptions::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("email fixture: {e}"))?,
    };
    let counters = Arc::new(OpCounters::new());
    let sink =
        Sink::start(options, Arc::clone(&counters), OP).map_err(|e| format!("email sink: {e}"))?;
    let faults = Faults::new();
    let handle = EmulatorHandle {
        sink,
        counters,
        faults: faults.clone(),
    };
    let router = Router::new()
        .route("/_smtp", get(smtp_info))
        .route("/_state", get(get_state))
        .with_state(handle.clone())
        .merge(handle.sink.routes());
    Ok((with_faults(router, faults), handle))
}

async fn get_state(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(h.state()).into_response()
}

async fn smtp_info(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(h.sink.info()).into_response()
}
