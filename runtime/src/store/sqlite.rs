//! The embedded store: one SQLite file in WAL mode, written by one thread. Concurrent requests
//! (for example many webhook deliveries at once) are committed together in one transaction.
//!
//! Two kinds of request:
//! - an event (and a fired cron tick) is durable before it is answered: it is committed to the
//!   WAL with the rest of its batch, and the store's sync thread answers it once an fsync of
//!   the WAL that began after that commit has returned (every request then waiting shares the
//!   fsync, and the writer thread goes on with the next batch meanwhile);
//! - a journal entry (a step, a call, a run's status) is answered as soon as it is committed:
//!   it is in the WAL, and so survives the process being killed, at once; it reaches the disk
//!   with the next fsync, at most [`SYNC_AFTER`] later, so that a crash of the machine can only
//!   lose the last few milliseconds of journal (their steps run again, and their calls are
//!   sent again with the same idempotency keys).
//!
//! A database in memory, or on a file system without WAL, syncs at every commit instead.

use std::sync::mpsc;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{
    CallRecord, CallStatus, EventOutcome, FilterValue, JournalOp, NewEvent, RUN_COLUMNS, RunEnd,
    RunFilter, RunRecord, RunStatus, StepRecord, StepSlot, StepStatus, Store, StoreError,
    StoreResult, from_text, index_slot, slot_index, to_text,
};
use crate::admission::{self, Admission, Facts, WaitingRun};
use crate::connector::{BoxFuture, Json};
use crate::state::{RunEvent, sql};

/// A statement built once, from the lifecycle table's names (`crate::state::sql`), and kept
/// for the life of the process (the statement cache finds it by its text).
macro_rules! statement {
    ($($format:tt)*) => {{
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!($($format)*));
        SQL.as_str()
    }};
}

/// One request to the writer thread: statements to run in the batch's transaction, and an
/// answer to send once that transaction is committed (or not).
trait Job: Send {
    /// Whether its commit must reach the disk before it is answered.
    fn durable(&self) -> bool;
    /// Runs the statements, keeping their result for the answer; says whether they succeeded.
    /// May run again, in a transaction of its own, when another job of its batch failed.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers with the result of the last run, or with the commit's error.
    fn finish(self: Box<Self>, commit_error: Option<String>);
}

/// A [`Job`] made of a closure and the channel its caller waits on.
struct Request<R, F> {
    durable: bool,
    f: F,
    result: Option<StoreResult<R>>,
    answer: oneshot::Sender<StoreResult<R>>,
}

impl<R, F> Job for Request<R, F>
where
    R: Send + 'static,
    F: Fn(&Connection) -> StoreResult<R> + Send + 'static,
{
    fn durable(&self) -> bool {
        self.durable
    }

    fn run(&mut self, conn: &Connection) -> bool {
        let result = (self.f)(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit_error: Option<String>) {
        let outcome = match (self.result, commit_error) {
            (Some(Ok(value)), None) => Ok(value),
            (Some(Err(e)), _) => Err(e),
            (_, Some(e)) => Err(StoreError(e)),
            (None, None) => Err(StoreError("the request was not run".to_string())),
        };
        let _ = self.answer.send(outcome);
    }
}

/// How long a journal entry may stay in the WAL without an fsync while the store is idle.
pub const SYNC_AFTER: std::time::Duration = std::time::Duration::from_millis(20);

/// How long the writer waits for more requests to share a commit with (group commit), unless
/// [`GATHER_ENOUGH`] are already there. Every commit appends each page it changed to the WAL
/// (4 KiB each, and the same few hot pages of the runs, events and journal tables every time),
/// and wakes the tasks it answers: below saturation, sharing commits is what keeps the writer
/// thread from falling behind (BENCHMARKS.md: p99 at 1,000 events/s offered went from about
/// 50 to 115 ms without this wait to about 10 ms with it).
const COMMIT_DELAY: std::time::Duration = std::time::Duration::from_micros(250);
/// A batch this large commits at once.
const GATHER_ENOUGH: usize = 16;
/// The most requests one commit takes.
const MAX_BATCH: usize = 512;

/// WAL pages after which a commit copies the WAL back into the database (SQLite's default is
/// 1,000). The same few pages of the queue and journal tables change in every commit, so a
/// checkpoint copies each of them once however long the WAL grew: fewer, larger checkpoints
/// cost less.
const WAL_AUTOCHECKPOINT: i64 = 4_000;

/// The page cache, in KiB as `PRAGMA cache_size` takes it (negative); SQLite's default of 2 MiB
/// let the pages of a busy queue's indexes be read back from the file at every commit.
const CACHE_KIB: i64 = -8 * 1024;

/// Statements kept prepared.
const STATEMENT_CACHE: usize = 64;

/// The schema, one migration per entry; `PRAGMA user_version` says how many were applied.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workflow TEXT NOT NULL,
        event_id TEXT NOT NULL,
        key TEXT,
        occurred_at_ms INTEGER,
        received_at_ms INTEGER NOT NULL,
        status TEXT NOT NULL,
        run_id TEXT,
        UNIQUE (workflow, event_id)
    );
    CREATE TABLE runs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        workflow TEXT NOT NULL,
        key TEXT,
        status TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0,
        payload TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        started_at_ms INTEGER,
        finished_at_ms INTEGER,
        error TEXT,
        dead INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_status ON runs (status, seq);
    CREATE INDEX runs_key ON runs (key, status, seq);
    CREATE TABLE key_state (
        workflow TEXT NOT NULL,
        key TEXT NOT NULL,
        last_occurred_ms INTEGER NOT NULL,
        PRIMARY KEY (workflow, key)
    );
    CREATE TABLE steps (
        run_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        item INTEGER NOT NULL,
        entry INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        input TEXT,
        output TEXT,
        error TEXT,
        redacted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, step, item, entry)
    );
    CREATE TABLE calls (
        run_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        item INTEGER NOT NULL,
        entry INTEGER NOT NULL,
        op TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        params TEXT NOT NULL,
        status TEXT NOT NULL,
        result TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        redacted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, step, item, entry)
    );
    CREATE TABLE cron_ticks (
        workflow TEXT PRIMARY KEY,
        last_tick_ms INTEGER NOT NULL
    );",
    "CREATE TABLE writes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX writes_sku ON writes (channel, sku, quantity, at_ms);",
    "ALTER TABLE runs ADD COLUMN run_at_ms INTEGER NOT NULL DEFAULT 0;",
    // The newest echo of our own write reported for a key: queued runs of older events are
    // stale when they come up.
    "ALTER TABLE key_state ADD COLUMN echo_ms INTEGER;
    CREATE TABLE key_applied (
        key TEXT PRIMARY KEY,
        applied_ms INTEGER NOT NULL
    );",
    // A run's events are looked up when it is claimed; old events when they are pruned.
    "CREATE INDEX events_run ON events (run_id);
    CREATE INDEX events_received ON events (received_at_ms);",
    // The channel and SKU a run's event reported, so that it waits for the echo of a write of
    // ours to them before it starts (`crate::echo`).
    "ALTER TABLE runs ADD COLUMN echo_channel TEXT;
    ALTER TABLE runs ADD COLUMN echo_sku TEXT;
    CREATE TABLE echo_channels (
        channel TEXT PRIMARY KEY,
        last_echo_ms INTEGER NOT NULL
    );",
    // When a run's (newest) event happened, read with the run when it is claimed.
    "ALTER TABLE runs ADD COLUMN occurred_at_ms INTEGER;
    UPDATE runs SET occurred_at_ms = (SELECT MAX(e.occurred_at_ms) FROM events e WHERE e.run_id = runs.id)
    WHERE status = 'queued';",
    // The queued runs that may start next, one per key (`refresh_key`): a claim reads those
    // only, however many runs wait behind them.
    "ALTER TABLE runs ADD COLUMN ready INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX runs_ready ON runs (seq) WHERE status = 'queued' AND ready = 1;",
    // A key's active runs only: finished runs leave the index, which stays a few pages however
    // many runs a key has had. A statement uses it when its condition repeats `active()` word for
    // word (SQLite matches a partial index's condition by form).
    "DROP INDEX runs_key;
    CREATE INDEX runs_active ON runs (key, seq) WHERE status IN ('queued', 'running');",
    // The history's pages by workflow and by key (`runs_page`), newest first: on expressions
    // that only `runs_page` writes, so that the queue's statements keep their own indexes.
    "CREATE INDEX runs_history_workflow ON runs (coalesce(workflow, ''), seq);
    CREATE INDEX runs_history_key ON runs (coalesce(key, ''), seq);",
];

