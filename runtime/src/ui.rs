//! The run history page of `serve` (`/ui`): server-rendered HTML (minijinja templates in
//! `ui/`, escaped by default), behind the admin endpoints' access rule. A browser signs in at
//! `/ui/login` with the admin token, kept in a `Secure; HttpOnly; SameSite=Strict` cookie; every
//! state-changing form carries a CSRF token derived from a secret of the process.
//!
//! - `/ui/runs`: the runs, newest first, filtered by status, workflow, SKU (key) and time, paged
//!   by the queue order (`Store::runs_page`, from indexes).
//! - `/ui/runs/{id}`: the event (redacted), every step with its input and output or error (and
//!   its `.hs` location), every call with its request, answer and attempts; a failed run can be
//!   replayed.
//! - `/ui/skus/{sku}`: every run of the SKU with the writes it made, and each channel's last
//!   written value: why a channel holds the number it holds.

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::Environment;
use serde_json::json;
use tokio::sync::Notify;

use crate::app::Runtime;
use crate::connector::Json;
use crate::store::{RunFilter, RunRecord, RunStatus};

/// The cookie holding the admin token of a signed-in browser.
pub const COOKIE: &str = "handled_admin";

/// Runs on one page.
const PAGE: usize = 50;

/// Runs of one SKU its page reads.
const SKU_RUNS: usize = 200;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("ui/base.html")),
        ("runs.html", include_str!("ui/runs.html")),
        ("run.html", include_str!("ui/run.html")),
        ("sku.html", include_str!("ui/sku.html")),
        ("login.html", include_str!("ui/login.html")),
    ] {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "a page template does not parse");
        }
    }
    env
});

/// The process's secret for CSRF tokens (random, new at every start).
static CSRF_SECRET: LazyLock<[u8; 32]> = LazyLock::new(rand::random);

/// The CSRF token every form of this process carries.
pub fn csrf_token() -> String {
    handled_contract::sign::hmac_sha256_hex(CSRF_SECRET.as_slice(), b"handled-ui-forms")
}

#[derive(Clone)]
struct UiState {
    runtime: Runtime,
    wake: Arc<Notify>,
}

/// The pages behind the admin guard.
pub(crate) fn router(runtime: Runtime, wake: Arc<Notify>) -> Router {
    Router::new()
        .route("/ui", get(|| async { Redirect::to("/ui/runs") }))
        .route("/ui/runs", get(runs_page))
        .route("/ui/runs/{id}", get(run_page))
        .route("/ui/runs/{id}/replay", post(replay))
        .route("/ui/replay-dead", post(replay_dead))
        .route("/ui/skus/{sku}", get(sku_page))
        .with_state(UiState { runtime, wake })
}

/// The sign-in page and form, outside the guard.
pub(crate) fn login_router() -> Router {
    Router::new().route(
        "/ui/login",
        get(|| async { render("login.html", json!({})) }).post(login),
    )
}

fn render(template: &str, context: Json) -> Response {
    let page = TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&context))));
    match page {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template, error = %e, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct LoginForm {
    token: String,
}

/// Keeps the token in a cookie; the guard checks it on the next request like a bearer token.
async fn login(Form(form): Form<LoginForm>) -> Response {
    let token = form.token.trim();
    if token.is_empty() || token.contains([';', ',', ' ', '"', '\\']) || !token.is_ascii() {
        return render(
            "login.html",
            json!({"problem": "that is not an admin token"}),
        );
    }
    let cookie = format!("{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict");
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/ui/runs".to_string()),
        ],
    )
        .into_response()
}

#[derive(serde::Deserialize, Default)]
struct RunsQuery {
    status: Option<String>,
    workflow: Option<String>,
    key: Option<String>,
    since: Option<String>,
    until: Option<String>,
    before: Option<i64>,
}

/// `field` unless empty.
fn given(field: &Option<String>) -> Option<String> {
    field
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An RFC 3339 time (or a date) as epoch milliseconds.
fn parse_time(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis())
        })
}

