//! The standalone emulator server: every channel's emulator mounted under `/{channel}` on one
//! port (`/shopify/admin/api/2026-04/graphql.json`, `/wms/inventory/{sku}`, `/email/_smtp`, …,
//! each with its own `/_state` and `/_faults`), plus:
//!
//! - `GET /_state`: every channel's state in one object, `{"shopify": …, "wms": …, …}`.
//! - `POST /_faults`: one fault or a list, each naming its `"channel"`; the rest of the entry
//!   is what that emulator's `/_faults` takes (`{"channel":"shopify","status":429,"count":3,
//!   "retryAfter":1}`, `{"channel":"amazon","status":503,"path":"/listings/"}`,
//!   `{"channel":"ebay","latencyMs":200}`, `{"channel":"wms","drop":1}`; see
//!   `handled_connector_core::emulator`). A fault without a known channel is refused with 400.
//! - `GET /_faults`: per channel, the queued faults and how many requests were faulted;
//!   `DELETE /_faults` clears them all.
//! - `GET /healthz`: `ok`.
//!
//! The emulators' credentials are the fixture's or their sandbox defaults, which are what each
//! connector's `sandbox_url` uses; anything else is refused as the real API would.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use handled_connector_core::{EmulatedFactory, Json};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// Every connector crate's factory, in the catalog's order: the one list of the connector
/// crates in code (a test checks it against `handled_catalog::CONNECTORS`).
pub fn factories() -> Vec<Box<dyn EmulatedFactory>> {
    vec![
        handled_shopify::connector(),
        handled_wms::connector(),
        handled_amazon::connector(),
        handled_ebay::connector(),
        handled_slack::connector(),
        handled_email::connector(),
        handled_analytics::connector(),
        handled_supplier::connector(),
    ]
}

/// The variables of a program served against emulators seeded from `fixture`: its `env`
/// object, then each channel's credentials and webhook secret
/// ([`handled_contract::ConnectorFactory::sandbox_credentials`]) that the `env` object does
/// not set.
pub fn sandbox_env(fixture: &Json) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = fixture
        .get("env")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .map(|(name, value)| {
            let value = match value {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            (name.clone(), value)
        })
        .collect();
    for factory in factories() {
        let entry = fixture_entry(fixture, factory.name());
        for (name, value) in factory.sandbox_credentials(entry.as_ref()) {
            if !vars.iter().any(|(n, _)| n == name) {
                vars.push((name.to_string(), value));
            }
        }
    }
    vars
}

type StateFn = Arc<dyn Fn() -> Json + Send + Sync>;

/// One channel's emulator: its router (paths relative to `/{name}`) and its state.
#[derive(Clone)]
struct Channel {
    name: &'static str,
    router: Router,
    state: StateFn,
}

/// Every channel's emulator, seeded from one fixture.
#[derive(Clone)]
pub struct Emulators {
    channels: Arc<Vec<Channel>>,
}

impl std::fmt::Debug for Emulators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.channels.iter().map(|c| c.name).collect();
        f.debug_struct("Emulators")
            .field("channels", &names)
            .finish()
    }
}

/// Queues a fixture's `"faults"` through the emulator's own `POST /_faults` (so that they are
/// checked, and answered in the vendor's shape, as a test's would be).
async fn queue_faults(router: &Router, name: &str, faults: &Json) -> Result<(), String> {
    use tower::ServiceExt;
    let refused = |e: String| format!("the {name} fixture's `faults`: {e}");
    let body = serde_json::to_vec(faults).map_err(|e| refused(e.to_string()))?;
    let request = axum::http::Request::post("/_faults")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .map_err(|e| refused(e.to_string()))?;
    let response = router
        .clone()
        .oneshot(request)
        .await
        .map_err(|e| refused(e.to_string()))?;
    if !response.status().is_success() {
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        return Err(refused(format!(
            "{status}: {}",
            String::from_utf8_lossy(&bytes)
        )));
    }
    Ok(())
}

/// A channel's entry in a fixture: `fixture.channels.NAME`, or `fixture.NAME` (as the
/// programs' `--fixture` reads it).
pub fn fixture_entry(fixture: &Json, name: &str) -> Option<Json> {
    fixture
        .get("channels")
        .and_then(|c| c.get(name))
        .or_else(|| fixture.get(name))
        .cloned()
}

impl Emulators {
    /// Builds every channel's emulator from its entry in `fixture` (the email sink also opens
    /// its SMTP port on loopback, so this runs inside a tokio runtime).
    pub async fn new(fixture: &Json) -> Result<Emulators, String> {
        let mut channels = Vec::new();
        for factory in factories() {
            let name = factory.name();
            let (entry, faults) =
                handled_connector_core::emulator::split_faults(fixture_entry(fixture, name));
            let emulator = factory.emulator(entry).await.map_err(|e| {
                // Some emulators name their fixture already.
                if e.starts_with(&format!("{name} fixture")) {
                    e
                } else {
                    format!("{name} fixture: {e}")
                }
            })?;
            if let Some(faults) = faults {
                queue_faults(&emulator.router, name, &faults).await?;
            }
            channels.push(Channel {
                name,
                router: emulator.router,
                state: emulator.state,
            });
        }
        Ok(Emulators {
            channels: Arc::new(channels),
        })
    }

