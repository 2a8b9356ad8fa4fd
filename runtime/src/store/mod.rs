//! Where everything durable lives: events, runs, the step journal, connector calls, dedupe keys
//! and the per-key queue. The engine speaks only to the [`Store`] trait; [`SqliteStore`] is the
//! embedded implementation, [`PostgresStore`] the shared one (many processes, one database).

mod postgres;
mod sqlite;

pub use postgres::{PostgresOptions, PostgresStore};
pub use sqlite::SqliteStore;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::connector::{BoxFuture, Env, Json};
pub use crate::state::{CallStatus, RunStatus};

/// A store operation that failed (I/O, a full disk, a corrupt file).
#[derive(Clone, Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// An event to record, as a trigger produced it.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// The workflow it starts.
    pub workflow: String,
    /// The id that redeliveries share.
    pub event_id: String,
    /// The run's ordering key, if any.
    pub key: Option<String>,
    /// When it happened at the source (ms), if known: used for stale detection.
    pub occurred_at_ms: Option<i64>,
    /// The payload (already redacted where needed; runs start from it).
    pub payload: Json,
    /// When we received it (ms).
    pub received_at_ms: i64,
    /// The new run's id, if one is started.
    pub run_id: String,
    /// What the event reports, to recognise an echo of our own write: (channel, SKU,
    /// quantity), matched against writes since `echo_since_ms`.
    pub echo: Option<(String, String, i64)>,
    /// Writes older than this do not make echoes.
    pub echo_since_ms: i64,
    /// Start the run in the same transaction when it is runnable (the foreground `exec`, so
    /// that no worker of another process takes it first).
    pub start_now: bool,
    /// The trigger's `coalesce` window (ms): the run waits this long, and events of its key
    /// arriving meanwhile join it (the newest payload, the others in `conflicts`).
    pub coalesce_ms: Option<i64>,
}

/// A write we made to a channel, whose echo is to be dropped.
#[derive(Clone, Debug)]
pub struct Write {
    /// The channel (connector name).
    pub channel: String,
    /// The SKU.
    pub sku: String,
    /// The quantity we set.
    pub quantity: i64,
    /// When (ms).
    pub at_ms: i64,
}

/// What became of a recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventOutcome {
    /// Stored, and a run was queued with this id.
    Queued(String),
    /// The same event id was seen before: no second run.
    Duplicate,
    /// Older than the last event applied for its key: recorded, no run.
    Stale,
    /// The channel reporting back a quantity we just wrote: recorded, no run.
    Echo,
}

/// One run, as stored.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    /// The run id.
    pub id: String,
    /// Queue order.
    pub seq: i64,
    /// The workflow.
    pub workflow: String,
    /// The ordering key.
    pub key: Option<String>,
    /// Its state.
    pub status: RunStatus,
    /// How many times it was started (1 on its first run).
    pub attempt: u32,
    /// The trigger payload.
    pub payload: Json,
    /// When it was created (ms).
    pub created_at_ms: i64,
    /// When it first started (ms), fixed for its whole life (`run.startedAt`).
    pub started_at_ms: Option<i64>,
    /// When it last ended (ms).
    pub finished_at_ms: Option<i64>,
    /// Why it ended as it did: `{ message, location }` or `{ rules }`.
    pub error: Option<Json>,
    /// Failed for good after retries, and not replayed since.
    pub dead: bool,
}

/// Where in a run a journal entry belongs: a step, or one entry of one forEach item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StepSlot {
    /// The step index.
    pub step: usize,
    /// The forEach item, if any.
    pub item: Option<usize>,
    /// The entry within the item's actions, if any.
    pub entry: Option<usize>,
}

impl StepSlot {
    /// A whole step.
    pub fn step(step: usize) -> Self {
        StepSlot {
            step,
            item: None,
            entry: None,
        }
    }

    /// One entry of one forEach item.
    pub fn item(step: usize, item: usize, entry: usize) -> Self {
        StepSlot {
            step,
            item: Some(item),
            entry: Some(entry),
        }
    }
}

/// How a journaled step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Finished: its output is reused on resume.
    Done,
    /// Skipped (a false condition, or a failed validate rule).
    Skipped,
    /// Failed: it runs again on replay.
    Failed,
}

impl StepStatus {
    fn as_str(self) -> &'static str {
        match self {
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "done" => StepStatus::Done,
            "skipped" => StepStatus::Skipped,
            _ => StepStatus::Failed,
        }
    }
}

