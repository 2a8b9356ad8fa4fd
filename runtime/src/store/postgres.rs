//! The shared store: one PostgreSQL database for any number of processes on any number of
//! hosts. Runs are taken with `FOR UPDATE SKIP LOCKED` and held under a lease (owner + expiry)
//! that a background task renews; a run whose lease ran out (its process died) is taken over
//! by any process. A run queued or finished sends a `NOTIFY` that wakes the workers of every
//! process; polling remains the fallback. Events of one ordering key are recorded one at a
//! time (a transaction-scoped advisory lock on the key), so dedupe, stale and echo detection
//! and the per-key queue order hold across processes.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use futures::StreamExt;
use handled_contract::lock;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls, Row};

use super::{
    CallRecord, CallStatus, EventOutcome, FilterValue, JournalOp, NewEvent, RUN_COLUMNS, RunEnd,
    RunFilter, RunRecord, RunStatus, StepRecord, StepSlot, StepStatus, Store, StoreError,
    StoreResult, from_text, index_slot, slot_index, to_text,
};
use crate::admission::{self, Admission, Facts, WaitingRun};
use crate::connector::{BoxFuture, Json};
use crate::state::{RunEvent, sql};

/// The versioned migrations, applied in order; `schema_migrations` records those applied.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../migrations/postgres/0002_staleness.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_echo_wait.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_history_pages.sql"),
    ),
];

/// Makes the current transaction wait for its commit to reach the disk.
const DURABLE: &str = "SET LOCAL synchronous_commit = on";

/// The advisory lock held while migrating, so that processes starting together apply each
/// migration once.
const MIGRATION_LOCK: i64 = 0x68616e646c6564;

/// How a PostgreSQL store is opened.
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// The schema to use (created if missing); `None` uses the connection's search path.
    pub schema: Option<String>,
    /// How long a claimed run stays held without a heartbeat before another process may take
    /// it over. The lease is renewed every third of this.
    pub lease: Duration,
    /// Connections in the pool.
    pub pool_size: usize,
    /// This host's name, the first part of the owner id of the runs this store claims.
    pub host: String,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: None,
            lease: Duration::from_secs(30),
            pool_size: 16,
            host: "host".to_string(),
        }
    }
}

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// This process's id in `runs.owner`.
    owner: String,
    lease_ms: i64,
    /// The runs this store holds and keeps renewing.
    held: Arc<Mutex<HashSet<String>>>,
    /// Woken by `NOTIFY` (and after the listener reconnects).
    wake: Arc<Notify>,
    /// The notification channel.
    channel: String,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("owner", &self.inner.owner)
            .finish()
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => StoreError(format!("postgres: {}", db.message())),
            None => StoreError(format!("postgres: {e}")),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError(format!("postgres: {other}")),
        }
    }
}

/// Quotes an identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl PostgresStore {
    /// Connects to the database `url` names (`postgres://…` or `postgresql://…`), applies
    /// pending migrations and starts the lease heartbeat and the `LISTEN` task.
    pub async fn connect(url: &str, options: PostgresOptions) -> StoreResult<Self> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError(format!("invalid PostgreSQL URL: {e}")))?;
        if let Some(schema) = &options.schema {
            let existing = config.get_options().unwrap_or("").to_string();
            let path = format!("-c search_path={}", schema.replace(' ', "\\ "));
            config.options(format!("{existing} {path}").trim());
        }
        // Journal writes (steps, calls, run states) commit without waiting for the WAL flush:
        // the server has them, so they survive this process being killed, and a crash of the
        // server loses at most its last fraction of a second of journal (those steps run
        // again; their calls are sent again with the same idempotency keys). Events and cron
        // ticks are answered only once on disk (`SET LOCAL synchronous_commit = on`).
        let mut pooled = config.clone();
        let existing = pooled.get_options().unwrap_or("").to_string();
        pooled.options(format!("{existing} -c synchronous_commit=off").trim());
        let manager = Manager::from_config(
            pooled,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(2))
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError(format!("postgres pool: {e}")))?;
        migrate(&pool, options.schema.as_deref()).await?;
        let channel = match &options.schema {
            Some(schema) => format!("handled_runs_{schema}"),
            None => "handled_runs".to_string(),
        };
        let lease_ms = i64::try_from(options.lease.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let owner = format!(
            "{}:{}:{}",
            options.host,
            std::process::id(),
            uuid::Uuid::new_v4()
        );
        let held = Arc::new(Mutex::new(HashSet::new()));
        let wake = Arc::new(Notify::new());
        let tasks = vec![
            tokio::spawn(listen(config, channel.clone(), Arc::clone(&wake))),
            tokio::spawn(heartbeat(
                pool.clone(),
                owner.clone(),
                lease_ms,
                Arc::clone(&held),
            )),
        ];
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                pool,
                owner,
                lease_ms,
                held,
                wake,
                channel,
                tasks,
            }),
        })
    }

    /// This store's owner id (what `runs.owner` holds for the runs it claimed).
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    fn hold(&self, run: &Option<RunRecord>) {
        if let Some(run) = run
            && run.status == RunStatus::Running
        {
            lock(&self.inner.held).insert(run.id.clone());
        }
    }

    fn unhold(&self, run_id: &str) {
        lock(&self.inner.held).remove(run_id);
    }

    fn notify_sql(&self) -> String {
        format!(
            "SELECT pg_notify('{}', '')",
            self.inner.channel.replace('\'', "''")
        )
    }
}

