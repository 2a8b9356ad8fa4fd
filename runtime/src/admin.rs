//! The admin endpoints of `serve`: `/metrics`, the run history (`GET /admin/runs`,
//! `GET /admin/runs/{id}`) and replays (`POST /admin/runs/{id}/replay`,
//! `POST /admin/replay-dead`). Bound to a loopback address they are open; otherwise every
//! request must carry `Authorization: Bearer <HANDLED_ADMIN_TOKEN>`, compared in constant time,
//! and without that variable they stay closed.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Notify;

use crate::app::{Runtime, RuntimeError};
use crate::connector::Json;
use crate::store::{RunRecord, RunStatus};

/// The variable holding the admin token.
pub const TOKEN_VAR: &str = "HANDLED_ADMIN_TOKEN";

/// Who may use the admin endpoints.
#[derive(Clone)]
pub enum AdminAccess {
    /// Anyone who can reach the address (it is a loopback address).
    Open,
    /// Requests carrying this bearer token.
    Token(Arc<str>),
    /// Nobody: the address is not loopback and no token is set.
    Closed,
}

impl AdminAccess {
    /// The access for a server listening on `addr`, with the token if one is set.
    pub fn for_listener(addr: SocketAddr, token: Option<&str>) -> Self {
        match token.map(str::trim).filter(|t| !t.is_empty()) {
            Some(token) => AdminAccess::Token(token.into()),
            None if addr.ip().is_loopback() => AdminAccess::Open,
            None => AdminAccess::Closed,
        }
    }

    fn allows(&self, authorization: Option<&HeaderValue>) -> bool {
        match self {
            AdminAccess::Open => true,
            AdminAccess::Closed => false,
            AdminAccess::Token(expected) => {
                let given = authorization
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .unwrap_or_default();
                handled_contract::sign::constant_time_eq(
                    given.trim().as_bytes(),
                    expected.as_bytes(),
                )
            }
        }
    }
}

#[derive(Clone)]
struct AdminState {
    runtime: Runtime,
    wake: Arc<Notify>,
}

/// The admin routes, behind `access`.
pub(crate) fn router(
    runtime: Runtime,
    wake: Arc<Notify>,
    access: AdminAccess,
    metrics: axum::routing::MethodRouter<Runtime>,
) -> Router {
    let admin_wake = Arc::clone(&wake);
    let admin = Router::new()
        .route("/admin/runs", get(list_runs))
        .route("/admin/runs/{id}", get(show_run))
        .route("/admin/runs/{id}/replay", post(replay_run))
        .route("/admin/replay-dead", post(replay_dead))
        .with_state(AdminState {
            runtime: runtime.clone(),
            wake,
        });
    let pages = crate::ui::router(runtime.clone(), admin_wake);
    let metrics = Router::new().route("/metrics", metrics).with_state(runtime);
    admin
        .merge(metrics)
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(access, guard))
        .merge(crate::ui::login_router())
}

/// The admin token a browser signed in with (the `handled_admin` cookie).
fn cookie_token(request: &Request) -> Option<HeaderValue> {
    let cookies = request.headers().get_all(header::COOKIE);
    cookies
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::ui::COOKIE)
        .and_then(|(_, token)| HeaderValue::from_str(&format!("Bearer {token}")).ok())
}

async fn guard(State(access): State<AdminAccess>, request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .cloned()
        .or_else(|| cookie_token(&request));
    if access.allows(authorization.as_ref()) {
        return next.run(request).await;
    }
    // A browser is sent to sign in (unless the pages are closed to everyone).
    if request.uri().path().starts_with("/ui") && !matches!(access, AdminAccess::Closed) {
        metrics::counter!("handled_admin_refused_total").increment(1);
        return axum::response::Redirect::to("/ui/login").into_response();
    }
    let message = match access {
        AdminAccess::Closed => format!(
            "the admin endpoints are closed: this server is not bound to loopback; set {TOKEN_VAR} and send it as a bearer token"
        ),
        _ => "a valid bearer token is required".to_string(),
    };
    metrics::counter!("handled_admin_refused_total").increment(1);
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json::from(serde_json::json!({ "error": message })).to_string(),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct RunsQuery {
    status: Option<String>,
    limit: Option<usize>,
}

/// One run as the history lists it (what `runs --json` prints).
pub fn run_summary(r: &RunRecord) -> Json {
    serde_json::json!({
        "runId": r.id,
        "workflow": r.workflow,
        "status": r.status.as_str(),
        "attempt": r.attempt,
        "key": r.key,
        "dead": r.dead,
        "queuedAt": crate::clock::iso_ms(r.created_at_ms),
        "startedAt": r.started_at_ms.map(crate::clock::iso_ms),
        "finishedAt": r.finished_at_ms.map(crate::clock::iso_ms),
        "error": r.error,
    })
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error_response(e: RuntimeError) -> Response {
    let status = match e {
        RuntimeError::Usage(_) => StatusCode::NOT_FOUND,
        RuntimeError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        RuntimeError::Trigger(_) | RuntimeError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    json_response(status, &serde_json::json!({ "error": e.to_string() }))
}

/// The most runs one `GET /admin/runs` lists.
const MAX_RUNS_LISTED: usize = 10_000;

/// Set on a `GET /admin/runs` answer that holds `limit` runs of more.
pub const MORE_RUNS_HEADER: &str = "x-handled-more-runs";

async fn list_runs(State(s): State<AdminState>, Query(q): Query<RunsQuery>) -> Response {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(text) => match RunStatus::parse(text) {
            Some(status) => Some(status),
            None => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &serde_json::json!({ "error": format!("unknown status `{text}`") }),
                );
            }
        },
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_RUNS_LISTED).contains(&limit) {
        return json_response(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({
                "error": format!("limit is 1 to {MAX_RUNS_LISTED} runs (got {limit}); filter by status to see others")
            }),
        );
    }
    // One more than asked for: whether the list was cut is said, not left to be guessed.
    match s.runtime.store().runs(status, limit + 1).await {
        Ok(mut runs) => {
            let more = runs.len() > limit;
            runs.truncate(limit);
            let list = Json::Array(runs.iter().map(run_summary).collect());
            let mut response = json_response(StatusCode::OK, &s.runtime.redact_for_display(&list));
            if more {
                response.headers_mut().insert(
                    MORE_RUNS_HEADER,
                    axum::http::HeaderValue::from_static("true"),
                );
            }
            response
        }
        Err(e) => error_response(e.into()),
    }
}