/// One journal entry.
#[derive(Clone, Debug)]
pub struct StepRecord {
    /// The run.
    pub run_id: String,
    /// Which step (or item entry).
    pub slot: StepSlot,
    /// The step's name.
    pub name: String,
    /// `transform`, `action` or `forEach`.
    pub kind: String,
    /// How it ended.
    pub status: StepStatus,
    /// The input it was evaluated with (transforms).
    pub input: Option<Json>,
    /// Its output.
    pub output: Option<Json>,
    /// Its error: `{ message, location }`, or `{ rules }` for failed validate rules.
    pub error: Option<Json>,
    /// Whether a secret was replaced in what was stored (the output cannot be reused as is).
    pub redacted: bool,
}

/// One connector call.
#[derive(Clone, Debug)]
pub struct CallRecord {
    /// The run.
    pub run_id: String,
    /// The step (or item entry) that made it.
    pub slot: StepSlot,
    /// `shopify.updateInventory`.
    pub op: String,
    /// The key sent with every attempt.
    pub idempotency_key: String,
    /// The params (redacted if `redacted`).
    pub params: Json,
    /// Its state.
    pub status: CallStatus,
    /// The result, when it succeeded.
    pub result: Option<Json>,
    /// The error, when it failed: `{ class, message, status }`.
    pub error: Option<Json>,
    /// Attempts made so far.
    pub attempts: u32,
    /// Whether a secret was replaced in the stored params.
    pub redacted: bool,
}

/// One write to a run's journal, as [`Store::journal`] takes them.
#[derive(Clone, Debug)]
pub enum JournalOp {
    /// Writes (or replaces) a journal entry.
    Step(StepRecord),
    /// Writes (or replaces) a call record.
    Call(CallRecord),
    /// Records a write we made, so that its echo is recognised.
    Write(Write),
    /// Takes back the record of a write that changed nothing (the channel sends no webhook for
    /// it, so no echo is to be waited for).
    ForgetWrite(Write),
}

/// How a run ended, as the store records it.
#[derive(Clone, Debug)]
pub struct RunEnd {
    /// The run.
    pub run_id: String,
    /// Its status (`Queued` puts it back in the queue).
    pub status: RunStatus,
    /// Why it ended as it did.
    pub error: Option<Json>,
    /// When (ms).
    pub at_ms: i64,
    /// Its journal entries not written yet, written first.
    pub journal: Vec<JournalOp>,
}

/// Durable storage for the engine. Every method is one transaction.
pub trait Store: Send + Sync {
    /// Records an event: drops it as a duplicate if its id was seen for this workflow, records
    /// it as stale if it is older than the newest event accepted for its key, and otherwise
    /// queues a run for it. Returns only once the outcome is durable.
    fn record_event(&self, event: NewEvent) -> BoxFuture<'_, StoreResult<EventOutcome>>;

    /// Takes the next runnable run: queued, and no earlier queued or running run has its key.
    /// Marks it running, counts the attempt and fixes its start time on its first start.
    fn claim_next(&self, now_ms: i64) -> BoxFuture<'_, StoreResult<Option<RunRecord>>>;

    /// Whether the last claim of this process saw another run ready behind the one it took: a
    /// worker that took a run wakes another only then. A hint, read after the claim; the
    /// default (a store that cannot tell) always says yes.
    fn more_ready(&self) -> bool {
        true
    }

    /// Takes one queued run by id (the foreground `exec`), as [`Store::claim_next`] would.
    fn claim(&self, run_id: &str, now_ms: i64) -> BoxFuture<'_, StoreResult<Option<RunRecord>>>;

    /// One run.
    fn run(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Option<RunRecord>>>;

    /// Runs, newest first, optionally of one status.
    fn runs(
        &self,
        status: Option<RunStatus>,
        limit: usize,
    ) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>>;

    /// One page of the run history, newest first: the runs `filter` selects, at most `limit`.
    /// Each filter reads an index (status, workflow or key, with the queue order), so a page
    /// costs the same however long the history is.
    fn runs_page(
        &self,
        filter: RunFilter,
        limit: usize,
    ) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>>;

    /// Failed runs that are dead (failed for good, not replayed since).
    fn dead_runs(&self) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>>;

    /// The journal of a run, in step order.
    fn steps(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Vec<StepRecord>>>;

    /// The calls of a run, in step order.
    fn calls(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Vec<CallRecord>>>;

    /// Writes journal entries, calls and echo records in one transaction, in order.
    fn journal(&self, ops: Vec<JournalOp>) -> BoxFuture<'_, StoreResult<()>>;

    /// Writes (or replaces) a journal entry.
    fn put_step(&self, step: StepRecord) -> BoxFuture<'_, StoreResult<()>> {
        self.journal(vec![JournalOp::Step(step)])
    }

    /// Writes (or replaces) a call record.
    fn put_call(&self, call: CallRecord) -> BoxFuture<'_, StoreResult<()>> {
        self.journal(vec![JournalOp::Call(call)])
    }

    /// Records a write we made, so that its echo is recognised.
    fn record_write(&self, write: Write) -> BoxFuture<'_, StoreResult<()>> {
        self.journal(vec![JournalOp::Write(write)])
    }

