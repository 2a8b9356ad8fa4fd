//! `serve`: the webhook server (one path per event trigger), the workers that take queued runs
//! (one run at a time per key, other keys in parallel), the cron scheduler, the admin endpoints
//! (`/metrics`, `/admin/…`: see [`crate::admin`]), `/healthz` and `/readyz`; SIGTERM stops
//! taking work, lets in-flight runs finish, and exits.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::sync::Notify;

use crate::app::{Runtime, RuntimeError};
use crate::connector::{Connector, Json, WebhookError, WebhookRequest};
use crate::schedule::CronSchedule;
use crate::store::{EventOutcome, RunRecord, RunStatus};
use crate::webhook::{accept_received, hook_path};
use crate::workflow::Workflow;

/// The largest webhook body accepted (larger ones are answered 413).
pub const MAX_BODY: usize = 1024 * 1024;

/// The longest a webhook's answer is held while the backlog is over its limit (`serve
/// --max-backlog`): well under the 5 s after which Shopify counts a delivery as failed.
pub const HOLD_MAX: Duration = Duration::from_secs(1);

/// How often the backlog is counted while it has a limit.
const BACKLOG_POLL: Duration = Duration::from_millis(50);

/// Admission control (`serve --max-backlog N`): while more than `limit` runs wait in the
/// queue, the answer to a webhook that queued a run is held, for up to [`HOLD_MAX`], until the
/// backlog is back under the limit. The event is stored before the hold, so nothing waits
/// undurably; a sender that waits for its answers slows down to the pace runs are finished
/// at, and the queue's latency stays bounded instead of growing with every burst. Nothing is
/// refused: after [`HOLD_MAX`] the answer goes anyway.
#[derive(Debug)]
pub struct Backlog {
    limit: u64,
    depth: std::sync::atomic::AtomicU64,
    below: Notify,
}

impl Backlog {
    /// A backlog that holds answers while more than `limit` runs wait.
    pub fn new(limit: u64) -> Self {
        Backlog {
            limit,
            depth: std::sync::atomic::AtomicU64::new(0),
            below: Notify::new(),
        }
    }

    /// Counts runs just queued (until the next count of the queue).
    fn queued(&self, runs: u64) {
        self.depth
            .fetch_add(runs, std::sync::atomic::Ordering::Relaxed);
    }

    fn over(&self) -> bool {
        self.depth.load(std::sync::atomic::Ordering::Relaxed) > self.limit
    }

    /// Records the queue's depth, and releases the held answers when it is back under.
    fn set(&self, depth: u64) {
        self.depth
            .store(depth, std::sync::atomic::Ordering::Relaxed);
        if depth <= self.limit {
            self.below.notify_waiters();
        }
    }

