//! Plumbing every API emulator shares: serving a router on a loopback port, per-op request
//! counters, an idempotency-key replay cache, and fault injection.
//!
//! Fault injection: [`with_faults`] adds `POST /_faults`, `GET /_faults`, `DELETE /_faults`
//! to an emulator's router and a middleware that applies the queued faults to every other
//! request (paths with a segment starting with `_`, such as `/_state`, are never faulted).
//! `POST /_faults` takes one object or a list of them:
//!
//! | body | effect |
//! | --- | --- |
//! | `{"status":429,"count":3,"retryAfter":1}` | the next 3 requests get 429 with `Retry-After: 1` |
//! | `{"status":503,"count":5}` | the next 5 requests get 503 |
//! | `{"latencyMs":200}` / `{"latencyMs":200,"count":2}` | every (or the next 2) request waits 200 ms first |
//! | `{"drop":2}` | the next 2 requests have their connection cut before any answer |
//!
//! Each entry may add `"path":"…"` (only requests whose path contains it) and `"body":{…}`
//! (the error body; else the emulator's vendor-shaped default, see [`Faults::with_body`]).
//! A channel's fixture may carry the same list as `"faults"`: [`sandboxed`] queues it before
//! the first call.

use handled_contract::lock;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use handled_contract::{BoxFuture, Json};
use serde::Deserialize;
use serde_json::json;
use tokio::task::JoinHandle;

/// Serves `router` on `127.0.0.1:0` inside the current tokio runtime; returns its base URL
/// (`http://127.0.0.1:PORT`, no trailing slash) and the server task (abort it to stop).
pub async fn serve(router: Router) -> std::io::Result<(String, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!(error = %e, "emulator server stopped");
        }
    });
    Ok((format!("http://{addr}"), task))
}

/// Splits a channel's fixture into what its emulator is seeded with and the `"faults"` to queue
/// at start (a list of what `POST /_faults` takes: `{"status": 429, "retryAfter": 1}`, …).
pub fn split_faults(fixture: Option<Json>) -> (Option<Json>, Option<Json>) {
    match fixture {
        Some(Json::Object(mut map)) => {
            let faults = map.remove("faults");
            (Some(Json::Object(map)), faults)
        }
        other => (other, None),
    }
}

/// An emulator seeded from a channel's fixture: its router and its handle.
pub type Seed<H> = fn(Option<Json>) -> Result<(Router, H), String>;

/// What every connector's `ConnectorFactory::sandbox` does: checks what the connector read
/// from the environment (`settings`: its pace), seeds its emulator with the channel's
/// `fixture` (`emulator`), serves it on a loopback port, queues the fixture's `faults` through
/// the emulator's own `/_faults` (so that injected errors have the vendor's shape), builds the
/// connector against its base URL with `connector`, and exposes the emulator's state (`state`
/// of its handle).
pub async fn sandboxed<S, H: Send + Sync + 'static>(
    name: &'static str,
    fixture: Option<Json>,
    settings: Result<S, String>,
    emulator: Seed<H>,
    state: fn(&H) -> Json,
    connector: impl FnOnce(
        &str,
        &H,
        S,
    ) -> Result<std::sync::Arc<dyn handled_contract::Connector>, String>,
) -> Result<handled_contract::Sandboxed, String> {
    let settings = settings?;
    let (fixture, faults) = split_faults(fixture);
    let (router, handle) = emulator(fixture)?;
    let (base_url, _task) = serve(router)
        .await
        .map_err(|e| format!("{name} emulator: {e}"))?;
    if let Some(faults) = faults {
        let refused = |e: String| format!("the {name} fixture's `faults`: {e}");
        // The fixture's faults go through the emulator's own route, as a test's would.
        #[allow(clippy::disallowed_methods)]
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{base_url}/_faults"))
            .json(&faults)
            .send()
            .await
            .map_err(|e| refused(e.to_string()))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(refused(format!("{status}: {body}")));
        }
    }
    let connector = connector(&base_url, &handle, settings)?;
    Ok(handled_contract::Sandboxed {
        connector,
        state: Arc::new(move || state(&handle)),
        base_url,
    })
}