    /// Ends a run with a final status (or puts it back in the queue with `Queued`, when the
    /// process stops in the middle of it).
    fn finish_run(
        &self,
        run_id: &str,
        status: RunStatus,
        error: Option<Json>,
        now_ms: i64,
    ) -> BoxFuture<'_, StoreResult<()>> {
        self.end_run(RunEnd {
            run_id: run_id.to_string(),
            status,
            error,
            at_ms: now_ms,
            journal: Vec::new(),
        })
    }

    /// Writes a run's last journal entries and ends it as [`Store::finish_run`] does, in one
    /// transaction.
    fn end_run(&self, end: RunEnd) -> BoxFuture<'_, StoreResult<()>>;

    /// Ends a run as [`Store::end_run`] does, then takes the next runnable run as
    /// [`Store::claim_next`] does (a worker going on to its next run): one transaction where
    /// the store can.
    fn end_run_and_claim(&self, end: RunEnd) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        Box::pin(async move {
            let at_ms = end.at_ms;
            self.end_run(end).await?;
            self.claim_next(at_ms).await
        })
    }

    /// Queues an ended run again, to resume at its first unfinished step; with `start_at_ms`,
    /// also starts it in the same transaction when it is runnable. Returns the run as it then
    /// is, or `None` when there is no such run or it is running.
    fn requeue(
        &self,
        run_id: &str,
        start_at_ms: Option<i64>,
    ) -> BoxFuture<'_, StoreResult<Option<RunRecord>>>;

    /// At start-up: runs left `running` by a process that stopped are queued again.
    fn recover_interrupted(&self) -> BoxFuture<'_, StoreResult<usize>>;

    /// Queued runs.
    fn queue_depth(&self) -> BoxFuture<'_, StoreResult<u64>>;

    /// The last cron tick (ms) fired for a workflow.
    fn last_tick(&self, workflow: &str) -> BoxFuture<'_, StoreResult<Option<i64>>>;

    /// Deletes runs that ended before `before_ms` (with their journal and calls), and events
    /// received before it; returns how many runs were deleted. Dead runs are kept. The records
    /// of our writes made before `writes_before_ms` go too: echo suppression looks back
    /// [`crate::echo::ECHO_WINDOW_MS`] only, and the echo index stays that small.
    fn prune(&self, before_ms: i64, writes_before_ms: i64) -> BoxFuture<'_, StoreResult<usize>>;

    /// Records a cron tick as fired; false if it already was (another process fired it).
    fn mark_tick(&self, workflow: &str, tick_ms: i64) -> BoxFuture<'_, StoreResult<bool>>;

    /// Completes when another process may have queued or released work (a shared store's
    /// notification). Workers also poll, so the default never completes. The future is armed
    /// when created: create it before looking at the queue.
    fn wait_for_work(&self) -> BoxFuture<'_, ()> {
        Box::pin(std::future::pending())
    }

    /// Gives up a claimed run that could not be carried on (the store failed in the middle of
    /// it): a shared store stops renewing its lease, so that any process takes it over once the
    /// lease runs out. The default does nothing (the run resumes at the next start).
    fn release(&self, run_id: &str) {
        let _ = run_id;
    }
}

/// The environment variable that sets a PostgreSQL store's lease, in milliseconds.
pub const LEASE_VAR: &str = "HANDLED_STORE_LEASE_MS";

/// Whether a `--store` value names a PostgreSQL database.
pub fn is_postgres(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}