    /// Every channel's state, `{"shopify": …, "wms": …, …}`.
    pub fn state(&self) -> Json {
        Json::Object(
            self.channels
                .iter()
                .map(|c| (c.name.to_string(), (c.state)()))
                .collect(),
        )
    }

    /// The server's router: each emulator under `/{channel}`, and the shared control routes.
    pub fn router(&self) -> Router {
        let mut router = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/_state",
                get(|State(e): State<Emulators>| async move { axum::Json(e.state()) }),
            )
            .route(
                "/_faults",
                get(list_faults).post(add_faults).delete(clear_faults),
            )
            .with_state(self.clone());
        for c in self.channels.iter() {
            router = router.nest(&format!("/{}", c.name), c.router.clone());
        }
        router
    }

    /// The names of the channels served, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.channels.iter().map(|c| c.name).collect()
    }

    fn find(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name)
    }
}

/// Sends one request to a channel's own router and reads its JSON answer.
async fn forward(channel: &Channel, method: Method, path: &str, body: Vec<u8>) -> (u16, Json) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body));
    let Ok(request) = request else {
        return (500, json!({"error": "cannot build the request"}));
    };
    let Ok(response) = channel.router.clone().oneshot(request).await;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

fn answer(status: StatusCode, body: Json) -> Response {
    (status, axum::Json(body)).into_response()
}

/// `POST /_faults`: one fault or a list, each naming its `channel`; the rest of each entry is
/// what that channel's `/_faults` takes (see `handled_connector_core::emulator`).
async fn add_faults(State(e): State<Emulators>, body: Bytes) -> Response {
    let entries = match serde_json::from_slice::<Json>(&body) {
        Ok(Json::Array(items)) => items,
        Ok(item @ Json::Object(_)) => vec![item],
        Ok(_) => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"error": "a fault is an object or a list of objects"}),
            );
        }
        Err(err) => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("body is not JSON: {err}")}),
            );
        }
    };
    let mut by_channel: Vec<(&Channel, Vec<Json>)> = Vec::new();
    for mut entry in entries {
        let name = entry
            .as_object_mut()
            .and_then(|o| o.remove("channel"))
            .and_then(|v| v.as_str().map(str::to_string));
        let Some(channel) = name.as_deref().and_then(|n| e.find(n)) else {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"error": format!(
                    "each fault names its `channel`, one of {}",
                    e.names().join(", ")
                )}),
            );
        };
        match by_channel.iter_mut().find(|(c, _)| c.name == channel.name) {
            Some((_, list)) => list.push(entry),
            None => by_channel.push((channel, vec![entry])),
        }
    }
    let mut out = serde_json::Map::new();
    for (channel, list) in by_channel {
        let body = Json::Array(list).to_string().into_bytes();
        let (status, reply) = forward(channel, Method::POST, "/_faults", body).await;
        if status != 200 {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            return answer(code, json!({"channel": channel.name, "error": reply}));
        }
        out.insert(channel.name.to_string(), reply);
    }
    answer(StatusCode::OK, Json::Object(out))
}

/// `GET /_faults`: every channel's queued faults and how many requests were faulted.
async fn list_faults(State(e): State<Emulators>) -> Response {
    let mut out = serde_json::Map::new();
    for c in e.channels.iter() {
        let (_, reply) = forward(c, Method::GET, "/_faults", Vec::new()).await;
        out.insert(c.name.to_string(), reply);
    }
    answer(StatusCode::OK, Json::Object(out))
}

/// `DELETE /_faults`: clears every channel's faults.
async fn clear_faults(State(e): State<Emulators>) -> Response {
    for c in e.channels.iter() {
        forward(c, Method::DELETE, "/_faults", Vec::new()).await;
    }
    answer(StatusCode::OK, json!({"faults": {}}))
}

/// A running server.
#[derive(Debug)]
pub struct Sandbox {
    /// Its base URL (`http://127.0.0.1:PORT`, no trailing slash): what `--sandbox-url` takes.
    pub url: String,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The emulators it serves.
    pub emulators: Emulators,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// Every channel's state (what `GET /_state` answers).
    pub fn state(&self) -> Json {
        self.emulators.state()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `emulators` on `listener` until the returned [`Sandbox`] is dropped.
pub fn serve(listener: TcpListener, emulators: Emulators) -> std::io::Result<Sandbox> {
    let addr = listener.local_addr()?;
    let router = emulators.router();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the sandbox server stopped");
        }
    });
    Ok(Sandbox {
        url: format!("http://{addr}"),
        addr,
        emulators,
        task,
    })
}

/// Starts the server in-process on a free loopback port, seeded from `fixture` (tests and
/// other tools; the binary does the same on `--listen`).
pub async fn start(fixture: &Json) -> Result<Sandbox, String> {
    let emulators = Emulators::new(fixture).await?;
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("cannot listen on loopback: {e}"))?;
    serve(listener, emulators).map_err(|e| e.to_string())
}