/// A connector's emulator, seeded and ready to serve: its router (paths relative to the
/// emulator's base URL) and a view of its state.
pub struct Emulator {
    /// The emulated API's routes, with `/_state` and `/_faults`.
    pub router: Router,
    /// The emulator's state as JSON (what `GET /_state` answers).
    pub state: Arc<dyn Fn() -> Json + Send + Sync>,
}

impl Emulator {
    /// An emulator from a router, its handle and how the handle shows the state.
    pub fn new<H: Send + Sync + 'static>(router: Router, handle: H, state: fn(&H) -> Json) -> Self {
        Emulator {
            router,
            state: Arc::new(move || state(&handle)),
        }
    }

    /// [`Emulator::new`] over what a [`Seed`] built from `fixture`.
    pub fn seeded<H: Send + Sync + 'static>(
        fixture: Option<Json>,
        seed: Seed<H>,
        state: fn(&H) -> Json,
    ) -> Result<Self, String> {
        let (router, handle) = seed(fixture)?;
        Ok(Emulator::new(router, handle, state))
    }
}

/// A connector crate's factory, which also starts the connector's emulator: what every
/// connector crate's `connector()` returns, and what the standalone sandbox server mounts.
pub trait EmulatedFactory: handled_contract::ConnectorFactory {
    /// Starts the emulator of the API, seeded from the channel's fixture entry (its
    /// `"faults"` are queued by the caller through the emulator's own `/_faults`).
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>>;
}

/// The base URL of connector `name`'s emulator on the standalone sandbox server at `url`
/// (each emulator is mounted under `/{name}`).
pub fn sandbox_base(url: &str, name: &str) -> String {
    format!("{}/{name}", url.trim_end_matches('/'))
}

/// Per op, how many requests an emulator received and how many it applied (a replay of an
/// already-applied idempotency key is received, not applied).
#[derive(Debug, Default)]
pub struct OpCounters {
    counts: Mutex<BTreeMap<String, (u64, u64)>>,
}

impl OpCounters {
    /// Empty counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one received request of `op`.
    pub fn received(&self, op: &str) {
        lock(&self.counts).entry(op.to_string()).or_default().0 += 1;
    }

    /// Counts one applied request of `op`.
    pub fn applied(&self, op: &str) {
        lock(&self.counts).entry(op.to_string()).or_default().1 += 1;
    }

    /// `(received, applied)` of `op`.
    pub fn get(&self, op: &str) -> (u64, u64) {
        lock(&self.counts).get(op).copied().unwrap_or_default()
    }

    /// `{"<op>": {"received": n, "applied": m}, …}`.
    pub fn to_json(&self) -> Json {
        let counts = lock(&self.counts);
        Json::Object(
            counts
                .iter()
                .map(|(op, (r, a))| (op.clone(), json!({"received": r, "applied": a})))
                .collect(),
        )
    }
}

/// What an idempotency key was seen with before.
#[derive(Clone, Debug, PartialEq)]
pub enum Replay<V> {
    /// A new key.
    New,
    /// The same key with the same request: the stored response, to send again.
    Same(V),
    /// The same key with a different request.
    Mismatch,
}

/// Idempotency key → (request fingerprint, response). The fingerprint is whatever identifies
/// the request's content (e.g. its variables serialized).
#[derive(Debug)]
pub struct IdempotencyCache<V> {
    entries: Mutex<HashMap<String, (String, V)>>,
}