    /// Waits while the backlog is over its limit, for up to [`HOLD_MAX`]; how long it held.
    async fn hold(&self) -> Option<Duration> {
        if !self.over() {
            return None;
        }
        let started = tokio::time::Instant::now();
        let deadline = started + HOLD_MAX;
        loop {
            let below = self.below.notified();
            tokio::pin!(below);
            below.as_mut().enable();
            if !self.over() {
                break;
            }
            tokio::select! {
                () = below => {}
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        Some(started.elapsed())
    }

    /// Counts the queue every [`BACKLOG_POLL`] until the process stops (also keeping the
    /// `handled_queue_depth` gauge fresh).
    async fn watch(self: Arc<Self>, runtime: Runtime) {
        let mut shutdown = runtime.engine.shutdown.clone();
        loop {
            if let Ok(depth) = runtime.store().queue_depth().await {
                metrics::gauge!("handled_queue_depth").set(depth as f64);
                self.set(depth);
            }
            tokio::select! {
                _ = shutdown.wait_for(|s| *s) => {
                    // Nothing is held while the process stops.
                    self.set(0);
                    return;
                }
                () = tokio::time::sleep(BACKLOG_POLL) => {}
            }
        }
    }
}

/// The process-wide Prometheus recorder (installed once; later servers in the same process
/// share it).
fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// The workflows served on one path (several when their triggers name the same path: each
/// gets its own event and run).
#[derive(Clone)]
struct Hook {
    runtime: Runtime,
    targets: Vec<Target>,
    wake: Arc<Notify>,
    backlog: Option<Arc<Backlog>>,
}

/// A workflow served on a path, with its trigger's connector (none for built-in triggers).
type Target = (Workflow, Option<Arc<dyn Connector>>);

/// A JSON answer with a status.
fn answer(status: StatusCode, body: Json) -> Response {
    (status, axum::Json(body)).into_response()
}

fn refused(
    runtime: &Runtime,
    workflow: &str,
    status: StatusCode,
    reason: &'static str,
    message: String,
) -> Response {
    let message = runtime.engine.redactor.text(&message);
    metrics::counter!("handled_events_refused_total", "workflow" => workflow.to_string(), "reason" => reason).increment(1);
    tracing::info!(workflow, reason, error = %message, "webhook refused");
    answer(
        status,
        serde_json::json!({ "error": reason, "message": message }),
    )
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: Bytes) -> Response {
    // A header sent more than once is one value, its values joined by ", " (RFC 9110 §5.3): a
    // signature header sent twice then verifies as neither.
    let mut combined: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in &headers {
        let Ok(v) = v.to_str() else { continue };
        combined
            .entry(k.as_str().to_ascii_lowercase())
            .and_modify(|all| {
                all.push_str(", ");
                all.push_str(v);
            })
            .or_insert_with(|| v.to_string());
    }
    let request = WebhookRequest {
        headers: combined,
        body: body.to_vec(),
    };
    // Every workflow checks the delivery before anything is stored: one that refuses it
    // (signature, malformed body) refuses it for all, and nothing changes.
    let mut accepted = Vec::new();
    let mut ignored = Vec::new();
    for (workflow, connector) in &hook.targets {
        let name = workflow.name;
        metrics::counter!("handled_events_received_total", "workflow" => name).increment(1);
        let Some(config) = hook.runtime.trigger(name) else {
            continue;
        };
        let outcome = if workflow.trigger_connector == "webhook" {
            accept_received(config, &request)
        } else if let Some(connector) = connector {
            connector.accept_webhook(config, &request)
        } else {
            Err(WebhookError::Signature(
                "this trigger's connector is not registered".to_string(),
            ))
        };
        match outcome {
            Ok(event) => accepted.push((*workflow, event)),
            Err(WebhookError::Signature(m)) => {
                return refused(
                    &hook.runtime,
                    name,
                    StatusCode::UNAUTHORIZED,
                    "signature",
                    m,
                );
            }
            Err(WebhookError::Malformed(m)) => {
                return refused(&hook.runtime, name, StatusCode::BAD_REQUEST, "malformed", m);
            }
            Err(WebhookError::Ignored(m)) => {
                metrics::counter!("handled_events_ignored_total", "workflow" => name).increment(1);
                ignored.push(m);
            }
        }
    }
    if accepted.is_empty() {
        return answer(
            StatusCode::OK,
            serde_json::json!({ "status": "ignored", "message": ignored.join("; ") }),
        );
    }
    let mut ready = Vec::with_capacity(accepted.len());
    for (workflow, event) in accepted {
        let raw = event.payload.clone();
        match hook.runtime.enrich(&workflow, event.payload).await {
            Ok(payload) => ready.push((workflow, event.event_id, event.occurred_at_ms, payload)),
            Err(RuntimeError::Refused(reason)) => {
                // It can never run: a 5xx would have the sender retry it for days (and Shopify
                // drops a subscription that keeps failing). Recorded as refused, answered 200.
                let name = workflow.name;
                let recorded = hook
                    .runtime
                    .record_refused(name, event.event_id, event.occurred_at_ms, raw, &reason)
                    .await;
                return match recorded {
                    Ok(EventOutcome::Queued(run_id)) => answer(
                        StatusCode::OK,
                        serde_json::json!({ "workflow": name, "status": "refused", "runId": run_id, "message": reason }),
                    ),
                    Ok(_) => answer(
                        StatusCode::OK,
                        serde_json::json!({ "workflow": name, "status": "duplicate", "message": reason }),
                    ),
                    Err(e) => answer(
                        StatusCode::SERVICE_UNAVAILABLE,
                        serde_json::json!({ "error": "store", "message": e.to_string() }),
                    ),
                };
            }
            Err(e) => {
                // Not acknowledged: the sender delivers it again later.
                let message = e.to_string();
                return refused(
                    &hook.runtime,
                    workflow.name,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "enrichment",
                    message,
                );
            }
        }
    }
    let mut results = Vec::with_capacity(ready.len());
    let mut any_queued = false;
    let mut queued = 0;
    let mut any_echo = false;
    for (workflow, event_id, occurred_at_ms, payload) in ready {
        let name = workflow.name;
        let outcome = match hook
            .runtime
            .record_delivery(name, event_id, occurred_at_ms, payload)
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => {
                // Not acknowledged; what was stored for other workflows is deduplicated when the
                // sender delivers it again.
                tracing::error!(workflow = name, error = %e, "the event could not be stored");
                return answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({ "error": "store", "message": e.to_string() }),
                );
            }
        };
        let result = match outcome {
            EventOutcome::Queued(run_id) => {
                any_queued = true;
                queued += 1;
                serde_json::json!({ "workflow": name, "status": "queued", "runId": run_id })
            }
            EventOutcome::Duplicate => {
                metrics::counter!("handled_events_deduplicated_total", "workflow" => name)
                    .increment(1);
                serde_json::json!({ "workflow": name, "status": "duplicate",
                    "reason": crate::admission::Admission::Duplicate.reason() })
            }
            EventOutcome::Echo => {
                // A queued run may have been waiting for this echo.
                any_echo = true;
                metrics::counter!("handled_events_echoed_total", "workflow" => name).increment(1);
                serde_json::json!({ "workflow": name, "status": "echo" })
            }
            EventOutcome::Stale => {
                metrics::counter!("handled_events_stale_total", "workflow" => name).increment(1);
                serde_json::json!({ "workflow": name, "status": "stale",
                    "reason": crate::admission::Admission::Stale.reason() })
            }
        };
        results.push(result);
    }
    if any_queued || any_echo {
        hook.wake.notify_one();
    }
    if any_queued && let Some(backlog) = &hook.backlog {
        backlog.queued(queued);
        if let Some(held) = backlog.hold().await {
            metrics::counter!("handled_webhooks_held_total").increment(1);
            metrics::histogram!("handled_webhook_hold_seconds").record(held.as_secs_f64());
        }
    }
    let status = if any_queued {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    match <[Json; 1]>::try_from(results) {
        Ok([only]) => answer(status, only),
        Err(results) => {
            let summary = if any_queued { "queued" } else { "not_queued" };
            answer(
                status,
                serde_json::json!({ "status": summary, "runs": results }),
            )
        }
    }
}

async fn metrics_page(State(runtime): State<Runtime>) -> Response {
    if let Ok(depth) = runtime.store().queue_depth().await {
        metrics::gauge!("handled_queue_depth").set(depth as f64);
    }
    match prometheus() {
        Some(handle) => (StatusCode::OK, handle.render()).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable",
        )
            .into_response(),
    }
}