async fn migrate(pool: &Pool, schema: Option<&str>) -> StoreResult<()> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", ident(schema)))
            .await?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let applied: Option<i32> = tx
        .query_one("SELECT MAX(version) FROM schema_migrations", &[])
        .await?
        .get(0);
    let applied = applied.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if applied > known {
        return Err(StoreError(format!(
            "the database has schema version {applied}, newer than this program's {known}"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Listens for `NOTIFY` on `channel` and wakes the workers; reconnects with backoff.
async fn listen(config: tokio_postgres::Config, channel: String, wake: Arc<Notify>) {
    let mut backoff = Duration::from_millis(250);
    loop {
        if let Ok((client, mut connection)) = config.connect(NoTls).await {
            let waker = Arc::clone(&wake);
            let driver = tokio::spawn(async move {
                let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(message) = messages.next().await {
                    match message {
                        // One worker per notification: a worker that finds a run wakes the next.
                        Ok(AsyncMessage::Notification(_)) => waker.notify_one(),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            });
            if client
                .batch_execute(&format!("LISTEN {}", ident(&channel)))
                .await
                .is_ok()
            {
                backoff = Duration::from_millis(250);
                // Work queued while the listener was away is looked for now.
                wake.notify_waiters();
            }
            let _ = driver.await;
            drop(client);
        }
        tracing::warn!(
            retry_ms = backoff.as_millis() as u64,
            "the PostgreSQL listener is disconnected; reconnecting"
        );
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// Renews the leases of the runs this process holds, every third of the lease.
async fn heartbeat(pool: Pool, owner: String, lease_ms: i64, held: Arc<Mutex<HashSet<String>>>) {
    let every = Duration::from_millis((lease_ms / 3).max(1) as u64);
    loop {
        tokio::time::sleep(every).await;
        let ids: Vec<String> = lock(&held).iter().cloned().collect();
        if ids.is_empty() {
            continue;
        }
        let renewed = async {
            let client = pool.get().await?;
            let sql = format!(
                "UPDATE runs SET lease_until = now() + $2::bigint * interval '1 millisecond'
                 WHERE owner = $1 AND {} AND id = ANY($3) RETURNING id",
                sql::one_of("status", &[RunStatus::Running])
            );
            let rows = client.query(&sql, &[&owner, &lease_ms, &ids]).await?;
            Ok::<_, StoreError>(
                rows.iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect::<HashSet<_>>(),
            )
        }
        .await;
        match renewed {
            Ok(renewed) => {
                // A run no longer ours (taken over after our lease lapsed, or ended) is let go.
                let mut held = lock(&held);
                for id in ids.iter().filter(|id| !renewed.contains(*id)) {
                    held.remove(id);
                }
            }
            Err(e) => tracing::warn!(error = %e, "the leases of running runs could not be renewed"),
        }
    }
}

fn run_row(row: &Row) -> RunRecord {
    let status: String = row.get(4);
    let payload: String = row.get(6);
    let attempt: i32 = row.get(5);
    RunRecord {
        seq: row.get(0),
        id: row.get(1),
        workflow: row.get(2),
        key: row.get(3),
        status: RunStatus::parse(&status).unwrap_or(RunStatus::Failed),
        attempt: u32::try_from(attempt).unwrap_or(0),
        payload: serde_json::from_str(&payload).unwrap_or(Json::Null),
        created_at_ms: row.get(7),
        started_at_ms: row.get(8),
        finished_at_ms: row.get(9),
        error: from_text(row.get(10)),
        dead: row.get(11),
    }
}

/// Ends a run just claimed for the first time as `skipped` when its event is stale by now: an
/// event of its key that happened later was applied first (runs of one key run in the order
/// their events happened, whichever workflow they belong to), or its channel reported our own
/// write of a newer state for the key while it waited (an echo). Otherwise records its event's
/// time as the key's last applied one. Says whether it ended the run. Runs of one key are
/// claimed one at a time, so the check and the update need no lock of their own.
async fn end_if_stale(
    tx: &tokio_postgres::Transaction<'_>,
    run: &RunRecord,
    now_ms: i64,
) -> StoreResult<bool> {
    let Some(key) = run.key.as_ref().filter(|_| run.attempt == 1) else {
        return Ok(false);
    };
    let row = tx
        .query_one(
            "SELECT (SELECT MAX(occurred_at_ms) FROM events WHERE run_id = $1),
                    (SELECT echo_ms FROM key_state WHERE workflow = $2 AND key = $3),
                    (SELECT applied_ms FROM key_applied WHERE key = $3)",
            &[&run.id, &run.workflow, key],
        )
        .await?;
    let (at, echo, applied): (Option<i64>, Option<i64>, Option<i64>) =
        (row.get(0), row.get(1), row.get(2));
    let Some(at) = at else {
        return Ok(false);
    };
    let Some(reason) = admission::stale_when_claimed(at, echo, applied) else {
        tx.execute(
            "INSERT INTO key_applied (key, applied_ms) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET
               applied_ms = GREATEST(key_applied.applied_ms, excluded.applied_ms)",
            &[key, &at],
        )
        .await?;
        return Ok(false);
    };
    let error = admission::stale_error(reason);
    let sql = format!(
        "UPDATE runs SET {}, finished_at_ms = $2, error = $3, owner = NULL, lease_until = NULL
         WHERE id = $1 AND {}",
        sql::set(RunEvent::FoundStale),
        sql::applies("status", RunEvent::FoundStale)
    );
    tx.execute(&sql, &[&run.id, &now_ms, &error.to_string()])
        .await?;
    tx.execute(
        "UPDATE events SET status = $2 WHERE run_id = $1",
        &[&run.id, &admission::STALE],
    )
    .await?;
    super::count_stale(run.workflow.clone());
    Ok(true)
}

/// A run not started yet, queued since `$4`, whose event came from a channel we wrote its SKU
/// to since `$4`, and whose echo has not come back, waits for that echo if the channel has
/// echoed our writes since `$5` (`crate::echo`).
const NOT_AWAITING_ECHO: &str = "(r.attempt > 0 OR r.echo_channel IS NULL OR r.created_at_ms < $4
        OR NOT EXISTS (SELECT 1 FROM writes w WHERE w.channel = r.echo_channel
                       AND w.sku = r.echo_sku AND w.at_ms >= $4)
        OR NOT EXISTS (SELECT 1 FROM echo_channels c WHERE c.channel = r.echo_channel
                       AND c.last_echo_ms >= $5))";

/// A run (`r`) that may be taken: queued (`Claim`), or running under a lease that ran out
/// (`TakeOver`); and no earlier run of its key is queued or running, and no run of its key is
/// running under a live lease.
fn claimable() -> String {
    let states: Vec<RunStatus> = [RunEvent::Claim, RunEvent::TakeOver]
        .into_iter()
        .flat_map(RunEvent::sources)
        .collect();
    format!(
        "{states} AND ({queued} OR r.lease_until < now())
    AND (r.key IS NULL OR NOT EXISTS (
        SELECT 1 FROM runs o WHERE o.key = r.key AND o.seq <> r.seq
        AND {active}
        AND (o.seq < r.seq
             OR ({running} AND o.lease_until >= now()))))",
        states = sql::one_of("r.status", &states),
        queued = sql::applies("r.status", RunEvent::Claim),
        active = sql::one_of("o.status", &RunStatus::ACTIVE),
        running = sql::one_of("o.status", &[RunStatus::Running]),
    )
}

/// Marks a run running under this store's lease (`$1` id, `$2` now ms, `$3` owner, `$4` lease
/// ms) if it is claimable.
fn start_sql() -> String {
    format!(
        "UPDATE runs SET {claimed}, attempt = attempt + 1,
            started_at_ms = COALESCE(started_at_ms, $2), owner = $3,
            lease_until = now() + $4::bigint * interval '1 millisecond'
         WHERE id = (SELECT r.id FROM runs r WHERE r.id = $1 AND {claimable} FOR UPDATE)
         RETURNING {RUN_COLUMNS}",
        claimed = sql::set(RunEvent::Claim),
        claimable = claimable(),
    )
}

async fn load_run(
    tx: &impl deadpool_postgres::GenericClient,
    id: &str,
) -> StoreResult<Option<RunRecord>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1");
    Ok(tx.query_opt(&sql, &[&id]).await?.as_ref().map(run_row))
}

/// Starts a run if it is claimable; returns the run as it then is.
async fn start_if_runnable(
    store: &PostgresStore,
    tx: &impl deadpool_postgres::GenericClient,
    id: &str,
    now_ms: i64,
) -> StoreResult<Option<RunRecord>> {
    let started = tx
        .query_opt(
            &start_sql(),
            &[&id, &now_ms, &store.inner.owner, &store.inner.lease_ms],
        )
        .await?;
    match started {
        Some(row) => Ok(Some(run_row(&row))),
        None => load_run(tx, id).await,
    }
}

/// Writes one journal entry, call or echo record; a step or call only while this process
/// holds the run (`owner`).
async fn write_journal_op(
    client: &impl GenericClient,
    owner: &str,
    op: &JournalOp,
) -> StoreResult<()> {
    match op {
        JournalOp::Step(step) => {
            let statement = client
                .prepare_cached(
                    "INSERT INTO steps (run_id, step, item, entry, name, kind, status, input, output, error, redacted)
                     SELECT $1::text, $2::bigint, $3::bigint, $4::bigint, $5::text, $6::text, $7::text,
                            $8::text, $9::text, $10::text, $11::boolean
                     WHERE NOT EXISTS (SELECT 1 FROM runs WHERE id = $1 AND owner <> $12)
                     ON CONFLICT (run_id, step, item, entry) DO UPDATE SET
                        name = excluded.name, kind = excluded.kind, status = excluded.status,
                        input = excluded.input, output = excluded.output, error = excluded.error,
                        redacted = excluded.redacted"
                )
                .await?;
            let n = client
                .execute(
                    &statement,
                    &[
                        &step.run_id,
                        &(step.slot.step as i64),
                        &slot_index(step.slot.item),
                        &slot_index(step.slot.entry),
                        &step.name,
                        &step.kind,
                        &step.status.as_str(),
                        &step.input.as_ref().map(to_text),
                        &step.output.as_ref().map(to_text),
                        &step.error.as_ref().map(to_text),
                        &step.redacted,
                        &owner,
                    ],
                )
                .await?;
            fenced(n, &step.run_id)
        }
        JournalOp::Call(call) => {
            let attempts = i32::try_from(call.attempts).unwrap_or(i32::MAX);
            let statement = client
                .prepare_cached(
                    "INSERT INTO calls (run_id, step, item, entry, op, idempotency_key, params, status, result, error, attempts, redacted)
                     SELECT $1::text, $2::bigint, $3::bigint, $4::bigint, $5::text, $6::text, $7::text,
                            $8::text, $9::text, $10::text, $11::integer, $12::boolean
                     WHERE NOT EXISTS (SELECT 1 FROM runs WHERE id = $1 AND owner <> $13)
                     ON CONFLICT (run_id, step, item, entry) DO UPDATE SET
                        op = excluded.op, idempotency_key = excluded.idempotency_key,
                        params = excluded.params, status = excluded.status, result = excluded.result,
                        error = excluded.error, attempts = excluded.attempts, redacted = excluded.redacted"
                )
                .await?;
            let n = client
                .execute(
                    &statement,
                    &[
                        &call.run_id,
                        &(call.slot.step as i64),
                        &slot_index(call.slot.item),
                        &slot_index(call.slot.entry),
                        &call.op,
                        &call.idempotency_key,
                        &to_text(&call.params),
                        &call.status.as_str(),
                        &call.result.as_ref().map(to_text),
                        &call.error.as_ref().map(to_text),
                        &attempts,
                        &call.redacted,
                        &owner,
                    ],
                )
                .await?;
            fenced(n, &call.run_id)
        }
        JournalOp::ForgetWrite(write) => {
            client
                .execute(
                    "DELETE FROM writes WHERE id = (SELECT id FROM writes WHERE channel = $1
                       AND sku = $2 AND quantity = $3 AND at_ms = $4 ORDER BY id DESC LIMIT 1)",
                    &[&write.channel, &write.sku, &write.quantity, &write.at_ms],
                )
                .await?;
            Ok(())
        }
        JournalOp::Write(write) => {
            client
                .execute(
                    "INSERT INTO writes (channel, sku, quantity, at_ms) VALUES ($1, $2, $3, $4)",
                    &[&write.channel, &write.sku, &write.quantity, &write.at_ms],
                )
                .await?;
            Ok(())
        }
    }
}

/// A journal write that changed nothing: another process holds the run (this one's lease ran
/// out and the run was taken over), so this process must stop running it.
fn fenced(written: u64, run_id: &str) -> StoreResult<()> {
    if written == 0 {
        return Err(StoreError(format!(
            "run {run_id} was taken over by another process after this one's lease ran out"
        )));
    }
    Ok(())
}

impl PostgresStore {
    /// Records an event as [`admission::admit`] decides, one key at a time across every
    /// process (a transaction-scoped advisory lock on the key).
    async fn record(&self, event: NewEvent) -> StoreResult<EventOutcome> {
        let mut client = self.inner.pool.get().await?;
        let tx = client.transaction().await?;
        tx.batch_execute(DURABLE).await?;
        if let Some(key) = &event.key {
            let lock = tx
                .prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .await?;
            tx.execute(&lock, &[key]).await?;
        }
        // Inserted first: the unique (workflow, event_id) is the dedupe across processes, also
        // for events without a key.
        let insert = tx
            .prepare_cached(
                "INSERT INTO events (workflow, event_id, key, occurred_at_ms, received_at_ms, status)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (workflow, event_id) DO NOTHING RETURNING id",
            )
            .await?;
        let inserted = tx
            .query_opt(
                &insert,
                &[
                    &event.workflow,
                    &event.event_id,
                    &event.key,
                    &event.occurred_at_ms,
                    &event.received_at_ms,
                    &admission::QUEUED,
                ],
            )
            .await?;
        let event_row: Option<i64> = inserted.map(|row| row.get(0));
        let facts = read_facts(&tx, &event, event_row.is_none()).await?;
        let admission = admission::admit(&event, facts);
        let mut started = None;
        if let (Some(event_row), Some(status)) = (event_row, admission.event_status()) {
            let update = tx
                .prepare_cached("UPDATE events SET status = $2, run_id = $3 WHERE id = $1")
                .await?;
            tx.execute(&update, &[&event_row, &status, &admission.run_id(&event)])
                .await?;
            started = self.admit(&tx, &event, &admission).await?;
        }
        tx.commit().await?;
        self.hold(&started);
        Ok(admission.outcome(&event))
    }

    /// Applies what admission decided for a new event (recorded already); returns the run it
    /// started, if any.
    async fn admit(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        event: &NewEvent,
        admission: &Admission,
    ) -> StoreResult<Option<RunRecord>> {
        match admission {
            Admission::Duplicate | Admission::Stale => Ok(None),
            Admission::Echo {
                write,
                channel,
                key_at,
            } => {
                tx.execute("DELETE FROM writes WHERE id = $1", &[write])
                    .await?;
                tx.execute(
                    "INSERT INTO echo_channels (channel, last_echo_ms) VALUES ($1, $2)
                     ON CONFLICT (channel) DO UPDATE SET
                       last_echo_ms = GREATEST(echo_channels.last_echo_ms, excluded.last_echo_ms)",
                    &[channel, &event.received_at_ms],
                )
                .await?;
                if let Some((key, at)) = key_at {
                    tx.execute(
                        "INSERT INTO key_state (workflow, key, last_occurred_ms, echo_ms)
                         VALUES ($1, $2, $3, $3)
                         ON CONFLICT (workflow, key) DO UPDATE SET
                           last_occurred_ms = GREATEST(key_state.last_occurred_ms, excluded.last_occurred_ms),
                           echo_ms = GREATEST(key_state.echo_ms, excluded.echo_ms)",
                        &[&event.workflow, key, at],
                    )
                    .await?;
                }
                // A run waiting for this echo may start now, in any process.
                tx.batch_execute(&self.notify_sql()).await?;
                Ok(None)
            }
            Admission::Coalesce {
                run_id,
                payload,
                key_at,
            } => {
                record_order(tx, event, key_at).await?;
                tx.execute(
                    "UPDATE runs SET payload = $2 WHERE id = $1",
                    &[run_id, &to_text(payload)],
                )
                .await?;
                Ok(None)
            }
            Admission::Queue { run_at_ms, key_at } => {
                record_order(tx, event, key_at).await?;
                let sql = format!(
                    "INSERT INTO runs (id, workflow, key, status, payload, created_at_ms, run_at_ms,
                        echo_channel, echo_sku)
                     VALUES ($1, $2, $3, '{}', $4, $5, $6, $7, $8)",
                    RunStatus::FIRST.as_str()
                );
                tx.execute(
                    &sql,
                    &[
                        &event.run_id,
                        &event.workflow,
                        &event.key,
                        &to_text(&event.payload),
                        &event.received_at_ms,
                        run_at_ms,
                        &event.echo.as_ref().map(|e| &e.0),
                        &event.echo.as_ref().map(|e| &e.1),
                    ],
                )
                .await?;
                if event.start_now {
                    return start_if_runnable(self, tx, &event.run_id, event.received_at_ms).await;
                }
                tx.batch_execute(&self.notify_sql()).await?;
                Ok(None)
            }
        }
    }
}

/// What [`admission::admit`] needs to know about `event`, read as [`admission::reads`] asks
/// (`seen`: its id was recorded before). The rows an admission may change are locked.
async fn read_facts(
    tx: &deadpool_postgres::Transaction<'_>,
    event: &NewEvent,
    seen: bool,
) -> StoreResult<Facts> {
    let reads = admission::reads(event);
    let echoed_write = match reads.echo {
        Some((channel, sku, quantity)) => tx
            .query_opt(
                "SELECT id FROM writes WHERE channel = $1 AND sku = $2 AND quantity = $3
                 AND at_ms >= $4 ORDER BY at_ms DESC LIMIT 1 FOR UPDATE",
                &[&channel, &sku, &quantity, &event.echo_since_ms],
            )
            .await?
            .map(|r| r.get(0)),
        None => None,
    };
    let last_occurred_ms = match reads.order {
        Some((key, _)) => tx
            .query_opt(
                "SELECT last_occurred_ms FROM key_state WHERE workflow = $1 AND key = $2",
                &[&event.workflow, &key],
            )
            .await?
            .map(|r| r.get(0)),
        None => None,
    };
    let waiting = match reads.coalesce {
        Some(key) => {
            let sql = format!(
                "SELECT id, payload FROM runs WHERE workflow = $1 AND key = $2 AND {}
                 AND attempt = 0 AND run_at_ms > $3 ORDER BY seq DESC LIMIT 1 FOR UPDATE",
                sql::one_of("status", &[RunStatus::Queued])
            );
            tx.query_opt(&sql, &[&event.workflow, &key, &event.received_at_ms])
                .await?
                .map(|row| WaitingRun {
                    run_id: row.get(0),
                    payload: serde_json::from_str(row.get(1)).unwrap_or(Json::Null),
                })
        }
        None => None,
    };
    Ok(Facts {
        seen,
        echoed_write,
        last_occurred_ms,
        waiting,
    })
}

/// Records when the newest event of a key happened (an event that was not stale).
async fn record_order(
    tx: &deadpool_postgres::Transaction<'_>,
    event: &NewEvent,
    key_at: &Option<(String, i64)>,
) -> StoreResult<()> {
    let Some((key, at)) = key_at else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO key_state (workflow, key, last_occurred_ms) VALUES ($1, $2, $3)
         ON CONFLICT (workflow, key) DO UPDATE SET last_occurred_ms = excluded.last_occurred_ms",
        &[&event.workflow, key, at],
    )
    .await?;
    Ok(())
}

impl Store for PostgresStore {
    fn record_event(&self, event: NewEvent) -> BoxFuture<'_, StoreResult<EventOutcome>> {
        Box::pin(self.record(event))
    }

    fn claim_next(&self, now_ms: i64) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        Box::pin(async move {
            let mut client = self.inner.pool.get().await?;
            let tx = client.transaction().await?;
            // Walk the queue in order through `runs_active` and stop at the first claimable
            // run, whatever the table's statistics say (before the first ANALYZE of a busy new
            // database the planner would sort every queued run on each claim).
            tx.batch_execute("SET LOCAL enable_sort = off").await?;
            let sql = format!(
                "UPDATE runs SET {claimed}, attempt = attempt + 1,
                    started_at_ms = COALESCE(started_at_ms, $1), owner = $2,
                    lease_until = now() + $3::bigint * interval '1 millisecond'
                 WHERE seq = (SELECT r.seq FROM runs r WHERE {claimable} AND r.run_at_ms <= $1
                              AND {NOT_AWAITING_ECHO}
                              ORDER BY r.seq LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING {RUN_COLUMNS}",
                claimed = sql::set(RunEvent::Claim),
                claimable = claimable(),
            );
            let sql = tx.prepare_cached(&sql).await?;
            let (wrote_since, echoing_since) = crate::echo::awaiting_since(now_ms);
            let mut run = None;
            // A run made stale while it waited is ended, and the next one claimed.
            for _ in 0..1000 {
                let row = tx
                    .query_opt(
                        &sql,
                        &[
                            &now_ms,
                            &self.inner.owner,
                            &self.inner.lease_ms,
                            &wrote_since,
                            &echoing_since,
                        ],
                    )
                    .await?;
                let Some(claimed) = row.as_ref().map(run_row) else {
                    break;
                };
                if !end_if_stale(&tx, &claimed, now_ms).await? {
                    run = Some(claimed);
                    break;
                }
            }
            tx.commit().await?;
            self.hold(&run);
            Ok(run)
        })
    }

    fn claim(&self, run_id: &str, now_ms: i64) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let run_id = run_id.to_string();
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            let row = client
                .query_opt(
                    &start_sql(),
                    &[&run_id, &now_ms, &self.inner.owner, &self.inner.lease_ms],
                )
                .await?;
            let run = row.as_ref().map(run_row);
            self.hold(&run);
            Ok(run)
        })
    }

    fn run(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let run_id = run_id.to_string();
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            load_run(&client, &run_id).await
        })
    }

    fn runs(
        &self,
        status: Option<RunStatus>,
        limit: usize,
    ) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>> {
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE ($1::text IS NULL OR status = $1)
                 ORDER BY seq DESC LIMIT $2"
            );
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = client
                .query(&sql, &[&status.map(RunStatus::as_str), &limit])
                .await?;
            Ok(rows.iter().map(run_row).collect())
        })
    }

    fn runs_page(
        &self,
        filter: RunFilter,
        limit: usize,
    ) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>> {
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            let (conditions, values) = filter.conditions(|n| format!("${n}"));
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE {conditions} ORDER BY seq DESC LIMIT {}",
                i64::try_from(limit).unwrap_or(i64::MAX)
            );
            let bound: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = values
                .into_iter()
                .map(|v| -> Box<dyn tokio_postgres::types::ToSql + Sync + Send> {
                    match v {
                        FilterValue::Text(t) => Box::new(t),
                        FilterValue::Int(i) => Box::new(i),
                    }
                })
                .collect();
            let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = bound
                .iter()
                .map(|b| b.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            let rows = client.query(&sql, &params).await?;
            Ok(rows.iter().map(run_row).collect())
        })
    }

    fn dead_runs(&self) -> BoxFuture<'_, StoreResult<Vec<RunRecord>>> {
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE dead AND {} ORDER BY seq",
                sql::one_of("status", &[RunStatus::Failed])
            );
            let rows = client.query(&sql, &[]).await?;
            Ok(rows.iter().map(run_row).collect())
        })
    }

    fn steps(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Vec<StepRecord>>> {
        let run_id = run_id.to_string();
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            let rows = client
                .query(
                    "SELECT step, item, entry, name, kind, status, input, output, error, redacted
                     FROM steps WHERE run_id = $1 ORDER BY step, item, entry",
                    &[&run_id],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|row| StepRecord {
                    run_id: run_id.clone(),
                    slot: StepSlot {
                        step: index_slot(row.get(0)).unwrap_or(0),
                        item: index_slot(row.get(1)),
                        entry: index_slot(row.get(2)),
                    },
                    name: row.get(3),
                    kind: row.get(4),
                    status: StepStatus::parse(row.get(5)),
                    input: from_text(row.get(6)),
                    output: from_text(row.get(7)),
                    error: from_text(row.get(8)),
                    redacted: row.get(9),
                })
                .collect())
        })
    }

    fn calls(&self, run_id: &str) -> BoxFuture<'_, StoreResult<Vec<CallRecord>>> {
        let run_id = run_id.to_string();
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            let rows = client
                .query(
                    "SELECT step, item, entry, op, idempotency_key, params, status, result, error,
                            attempts, redacted
                     FROM calls WHERE run_id = $1 ORDER BY step, item, entry",
                    &[&run_id],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|row| CallRecord {
                    run_id: run_id.clone(),
                    slot: StepSlot {
                        step: index_slot(row.get(0)).unwrap_or(0),
                        item: index_slot(row.get(1)),
                        entry: index_slot(row.get(2)),
                    },
                    op: row.get(3),
                    idempotency_key: row.get(4),
                    params: from_text(row.get(5)).unwrap_or(Json::Null),
                    status: CallStatus::parse(row.get(6)),
                    result: from_text(row.get(7)),
                    error: from_text(row.get(8)),
                    attempts: u32::try_from(row.get::<_, i32>(9)).unwrap_or(0),
                    redacted: row.get(10),
                })
                .collect())
        })
    }

    fn journal(&self, ops: Vec<JournalOp>) -> BoxFuture<'_, StoreResult<()>> {
        Box::pin(async move {
            let mut client = self.inner.pool.get().await?;
            if let [op] = ops.as_slice() {
                return write_journal_op(&client, &self.inner.owner, op).await;
            }
            let tx = client.transaction().await?;
            for op in &ops {
                write_journal_op(&tx, &self.inner.owner, op).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn end_run(&self, end: RunEnd) -> BoxFuture<'_, StoreResult<()>> {
        Box::pin(async move {
            let RunEnd {
                run_id,
                status,
                error,
                at_ms,
                journal,
            } = end;
            // Whatever happens now, this process stops renewing the lease.
            self.unhold(&run_id);
            let mut client = self.inner.pool.get().await?;
            let tx = client.transaction().await?;
            for op in &journal {
                write_journal_op(&tx, &self.inner.owner, op).await?;
            }
            let Some(event) = RunEvent::ending_in(status) else {
                return Err(StoreError(format!("run {run_id} cannot end running")));
            };
            let dead = status == RunStatus::Failed;
            let finished = status.is_final().then_some(at_ms);
            // Only the holder ends a run: one taken over by another process is theirs now.
            let sql = format!(
                "UPDATE runs SET status = $2, error = $3, finished_at_ms = $4, dead = $5,
                    owner = NULL, lease_until = NULL
                 WHERE id = $1 AND (owner = $6 OR owner IS NULL) AND {}",
                sql::applies("status", event)
            );
            let sql = tx.prepare_cached(&sql).await?;
            let n = tx
                .execute(
                    &sql,
                    &[
                        &run_id,
                        &status.as_str(),
                        &error.as_ref().map(to_text),
                        &finished,
                        &dead,
                        &self.inner.owner,
                    ],
                )
                .await?;
            if n == 0 {
                tracing::warn!(run = %run_id, "the run was taken over by another process after its lease ran out; its status is theirs to record");
            }
            tx.batch_execute(&self.notify_sql()).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn requeue(
        &self,
        run_id: &str,
        start_at_ms: Option<i64>,
    ) -> BoxFuture<'_, StoreResult<Option<RunRecord>>> {
        let run_id = run_id.to_string();
        Box::pin(async move {
            let mut client = self.inner.pool.get().await?;
            let tx = client.transaction().await?;
            let sql = format!(
                "UPDATE runs SET {}, dead = FALSE, error = NULL, finished_at_ms = NULL,
                    owner = NULL, lease_until = NULL
                 WHERE id = $1 AND {}",
                sql::set(RunEvent::Requeue),
                sql::applies("status", RunEvent::Requeue)
            );
            let n = tx.execute(&sql, &[&run_id]).await?;
            if n == 0 {
                tx.commit().await?;
                return Ok(None);
            }
            let run = match start_at_ms {
                Some(now) => start_if_runnable(self, &tx, &run_id, now).await?,
                None => {
                    tx.batch_execute(&self.notify_sql()).await?;
                    load_run(&tx, &run_id).await?
                }
            };
            tx.commit().await?;
            self.hold(&run);
            Ok(run)
        })
    }

    /// Nothing to do: a run left running by a process that stopped is taken over by
    /// [`Store::claim_next`] once its lease runs out (other processes may be running theirs).
    fn recover_interrupted(&self) -> BoxFuture<'_, StoreResult<usize>> {
        Box::pin(async { Ok(0) })
    }

    fn queue_depth(&self) -> BoxFuture<'_, StoreResult<u64>> {
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            let sql = format!(
                "SELECT COUNT(*) FROM runs WHERE {}",
                sql::one_of("status", &[RunStatus::Queued])
            );
            let n: i64 = client.query_one(&sql, &[]).await?.get(0);
            Ok(n.max(0) as u64)
        })
    }

    fn last_tick(&self, workflow: &str) -> BoxFuture<'_, StoreResult<Option<i64>>> {
        let workflow = workflow.to_string();
        Box::pin(async move {
            let client = self.inner.pool.get().await?;
            Ok(client
                .query_opt(
                    "SELECT last_tick_ms FROM cron_ticks WHERE workflow = $1",
                    &[&workflow],
                )
                .await?
                .map(|r| r.get(0)))
        })
    }

    fn prune(&self, before_ms: i64, writes_before_ms: i64) -> BoxFuture<'_, StoreResult<usize>> {
        Box::pin(async move {
            let mut client = self.inner.pool.get().await?;
            let tx = client.transaction().await?;
            tx.execute("DELETE FROM writes WHERE at_ms < $1", &[&writes_before_ms])
                .await?;
            let old = format!(
                "SELECT id FROM runs WHERE finished_at_ms < $1 AND NOT dead AND {}",
                sql::ended("status")
            );
            tx.execute(
                &format!("DELETE FROM steps WHERE run_id IN ({old})"),
                &[&before_ms],
            )
            .await?;
            tx.execute(
                &format!("DELETE FROM calls WHERE run_id IN ({old})"),
                &[&before_ms],
            )
            .await?;
            let runs = tx
                .execute(
                    &format!("DELETE FROM runs WHERE id IN ({old})"),
                    &[&before_ms],
                )
                .await?;
            tx.execute(
                "DELETE FROM events e WHERE e.received_at_ms < $1
                 AND (e.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run_id))",
                &[&before_ms],
            )
            .await?;
            tx.commit().await?;
            Ok(usize::try_from(runs).unwrap_or(usize::MAX))
        })
    }

    fn mark_tick(&self, workflow: &str, tick_ms: i64) -> BoxFuture<'_, StoreResult<bool>> {
        let workflow = workflow.to_string();
        Box::pin(async move {
            let mut client = self.inner.pool.get().await?;
            let tx = client.transaction().await?;
            tx.batch_execute(DURABLE).await?;
            // Atomic across processes: the row is locked by the first, and the second sees
            // the tick already there.
            let n = tx
                .execute(
                    "INSERT INTO cron_ticks (workflow, last_tick_ms) VALUES ($1, $2)
                     ON CONFLICT (workflow) DO UPDATE SET last_tick_ms = excluded.last_tick_ms
                     WHERE cron_ticks.last_tick_ms < excluded.last_tick_ms",
                    &[&workflow, &tick_ms],
                )
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    fn wait_for_work(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.inner.wake.notified())
    }

    fn release(&self, run_id: &str) {
        self.unhold(run_id);
    }
}