impl<V> Default for IdempotencyCache<V> {
    fn default() -> Self {
        IdempotencyCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> IdempotencyCache<V> {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// What `key` was seen with, compared with this request's `fingerprint`.
    pub fn check(&self, key: &str, fingerprint: &str) -> Replay<V> {
        match lock(&self.entries).get(key) {
            None => Replay::New,
            Some((f, v)) if f == fingerprint => Replay::Same(v.clone()),
            Some(_) => Replay::Mismatch,
        }
    }

    /// Remembers the response to `key`.
    pub fn store(&self, key: &str, fingerprint: &str, response: V) {
        lock(&self.entries).insert(key.to_string(), (fingerprint.to_string(), response));
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One fault as posted to `/_faults`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// Answer with this status instead of serving the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// How many requests it applies to (default 1; for latency, default: all).
    #[serde(default)]
    pub count: Option<u32>,
    /// `Retry-After` seconds to send with the status.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Wait this long before serving.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Cut this many connections.
    #[serde(default)]
    pub drop: Option<u32>,
    /// Only requests whose path contains this.
    #[serde(default)]
    pub path: Option<String>,
    /// The error body to send with `status`.
    #[serde(default)]
    pub body: Option<Json>,
}

#[derive(Clone, Debug)]
struct Active {
    spec: FaultSpec,
    /// Requests left; `None` = unlimited.
    left: Option<u32>,
}

/// What to do with one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultAction {
    /// Wait this long first.
    pub latency: Option<Duration>,
    /// Cut the connection.
    pub drop: bool,
    /// Answer with this status, `Retry-After` and body instead of serving.
    pub respond: Option<(u16, Option<u64>, Option<Json>)>,
}

type BodyFn = dyn Fn(u16) -> Json + Send + Sync;

/// The faults queued for an emulator. Cheap to clone (shared).
#[derive(Clone)]
pub struct Faults {
    queue: Arc<Mutex<VecDeque<Active>>>,
    body: Arc<BodyFn>,
    injected: Arc<Mutex<u64>>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("queue", &*lock(&self.queue))
            .finish_non_exhaustive()
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::new()
    }
}

impl Faults {
    /// No faults; error bodies `{"errors":[{"message":"<reason>"}]}`.
    pub fn new() -> Self {
        Faults {
            queue: Arc::new(Mutex::new(VecDeque::new())),
            body: Arc::new(|status| {
                let reason = StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error");
                json!({"errors": [{"message": reason}]})
            }),
            injected: Arc::new(Mutex::new(0)),
        }
    }

    /// The same, with the vendor's error body for an injected status.
    pub fn with_body(mut self, body: impl Fn(u16) -> Json + Send + Sync + 'static) -> Self {
        self.body = Arc::new(body);
        self
    }

    /// Queues a fault.
    pub fn add(&self, spec: FaultSpec) {
        let left = match (&spec.drop, &spec.status, &spec.latency_ms) {
            (Some(n), _, _) => Some(*n),
            (None, Some(_), _) => Some(spec.count.unwrap_or(1)),
            (None, None, _) => spec.count,
        };
        lock(&self.queue).push_back(Active { spec, left });
    }

    /// Removes every fault.
    pub fn clear(&self) {
        lock(&self.queue).clear();
    }

    /// How many requests were faulted so far.
    pub fn injected(&self) -> u64 {
        *lock(&self.injected)
    }

    /// The queued faults as JSON.
    pub fn to_json(&self) -> Json {
        let q = lock(&self.queue);
        Json::Array(
            q.iter()
                .map(|a| {
                    let mut v =
                        serde_json::to_value(FaultJson::from(&a.spec)).unwrap_or(Json::Null);
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("left".into(), a.left.map(Json::from).unwrap_or(Json::Null));
                    }
                    v
                })
                .collect(),
        )
    }

    /// Takes what applies to a request for `path`, consuming counts.
    pub fn take(&self, path: &str) -> FaultAction {
        let mut action = FaultAction::default();
        let mut q = lock(&self.queue);
        for a in q.iter_mut() {
            if a.left == Some(0) {
                continue;
            }
            if let Some(p) = &a.spec.path
                && !path.contains(p.as_str())
            {
                continue;
            }
            let is_latency_only = a.spec.drop.is_none() && a.spec.status.is_none();
            if is_latency_only {
                if action.latency.is_none() {
                    action.latency = a.spec.latency_ms.map(Duration::from_millis);
                    if let Some(l) = a.left.as_mut() {
                        *l -= 1;
                    }
                }
                continue;
            }
            if action.drop || action.respond.is_some() {
                continue;
            }
            if let Some(l) = a.left.as_mut() {
                *l -= 1;
            }
            if a.spec.latency_ms.is_some() && action.latency.is_none() {
                action.latency = a.spec.latency_ms.map(Duration::from_millis);
            }
            if a.spec.drop.is_some() {
                action.drop = true;
            } else if let Some(status) = a.spec.status {
                action.respond = Some((status, a.spec.retry_after, a.spec.body.clone()));
            }
        }
        q.retain(|a| a.left != Some(0));
        if action.drop || action.respond.is_some() {
            *lock(&self.injected) += 1;
        }
        action
    }