/// The condition of the `runs_active` index (`status IN ('queued', 'running')`), to be repeated
/// word for word in any statement that should use it.
fn active() -> String {
    sql::one_of("status", &RunStatus::ACTIVE)
}

/// `status = 'NAME'`.
fn is(state: RunStatus) -> String {
    sql::one_of("status", &[state])
}

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    jobs: mpsc::Sender<Box<dyn Job>>,
    /// Whether the last claim saw another run ready behind the one it took
    /// ([`Store::more_ready`]).
    more: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` (`:memory:` for a throwaway one) and
    /// applies pending migrations.
    pub fn open(path: &str) -> StoreResult<Self> {
        let conn = if path == ":memory:" {
            Connection::open_in_memory()?
        } else {
            Connection::open(path)?
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let wal = path != ":memory:" && {
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            mode.eq_ignore_ascii_case("wal")
        };
        // In WAL mode commits do not sync: the syncer thread does (see `writer`).
        let synchronous = if wal { "NORMAL" } else { "FULL" };
        conn.pragma_update(None, "synchronous", synchronous)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Statement journals (a statement inside a larger transaction that may fail halfway)
        // stay in memory, not in a temporary file opened and removed at every commit.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Plans that do not depend on bound values: otherwise SQLite re-plans a statement at
        // every execution whose parameters it compares with a partial index's condition.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        migrate(&conn)?;
        let durable = if wal {
            let (sync, waiting) = mpsc::channel::<Vec<Box<dyn Job>>>();
            // The file SQLite resolved (`path` may be relative, or a `file:` URI).
            let file = std::path::PathBuf::from(format!("{}-wal", conn.path().unwrap_or(path)));
            std::thread::Builder::new()
                .name("handled-sync".to_string())
                .spawn(move || syncer(&file, waiting))
                .map_err(|e| StoreError(format!("cannot start the store's sync thread: {e}")))?;
            Durable::Syncer(sync)
        } else {
            Durable::OnCommit
        };
        let (jobs, receiver) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("handled-store".to_string())
            .spawn(move || writer(conn, receiver, durable))
            .map_err(|e| StoreError(format!("cannot start the store thread: {e}")))?;
        Ok(SqliteStore {
            jobs,
            more: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
        })
    }

    /// Runs `f` in the writer thread, in a transaction shared with the other pending requests,
    /// and answers once that transaction is committed (to the WAL: see the module's docs).
    fn with<R, F>(&self, f: F) -> BoxFuture<'_, StoreResult<R>>
    where
        R: Send + 'static,
        F: Fn(&Connection) -> StoreResult<R> + Send + 'static,
    {
        self.run_job(false, f)
    }

    /// The same, answering once the commit is on the disk.
    fn with_durable<R, F>(&self, f: F) -> BoxFuture<'_, StoreResult<R>>
    where
        R: Send + 'static,
        F: Fn(&Connection) -> StoreResult<R> + Send + 'static,
    {
        self.run_job(true, f)
    }

    fn run_job<R, F>(&self, durable: bool, f: F) -> BoxFuture<'_, StoreResult<R>>
    where
        R: Send + 'static,
        F: Fn(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let (answer, receive) = oneshot::channel::<StoreResult<R>>();
        let job: Box<dyn Job> = Box::new(Request {
            durable,
            f,
            result: None,
            answer,
        });
        let sent = self.jobs.send(job);
        Box::pin(async move {
            sent.map_err(|_| StoreError("the store thread has stopped".to_string()))?;
            receive
                .await
                .map_err(|_| StoreError("the store thread has stopped".to_string()))?
        })
    }
}

fn migrate(conn: &Connection) -> StoreResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError(format!(
            "the database has schema version {version}, newer than this program's {known}"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    if version < known {
        // Runs queued before `runs.ready` existed.
        refresh_all(conn)?;
    }
    Ok(())
}

/// How the jobs that must be on the disk before they are answered get there.
enum Durable {
    /// WAL mode: commits do not sync; the syncer thread fsyncs the WAL file and then answers
    /// the durable jobs committed before it started, while the writer goes on with the next
    /// batch.
    Syncer(mpsc::Sender<Vec<Box<dyn Job>>>),
    /// Otherwise (a database in memory, a file system without WAL): every commit syncs
    /// (`synchronous=FULL`).
    OnCommit,
}

impl Durable {
    /// Answers committed jobs: at once, but those that must be on the disk after the next
    /// fsync of the WAL. Every commit that `wrote` is reported to the syncer, so that journal
    /// entries also reach the disk within [`SYNC_AFTER`]; one that only read has nothing to
    /// sync.
    fn answer(&self, jobs: Vec<Box<dyn Job>>, wrote: bool) {
        let Durable::Syncer(sync) = self else {
            jobs.into_iter().for_each(|job| job.finish(None));
            return;
        };
        let (durable, at_once): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|j| j.durable());
        at_once.into_iter().for_each(|job| job.finish(None));
        if durable.is_empty() && !wrote {
            return;
        }
        if let Err(mpsc::SendError(jobs)) = sync.send(durable) {
            for job in jobs {
                job.finish(Some("the store's sync thread has stopped".to_string()));
            }
        }
    }
}

/// The writer thread: takes every pending job, runs them in one transaction, commits, then
/// answers them (the durable ones once the commit is on the disk: [`Durable`]). A job that
/// fails undoes the batch, whose jobs then run again one transaction each (savepoints per job
/// would isolate them too, but copy every page each job touches: a tenth of the thread's
/// time).
fn writer(conn: Connection, jobs: mpsc::Receiver<Box<dyn Job>>, durable: Durable) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let gather_until = std::time::Instant::now() + COMMIT_DELAY;
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) => {
                    let now = std::time::Instant::now();
                    if batch.len() >= GATHER_ENOUGH || now >= gather_until {
                        break;
                    }
                    match jobs.recv_timeout(gather_until - now) {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
            }
        }
        let changes = conn.total_changes();
        match transaction(&conn, &mut batch) {
            Ok(true) => durable.answer(batch, conn.total_changes() != changes),
            Ok(false) if batch.len() > 1 => {
                // A job failed and the batch was undone: each job runs again in a transaction
                // of its own, so that the failure stays its own.
                for mut job in batch {
                    let changes = conn.total_changes();
                    match transaction(&conn, std::slice::from_mut(&mut job)) {
                        Ok(true) => durable.answer(vec![job], conn.total_changes() != changes),
                        Ok(false) => job.finish(None),
                        Err(e) => job.finish(Some(e)),
                    }
                }
            }
            // The only job failed: it answers its own error.
            Ok(false) => batch.into_iter().for_each(|job| job.finish(None)),
            Err(e) => batch
                .into_iter()
                .for_each(|job| job.finish(Some(e.clone()))),
        }
    }
}

/// The syncer thread (WAL mode): fsyncs the WAL file after commits, then answers the durable
/// jobs they held. The jobs waiting when an fsync starts share it. After commits of journal
/// entries only it waits up to [`SYNC_AFTER`] for a durable job to share the fsync with.
///
/// An fsync of the WAL file puts every frame written to it before on the disk; a frame that a
/// checkpoint already copied into the database (SQLite may then start the WAL over) was synced
/// by that checkpoint, which syncs the WAL before it copies and the database after.
fn syncer(file: &std::path::Path, waiting: mpsc::Receiver<Vec<Box<dyn Job>>>) {
    let mut wal: Option<std::fs::File> = None;
    while let Ok(mut jobs) = waiting.recv() {
        let deadline = std::time::Instant::now()
            + if jobs.is_empty() {
                SYNC_AFTER
            } else {
                std::time::Duration::ZERO
            };
        loop {
            let more = match waiting.try_recv() {
                Ok(more) => more,
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) => {
                    let now = std::time::Instant::now();
                    if !jobs.is_empty() || now >= deadline {
                        break;
                    }
                    match waiting.recv_timeout(deadline - now) {
                        Ok(more) => more,
                        Err(_) => break,
                    }
                }
            };
            jobs.extend(more);
        }
        let synced = match &wal {
            Some(f) => f.sync_data(),
            None => match std::fs::File::open(file) {
                Ok(f) => {
                    let synced = f.sync_data();
                    wal = Some(f);
                    synced
                }
                // No WAL file: the last connection closed, and its checkpoint synced every
                // frame into the database first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            },
        };
        let error = synced.err().map(|e| {
            tracing::warn!(error = %e, "the store's journal could not be synced to disk");
            format!("cannot sync {}: {e}", file.display())
        });
        for job in jobs {
            job.finish(error.clone());
        }
    }
}

/// Runs `jobs` in one transaction: `Ok(true)` when they all succeeded and it is committed,
/// `Ok(false)` when one of them failed and it is rolled back, `Err` when it could not begin
/// or commit (and is rolled back).
fn transaction(conn: &Connection, jobs: &mut [Box<dyn Job>]) -> Result<bool, String> {
    STALE.with_borrow_mut(Vec::clear);
    exec(conn, "BEGIN IMMEDIATE", []).map_err(|e| e.to_string())?;
    if !jobs.iter_mut().all(|job| job.run(conn)) {
        let _ = conn.execute_batch("ROLLBACK");
        return Ok(false);
    }
    if let Err(e) = exec(conn, "COMMIT", []) {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e.to_string());
    }
    for workflow in STALE.with_borrow_mut(std::mem::take) {
        super::count_stale(workflow);
    }
    Ok(true)
}

thread_local! {
    /// Workflows of the runs found stale in the writer thread's open transaction: counted once
    /// it is committed.
    static STALE: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `conn.execute` with a cached statement.
fn exec<P: rusqlite::Params>(conn: &Connection, sql: &str, params: P) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// `conn.query_row` with a cached statement.
fn query_row<T, P, F>(conn: &Connection, sql: &str, params: P, f: F) -> rusqlite::Result<T>
where
    P: rusqlite::Params,
    F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
{
    conn.prepare_cached(sql)?.query_row(params, f)
}

/// Writes journal entries, calls and echo records, in order.
fn write_journal(conn: &Connection, ops: &[JournalOp]) -> StoreResult<()> {
    for op in ops {
        match op {
            JournalOp::Step(step) => exec(conn,
                "INSERT OR REPLACE INTO steps (run_id, step, item, entry, name, kind, status, input, output, error, redacted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    step.run_id,
                    step.slot.step as i64,
                    slot_index(step.slot.item),
                    slot_index(step.slot.entry),
                    step.name,
                    step.kind,
                    step.status.as_str(),
                    step.input.as_ref().map(to_text),
                    step.output.as_ref().map(to_text),
                    step.error.as_ref().map(to_text),
                    i64::from(step.redacted),
                ],
            )?,
            JournalOp::Call(call) => exec(conn,
                "INSERT OR REPLACE INTO calls (run_id, step, item, entry, op, idempotency_key, params, status, result, error, attempts, redacted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    call.run_id,
                    call.slot.step as i64,
                    slot_index(call.slot.item),
                    slot_index(call.slot.entry),
                    call.op,
                    call.idempotency_key,
                    to_text(&call.params),
                    call.status.as_str(),
                    call.result.as_ref().map(to_text),
                    call.error.as_ref().map(to_text),
                    call.attempts,
                    i64::from(call.redacted),
                ],
            )?,
            JournalOp::ForgetWrite(write) => exec(
                conn,
                "DELETE FROM writes WHERE id = (SELECT id FROM writes WHERE channel = ?1 AND sku = ?2
                   AND quantity = ?3 AND at_ms = ?4 ORDER BY id DESC LIMIT 1)",
                params![write.channel, write.sku, write.quantity, write.at_ms],
            )?,
            JournalOp::Write(write) => exec(
                conn,
                "INSERT INTO writes (channel, sku, quantity, at_ms) VALUES (?1, ?2, ?3, ?4)",
                params![write.channel, write.sku, write.quantity, write.at_ms],
            )?,
        };
    }
    Ok(())
}

/// Writes a run's last journal entries and its status.
fn end_run(conn: &Connection, end: &RunEnd) -> StoreResult<()> {
    write_journal(conn, &end.journal)?;
    let Some(event) = RunEvent::ending_in(end.status) else {
        return Err(StoreError(format!("run {} cannot end running", end.run_id)));
    };
    let dead = end.status == RunStatus::Failed;
    let finished = end.status.is_final().then_some(end.at_ms);
    let sql = format!(
        "UPDATE runs SET status = ?2, error = ?3, finished_at_ms = ?4, dead = ?5
         WHERE id = ?1 AND {}
         RETURNING key",
        sql::applies("status", event)
    );
    let key: Option<Option<String>> = query_row(
        conn,
        &sql,
        params![
            end.run_id,
            end.status.as_str(),
            end.error.as_ref().map(to_text),
            finished,
            i64::from(dead)
        ],
        |r| r.get(0),
    )
    .optional()?;
    if let Some(Some(key)) = key {
        refresh_key(conn, &key)?;
    }
    Ok(())
}

/// Marks which queued run of `key` may start next (`runs.ready`, indexed by `runs_ready`): the
/// earliest queued or running run of the key, if it is queued and no run of the key is
/// running. Called wherever a run of the key changes status; runs without a key are always
/// ready.
fn refresh_key(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    exec(conn, &UNMARK_READY, [key])?;
    exec(conn, &MARK_READY, [key])?;
    Ok(())
}

/// The run of workflow `?1` and key `?2` still waiting out its coalesce window at `?3`.
static COALESCING: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT id, payload FROM runs WHERE key = ?2 AND {active} AND workflow = ?1
         AND {queued} AND attempt = 0 AND run_at_ms > ?3 ORDER BY seq DESC LIMIT 1",
        active = active(),
        queued = is(RunStatus::Queued),
    )
});

/// Unmarks the queued runs of key `?1` (see [`refresh_key`]).
static UNMARK_READY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE runs SET ready = 0 WHERE key = ?1 AND {active} AND {queued} AND ready = 1",
        active = active(),
        queued = is(RunStatus::Queued),
    )
});

/// Marks the run of key `?1` that may start next, if any (see [`refresh_key`]).
static MARK_READY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE runs SET ready = 1
         WHERE seq = (SELECT MIN(seq) FROM runs WHERE key = ?1 AND {active})
           AND {queued}
           AND NOT EXISTS (SELECT 1 FROM runs WHERE key = ?1 AND {active} AND {running})",
        active = active(),
        queued = is(RunStatus::Queued),
        running = is(RunStatus::Running),
    )
});

/// Recomputes `runs.ready` for every queued run (at start, after interrupted runs are queued
/// again).
fn refresh_all(conn: &Connection) -> rusqlite::Result<()> {
    let sql = statement!(
        "UPDATE runs AS r SET ready = CASE WHEN {runnable} THEN 1 ELSE 0 END WHERE {queued}",
        runnable = runnable(),
        queued = sql::one_of("r.status", &[RunStatus::Queued]),
    );
    exec(conn, sql, [])?;
    Ok(())
}

/// Takes the next runnable run (see [`Store::claim_next`]).
/// Also notes in `more` whether another run was ready behind the one it took.
fn claim_next(
    conn: &Connection,
    now_ms: i64,
    more: &std::sync::atomic::AtomicBool,
) -> StoreResult<Option<RunRecord>> {
    // `ready` finds the candidates (one per key, by index); the order rule itself, `runnable()`,
    // is still checked on them, so that a wrong mark can delay a run but never reorder a key.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT r.id, r.workflow, r.key, r.attempt, r.occurred_at_ms
             FROM runs AS r INDEXED BY runs_ready
             WHERE {queued} AND r.ready = 1 AND {runnable} AND r.run_at_ms <= ?1
               AND {NOT_AWAITING_ECHO}
             ORDER BY r.seq LIMIT 2",
            queued = sql::one_of("r.status", &[RunStatus::Queued]),
            runnable = runnable(),
        )
    });
    let (wrote_since, echoing_since) = crate::echo::awaiting_since(now_ms);
    // A run made stale by an echo while it waited is ended, and the next one looked at.
    for _ in 0..1000 {
        /// The run's id, workflow, key, attempts and when its event happened.
        type Next = (String, String, Option<String>, u32, Option<i64>);
        let mut stmt = conn.prepare_cached(&SQL)?;
        let mut rows = stmt.query([now_ms, wrote_since, echoing_since])?;
        let next: Option<Next> = match rows.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            None => None,
        };
        more.store(rows.next()?.is_some(), std::sync::atomic::Ordering::Relaxed);
        drop(rows);
        drop(stmt);
        let Some((id, workflow, key, attempt, occurred)) = next else {
            return Ok(None);
        };
        let stale = match (key, occurred) {
            (Some(key), Some(at)) if attempt == 0 => {
                end_if_stale(conn, &id, workflow, &key, at, now_ms)?
            }
            _ => false,
        };
        if !stale {
            return start(conn, &id, now_ms);
        }
    }
    Ok(None)
}

fn run_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let status: String = row.get(4)?;
    let payload: String = row.get(6)?;
    Ok(RunRecord {
        seq: row.get(0)?,
        id: row.get(1)?,
        workflow: row.get(2)?,
        key: row.get(3)?,
        status: RunStatus::parse(&status).unwrap_or(RunStatus::Failed),
        attempt: row.get(5)?,
        payload: serde_json::from_str(&payload).unwrap_or(Json::Null),
        created_at_ms: row.get(7)?,
        started_at_ms: row.get(8)?,
        finished_at_ms: row.get(9)?,
        error: from_text(row.get(10)?),
        dead: row.get::<_, i64>(11)? != 0,
    })
}

fn load_run(conn: &Connection, id: &str) -> StoreResult<Option<RunRecord>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
    Ok(query_row(conn, &sql, [id], run_row).optional()?)
}

fn start(conn: &Connection, id: &str, now_ms: i64) -> StoreResult<Option<RunRecord>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "UPDATE runs SET {claimed}, attempt = attempt + 1,
                    started_at_ms = COALESCE(started_at_ms, ?2)
             WHERE id = ?1 AND {claimable}
             RETURNING {RUN_COLUMNS}",
            claimed = sql::set(RunEvent::Claim),
            claimable = sql::applies("status", RunEvent::Claim),
        )
    });
    match query_row(conn, &SQL, params![id, now_ms], run_row).optional()? {
        // Only a key's first active run is ever ready, so starting it leaves no other run of
        // the key to unmark.
        Some(run) => Ok(Some(run)),
        None => load_run(conn, id),
    }
}

/// Starts a queued run if it is runnable; returns the run as it then is.
fn start_if_runnable(conn: &Connection, id: &str, now_ms: i64) -> StoreResult<Option<RunRecord>> {
    let sql = statement!("SELECT r.id FROM runs r WHERE r.id = ?1 AND {}", runnable());
    let runnable: Option<String> = query_row(conn, sql, [id], |r| r.get(0)).optional()?;
    match runnable {
        Some(id) => start(conn, &id, now_ms),
        None => load_run(conn, id),
    }
}

/// Ends a run that never started as `skipped` when its event is stale by the time it comes up:
/// an event of its key that happened later was applied first (runs of one key run in the order
/// their events happened, whichever workflow they belong to), or its channel reported our own
/// write of a newer state for the key while it waited (an echo). Otherwise, when it will start,
/// records its event's time as the key's last applied one. Says whether it ended the run.
fn end_if_stale(
    conn: &Connection,
    id: &str,
    workflow: String,
    key: &str,
    at: i64,
    now_ms: i64,
) -> StoreResult<bool> {
    let echo: Option<i64> = query_row(
        conn,
        "SELECT echo_ms FROM key_state WHERE workflow = ?1 AND key = ?2",
        params![workflow, key],
        |r| r.get(0),
    )
    .optional()?
    .flatten();
    let applied: Option<i64> = query_row(
        conn,
        "SELECT applied_ms FROM key_applied WHERE key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()?;
    let Some(reason) = admission::stale_when_claimed(at, echo, applied) else {
        exec(
            conn,
            "INSERT INTO key_applied (key, applied_ms) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET applied_ms = MAX(applied_ms, excluded.applied_ms)",
            params![key, at],
        )?;
        return Ok(false);
    };
    let error = admission::stale_error(reason);
    let sql = statement!(
        "UPDATE runs SET {}, finished_at_ms = ?2, error = ?3 WHERE id = ?1 AND {}",
        sql::set(RunEvent::FoundStale),
        sql::applies("status", RunEvent::FoundStale)
    );
    exec(conn, sql, params![id, now_ms, to_text(&error)])?;
    refresh_key(conn, key)?;
    exec(
        conn,
        "UPDATE events SET status = ?2 WHERE run_id = ?1",
        params![id, admission::STALE],
    )?;
    STALE.with_borrow_mut(|stale| stale.push(workflow));
    Ok(true)
}

/// A run not started yet, queued since `?2`, whose event came from a channel we wrote its SKU
/// to since `?2`, and whose echo has not come back, waits for that echo if the channel has
/// echoed our writes since `?3` (`crate::echo`).
const NOT_AWAITING_ECHO: &str = "(r.attempt > 0 OR r.echo_channel IS NULL OR r.created_at_ms < ?2
        OR NOT EXISTS (SELECT 1 FROM writes w WHERE w.channel = r.echo_channel
                       AND w.sku = r.echo_sku AND w.at_ms >= ?2)
        OR NOT EXISTS (SELECT 1 FROM echo_channels c WHERE c.channel = r.echo_channel
                       AND c.last_echo_ms >= ?3))";

/// A queued run (`r`) is runnable when no earlier queued or running run has its key.
fn runnable() -> String {
    format!(
        "{queued} AND (r.key IS NULL OR NOT EXISTS (
        SELECT 1 FROM runs o WHERE o.key = r.key AND {active}
        AND ({running} OR o.seq < r.seq)))",
        queued = sql::applies("r.status", RunEvent::Claim),
        active = sql::one_of("o.status", &RunStatus::ACTIVE),
        running = sql::one_of("o.status", &[RunStatus::Running]),
    )
}

/// What [`admission::admit`] needs to know about `event`, read as [`admission::reads`] asks.
fn read_facts(conn: &Connection, event: &NewEvent) -> StoreResult<Facts> {
    let reads = admission::reads(event);
    let seen = query_row(
        conn,
        "SELECT id FROM events WHERE workflow = ?1 AND event_id = ?2",
        params![event.workflow, event.event_id],
        |r| r.get::<_, i64>(0),
    )
    .optional()?
    .is_some();
    let echoed_write = match reads.echo {
        Some((channel, sku, quantity)) => query_row(
            conn,
            "SELECT id FROM writes WHERE channel = ?1 AND sku = ?2 AND quantity = ?3
             AND at_ms >= ?4 ORDER BY at_ms DESC LIMIT 1",
            params![channel, sku, quantity, event.echo_since_ms],
            |r| r.get(0),
        )
        .optional()?,
        None => None,
    };
    let last_occurred_ms = match reads.order {
        Some((key, _)) => query_row(
            conn,
            "SELECT last_occurred_ms FROM key_state WHERE workflow = ?1 AND key = ?2",
            params![event.workflow, key],
            |r| r.get(0),
        )
        .optional()?,
        None => None,
    };
    let waiting = match reads.coalesce {
        Some(key) => query_row(
            conn,
            &COALESCING,
            params![event.workflow, key, event.received_at_ms],
            |r| Ok((r.get(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .map(|(run_id, payload)| WaitingRun {
            run_id,
            payload: serde_json::from_str(&payload).unwrap_or(Json::Null),
        }),
        None => None,
    };
    Ok(Facts {
        seen,
        echoed_write,
        last_occurred_ms,
        waiting,
    })
}

/// Records `event` as `admission` decided.
fn admit(conn: &Connection, event: &NewEvent, admission: &Admission) -> StoreResult<()> {
    let Some(status) = admission.event_status() else {
        return Ok(());
    };
    match admission {
        Admission::Duplicate | Admission::Stale => {}
        Admission::Echo {
            write,
            channel,
            key_at,
        } => {
            exec(conn, "DELETE FROM writes WHERE id = ?1", [write])?;
            exec(
                conn,
                "INSERT INTO echo_channels (channel, last_echo_ms) VALUES (?1, ?2)
                 ON CONFLICT (channel) DO UPDATE SET last_echo_ms = MAX(last_echo_ms, excluded.last_echo_ms)",
                params![channel, event.received_at_ms],
            )?;
            if let Some((key, at)) = key_at {
                exec(
                    conn,
                    "INSERT INTO key_state (workflow, key, last_occurred_ms, echo_ms) VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (workflow, key) DO UPDATE SET
                       last_occurred_ms = MAX(last_occurred_ms, excluded.last_occurred_ms),
                       echo_ms = MAX(COALESCE(echo_ms, 0), excluded.echo_ms)",
                    params![event.workflow, key, at],
                )?;
            }
        }
        Admission::Coalesce { key_at, .. } | Admission::Queue { key_at, .. } => {
            if let Some((key, at)) = key_at {
                exec(
                    conn,
                    "INSERT INTO key_state (workflow, key, last_occurred_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT (workflow, key) DO UPDATE SET last_occurred_ms = excluded.last_occurred_ms",
                    params![event.workflow, key, at],
                )?;
            }
        }
    }
    exec(
        conn,
        "INSERT INTO events (workflow, event_id, key, occurred_at_ms, received_at_ms, status, run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            event.workflow,
            event.event_id,
            event.key,
            event.occurred_at_ms,
            event.received_at_ms,
            status,
            admission.run_id(event)
        ],
    )?;
    match admission {
        Admission::Coalesce {
            run_id, payload, ..
        } => {
            exec(
                conn,
                "UPDATE runs SET payload = ?2, occurred_at_ms = CASE WHEN ?3 IS NULL THEN occurred_at_ms
                   ELSE MAX(COALESCE(occurred_at_ms, ?3), ?3) END
                 WHERE id = ?1",
                params![run_id, to_text(payload), event.occurred_at_ms],
            )?;
        }
        Admission::Queue { run_at_ms, .. } => queue_run(conn, event, *run_at_ms)?,
        _ => {}
    }
    Ok(())
}

/// Queues the run of an admitted event (and starts it when the event asks and it may start).
fn queue_run(conn: &Connection, event: &NewEvent, run_at_ms: i64) -> StoreResult<()> {
    let sql = statement!(
        "INSERT INTO runs (id, workflow, key, status, payload, created_at_ms, run_at_ms, echo_channel, echo_sku,
           occurred_at_ms, ready)
         VALUES (?1, ?2, ?3, '{}', ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        RunStatus::FIRST.as_str()
    );
    exec(
        conn,
        sql,
        params![
            event.run_id,
            event.workflow,
            event.key,
            to_text(&event.payload),
            event.received_at_ms,
            run_at_ms,
            event.echo.as_ref().map(|e| &e.0),
            event.echo.as_ref().map(|e| &e.1),
            event.occurred_at_ms,
            i64::from(event.key.is_none()),
        ],
    )?;
    if let Some(key) = &event.key {
        refresh_key(conn, key)?;
    }
    if event.start_now {
        start_if_runnable(conn, &event.run_id, event.received_at_ms)?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn record_event(&self, event: NewEvent) -> BoxFuture<'_, StoreResult<EventOutcome>> {
        self.with_durable(move |conn| {
            let admission = admission::admit(&event, read_facts(conn, &event)?);
            admit(conn, &event, &admission)?;
            Ok(admission.outcome(&event))
        })
    }

    fn claim_next(&self, now_ms: i64) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let more = std::sync::Arc::clone(&self.more);
        self.with(move |conn| claim_next(conn, now_ms, &more))
    }

    fn more_ready(&self) -> bool {
        self.more.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn claim(&self, run_id: &str, now_ms: i64) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let run_id = run_id.to_string();
        self.with(move |conn| {
            let run = start_if_runnable(conn, &run_id, now_ms)?;
            Ok(run.filter(|r| r.status == RunStatus::Running))
        })
    }

    fn run(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let run_id = run_id.to_string();
        self.with(move |conn| load_run(conn, &run_id))
    }

    fn runs(
        &self,
        status: Option<RunStatus>,
        limit: usize,
    ) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>> {
        self.with(move |conn| {
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE (?1 IS NULL OR status = ?1) ORDER BY seq DESC LIMIT ?2"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![status.map(RunStatus::as_str), limit as i64], run_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn runs_page(
        &self,
        filter: RunFilter,
        limit: usize,
    ) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>> {
        self.with(move |conn| {
            let (conditions, values) = filter.conditions(|n| format!("?{n}"));
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE {conditions} ORDER BY seq DESC LIMIT {}",
                limit.min(i64::MAX as usize)
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let bound: Vec<rusqlite::types::Value> = values
                .into_iter()
                .map(|v| match v {
                    FilterValue::Text(t) => rusqlite::types::Value::Text(t),
                    FilterValue::Int(i) => rusqlite::types::Value::Integer(i),
                })
                .collect();
            let rows = stmt.query_map(rusqlite::params_from_iter(bound), run_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn dead_runs(&self) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>> {
        self.with(move |conn| {
            let sql = statement!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE dead = 1 AND {} ORDER BY seq",
                is(RunStatus::Failed)
            );
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map([], run_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn steps(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Vec<StepRecord>>> {
        let run_id = run_id.to_string();
        self.with(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT step, item, entry, name, kind, status, input, output, error, redacted
                 FROM steps WHERE run_id = ?1 ORDER BY step, item, entry",
            )?;
            let rows = stmt.query_map([&run_id], |row| {
                Ok(StepRecord {
                    run_id: run_id.clone(),
                    slot: StepSlot {
                        step: row.get::<_, i64>(0)? as usize,
                        item: index_slot(row.get(1)?),
                        entry: index_slot(row.get(2)?),
                    },
                    name: row.get(3)?,
                    kind: row.get(4)?,
                    status: StepStatus::parse(&row.get::<_, String>(5)?),
                    input: from_text(row.get(6)?),
                    output: from_text(row.get(7)?),
                    error: from_text(row.get(8)?),
                    redacted: row.get::<_, i64>(9)? != 0,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn calls(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Vec<CallRecord>>> {
        let run_id = run_id.to_string();
        self.with(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT step, item, entry, op, idempotency_key, params, status, result, error, attempts, redacted
                 FROM calls WHERE run_id = ?1 ORDER BY step, item, entry",
            )?;
            let rows = stmt.query_map([&run_id], |row| {
                Ok(CallRecord {
                    run_id: run_id.clone(),
                    slot: StepSlot {
                        step: row.get::<_, i64>(0)? as usize,
                        item: index_slot(row.get(1)?),
                        entry: index_slot(row.get(2)?),
                    },
                    op: row.get(3)?,
                    idempotency_key: row.get(4)?,
                    params: from_text(row.get(5)?).unwrap_or(Json::Null),
                    status: CallStatus::parse(&row.get::<_, String>(6)?),
                    result: from_text(row.get(7)?),
                    error: from_text(row.get(8)?),
                    attempts: row.get(9)?,
                    redacted: row.get::<_, i64>(10)? != 0,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn journal(&self, ops: Vec<JournalOp>) -> BoxFuture<'_, StoreResult<()>> {
        self.with(move |conn| write_journal(conn, &ops))
    }

    fn end_run(&self, end: RunEnd) -> BoxFuture<'_, StoreResult<()>> {
        self.with(move |conn| end_run(conn, &end))
    }

    fn end_run_and_claim(&self, end: RunEnd) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let more = std::sync::Arc::clone(&self.more);
        self.with(move |conn| {
            end_run(conn, &end)?;
            claim_next(conn, end.at_ms, &more)
        })
    }

    fn requeue(
        &self,
        run_id: &str,
        start_at_ms: Option<i64>,
    ) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let run_id = run_id.to_string();
        self.with(move |conn| {
            let sql = statement!(
                "UPDATE runs SET {}, dead = 0, error = NULL, finished_at_ms = NULL
                 WHERE id = ?1 AND {}
                 RETURNING key",
                sql::set(RunEvent::Requeue),
                sql::applies("status", RunEvent::Requeue)
            );
            let key: Option<Option<String>> =
                query_row(conn, sql, [&run_id], |r| r.get(0)).optional()?;
            let Some(key) = key else {
                return Ok(None);
            };
            match &key {
                Some(key) => refresh_key(conn, key)?,
                None => {
                    exec(conn, "UPDATE runs SET ready = 1 WHERE id = ?1", [&run_id])?;
                }
            }
            match start_at_ms {
                Some(now) => start_if_runnable(conn, &run_id, now),
                None => load_run(conn, &run_id),
            }
        })
    }

    fn recover_interrupted(&self) -> BoxFuture<'_, StoreResult<usize>> {
        self.with(move |conn| {
            let sql = statement!(
                "UPDATE runs SET {} WHERE {}",
                sql::set(RunEvent::Interrupt),
                sql::applies("status", RunEvent::Interrupt)
            );
            let n = exec(conn, sql, [])?;
            refresh_all(conn)?;
            Ok(n)
        })
    }

    fn queue_depth(&self) -> BoxFuture<'_, StoreResult<u64>> {
        self.with(move |conn| {
            let sql = statement!("SELECT COUNT(*) FROM runs WHERE {}", is(RunStatus::Queued));
            let n: i64 = query_row(conn, sql, [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        })
    }

    fn last_tick(&self, workflow: &str) -> BoxFuture<'_, StoreResult<Option<i64>>> {
        let workflow = workflow.to_string();
        self.with(move |conn| {
            Ok(query_row(
                conn,
                "SELECT last_tick_ms FROM cron_ticks WHERE workflow = ?1",
                [&workflow],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    fn prune(&self, before_ms: i64, writes_before_ms: i64) -> BoxFuture<'_, StoreResult<usize>> {
        self.with(move |conn| {
            exec(
                conn,
                "DELETE FROM writes WHERE at_ms < ?1",
                [writes_before_ms],
            )?;
            static OLD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                format!(
                    "SELECT id FROM runs WHERE finished_at_ms < ?1 AND dead = 0 AND {}",
                    sql::ended("status")
                )
            });
            exec(
                conn,
                statement!("DELETE FROM steps WHERE run_id IN ({})", &*OLD),
                [before_ms],
            )?;
            exec(
                conn,
                statement!("DELETE FROM calls WHERE run_id IN ({})", &*OLD),
                [before_ms],
            )?;
            let runs = exec(
                conn,
                statement!("DELETE FROM runs WHERE id IN ({})", &*OLD),
                [before_ms],
            )?;
            exec(
                conn,
                "DELETE FROM events WHERE received_at_ms < ?1
                 AND (run_id IS NULL OR run_id NOT IN (SELECT id FROM runs))",
                [before_ms],
            )?;
            Ok(runs)
        })
    }

    fn mark_tick(&self, workflow: &str, tick_ms: i64) -> BoxFuture<'_, StoreResult<bool>> {
        let workflow = workflow.to_string();
        self.with_durable(move |conn| {
            let n = exec(
                conn,
                "INSERT INTO cron_ticks (workflow, last_tick_ms) VALUES (?1, ?2)
                 ON CONFLICT (workflow) DO UPDATE SET last_tick_ms = excluded.last_tick_ms
                 WHERE cron_ticks.last_tick_ms < excluded.last_tick_ms",
                params![workflow, tick_ms],
            )?;
            Ok(n == 1)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::Write;

    fn event(id: &str, key: Option<&str>, at: Option<i64>, run: &str) -> NewEvent {
        NewEvent {
            workflow: "W".to_string(),
            event_id: id.to_string(),
            key: key.map(str::to_string),
            occurred_at_ms: at,
            payload: serde_json::json!({"sku": key}),
            received_at_ms: 1,
            run_id: run.to_string(),
            echo: key.map(|k| ("fake".to_string(), k.to_string(), 7)),
            echo_since_ms: 0,
            start_now: false,
            coalesce_ms: None,
        }
    }

    #[tokio::test]
    async fn dedupes_marks_stale_and_orders_by_key() {
        let store = SqliteStore::open(":memory:").unwrap();
        assert_eq!(
            store
                .record_event(event("e1", Some("A"), Some(10), "r1"))
                .await
                .unwrap(),
            EventOutcome::Queued("r1".into())
        );
        assert_eq!(
            store
                .record_event(event("e1", Some("A"), Some(10), "rx"))
                .await
                .unwrap(),
            EventOutcome::Duplicate
        );
        assert_eq!(
            store
                .record_event(event("e2", Some("A"), Some(5), "ry"))
                .await
                .unwrap(),
            EventOutcome::Stale
        );
        assert_eq!(
            store
                .record_event(event("e3", Some("A"), Some(20), "r3"))
                .await
                .unwrap(),
            EventOutcome::Queued("r3".into())
        );
        assert_eq!(
            store
                .record_event(event("e4", Some("B"), Some(1), "r4"))
                .await
                .unwrap(),
            EventOutcome::Queued("r4".into())
        );
        // r1 runs; r3 (same key) must wait; r4 (other key) may run in parallel.
        assert_eq!(store.claim_next(100).await.unwrap().unwrap().id, "r1");
        assert_eq!(store.claim_next(100).await.unwrap().unwrap().id, "r4");
        assert!(store.claim_next(100).await.unwrap().is_none());
        store
            .finish_run("r1", RunStatus::Completed, None, 101)
            .await
            .unwrap();
        let r3 = store.claim_next(102).await.unwrap().unwrap();
        assert_eq!(
            (r3.id.as_str(), r3.attempt, r3.started_at_ms),
            ("r3", 1, Some(102))
        );
        assert_eq!(store.queue_depth().await.unwrap(), 0);
    }

    /// Requests committed together do not share a failure: the failing one is undone whole
    /// (including the statements it ran before failing) and answered with its error; the
    /// others are committed and answered.
    #[tokio::test]
    async fn a_failing_request_undoes_itself_only() {
        let store = SqliteStore::open(":memory:").unwrap();
        // Holds the writer so that the requests below queue up and form one batch.
        let hold = store.with(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            Ok(())
        });
        let before = store.record_event(event("e1", Some("A"), Some(1), "r1"));
        let failing = store.with(|conn| {
            exec(
                conn,
                "INSERT INTO cron_ticks (workflow, last_tick_ms) VALUES ('W', 1)",
                [],
            )?;
            exec(conn, "INSERT INTO no_such_table VALUES (1)", [])?;
            Ok(())
        });
        let after = store.record_event(event("e2", Some("B"), Some(1), "r2"));
        let (hold, before, failing, after) = tokio::join!(hold, before, failing, after);
        hold.unwrap();
        assert!(failing.is_err());
        assert_eq!(before.unwrap(), EventOutcome::Queued("r1".into()));
        assert_eq!(after.unwrap(), EventOutcome::Queued("r2".into()));
        assert!(store.run("r1").await.unwrap().is_some());
        assert!(store.run("r2").await.unwrap().is_some());
        assert_eq!(store.last_tick("W").await.unwrap(), None);
        // The runs the batch queued are claimable: their `ready` marks were committed too.
        assert!(store.claim_next(100).await.unwrap().is_some());
        assert!(store.claim_next(100).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn concurrent_events_are_all_stored_and_old_runs_pruned() {
        let store = SqliteStore::open(":memory:").unwrap();
        let pending: Vec<_> = (0..64)
            .map(|i| {
                store.record_event(event(
                    &format!("c{i}"),
                    Some("K"),
                    Some(i),
                    &format!("r{i}"),
                ))
            })
            .collect();
        for outcome in futures::future::join_all(pending).await {
            assert!(matches!(outcome.unwrap(), EventOutcome::Queued(_)));
        }
        assert_eq!(store.queue_depth().await.unwrap(), 64);
        let r = store.claim_next(5).await.unwrap().unwrap();
        assert_eq!(r.id, "r0");
        store
            .finish_run("r0", RunStatus::Completed, None, 10)
            .await
            .unwrap();
        assert_eq!(store.prune(11, 0).await.unwrap(), 1);
        assert!(store.run("r0").await.unwrap().is_none());
        assert_eq!(store.prune(11, 0).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_reported_quantity_we_just_wrote_is_an_echo_once() {
        let store = SqliteStore::open(":memory:").unwrap();
        let write = Write {
            channel: "fake".into(),
            sku: "E".into(),
            quantity: 7,
            at_ms: 1,
        };
        store.record_write(write).await.unwrap();
        assert_eq!(
            store
                .record_event(event("x1", Some("E"), None, "r1"))
                .await
                .unwrap(),
            EventOutcome::Echo
        );
        assert_eq!(
            store
                .record_event(event("x2", Some("E"), None, "r2"))
                .await
                .unwrap(),
            EventOutcome::Queued("r2".into())
        );
    }

    #[tokio::test]
    async fn events_within_the_coalesce_window_become_one_run_of_the_newest() {
        let store = SqliteStore::open(":memory:").unwrap();
        let mut e1 = event("k1", Some("C"), None, "r1");
        e1.coalesce_ms = Some(5000);
        e1.echo = None;
        e1.payload = serde_json::json!({ "sku": "C", "quantity": 1 });
        let mut e2 = e1.clone();
        e2.event_id = "k2".into();
        e2.run_id = "r2".into();
        e2.received_at_ms = 2;
        e2.payload = serde_json::json!({ "sku": "C", "quantity": 2 });
        let mut e3 = e2.clone();
        e3.event_id = "k3".into();
        e3.run_id = "r3".into();
        e3.payload = serde_json::json!({ "sku": "C", "quantity": 3 });
        for e in [e1, e2, e3] {
            assert_eq!(
                store.record_event(e).await.unwrap(),
                EventOutcome::Queued("r1".into())
            );
        }
        assert!(store.claim_next(100).await.unwrap().is_none());
        let run = store.claim_next(5001).await.unwrap().unwrap();
        assert_eq!(
            run.payload,
            serde_json::json!({ "sku": "C", "quantity": 3, "conflicts": [
                { "sku": "C", "quantity": 1 }, { "sku": "C", "quantity": 2 }
            ] })
        );
    }

    #[tokio::test]
    async fn ticks_are_marked_once() {
        let store = SqliteStore::open(":memory:").unwrap();
        assert!(store.mark_tick("W", 10).await.unwrap());
        assert!(!store.mark_tick("W", 10).await.unwrap());
        assert!(store.mark_tick("W", 20).await.unwrap());
        assert_eq!(store.last_tick("W").await.unwrap(), Some(20));
    }

    #[tokio::test]
    async fn reopening_a_file_keeps_the_schema() {
        let dir = std::env::temp_dir().join(format!("handled-store-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.db");
        let path = path.to_str().unwrap();
        {
            let store = SqliteStore::open(path).unwrap();
            store
                .record_event(event("e1", None, None, "r1"))
                .await
                .unwrap();
        }
        let store = SqliteStore::open(path).unwrap();
        assert!(store.run("r1").await.unwrap().is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Events are answered once the WAL is synced, wherever the WAL is: the file SQLite
    /// resolved, also for a `file:` URI.
    #[tokio::test]
    async fn events_are_answered_after_the_wal_is_synced() {
        let dir = std::env::temp_dir().join(format!("handled-store-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let plain = dir.join("plain.db");
        let uri = format!("file:{}?cache=private", dir.join("uri.db").display());
        for path in [plain.to_str().unwrap(), uri.as_str()] {
            let store = SqliteStore::open(path).unwrap();
            let outcome = store
                .record_event(event("e1", Some("A"), Some(1), "r1"))
                .await;
            assert_eq!(
                outcome.unwrap(),
                EventOutcome::Queued("r1".into()),
                "{path}"
            );
        }
        assert!(dir.join("uri.db-wal").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A history page by key or workflow reads its own index, newest first, not a scan.
    #[test]
    fn history_pages_use_their_indexes() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        for (filter, index) in [
            (
                RunFilter {
                    key: Some("A-1".into()),
                    before_seq: Some(10),
                    ..RunFilter::default()
                },
                "runs_history_key",
            ),
            (
                RunFilter {
                    workflow: Some("W".into()),
                    ..RunFilter::default()
                },
                "runs_history_workflow",
            ),
        ] {
            let (conditions, values) = filter.conditions(|n| format!("?{n}"));
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {RUN_COLUMNS} FROM runs WHERE {conditions} ORDER BY seq DESC LIMIT 50"
            );
            let mut stmt = conn.prepare(&sql).unwrap();
            let nulls = vec![rusqlite::types::Null; values.len()];
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().any(|l| l.contains(index)),
                "{sql}\nplan: {plan:?}"
            );
            assert!(
                !plan.iter().any(|l| l.contains("TEMP B-TREE")),
                "sorted: {plan:?}"
            );
        }
    }

    /// The statements that look up a key's active runs use `runs_active` (a partial index is
    /// used only when a statement repeats its condition), not a scan of every run of the key.
    #[test]
    fn key_lookups_use_the_index_of_active_runs() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        let runnable = format!("SELECT 1 FROM runs AS r WHERE r.id = ?1 AND {}", runnable());
        for sql in [&*COALESCING, &runnable, &*UNMARK_READY, &*MARK_READY] {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().any(|line| line.contains("runs_active")),
                "{sql}\nplan: {plan:?}"
            );
        }
    }
}