async fn ready(State(runtime): State<Runtime>) -> Response {
    if *runtime.engine.shutdown.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping").into_response();
    }
    match runtime.store().queue_depth().await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

/// Refuses a body whose declared length is over [`MAX_BODY`] before reading any of it; bodies
/// of unknown length are cut off by the body limit as they are read.
async fn limit_declared_length(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        metrics::counter!("handled_events_refused_total", "workflow" => "", "reason" => "too_large").increment(1);
        return answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            serde_json::json!({ "error": "too_large", "message": format!("bodies over {MAX_BODY} bytes are refused") }),
        );
    }
    next.run(request).await
}

async fn not_found() -> Response {
    metrics::counter!("handled_events_refused_total", "workflow" => "", "reason" => "unknown_path")
        .increment(1);
    answer(
        StatusCode::NOT_FOUND,
        serde_json::json!({ "error": "not_found", "message": "no webhook is served on this path" }),
    )
}

/// The HTTP routes of a runtime: one POST path per event trigger, `/metrics`, `/healthz` and
/// `/readyz`. `wake` is notified when a run is queued; with a `backlog`, answers are held
/// while it is over its limit.
fn router(
    runtime: &Runtime,
    wake: Arc<Notify>,
    admin: crate::admin::AdminAccess,
    backlog: Option<Arc<Backlog>>,
) -> Result<Router, String> {
    let _ = prometheus();
    let mut app = Router::new();
    let mut paths: BTreeMap<String, Vec<Target>> = BTreeMap::new();
    for workflow in runtime.engine.workflows.iter().copied() {
        if workflow.trigger_connector == "schedule" {
            continue;
        }
        let Some(config) = runtime.trigger(workflow.name) else {
            continue;
        };
        let connector = runtime
            .engine
            .connectors
            .get(workflow.trigger_connector)
            .cloned();
        if connector.is_none()
            && !crate::app::BUILTIN_TRIGGERS.contains(&workflow.trigger_connector)
        {
            // Without its connector, the channel's signatures could not be checked.
            return Err(format!(
                "workflow {} is started by {} webhooks, but the {} connector is not registered in this program",
                workflow.name, workflow.trigger_connector, workflow.trigger_connector
            ));
        }
        paths
            .entry(hook_path(&workflow, config))
            .or_default()
            .push((workflow, connector));
    }
    for (path, targets) in paths {
        let names: Vec<&str> = targets.iter().map(|(w, _)| w.name).collect();
        tracing::info!(workflows = ?names, path = %path, "serving webhook");
        let hook = Hook {
            runtime: runtime.clone(),
            targets,
            wake: Arc::clone(&wake),
            backlog: backlog.clone(),
        };
        app = app.route(&path, post(receive).with_state(hook));
    }
    let admin = crate::admin::router(runtime.clone(), wake, admin, get(metrics_page));
    let app = app
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .with_state(runtime.clone())
        .merge(admin)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(limit_declared_length));
    Ok(app)
}