    fn error_response(
        &self,
        status: u16,
        retry_after: Option<u64>,
        body: Option<Json>,
    ) -> Response {
        let body = body.unwrap_or_else(|| (self.body)(status));
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, axum::Json(body)).into_response();
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct FaultJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    drop: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

impl<'a> From<&'a FaultSpec> for FaultJson<'a> {
    fn from(s: &'a FaultSpec) -> Self {
        FaultJson {
            status: s.status,
            retry_after: s.retry_after,
            latency_ms: s.latency_ms,
            drop: s.drop,
            path: s.path.as_deref(),
        }
    }
}

/// A response whose connection is cut before a complete answer (the client sees a
/// transport error).
pub fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: dropped",
        ))
    });
    Response::new(Body::from_stream(stream))
}

fn is_control_path(path: &str) -> bool {
    path.split('/').any(|seg| seg.starts_with('_'))
}

async fn fault_middleware(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if is_control_path(&path) {
        return next.run(request).await;
    }
    let action = faults.take(&path);
    if let Some(latency) = action.latency {
        tokio::time::sleep(latency).await;
    }
    if action.drop {
        return dropped_connection();
    }
    if let Some((status, retry_after, body)) = action.respond {
        return faults.error_response(status, retry_after, body);
    }
    next.run(request).await
}

async fn post_faults(State(faults): State<Faults>, body: Bytes) -> Response {
    let parsed: Result<Json, _> = serde_json::from_slice(&body);
    let specs: Result<Vec<FaultSpec>, String> = match parsed {
        Ok(Json::Array(items)) => items
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
            .collect(),
        Ok(v) => serde_json::from_value(v)
            .map(|s| vec![s])
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match specs {
        Ok(specs) => {
            for s in specs {
                faults.add(s);
            }
            axum::Json(json!({"faults": faults.to_json()})).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": format!("bad fault: {e}")})),
        )
            .into_response(),
    }
}

async fn get_faults(State(faults): State<Faults>) -> Response {
    axum::Json(json!({"faults": faults.to_json(), "injected": faults.injected()})).into_response()
}

async fn delete_faults(State(faults): State<Faults>) -> Response {
    faults.clear();
    axum::Json(json!({"faults": []})).into_response()
}

/// Adds `/_faults` (POST adds, GET lists, DELETE clears) and the fault middleware to an
/// emulator's router.
pub fn with_faults(router: Router, faults: Faults) -> Router {
    let control = Router::new()
        .route(
            "/_faults",
            post(post_faults).get(get_faults).delete(delete_faults),
        )
        .with_state(faults.clone());
    router
        .merge(control)
        .layer(axum::middleware::from_fn_with_state(
            faults,
            fault_middleware,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_queue() {
        let f = Faults::new();
        f.add(FaultSpec {
            status: Some(429),
            count: Some(2),
            retry_after: Some(1),
            ..Default::default()
        });
        f.add(FaultSpec {
            drop: Some(1),
            ..Default::default()
        });
        f.add(FaultSpec {
            latency_ms: Some(5),
            ..Default::default()
        });
        let a = f.take("/x");
        assert_eq!(a.respond.as_ref().map(|r| r.0), Some(429));
        assert_eq!(a.latency, Some(Duration::from_millis(5)));
        assert!(f.take("/x").respond.is_some());
        let a = f.take("/x");
        assert!(a.drop);
        let a = f.take("/x");
        assert!(!a.drop && a.respond.is_none());
        assert_eq!(a.latency, Some(Duration::from_millis(5)));
        assert_eq!(f.injected(), 3);
    }

    #[test]
    fn idempotency() {
        let c = IdempotencyCache::new();
        assert_eq!(c.check("k", "a"), Replay::<u32>::New);
        c.store("k", "a", 1);
        assert_eq!(c.check("k", "a"), Replay::Same(1));
        assert_eq!(c.check("k", "b"), Replay::Mismatch);
    }
}