impl RunsQuery {
    /// The store's filter, or what is wrong with the query.
    fn filter(&self) -> Result<RunFilter, String> {
        let status = match given(&self.status) {
            None => None,
            Some(s) => Some(RunStatus::parse(&s).ok_or(format!("unknown status `{s}`"))?),
        };
        let time = |field: &Option<String>, name: &str| match given(field) {
            None => Ok(None),
            Some(t) => parse_time(&t).map(Some).ok_or(format!(
                "`{name}` is not a time (2026-12-07T10:00:00Z or 2026-12-07)"
            )),
        };
        Ok(RunFilter {
            status,
            workflow: given(&self.workflow),
            key: given(&self.key),
            since_ms: time(&self.since, "since")?,
            until_ms: time(&self.until, "until")?,
            before_seq: self.before,
        })
    }

    /// The same query's next page, after `last`.
    fn older(&self, last: &RunRecord) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (name, value) in [
            ("status", &self.status),
            ("workflow", &self.workflow),
            ("key", &self.key),
            ("since", &self.since),
            ("until", &self.until),
        ] {
            if let Some(v) = given(value) {
                pairs.push((name, v));
            }
        }
        pairs.push(("before", last.seq.to_string()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("/ui/runs?{}", query.join("&"))
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn runs_page(State(s): State<UiState>, Query(q): Query<RunsQuery>) -> Response {
    let workflows: Vec<&str> = s.runtime.workflow_names();
    let statuses: Vec<&str> = RunStatus::ALL.iter().map(|s| s.as_str()).collect();
    // As typed (empty when not given, never `none`), to fill the form again.
    let typed = |field: &Option<String>| given(field).unwrap_or_default();
    let shown = json!({
        "status": typed(&q.status), "workflow": typed(&q.workflow), "key": typed(&q.key),
        "since": typed(&q.since), "until": typed(&q.until),
    });
    let (runs, older, problem) = match q.filter() {
        Err(problem) => (Vec::new(), None, Some(problem)),
        Ok(filter) => match s.runtime.store().runs_page(filter, PAGE + 1).await {
            Ok(mut runs) => {
                let more = runs.len() > PAGE;
                runs.truncate(PAGE);
                let older = more.then(|| runs.last().map(|r| q.older(r))).flatten();
                (runs, older, None)
            }
            Err(e) => (Vec::new(), None, Some(format!("the store: {e}"))),
        },
    };
    let list: Vec<Json> = runs.iter().map(crate::admin::run_summary).collect();
    render(
        "runs.html",
        json!({
            "runs": s.runtime.redact_for_display(&Json::Array(list)),
            "older": older, "problem": problem, "filter": shown, "csrf": csrf_token(),
            "workflows": workflows, "statuses": statuses,
        }),
    )
}

fn not_found(what: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(format!("<p>{}</p>", escape(&what))),
    )
        .into_response()
}

/// HTML-escapes `text` (for the few messages not rendered by a template).
fn escape(text: &str) -> String {
    minijinja::HtmlEscape(text).to_string()
}

async fn run_page(State(s): State<UiState>, Path(id): Path<String>) -> Response {
    let run = match s.runtime.store().run(&id).await {
        Ok(Some(run)) => run,
        Ok(None) => return not_found(format!("no run {id}")),
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let report = match s.runtime.show(&id).await {
        Ok(report) => report,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    render(
        "run.html",
        json!({
            "run": report,
            "event": s.runtime.redact_for_display(&run.payload),
            "csrf": csrf_token(),
        }),
    )
}

#[derive(serde::Deserialize)]
struct ReplayForm {
    csrf: String,
}

async fn replay(
    State(s): State<UiState>,
    Path(id): Path<String>,
    Form(form): Form<ReplayForm>,
) -> Response {
    if !csrf_ok(&form) {
        return (
            StatusCode::FORBIDDEN,
            "the form's CSRF token is not this server's",
        )
            .into_response();
    }
    match s.runtime.requeue_for_workers(&id).await {
        Ok(_) => {
            s.wake.notify_one();
            Redirect::to(&format!("/ui/runs/{}", encode(&id))).into_response()
        }
        Err(response) => response,
    }
}

/// Whether `form` carries this process's CSRF token.
fn csrf_ok(form: &ReplayForm) -> bool {
    let expected = csrf_token();
    handled_contract::sign::constant_time_eq(form.csrf.as_bytes(), expected.as_bytes())
}

/// Queues every dead run again (those of workflows this program still has).
async fn replay_dead(State(s): State<UiState>, Form(form): Form<ReplayForm>) -> Response {
    if !csrf_ok(&form) {
        return (
            StatusCode::FORBIDDEN,
            "the form's CSRF token is not this server's",
        )
            .into_response();
    }
    let dead = match s.runtime.store().dead_runs().await {
        Ok(dead) => dead,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    for run in dead {
        // A dead run of a workflow this program no longer has stays dead.
        let _ = s.runtime.requeue_for_workers(&run.id).await;
    }
    s.wake.notify_one();
    Redirect::to("/ui/runs").into_response()
}

#[derive(serde::Deserialize, Default)]
struct SkuQuery {
    before: Option<i64>,
}

/// One write a run made of the SKU: its channel, op, quantity and how it ended.
fn writes_of(runtime: &Runtime, sku: &str, report: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    for call in report["calls"].as_array().into_iter().flatten() {
        let Some((channel, op)) = call["op"].as_str().and_then(|o| o.split_once('.')) else {
            continue;
        };
        if !crate::echo::is_write(channel, op) {
            continue;
        }
        let written = runtime
            .written_quantity(channel, op, &call["params"])
            .filter(|(s, _)| s == sku);
        let Some((_, quantity)) = written else {
            continue;
        };
        out.push(json!({
            "channel": channel, "op": call["op"], "quantity": quantity, "step": call["step"],
            "pending": call["pending"].as_bool().unwrap_or(false),
            "failed": !call["error"].is_null(),
        }));
    }
    out
}

async fn sku_page(
    State(s): State<UiState>,
    Path(sku): Path<String>,
    Query(q): Query<SkuQuery>,
) -> Response {
    let filter = RunFilter {
        key: Some(sku.clone()),
        before_seq: q.before,
        ..RunFilter::default()
    };
    let runs = match s.runtime.store().runs_page(filter, SKU_RUNS + 1).await {
        Ok(runs) => runs,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let older = (runs.len() > SKU_RUNS)
        .then(|| runs.get(SKU_RUNS - 1))
        .flatten()
        .map(|r| format!("/ui/skus/{}?before={}", encode(&sku), r.seq));
    let mut timeline = Vec::new();
    let mut last: Vec<Json> = Vec::new();
    for run in runs.iter().take(SKU_RUNS) {
        let Ok(report) = s.runtime.show(&run.id).await else {
            continue;
        };
        let writes = writes_of(&s.runtime, &sku, &report);
        let queued = crate::clock::iso_ms(run.created_at_ms);
        // Newest first: a channel's first applied write seen is its last written value.
        for w in writes.iter().filter(|w| w["failed"] == false) {
            if !last.iter().any(|l| l["channel"] == w["channel"]) {
                let mut entry = w.clone();
                entry["runId"] = json!(run.id);
                entry["queuedAt"] = json!(queued);
                last.push(entry);
            }
        }
        timeline.push(json!({
            "runId": run.id, "workflow": run.workflow, "status": run.status.as_str(),
            "queuedAt": queued, "event": s.runtime.redact_for_display(&run.payload),
            "writes": writes,
        }));
    }
    render(
        "sku.html",
        json!({"sku": sku, "timeline": timeline, "last": last, "older": older}),
    )
}
