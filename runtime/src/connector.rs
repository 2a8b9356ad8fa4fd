//! What a connector crate gives the runtime: typed ops, a factory that builds the connector
//! from the environment or as an in-process emulator, and the connector's calls.
//!
//! Generated code names ops by their Rust type (`handled_shopify::UpdateInventory`), builds the
//! typed params struct, and hands both to the engine, which journals the call, serializes the
//! params and sends them through [`Connector::call`].

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Any JSON value whose shape nothing declares (catalog shape `Json`).
pub type Json = serde_json::Value;

/// One op of one connector, as a type: the link between the catalog entry and its Rust types.
pub trait Op: Send + Sync + 'static {
    /// The connector's name (`shopify`).
    const CONNECTOR: &'static str;
    /// The op's name (`updateInventory`).
    const NAME: &'static str;
    /// The typed parameters (the catalog's params shape).
    type Params: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The typed result (the catalog's result shape).
    type Output: Serialize + DeserializeOwned + Send + Sync + 'static;
}

/// How a failed call should be treated. The class alone decides retries (RUNTIME.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// A connection error, a timeout or a 5xx: retry with backoff.
    Retryable,
    /// The API asked us to slow down (429, Shopify `THROTTLED`): retry after `retry_after` or backoff.
    Throttled,
    /// The request itself is wrong (other 4xx, a validation error): fail at once.
    Permanent,
    /// The credentials were refused: fail at once, and say which credential.
    Auth,
}

impl ErrorClass {
    /// Whether a call that failed this way may be tried again.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Retryable | ErrorClass::Throttled)
    }
}

/// A connector call that did not succeed.
#[derive(Clone, Debug, Serialize, serde::Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    /// Whether and how to retry.
    pub class: ErrorClass,
    /// What went wrong, for people (never a secret).
    pub message: String,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    /// How long the API asked us to wait (`Retry-After`, Shopify's cost restore time).
    #[serde(with = "opt_duration_ms")]
    pub retry_after: Option<Duration>,
}

impl CallError {
    /// A call error of this class.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        CallError {
            class,
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }

    /// A permanent error (bad request, validation).
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Permanent, message)
    }

    /// A retryable error (connection, timeout, 5xx).
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Retryable, message)
    }

    /// With the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// With the time the API asked us to wait.
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }
}

mod opt_duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

/// What the engine tells a connector about one call.
#[derive(Clone, Debug)]
pub struct CallInfo {
    /// Made of run id, step and forEach index; the same on every retry of this call.
    /// Passed to the API wherever the API accepts one.
    pub idempotency_key: String,
    /// The run making the call.
    pub run_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
}

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

/// A live connector: talks to the real API, or to an emulator of it.
pub trait Connector: Send + Sync {
    /// The connector's name (`shopify`).
    fn name(&self) -> &'static str;

    /// Performs one op. `params` is the op's params struct serialized to JSON; the result is the
    /// op's output struct serialized to JSON.
    fn call<'a>(
        &'a self,
        op: &'a str,
        params: Json,
        info: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>>;

    /// Checks a webhook for this connector's triggers and turns it into an event: verifies the
    /// signature over the raw body (in constant time), parses the body and finds the event id.
    /// `trigger` is the trigger's evaluated configuration.
    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        let _ = trigger;
        crate::connector::accept_plain_json(request)
    }

    /// Completes a payload before its run starts (Shopify: `inventory_item_id` → SKU and
    /// reserved quantity, cached). The default returns it unchanged.
    fn enrich<'a>(
        &'a self,
        trigger: &'a TriggerConfig,
        payload: Json,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        let _ = trigger;
        Box::pin(async move { Ok(payload) })
    }

    /// Whether a successful write call changed nothing on the channel, so that the channel
    /// sends no webhook for it and no echo is to be waited for (`crate::echo`). The default
    /// says no.
    fn changed_nothing(&self, op: &str, result: &Json) -> bool {
        let _ = (op, result);
        false
    }

    /// The (SKU, quantity) a successful write call set on this channel, for echo suppression
    /// (RUNTIME.md §1.3). The default reads `sku` and `quantity` from the params.
    fn written_quantity(&self, op: &str, params: &Json) -> Option<(String, i64)> {
        let _ = op;
        crate::echo::sku_quantity(params, &["sku"], &["quantity"])
    }

    /// The (SKU, quantity) an incoming event of this channel reports, for echo suppression. The
    /// default reads `sku` or `inventory_item.sku`, and `quantity` or `available`.
    fn reported_quantity(&self, trigger: &TriggerConfig, payload: &Json) -> Option<(String, i64)> {
        let _ = trigger;
        crate::echo::sku_quantity(
            payload,
            &["sku", "inventory_item.sku"],
            &["quantity", "available"],
        )
    }
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

/// The environment, read once at start.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        #[allow(clippy::disallowed_methods)]
        let vars = std::env::vars().collect();
        Env { vars }
    }

    /// An environment with exactly these variables (tests, sandbox).
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Env {
            vars: pairs.into_iter().collect(),
        }
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Sets a variable (sandbox defaults).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Every variable.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The values of variables whose names mark them as secrets (`_KEY`, `_TOKEN`, `_SECRET`,
    /// `_PASSWORD`, and `SMTP_URL`, which carries a password): what redaction hides.
    pub fn secret_values(&self) -> Vec<&str> {
        self.vars
            .iter()
            .filter(|(k, v)| is_secret_name(k) && v.len() >= 4)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Whether a variable's name marks its value as a secret (RUNTIME.md §6).
pub fn is_secret_name(name: &str) -> bool {
    ["_KEY", "_TOKEN", "_SECRET", "_PASSWORD"]
        .iter()
        .any(|s| name.ends_with(s))
        || name == "SMTP_URL"
}

/// A connector running against an in-process emulator of its API.
pub struct Sandboxed {
    /// The connector, pointed at the emulator.
    pub connector: Arc<dyn Connector>,
    /// The emulator's state as JSON (per SKU and location, the quantities; per op, requests
    /// received and applied), for `exec --sandbox` and tests.
    pub state: Arc<dyn Fn() -> Json + Send + Sync>,
    /// Sends a webhook as the channel would for a change it made (if it has webhooks).
    pub base_url: String,
}

/// Builds a connector: from the environment for the real API, or against an emulator.
pub trait ConnectorFactory: Send + Sync {
    /// The connector's name (`shopify`).
    fn name(&self) -> &'static str;

    /// Builds the connector for the real API. On failure, names every missing or bad variable.
    #[allow(clippy::wrong_self_convention)]
    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>>;

    /// Starts an in-process emulator of the API (on a loopback port, so that the connector
    /// speaks real HTTP to it), seeded from the fixture's entry for this channel, and builds
    /// the connector against it. Of `env`, only settings that shape how the connector calls
    /// (its `*_RATE_LIMIT` pace) are read: credentials and hosts are the emulator's.
    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>>;

    /// Builds the connector against a standalone emulator server (`handled-sandbox`) at `url`,
    /// reading `env` as [`ConnectorFactory::sandbox`] does.
    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String>;
}