/// One worker: takes runnable runs until the process stops. When the store fails (the
/// database is unreachable), it parks and retries with a growing delay, and resumes when the
/// store answers again.
async fn worker(runtime: Runtime, wake: Arc<Notify>) {
    const FIRST_RETRY: Duration = Duration::from_millis(250);
    const LAST_RETRY: Duration = Duration::from_secs(15);
    let engine = Arc::clone(&runtime.engine);
    let mut shutdown = engine.shutdown.clone();
    let mut retry = FIRST_RETRY;
    // A run taken in the same transaction that ended the previous one.
    let mut next: Option<RunRecord> = None;
    loop {
        if *shutdown.borrow() {
            if let Some(run) = next.take() {
                // Taken but not started: back to the queue.
                let parked = engine
                    .store
                    .finish_run(&run.id, RunStatus::Queued, None, engine.clock.now_ms())
                    .await;
                if let Err(e) = parked {
                    tracing::warn!(run = %run.id, error = %e, "a run taken at shutdown could not be put back; it resumes at the next start");
                }
            }
            return;
        }
        // Ask to be woken before looking, so that a run queued in between is not missed.
        let mut notified = Box::pin(wake.notified());
        notified.as_mut().enable();
        let store_wake = engine.store.wait_for_work();
        let claimed = match next.take() {
            Some(run) => Ok(Some(run)),
            None => engine.store.claim_next(engine.clock.now_ms()).await,
        };
        let failed = match claimed {
            Ok(Some(run)) => {
                // Not waiting any more: a wake-up it received goes to another worker.
                drop(notified);
                // Work is woken one worker at a time (a new run wakes one): one that found a
                // run wakes the next when the store saw another ready, so that one wake-up for
                // many runs (a replay of the dead runs, cron ticks, another process's
                // notification) reaches them all. A worker that ends a run looks again itself
                // (the run may have unblocked its key).
                if engine.store.more_ready() {
                    wake.notify_one();
                }
                let run_id = run.id.clone();
                metrics::gauge!("handled_runs_in_flight").increment(1.0);
                let result = engine.execute_and_claim(run).await;
                metrics::gauge!("handled_runs_in_flight").decrement(1.0);
                match result {
                    Ok((_, taken)) => {
                        next = taken;
                        false
                    }
                    Err(e) => {
                        tracing::error!(run = %run_id, error = %e, retry_ms = retry.as_millis() as u64, "a run could not be recorded; it will be resumed");
                        engine.store.release(&run_id);
                        true
                    }
                }
            }
            Ok(None) => {
                retry = FIRST_RETRY;
                tokio::select! {
                    _ = notified => {}
                    _ = store_wake => {}
                    _ = tokio::time::sleep(engine.poll) => {}
                    _ = shutdown.wait_for(|s| *s) => return,
                }
                false
            }
            Err(e) => {
                tracing::error!(error = %e, retry_ms = retry.as_millis() as u64, "the queue could not be read");
                true
            }
        };
        if failed {
            tokio::select! {
                _ = tokio::time::sleep(retry) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            retry = (retry * 2).min(LAST_RETRY);
        } else {
            retry = FIRST_RETRY;
        }
    }
}

impl Runtime {
    /// Fires, for each cron workflow, the latest tick that is due and not yet fired (a tick
    /// missed while the process was down fires once). On a workflow's very first start nothing
    /// is due: the schedule starts now. Returns the ticks fired (workflow, tick ms).
    pub async fn fire_due_ticks(&self) -> Result<Vec<(String, i64)>, RuntimeError> {
        let mut fired = Vec::new();
        let now = self.engine.clock.now_ms();
        for (workflow, schedule) in self.schedules().map_err(RuntimeError::Usage)? {
            let store = &self.engine.store;
            let Some(last) = store.last_tick(workflow.name).await? else {
                store.mark_tick(workflow.name, now).await?;
                continue;
            };
            let Some(tick) = schedule.due(last, now) else {
                continue;
            };
            if !store.mark_tick(workflow.name, tick).await? {
                continue;
            }
            let payload = self.tick_payload(tick);
            self.record_event(workflow.name, format!("tick-{tick}"), Some(tick), payload)
                .await?;
            tracing::info!(workflow = workflow.name, tick = %crate::clock::iso_ms(tick), "cron tick fired");
            fired.push((workflow.name.to_string(), tick));
        }
        Ok(fired)
    }

    /// The parsed schedules of the cron workflows.
    pub fn schedules(&self) -> Result<Vec<(Workflow, CronSchedule)>, String> {
        let mut out = Vec::new();
        for workflow in self
            .engine
            .workflows
            .iter()
            .copied()
            .filter(|w| w.trigger_connector == "schedule")
        {
            let Some(config) = self.trigger(workflow.name) else {
                continue;
            };
            let Some(expression) = config.string("expression") else {
                return Err(format!(
                    "workflow {}: the cron trigger has no expression",
                    workflow.name
                ));
            };
            let schedule = CronSchedule::parse(expression, config.string("timezone"))
                .map_err(|e| format!("workflow {}: {e}", workflow.name))?;
            out.push((workflow, schedule));
        }
        Ok(out)
    }

    /// Runs the webhook server, `workers` workers and the scheduler on `listener` until
    /// [`Runtime::shutdown`]; then lets in-flight runs finish and returns.
    pub async fn serve_on(
        &self,
        listener: tokio::net::TcpListener,
        workers: usize,
    ) -> Result<(), String> {
        self.serve_with(listener, workers, None).await
    }

    /// [`Runtime::serve_on`], holding webhook answers while more than `max_backlog` runs
    /// wait (see [`Backlog`]).
    pub async fn serve_with(
        &self,
        listener: tokio::net::TcpListener,
        workers: usize,
        max_backlog: Option<u64>,
    ) -> Result<(), String> {
        let schedules = self.schedules()?;
        let recovered = self
            .engine
            .store
            .recover_interrupted()
            .await
            .map_err(|e| e.to_string())?;
        if recovered > 0 {
            tracing::info!(
                runs = recovered,
                "resuming runs interrupted by the last stop"
            );
        }
        let wake = Arc::new(Notify::new());
        let admin = match listener.local_addr() {
            Ok(addr) => crate::admin::AdminAccess::for_listener(
                addr,
                self.engine.env.get(crate::admin::TOKEN_VAR),
            ),
            Err(_) => crate::admin::AdminAccess::Closed,
        };
        let backlog = max_backlog.map(|limit| Arc::new(Backlog::new(limit)));
        let app = router(self, Arc::clone(&wake), admin, backlog.clone())?;
        let mut tasks = Vec::new();
        if let Some(backlog) = backlog {
            tasks.push(tokio::spawn(backlog.watch(self.clone())));
        }
        for _ in 0..workers.max(1) {
            tasks.push(tokio::spawn(worker(self.clone(), Arc::clone(&wake))));
        }
        if !schedules.is_empty() {
            let runtime = self.clone();
            let wake = Arc::clone(&wake);
            tasks.push(tokio::spawn(async move {
                runtime.scheduler(schedules, wake).await
            }));
        }
        let mut shutdown = self.engine.shutdown.clone();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        });
        let served = server.await.map_err(|e| e.to_string());
        for task in tasks {
            let _ = task.await;
        }
        tracing::info!("stopped");
        served
    }

    async fn scheduler(&self, schedules: Vec<(Workflow, CronSchedule)>, wake: Arc<Notify>) {
        let mut shutdown = self.engine.shutdown.clone();
        loop {
            match self.fire_due_ticks().await {
                Ok(fired) if !fired.is_empty() => wake.notify_one(),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "the scheduler could not fire a tick"),
            }
            let now = self.engine.clock.now_ms();
            let next = schedules
                .iter()
                .filter_map(|(_, s)| s.next_after(now))
                .min();
            // Sleep until the next tick, but look again at least every second, so that a clock
            // change (or a test clock) is noticed.
            let wait = next.map_or(1000, |n| (n - now).clamp(1, 1000)) as u64;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }
}