/// Opens the store a `--store` value names: `postgres://…` / `postgresql://…` (a shared
/// PostgreSQL database), or a SQLite `PATH`, `sqlite:PATH` or `:memory:`.
/// For PostgreSQL, `HANDLED_STORE_LEASE_MS` in `env` sets the lease of a claimed run (default
/// 30 s), and `HOSTNAME` names this host in the owner of the runs it claims.
pub async fn open_any(spec: &str, env: &Env) -> StoreResult<Arc<dyn Store>> {
    if is_postgres(spec) {
        let mut options = PostgresOptions::default();
        if let Some(host) = env.get("HOSTNAME") {
            options.host = host.to_string();
        }
        if let Some(text) = env.get(LEASE_VAR) {
            let ms: u64 = text.trim().parse().map_err(|_| {
                StoreError(format!(
                    "{LEASE_VAR} must be a number of milliseconds, not `{text}`"
                ))
            })?;
            options.lease = std::time::Duration::from_millis(ms.max(100));
        }
        let store = PostgresStore::connect(spec, options).await?;
        return Ok(Arc::new(store));
    }
    Ok(Arc::new(open(spec)?))
}

/// Opens the SQLite store a `--store` value names: `PATH`, `sqlite:PATH`, or `:memory:`
/// (PostgreSQL URLs go through [`open_any`]).
pub fn open(spec: &str) -> StoreResult<SqliteStore> {
    if is_postgres(spec) {
        return Err(StoreError(
            "a PostgreSQL URL is opened with store::open_any".to_string(),
        ));
    }
    let path = spec
        .strip_prefix("sqlite://")
        .or_else(|| spec.strip_prefix("sqlite:"))
        .unwrap_or(spec);
    SqliteStore::open(path)
}

// Shared by the stores: JSON columns as text, forEach slots as integers (-1: none), the run
// columns in the order `run_row` reads them.

fn to_text(v: &Json) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

fn from_text(s: Option<String>) -> Option<Json> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

fn slot_index(v: Option<usize>) -> i64 {
    v.map_or(-1, |n| n as i64)
}

fn index_slot(v: i64) -> Option<usize> {
    usize::try_from(v).ok()
}

/// Which runs a page of the history holds (every field optional).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunFilter {
    /// Of this status.
    pub status: Option<RunStatus>,
    /// Of this workflow.
    pub workflow: Option<String>,
    /// Of this key (a SKU, by default).
    pub key: Option<String>,
    /// Queued at or after this time (ms).
    pub since_ms: Option<i64>,
    /// Queued at or before this time (ms).
    pub until_ms: Option<i64>,
    /// Older than this run (its `seq`: the previous page's last).
    pub before_seq: Option<i64>,
}

/// A bound value of [`RunFilter::conditions`].
#[derive(Clone, Debug, PartialEq)]
pub enum FilterValue {
    /// A text column's value.
    Text(String),
    /// An integer column's value.
    Int(i64),
}

impl RunFilter {
    /// The `WHERE` conditions of the filter (`TRUE` when it has none) with their values, the
    /// n-th value bound as `placeholder(n)` (1-based). Only the fields set are named, so that
    /// each combination is a statement of its own, planned with its index.
    pub fn conditions(&self, placeholder: impl Fn(usize) -> String) -> (String, Vec<FilterValue>) {
        let mut parts = Vec::new();
        let mut values = Vec::new();
        let mut add = |condition: &str, value: FilterValue| {
            values.push(value);
            parts.push(format!("{condition} {}", placeholder(values.len())));
        };
        if let Some(status) = self.status {
            add("status =", FilterValue::Text(status.as_str().to_string()));
        }
        // The history's own indexes are on these expressions, which the queue's statements
        // never use: its planner keeps them on `runs_active` and `runs_ready`.
        if let Some(workflow) = &self.workflow {
            add(
                "coalesce(workflow, '') =",
                FilterValue::Text(workflow.clone()),
            );
        }
        if let Some(key) = &self.key {
            add("coalesce(key, '') =", FilterValue::Text(key.clone()));
        }
        if let Some(since) = self.since_ms {
            add("created_at_ms >=", FilterValue::Int(since));
        }
        if let Some(until) = self.until_ms {
            add("created_at_ms <=", FilterValue::Int(until));
        }
        if let Some(before) = self.before_seq {
            add("seq <", FilterValue::Int(before));
        }
        if parts.is_empty() {
            return ("TRUE".to_string(), values);
        }
        (parts.join(" AND "), values)
    }
}

const RUN_COLUMNS: &str = "seq, id, workflow, key, status, attempt, payload, created_at_ms, \
                           started_at_ms, finished_at_ms, error, dead";

/// Counts an event found stale when its queued run came up (`handled_events_stale_total`, as
/// for one found stale on arrival).
fn count_stale(workflow: String) {
    metrics::counter!("handled_events_stale_total", "workflow" => workflow).increment(1);
}
