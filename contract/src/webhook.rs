//! Incoming webhooks as the server received them ([`WebhookRequest`]), what they turn into
//! ([`IncomingEvent`]) or why they are refused ([`WebhookError`]), and a trigger's evaluated
//! configuration ([`TriggerConfig`]).

use std::collections::BTreeMap;

use crate::Json;

/// An incoming webhook, as the server received it.
#[derive(Clone, Debug)]
pub struct WebhookRequest {
    /// Header names in lowercase, values as sent.
    pub headers: BTreeMap<String, String>,
    /// The raw body bytes (signatures are computed over these).
    pub body: Vec<u8>,
}

impl WebhookRequest {
    /// A header's value (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Why a webhook was refused; each maps to a 4xx answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Missing or wrong signature: 401.
    #[error("signature: {0}")]
    Signature(String),
    /// Not JSON, or JSON of the wrong shape: 400.
    #[error("malformed body: {0}")]
    Malformed(String),
    /// A topic or event this trigger does not take: answered 200 and ignored.
    #[error("ignored event: {0}")]
    Ignored(String),
}

/// What a webhook turned into: the payload a run starts with, and how to recognise it.
#[derive(Clone, Debug)]
pub struct IncomingEvent {
    /// The event id that redeliveries share (deduplication key).
    pub event_id: String,
    /// When the event happened at the source, in ms since the epoch, if the source says.
    pub occurred_at_ms: Option<i64>,
    /// The payload as the workflow sees it (before enrichment).
    pub payload: Json,
}

/// Accepts an unsigned JSON webhook: the event id is `X-Event-Id`, else a hash of the body.
pub fn accept_plain_json(request: &WebhookRequest) -> Result<IncomingEvent, WebhookError> {
    let payload: Json = serde_json::from_slice(&request.body)
        .map_err(|e| WebhookError::Malformed(format!("body is not JSON: {e}")))?;
    let event_id = match request.header("x-event-id") {
        Some(id) => id.to_string(),
        None => body_hash(&request.body),
    };
    Ok(IncomingEvent {
        event_id,
        occurred_at_ms: None,
        payload,
    })
}

/// A stable hex digest of a body, for event ids when the source gives none.
pub fn body_hash(body: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(body))
}

/// A trigger's configuration, evaluated from its fields at start (`env` is known then).
#[derive(Clone, Debug)]
pub struct TriggerConfig {
    /// The workflow it starts.
    pub workflow: &'static str,
    /// The connector (`shopify`, `wms`, `webhook`, `schedule`, …).
    pub connector: &'static str,
    /// The event (`inventoryChanged`, `received`, `cron`).
    pub event: &'static str,
    /// Each configuration field's value (`events`, `endpoint`, `expression`, …).
    pub fields: BTreeMap<String, Json>,
}

impl TriggerConfig {
    /// A field's value as a string.
    pub fn string(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Json::as_str)
    }

    /// A field's value as a list of strings (`events`).
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.fields.get(name) {
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(Json::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
}