/// `serve`: listens on `listen` and runs until SIGTERM or Ctrl-C. Finished runs older than
/// `retain_days` days are deleted every hour (0 keeps everything).
pub async fn serve(
    runtime: Runtime,
    listen: &str,
    workers: usize,
    retain_days: u32,
    max_backlog: Option<u64>,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    tracing::info!(listen, workers, "serving");
    let stopper = runtime.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping: finishing in-flight runs");
        stopper.shutdown();
    });
    let pruner = runtime.clone();
    tokio::spawn(async move { pruner.prune_periodically(retain_days).await });
    runtime.serve_with(listener, workers, max_backlog).await
}

impl Runtime {
    /// Deletes finished runs older than `retain_days` days (0: none), and the records of our
    /// writes older than the echo window, now and every hour after.
    async fn prune_periodically(&self, retain_days: u32) {
        let mut shutdown = self.engine.shutdown.clone();
        loop {
            let now = self.engine.clock.now_ms();
            let before = match retain_days {
                0 => i64::MIN,
                days => now - i64::from(days) * 86_400_000,
            };
            let writes_before = now - crate::echo::ECHO_WINDOW_MS;
            match self.engine.store.prune(before, writes_before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, retain_days, "old runs deleted"),
                Err(e) => tracing::warn!(error = %e, "old runs could not be deleted"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