async fn show_run(State(s): State<AdminState>, Path(id): Path<String>) -> Response {
    match s.runtime.show(&id).await {
        Ok(report) => json_response(StatusCode::OK, &report),
        Err(e) => error_response(e),
    }
}

impl Runtime {
    /// Queues an ended run again for the workers, which resume it at its first unfinished
    /// step (the served counterpart of [`Runtime::replay`]).
    /// Queues an ended run again for the workers; `Err`: the answer to give (not found, running,
    /// the store unreachable).
    pub(crate) async fn requeue_for_workers(&self, run_id: &str) -> Result<RunRecord, Response> {
        let not_found = || {
            json_response(
                StatusCode::NOT_FOUND,
                &serde_json::json!({ "error": format!("no run {run_id}") }),
            )
        };
        match self.engine.store.run(run_id).await {
            Ok(Some(run)) if self.engine.workflow(&run.workflow).is_some() => {}
            Ok(_) => return Err(not_found()),
            Err(e) => return Err(error_response(e.into())),
        }
        match self.engine.store.requeue(run_id, None).await {
            Ok(Some(run)) => Ok(run),
            Ok(None) => Err(json_response(
                StatusCode::CONFLICT,
                &serde_json::json!({ "error": format!("run {run_id} is running; it cannot be replayed now") }),
            )),
            Err(e) => Err(error_response(e.into())),
        }
    }
}

/// Queues a failed run again; a worker resumes it at its first unfinished step.
async fn replay_run(State(s): State<AdminState>, Path(id): Path<String>) -> Response {
    match s.runtime.requeue_for_workers(&id).await {
        Ok(run) => {
            s.wake.notify_one();
            json_response(StatusCode::ACCEPTED, &run_summary(&run))
        }
        Err(response) => response,
    }
}

async fn replay_dead(State(s): State<AdminState>) -> Response {
    let dead = match s.runtime.store().dead_runs().await {
        Ok(dead) => dead,
        Err(e) => return error_response(e.into()),
    };
    let mut queued = Vec::new();
    for run in dead {
        // A dead run of a workflow this program no longer has stays dead.
        if let Ok(run) = s.runtime.requeue_for_workers(&run.id).await {
            queued.push(run_summary(&run));
        }
    }
    s.wake.notify_one();
    json_response(StatusCode::ACCEPTED, &Json::Array(queued))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_open_other_addresses_need_the_token() {
        let local: SocketAddr = ([127, 0, 0, 1], 8080).into();
        let public: SocketAddr = ([0, 0, 0, 0], 8080).into();
        let bearer = |t: &str| HeaderValue::from_str(&format!("Bearer {t}")).ok();
        assert!(AdminAccess::for_listener(local, None).allows(None));
        let closed = AdminAccess::for_listener(public, None);
        assert!(!closed.allows(bearer("anything").as_ref()));
        let token = AdminAccess::for_listener(public, Some("s3cret"));
        assert!(token.allows(bearer("s3cret").as_ref()));
        assert!(!token.allows(bearer("s3cre").as_ref()));
        assert!(!token.allows(bearer("s3cret2").as_ref()));
        assert!(!token.allows(None));
        // A token set on loopback is required too.
        assert!(!AdminAccess::for_listener(local, Some("s3cret")).allows(None));
    }
}
