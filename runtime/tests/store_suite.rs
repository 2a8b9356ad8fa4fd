//! One suite of store tests, run against the SQLite store (a temporary file) and the PostgreSQL
//! store (a fresh schema per test in the database `HANDLED_TEST_POSTGRES` names; skipped, saying
//! why, when none answers, and failed instead under CI). Tests that need two processes open two
//! handles on the same database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use handled_contract::lock;
use handled_runtime::Env;
use std::time::Duration;

use handled_runtime::store::{
    CallRecord, CallStatus, EventOutcome, JournalOp, NewEvent, PostgresOptions, PostgresStore,
    RunEnd, RunStatus, SqliteStore, StepRecord, StepSlot, StepStatus, Store, Write,
};

/// A database the handles of one test share.
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Db {
    fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    /// The PostgreSQL database `HANDLED_TEST_POSTGRES` names, once it answers. Without one the
    /// test is skipped, saying why; under CI (`CI` set) it fails instead, since CI runs both
    /// stores.
    async fn postgres() -> Option<Db> {
        let env = Env::from_process();
        let missing = |why: String| {
            if env
                .get("CI")
                .is_some_and(|ci| !ci.is_empty() && ci != "false")
            {
                panic!(
                    "{why}: CI runs the PostgreSQL store tests (scripts/test sets HANDLED_TEST_POSTGRES when a local server answers)"
                );
            }
            println!("skipped: {why}");
            None
        };
        let Some(url) = env.get("HANDLED_TEST_POSTGRES").map(str::to_string) else {
            return missing("HANDLED_TEST_POSTGRES is not set".to_string());
        };
        let connected = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_postgres::connect(&url, tokio_postgres::NoTls),
        )
        .await;
        match connected {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return missing(format!("no PostgreSQL answers at {url}: {e}")),
            Err(_) => return missing(format!("no PostgreSQL answers at {url} within 10 s")),
        }
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        Some(Db::Postgres { url, schema })
    }

    fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres { .. })
    }

    /// A handle (as one process would open it), with this lease for a PostgreSQL store.
    async fn handle_with_lease(&self, lease: Duration) -> Arc<dyn Store> {
        match self {
            Db::Sqlite(dir) => {
                let path = dir.path().join("h.db");
                Arc::new(SqliteStore::open(path.to_str().unwrap()).unwrap())
            }
            Db::Postgres { url, schema } => {
                let options = PostgresOptions {
                    schema: Some(schema.clone()),
                    lease,
                    pool_size: 4,
                    ..PostgresOptions::default()
                };
                Arc::new(PostgresStore::connect(url, options).await.unwrap())
            }
        }
    }

    async fn handle(&self) -> Arc<dyn Store> {
        self.handle_with_lease(Duration::from_secs(30)).await
    }

    /// Drops the test's schema (also when the test panicked).
    fn cleanup(&self) {
        let Db::Postgres { url, schema } = self else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        // A thread of its own: this may run inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await
                    .unwrap();
            });
        });
        let _ = dropped.join();
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Instantiates each test for both stores.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::Db::sqlite();
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::Db::postgres().await else { return };
                    super::$name(&db).await;
                }
            )*
        }
    };
}

suite!(
    dedupe_stale_and_key_order,
    concurrent_deliveries_of_one_event_make_one_run,
    echo_is_recognised_once,
    records_of_writes_older_than_the_echo_window_are_pruned,
    concurrent_claimers_keep_each_key_in_order,
    a_lapsed_lease_is_taken_over_and_a_renewed_one_is_not,
    a_tick_fires_once_across_handles,
    requeue_and_replay,
    journal_round_trip_and_prune,
    coalesced_events_make_one_run,
    runs_of_one_key_apply_in_event_order_across_workflows,
    an_echo_makes_older_queued_runs_stale,
    a_batch_of_journal_entries_and_end_run_and_claim,
    a_run_waits_for_the_echo_of_our_write_to_its_channel,
);

fn event(id: &str, key: Option<&str>, at: Option<i64>, run: &str) -> NewEvent {
    NewEvent {
        workflow: "W".to_string(),
        event_id: id.to_string(),
        key: key.map(str::to_string),
        occurred_at_ms: at,
        payload: serde_json::json!({ "sku": key, "at": at }),
        received_at_ms: 1,
        run_id: run.to_string(),
        echo: None,
        echo_since_ms: 0,
        start_now: false,
        coalesce_ms: None,
    }
}

async fn dedupe_stale_and_key_order(db: &Db) {
    let store = db.handle().await;
    let queued = |id: &str| EventOutcome::Queued(id.to_string());
    let e = |id, key, at, run| store.record_event(event(id, Some(key), Some(at), run));
    assert_eq!(e("e1", "A", 10, "r1").await.unwrap(), queued("r1"));
    assert_eq!(
        e("e1", "A", 10, "rx").await.unwrap(),
        EventOutcome::Duplicate
    );
    assert_eq!(e("e2", "A", 5, "ry").await.unwrap(), EventOutcome::Stale);
    assert_eq!(e("e3", "A", 20, "r3").await.unwrap(), queued("r3"));
    assert_eq!(e("e4", "B", 1, "r4").await.unwrap(), queued("r4"));
    assert!(store.run("rx").await.unwrap().is_none());
    assert!(store.run("ry").await.unwrap().is_none());
    assert_eq!(store.queue_depth().await.unwrap(), 3);
    // r1 runs; r3 (same key) waits; r4 (another key) runs beside it.
    assert_eq!(store.claim_next(100).await.unwrap().unwrap().id, "r1");
    assert_eq!(store.claim_next(100).await.unwrap().unwrap().id, "r4");
    assert!(store.claim_next(100).await.unwrap().is_none());
    assert!(store.claim("r3", 100).await.unwrap().is_none());
    store
        .finish_run("r1", RunStatus::Completed, None, 101)
        .await
        .unwrap();
    let r3 = store.claim_next(102).await.unwrap().unwrap();
    assert_eq!(
        (r3.id.as_str(), r3.attempt, r3.started_at_ms, r3.status),
        ("r3", 1, Some(102), RunStatus::Running)
    );
    assert_eq!(r3.payload, serde_json::json!({ "sku": "A", "at": 20 }));
    assert_eq!(store.queue_depth().await.unwrap(), 0);
    let running = store.runs(Some(RunStatus::Running), 10).await.unwrap();
    let mut ids: Vec<_> = running.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["r3", "r4"]);
}

async fn runs_of_one_key_apply_in_event_order_across_workflows(db: &Db) {
    let store = db.handle().await;
    let in_workflow = |workflow: &str, id, at, run| {
        let mut e = event(id, Some("S"), Some(at), run);
        e.workflow = workflow.to_string();
        e
    };
    // The newer event (of one workflow) arrives first; the older one (of another) after it.
    for e in [
        in_workflow("FromShop", "n", 200, "newer"),
        in_workflow("FromWarehouse", "o", 100, "older"),
        in_workflow("FromWarehouse", "l", 300, "later"),
    ] {
        assert!(matches!(
            store.record_event(e).await.unwrap(),
            EventOutcome::Queued(_)
        ));
    }
    let newer = store.claim_next(1_000).await.unwrap().unwrap();
    assert_eq!(newer.id, "newer");
    store
        .finish_run("newer", RunStatus::Completed, None, 1_001)
        .await
        .unwrap();
    // The older event's run ends stale when it comes up; the later one runs.
    let next = store.claim_next(1_002).await.unwrap().unwrap();
    assert_eq!(next.id, "later");
    let older = store.run("older").await.unwrap().unwrap();
    assert_eq!(older.status, RunStatus::Skipped);
    assert_eq!(older.error.unwrap()["stale"], true);
}

async fn an_echo_makes_older_queued_runs_stale(db: &Db) {
    let store = db.handle().await;
    // A run of the warehouse's event at 100 waits behind another run of its key.
    assert!(matches!(
        store
            .record_event(event("busy", Some("Q"), Some(50), "busy"))
            .await
            .unwrap(),
        EventOutcome::Queued(_)
    ));
    assert!(matches!(
        store
            .record_event(event("w100", Some("Q"), Some(100), "w100"))
            .await
            .unwrap(),
        EventOutcome::Queued(_)
    ));
    assert_eq!(store.claim_next(1_000).await.unwrap().unwrap().id, "busy");
    // Meanwhile we write 9 to the warehouse, and it reports our write back at 150.
    let write = Write {
        channel: "fake".into(),
        sku: "Q".into(),
        quantity: 9,
        at_ms: 1_000,
    };
    store.record_write(write).await.unwrap();
    let mut echo = event("w150", Some("Q"), Some(150), "w150");
    echo.echo = Some(("fake".into(), "Q".into(), 9));
    assert_eq!(store.record_event(echo).await.unwrap(), EventOutcome::Echo);
    store
        .finish_run("busy", RunStatus::Completed, None, 1_001)
        .await
        .unwrap();
    // The warehouse no longer holds what the event at 100 reported: its run ends stale.
    assert!(store.claim_next(1_002).await.unwrap().is_none());
    let stale = store.run("w100").await.unwrap().unwrap();
    assert_eq!(stale.status, RunStatus::Skipped);
    assert_eq!(stale.error.unwrap()["stale"], true);
}

async fn concurrent_deliveries_of_one_event_make_one_run(db: &Db) {
    let (a, b) = (db.handle().await, db.handle().await);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 { &a } else { &b };
        let store = Arc::clone(store);
        tasks.push(tokio::spawn(async move {
            store
                .record_event(event("same", Some("K"), Some(5), &format!("r{i}")))
                .await
                .unwrap()
        }));
    }
    let mut queued = 0;
    for task in tasks {
        match task.await.unwrap() {
            EventOutcome::Queued(_) => queued += 1,
            EventOutcome::Duplicate => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(queued, 1);
    assert_eq!(a.queue_depth().await.unwrap(), 1);
}

async fn echo_is_recognised_once(db: &Db) {
    let store = db.handle().await;
    let write = Write {
        channel: "fake".into(),
        sku: "E".into(),
        quantity: 7,
        at_ms: 50,
    };
    store.record_write(write).await.unwrap();
    let echo = |id: &str, run: &str, since: i64| {
        let mut e = event(id, Some("E"), None, run);
        e.echo = Some(("fake".into(), "E".into(), 7));
        e.echo_since_ms = since;
        e
    };
    // A write older than the window makes no echo.
    assert_eq!(
        store.record_event(echo("x0", "r0", 60)).await.unwrap(),
        EventOutcome::Queued("r0".into())
    );
    assert_eq!(
        store.record_event(echo("x1", "r1", 40)).await.unwrap(),
        EventOutcome::Echo
    );
    assert_eq!(
        store.record_event(echo("x2", "r2", 40)).await.unwrap(),
        EventOutcome::Queued("r2".into())
    );
    assert!(store.run("r1").await.unwrap().is_none());
}

async fn records_of_writes_older_than_the_echo_window_are_pruned(db: &Db) {
    let store = db.handle().await;
    for (quantity, at_ms) in [(1, 50), (2, 70)] {
        let write = Write {
            channel: "fake".into(),
            sku: "P".into(),
            quantity,
            at_ms,
        };
        store.record_write(write).await.unwrap();
    }
    // Runs are kept (nothing ended before 0); the write made at 50 goes, the one at 70 stays.
    assert_eq!(store.prune(0, 60).await.unwrap(), 0);
    let echo = |id: &str, quantity: i64| {
        let mut e = event(id, Some("P"), None, id);
        e.echo = Some(("fake".into(), "P".into(), quantity));
        e
    };
    assert_eq!(
        store.record_event(echo("q1", 1)).await.unwrap(),
        EventOutcome::Queued("q1".into())
    );
    assert_eq!(
        store.record_event(echo("q2", 2)).await.unwrap(),
        EventOutcome::Echo
    );
}

async fn concurrent_claimers_keep_each_key_in_order(db: &Db) {
    const KEYS: usize = 4;
    const PER_KEY: usize = 12;
    let (a, b) = (db.handle().await, db.handle().await);
    for i in 0..PER_KEY {
        for k in 0..KEYS {
            let key = format!("k{k}");
            let store = if (i + k) % 2 == 0 { &a } else { &b };
            let outcome = store
                .record_event(event(
                    &format!("e{k}-{i}"),
                    Some(&key),
                    Some(i as i64),
                    &format!("r{k}-{i:02}"),
                ))
                .await
                .unwrap();
            assert!(matches!(outcome, EventOutcome::Queued(_)));
        }
    }
    let running: Arc<Mutex<HashSet<String>>> = Arc::default();
    let order: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let mut workers = Vec::new();
    for w in 0..4 {
        let store = Arc::clone(if w % 2 == 0 { &a } else { &b });
        let (running, order) = (Arc::clone(&running), Arc::clone(&order));
        workers.push(tokio::spawn(async move {
            let mut idle = 0;
            while idle < 50 {
                let Some(run) = store.claim_next(10).await.unwrap() else {
                    idle += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                idle = 0;
                let key = run.key.clone().unwrap();
                assert!(
                    lock(&running).insert(key.clone()),
                    "two runs of {key} at once"
                );
                lock(&order)
                    .entry(key.clone())
                    .or_default()
                    .push(run.id.clone());
                tokio::time::sleep(Duration::from_millis(2)).await;
                lock(&running).remove(&key);
                store
                    .finish_run(&run.id, RunStatus::Completed, None, 11)
                    .await
                    .unwrap();
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let order = lock(&order).clone();
    assert_eq!(order.len(), KEYS);
    for (key, ids) in order.iter() {
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids.len(), PER_KEY, "{key}: {ids:?}");
        assert_eq!(ids, &sorted, "{key} ran out of order");
    }
    assert_eq!(a.queue_depth().await.unwrap(), 0);
}

async fn a_lapsed_lease_is_taken_over_and_a_renewed_one_is_not(db: &Db) {
    if !db.is_postgres() {
        // The embedded store has one process: it resumes interrupted runs at start instead.
        let store = db.handle().await;
        store
            .record_event(event("e1", Some("K"), None, "r1"))
            .await
            .unwrap();
        assert_eq!(store.claim_next(1).await.unwrap().unwrap().id, "r1");
        assert_eq!(store.recover_interrupted().await.unwrap(), 1);
        assert_eq!(store.claim_next(2).await.unwrap().unwrap().attempt, 2);
        return;
    }
    let lease = Duration::from_millis(600);
    let dying = db.handle_with_lease(lease).await;
    let alive = db.handle_with_lease(lease).await;
    let other = db.handle_with_lease(lease).await;
    for (id, key, run) in [("e1", "K", "r1"), ("e2", "L", "r2"), ("e3", "K", "r3")] {
        dying
            .record_event(event(id, Some(key), None, run))
            .await
            .unwrap();
    }
    assert_eq!(dying.claim_next(1).await.unwrap().unwrap().id, "r1");
    assert_eq!(alive.claim_next(1).await.unwrap().unwrap().id, "r2");
    assert!(other.claim_next(1).await.unwrap().is_none());
    // The process holding r1 dies: no more heartbeats.
    drop(dying);
    tokio::time::sleep(lease * 2).await;
    // r1 is taken over (its key's later run r3 still waits); r2's lease was renewed.
    let taken = other.claim_next(2).await.unwrap().unwrap();
    assert_eq!((taken.id.as_str(), taken.attempt), ("r1", 2));
    assert!(other.claim_next(2).await.unwrap().is_none());
    other
        .finish_run("r1", RunStatus::Completed, None, 3)
        .await
        .unwrap();
    assert_eq!(other.claim_next(3).await.unwrap().unwrap().id, "r3");
    alive
        .finish_run("r2", RunStatus::Completed, None, 3)
        .await
        .unwrap();
    assert_eq!(
        alive.run("r2").await.unwrap().unwrap().status,
        RunStatus::Completed
    );
    // A process whose lease lapsed cannot end a run another process took over.
    let late = db.handle_with_lease(Duration::from_millis(300)).await;
    late.record_event(event("e4", Some("M"), None, "r4"))
        .await
        .unwrap();
    assert_eq!(late.claim_next(4).await.unwrap().unwrap().id, "r4");
    late.release("r4");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(other.claim_next(5).await.unwrap().unwrap().id, "r4");
    // Its journal writes are refused, so it stops; the new holder's are kept.
    let step = StepRecord {
        run_id: "r4".into(),
        slot: StepSlot::step(0),
        name: "t".into(),
        kind: "transform".into(),
        status: StepStatus::Done,
        input: None,
        output: Some(serde_json::json!(1)),
        error: None,
        redacted: false,
    };
    assert!(late.put_step(step.clone()).await.is_err());
    other.put_step(step).await.unwrap();
    late.finish_run("r4", RunStatus::Failed, None, 6)
        .await
        .unwrap();
    assert_eq!(
        other.run("r4").await.unwrap().unwrap().status,
        RunStatus::Running
    );
}

async fn a_tick_fires_once_across_handles(db: &Db) {
    let (a, b) = (db.handle().await, db.handle().await);
    assert_eq!(a.last_tick("W").await.unwrap(), None);
    let (x, y) = tokio::join!(a.mark_tick("W", 10), b.mark_tick("W", 10));
    assert!(x.unwrap() ^ y.unwrap(), "exactly one handle fires the tick");
    assert!(!b.mark_tick("W", 10).await.unwrap());
    assert!(!a.mark_tick("W", 5).await.unwrap());
    assert!(b.mark_tick("W", 20).await.unwrap());
    assert_eq!(a.last_tick("W").await.unwrap(), Some(20));
}

async fn requeue_and_replay(db: &Db) {
    let store = db.handle().await;
    store
        .record_event(event("e1", Some("R"), None, "r1"))
        .await
        .unwrap();
    let run = store.claim_next(1).await.unwrap().unwrap();
    assert!(store.requeue(&run.id, None).await.unwrap().is_none());
    let error = serde_json::json!({ "message": "boom" });
    store
        .finish_run("r1", RunStatus::Failed, Some(error.clone()), 2)
        .await
        .unwrap();
    let dead = store.dead_runs().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].error.as_ref(), dead[0].dead), (Some(&error), true));
    let queued = store.requeue("r1", None).await.unwrap().unwrap();
    assert_eq!((queued.status, queued.dead), (RunStatus::Queued, false));
    assert!(store.dead_runs().await.unwrap().is_empty());
    let again = store.claim_next(3).await.unwrap().unwrap();
    assert_eq!(
        (again.attempt, again.started_at_ms, again.finished_at_ms),
        (2, Some(1), None)
    );
    store
        .finish_run("r1", RunStatus::Completed, None, 4)
        .await
        .unwrap();
    let replayed = store.requeue("r1", Some(5)).await.unwrap().unwrap();
    assert_eq!((replayed.status, replayed.attempt), (RunStatus::Running, 3));
    assert!(store.requeue("nope", Some(5)).await.unwrap().is_none());
    // An interrupted run goes back to the queue.
    store
        .finish_run("r1", RunStatus::Queued, None, 6)
        .await
        .unwrap();
    assert_eq!(store.queue_depth().await.unwrap(), 1);
    assert_eq!(store.claim("r1", 7).await.unwrap().unwrap().attempt, 4);
}

async fn journal_round_trip_and_prune(db: &Db) {
    let store = db.handle().await;
    for i in 0..3 {
        store
            .record_event(event(&format!("e{i}"), None, None, &format!("r{i}")))
            .await
            .unwrap();
    }
    let r0 = store.claim_next(1).await.unwrap().unwrap();
    let step = StepRecord {
        run_id: r0.id.clone(),
        slot: StepSlot::item(1, 2, 0),
        name: "push".into(),
        kind: "action".into(),
        status: StepStatus::Failed,
        input: Some(serde_json::json!({ "b": 1, "a": [1.5, "x"] })),
        output: None,
        error: Some(serde_json::json!({ "message": "no" })),
        redacted: true,
    };
    store.put_step(step.clone()).await.unwrap();
    store
        .put_step(StepRecord {
            status: StepStatus::Done,
            output: Some(serde_json::json!(42)),
            error: None,
            ..step
        })
        .await
        .unwrap();
    store
        .put_step(StepRecord {
            run_id: r0.id.clone(),
            slot: StepSlot::step(0),
            name: "t".into(),
            kind: "transform".into(),
            status: StepStatus::Skipped,
            input: None,
            output: None,
            error: None,
            redacted: false,
        })
        .await
        .unwrap();
    let steps = store.steps(&r0.id).await.unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(
        (steps[0].slot, steps[0].status),
        (StepSlot::step(0), StepStatus::Skipped)
    );
    assert_eq!(
        (steps[1].slot, steps[1].status, steps[1].redacted),
        (StepSlot::item(1, 2, 0), StepStatus::Done, true)
    );
    // Key order of journaled JSON is kept.
    assert_eq!(
        serde_json::to_string(steps[1].input.as_ref().unwrap()).unwrap(),
        r#"{"b":1,"a":[1.5,"x"]}"#
    );
    assert_eq!(steps[1].output, Some(serde_json::json!(42)));
    let call = CallRecord {
        run_id: r0.id.clone(),
        slot: StepSlot::step(1),
        op: "fake.set".into(),
        idempotency_key: "idem-1".into(),
        params: serde_json::json!({ "sku": "A" }),
        status: CallStatus::Intent,
        result: None,
        error: None,
        attempts: 1,
        redacted: false,
    };
    store.put_call(call.clone()).await.unwrap();
    store
        .put_call(CallRecord {
            status: CallStatus::Ok,
            result: Some(serde_json::json!({ "ok": true })),
            attempts: 2,
            ..call
        })
        .await
        .unwrap();
    let calls = store.calls(&r0.id).await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (
            calls[0].status,
            calls[0].attempts,
            calls[0].idempotency_key.as_str()
        ),
        (CallStatus::Ok, 2, "idem-1")
    );
    store
        .finish_run(&r0.id, RunStatus::Completed, None, 10)
        .await
        .unwrap();
    let r1 = store.claim_next(11).await.unwrap().unwrap();
    store
        .finish_run(&r1.id, RunStatus::Failed, None, 12)
        .await
        .unwrap();
    // The completed run goes; the dead one and the queued one stay.
    assert_eq!(store.prune(100, 0).await.unwrap(), 1);
    assert!(store.run(&r0.id).await.unwrap().is_none());
    assert!(store.steps(&r0.id).await.unwrap().is_empty());
    assert!(store.calls(&r0.id).await.unwrap().is_empty());
    assert!(store.run(&r1.id).await.unwrap().is_some());
    assert_eq!(store.prune(100, 0).await.unwrap(), 0);
    assert_eq!(store.runs(None, 10).await.unwrap().len(), 2);
    // A pruned event can come again.
    assert_eq!(
        store
            .record_event(event("e0", None, None, "again"))
            .await
            .unwrap(),
        EventOutcome::Queued("again".into())
    );
}

async fn coalesced_events_make_one_run(db: &Db) {
    let store = db.handle().await;
    for (i, q) in [1, 2, 3].into_iter().enumerate() {
        let mut e = event(&format!("c{i}"), Some("C"), None, &format!("r{i}"));
        e.coalesce_ms = Some(5000);
        e.received_at_ms = 1 + i as i64;
        e.payload = serde_json::json!({ "sku": "C", "quantity": q });
        assert_eq!(
            store.record_event(e).await.unwrap(),
            EventOutcome::Queued("r0".into())
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

const PROGRAM: &str = env!("CARGO_BIN_EXE_handled-runtime-test-program");

/// A child process that is killed when dropped, so that a failing test leaves none behind.
struct Reaped(std::process::Child);

impl std::ops::Deref for Reaped {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A `serve` process of the test program on the shared store, and its address.
fn serve(store_url: &str) -> (Reaped, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(PROGRAM)
        .env_clear()
        .env("PATH", Env::from_process().get("PATH").unwrap_or_default())
        .env("FAKE_API_KEY", "key")
        .env("FAKE_BASE_URL", "http://fake.invalid")
        .env("HANDLED_RETRY_BASE_MS", "0")
        .env(handled_runtime::store::LEASE_VAR, "1500")
        .args([
            "serve",
            "--listen",
            &listen,
            "--workers",
            "2",
            "--store",
            store_url,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (Reaped(child), listen)
}

/// Posts one delivery to the Sync workflow, waiting for the server to listen; the answer.
fn deliver(listen: &str, body: &str) -> String {
    use std::io::{Read, Write as _};
    for _ in 0..1500 {
        if let Ok(mut s) = std::net::TcpStream::connect(listen) {
            let head = format!(
                "POST /hooks/Sync HTTP/1.1\r\nHost: x\r\nX-Fake-Token: let-me-in\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(body.as_bytes()).unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).unwrap();
            return answer;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{listen} never listened");
}

/// Two `serve` processes share one database; one is killed with SIGKILL halfway: every event
/// either accepted is run exactly once, the runs of each key one after the other in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_share_the_database_and_survive_a_killed_one() {
    const EVENTS: usize = 40;
    let Some(db) = Db::postgres().await else {
        return;
    };
    let Db::Postgres { url, schema } = &db else {
        unreachable!()
    };
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let store_url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let (mut first, first_at) = serve(&store_url);
    let (mut second, second_at) = serve(&store_url);
    let bodies: Vec<String> = (0..EVENTS)
        .map(|i| {
            serde_json::json!({ "id": format!("e{i}"), "sku": format!("S-{}", i % 4), "quantity": i, "at": i + 1 })
                .to_string()
        })
        .collect();
    let sent = tokio::task::spawn_blocking(move || {
        let mut statuses = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            if i == EVENTS / 2 {
                first.kill().unwrap();
                first.wait().unwrap();
            }
            let to = if i < EVENTS / 2 && i % 2 == 0 {
                &first_at
            } else {
                &second_at
            };
            statuses.push(deliver(to, body));
        }
        statuses
    })
    .await
    .unwrap();
    for status in &sent {
        assert!(status.starts_with("HTTP/1.1 202"), "{sent:?}");
    }
    let mut completed = 0;
    for _ in 0..300 {
        completed = client
            .query_one(
                &format!("SELECT COUNT(*) FROM \"{schema}\".runs WHERE status = 'completed'"),
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
        if completed == EVENTS as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(completed, EVENTS as i64);
    let rows = client
        .query(
            &format!(
                "SELECT key, started_at_ms, finished_at_ms FROM \"{schema}\".runs ORDER BY seq"
            ),
            &[],
        )
        .await
        .unwrap();
    let mut last_end: HashMap<String, i64> = HashMap::new();
    for row in &rows {
        let (key, started, finished): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
        if let Some(end) = last_end.get(&key) {
            assert!(
                started >= *end,
                "a run of {key} started before the previous one ended"
            );
        }
        last_end.insert(key, finished);
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status();
    let status = tokio::task::spawn_blocking(move || second.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// A queued run wakes the workers of another process; connections the server drops are
/// replaced, and the store answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_wakes_other_processes_and_reconnects() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let Db::Postgres { url, schema } = &db else {
        unreachable!()
    };
    let separator = if url.contains('?') { '&' } else { '?' };
    let named = format!("{url}{separator}application_name={schema}");
    let options = PostgresOptions {
        schema: Some(schema.clone()),
        ..PostgresOptions::default()
    };
    let waiter = PostgresStore::connect(&named, options.clone())
        .await
        .unwrap();
    let writer = PostgresStore::connect(&named, options).await.unwrap();
    // Let the listener subscribe.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let woken = waiter.wait_for_work();
    writer
        .record_event(event("n1", Some("N"), None, "r1"))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("the waiting process is woken by NOTIFY");

    // The server drops every connection of both handles (as on a restart).
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let killed: i64 = client
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            &[schema],
        )
        .await
        .unwrap()
        .get(0);
    assert!(killed >= 2, "{killed}");
    let mut answered = false;
    for _ in 0..50 {
        if waiter.queue_depth().await.is_ok() && writer.queue_depth().await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        answered,
        "the store answers again after the connections dropped"
    );
    assert_eq!(waiter.claim_next(1).await.unwrap().unwrap().id, "r1");
    // The listener came back too.
    let mut woken = false;
    for i in 0..20 {
        let wait = waiter.wait_for_work();
        writer
            .record_event(event(&format!("m{i}"), None, None, &format!("m{i}")))
            .await
            .unwrap();
        if tokio::time::timeout(Duration::from_millis(500), wait)
            .await
            .is_ok()
        {
            woken = true;
            break;
        }
    }
    assert!(woken, "the listener reconnected");
    drop((waiter, writer));
}

/// While the database fails, a webhook is answered 503 (not acknowledged, so the sender
/// delivers it again) and the workers wait; once it answers again, work resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_database_answers_503_and_work_resumes() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let Db::Postgres { url, schema } = &db else {
        unreachable!()
    };
    let options = PostgresOptions {
        schema: Some(schema.clone()),
        ..PostgresOptions::default()
    };
    let store = Arc::new(PostgresStore::connect(url, options).await.unwrap());
    let state = Arc::new(common::FakeState::default());
    let mut options = handled_runtime::Options::new(
        handled_runtime::StoreChoice::Given(store.clone()),
        common::env(),
    );
    options.retry = Some(handled_runtime::RetryPolicy::immediate(3));
    let rt = common::app(&state).start(options).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listen = listener.local_addr().unwrap().to_string();
    let task = {
        let rt = rt.clone();
        tokio::spawn(async move { rt.serve_on(listener, 2).await })
    };
    let post = |id: &str| {
        let (listen, body) = (
            listen.clone(),
            serde_json::json!({ "id": id, "sku": "D-1", "quantity": 3, "at": 1 }).to_string(),
        );
        tokio::task::spawn_blocking(move || deliver(&listen, &body))
    };
    let completed = || async {
        for _ in 0..400 {
            let done = store.runs(Some(RunStatus::Completed), 10).await;
            if let Ok(runs) = done
                && !runs.is_empty()
            {
                return runs.len();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        0
    };

    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    // The database refuses every write to the queue and the events.
    client
        .batch_execute(&format!(
            "ALTER TABLE \"{schema}\".events RENAME TO events_away;
             ALTER TABLE \"{schema}\".runs RENAME TO runs_away"
        ))
        .await
        .unwrap();
    let answer = post("d1").await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains(r#""error":"store""#), "{answer}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    client
        .batch_execute(&format!(
            "ALTER TABLE \"{schema}\".events_away RENAME TO events;
             ALTER TABLE \"{schema}\".runs_away RENAME TO runs"
        ))
        .await
        .unwrap();
    // The sender delivers it again: accepted, and run by the workers that waited.
    let answer = post("d1").await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    assert_eq!(completed().await, 1);
    rt.shutdown();
    task.await.unwrap().unwrap();
}

/// Processes starting together apply each migration once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_starts_migrate_once() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let Db::Postgres { url, schema } = &db else {
        unreachable!()
    };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let options = PostgresOptions {
                schema: Some(schema.clone()),
                ..PostgresOptions::default()
            };
            let url = url.clone();
            tokio::spawn(async move { PostgresStore::connect(&url, options).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().unwrap());
    }
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let rows = client
        .query(
            &format!("SELECT version FROM \"{schema}\".schema_migrations ORDER BY version"),
            &[],
        )
        .await
        .unwrap();
    // Each migration applied once.
    let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    assert_eq!(stores[3].queue_depth().await.unwrap(), 0);
}

async fn a_batch_of_journal_entries_and_end_run_and_claim(db: &Db) {
    let store = db.handle().await;
    for (id, at, run) in [("e1", 10, "r1"), ("e2", 20, "r2")] {
        store
            .record_event(event(id, Some("K"), Some(at), run))
            .await
            .unwrap();
    }
    let r1 = store.claim_next(1).await.unwrap().unwrap();
    assert_eq!(r1.id, "r1");
    let step = |n: usize, name: &str| StepRecord {
        run_id: "r1".into(),
        slot: StepSlot::step(n),
        name: name.into(),
        kind: "transform".into(),
        status: StepStatus::Done,
        input: None,
        output: Some(serde_json::json!({ "n": n })),
        error: None,
        redacted: false,
    };
    let call = CallRecord {
        run_id: "r1".into(),
        slot: StepSlot::step(1),
        op: "shopify.updateInventory".into(),
        idempotency_key: "r1:1".into(),
        params: serde_json::json!({ "sku": "K", "quantity": 7 }),
        status: CallStatus::Intent,
        result: None,
        error: None,
        attempts: 0,
        redacted: false,
    };
    let write = Write {
        channel: "shopify".into(),
        sku: "K".into(),
        quantity: 7,
        at_ms: 5,
    };
    // One batch: a step, a call's intent and the echo record of its write, in order.
    store
        .journal(vec![
            JournalOp::Step(step(0, "t")),
            JournalOp::Call(call.clone()),
            JournalOp::Write(write),
        ])
        .await
        .unwrap();
    assert_eq!(store.steps("r1").await.unwrap().len(), 1);
    assert_eq!(
        store.calls("r1").await.unwrap()[0].status,
        CallStatus::Intent
    );
    // The channel reporting that quantity back is an echo: the write was recorded.
    let mut echo = event("e3", Some("K"), Some(30), "r3");
    echo.workflow = "Other".into();
    echo.echo = Some(("shopify".into(), "K".into(), 7));
    assert_eq!(store.record_event(echo).await.unwrap(), EventOutcome::Echo);
    // The last entries go with the final status, and r2 (same key, blocked until now) is
    // taken in the same call.
    let done = CallRecord {
        status: CallStatus::Ok,
        result: Some(serde_json::json!({ "quantity": 7 })),
        attempts: 1,
        ..call
    };
    let next = store
        .end_run_and_claim(RunEnd {
            run_id: "r1".into(),
            status: RunStatus::Completed,
            error: None,
            at_ms: 40,
            journal: vec![JournalOp::Call(done), JournalOp::Step(step(1, "a"))],
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!((next.id.as_str(), next.status), ("r2", RunStatus::Running));
    assert_eq!(
        store.run("r1").await.unwrap().unwrap().status,
        RunStatus::Completed
    );
    assert_eq!(store.steps("r1").await.unwrap().len(), 2);
    let calls = store.calls("r1").await.unwrap();
    assert_eq!((calls.len(), calls[0].status), (1, CallStatus::Ok));
    // Nothing else is runnable: ending r2 takes nothing.
    let none = store
        .end_run_and_claim(RunEnd {
            run_id: "r2".into(),
            status: RunStatus::Completed,
            error: None,
            at_ms: 41,
            journal: Vec::new(),
        })
        .await
        .unwrap();
    assert!(none.is_none());
}

async fn a_run_waits_for_the_echo_of_our_write_to_its_channel(db: &Db) {
    use handled_runtime::echo::ECHO_WAIT_MS;
    let store = db.handle().await;
    let from_channel = |id: &str, sku: &str, quantity: i64, at: i64| {
        let mut e = event(id, Some(sku), Some(at), id);
        e.echo = Some(("fake".into(), sku.into(), quantity));
        e.received_at_ms = 1_000;
        e
    };
    let write = |sku: &str, quantity: i64, at_ms: i64| Write {
        channel: "fake".into(),
        sku: sku.into(),
        quantity,
        at_ms,
    };
    let queued = |id: &str| EventOutcome::Queued(id.to_string());
    // Until the channel has echoed one of our writes, no run waits for an echo from it.
    store.record_write(write("A", 1, 900)).await.unwrap();
    let a2 = from_channel("a2", "A", 2, 100);
    assert_eq!(store.record_event(a2).await.unwrap(), queued("a2"));
    assert_eq!(store.claim_next(1_000).await.unwrap().unwrap().id, "a2");
    store
        .finish_run("a2", RunStatus::Completed, None, 1_000)
        .await
        .unwrap();
    let echo = from_channel("a1", "A", 1, 120);
    assert_eq!(store.record_event(echo).await.unwrap(), EventOutcome::Echo);
    // Now it has. We write 1 for Q and 3 for T; meanwhile its events of 2 and 4 at 100 (made
    // before our writes reached it) are queued.
    store.record_write(write("Q", 1, 1_000)).await.unwrap();
    store.record_write(write("T", 3, 1_000)).await.unwrap();
    for (id, sku, quantity) in [("q2", "Q", 2), ("t4", "T", 4), ("z5", "Z", 5)] {
        assert_eq!(
            store
                .record_event(from_channel(id, sku, quantity, 100))
                .await
                .unwrap(),
            queued(id)
        );
    }
    // Only the SKU we did not write runs; the others wait for their echo.
    assert_eq!(store.claim_next(1_001).await.unwrap().unwrap().id, "z5");
    assert!(store.claim_next(1_001).await.unwrap().is_none());
    // The echo of our write to Q comes back at 150: the event at 100 is stale, without running.
    assert_eq!(
        store
            .record_event(from_channel("q1", "Q", 1, 150))
            .await
            .unwrap(),
        EventOutcome::Echo
    );
    assert!(store.claim_next(1_002).await.unwrap().is_none());
    let q2 = store.run("q2").await.unwrap().unwrap();
    assert_eq!(q2.status, RunStatus::Skipped);
    assert_eq!(q2.error.unwrap()["stale"], true);
    // No echo of our write to T comes: its run starts once the wait is over.
    assert!(
        store
            .claim_next(1_000 + ECHO_WAIT_MS)
            .await
            .unwrap()
            .is_none()
    );
    let t4 = store
        .claim_next(1_001 + ECHO_WAIT_MS)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((t4.id.as_str(), t4.attempt), ("t4", 1));
    // A run that has started once does not wait again (even for a write within the wait of
    // its event's arrival).
    let started = 1_002 + ECHO_WAIT_MS;
    let mut r1 = from_channel("r1", "R", 1, 100);
    r1.received_at_ms = started;
    assert_eq!(store.record_event(r1).await.unwrap(), queued("r1"));
    assert_eq!(store.claim_next(started).await.unwrap().unwrap().id, "r1");
    store
        .finish_run("r1", RunStatus::Queued, None, started)
        .await
        .unwrap();
    store
        .record_write(write("R", 8, started + 1))
        .await
        .unwrap();
    let again = store.claim_next(started + 2).await.unwrap().unwrap();
    assert_eq!((again.id.as_str(), again.attempt), ("r1", 2));
    // A run queued longer than the wait does not wait for a write made since (a backlog of a
    // key waits once, not once per run, when echoes go missing).
    let v1 = from_channel("v1", "V", 1, 100);
    assert_eq!(store.record_event(v1).await.unwrap(), queued("v1"));
    let late = 1_000 + 2 * ECHO_WAIT_MS;
    store.record_write(write("V", 2, late)).await.unwrap();
    assert_eq!(store.claim_next(late + 1).await.unwrap().unwrap().id, "v1");
    // A write that changed nothing is taken back: no echo is waited for.
    let at = 1_005 + ECHO_WAIT_MS;
    store.record_write(write("U", 6, at)).await.unwrap();
    store
        .journal(vec![JournalOp::ForgetWrite(write("U", 6, at))])
        .await
        .unwrap();
    let mut u7 = from_channel("u7", "U", 7, 100);
    u7.received_at_ms = at;
    assert_eq!(store.record_event(u7).await.unwrap(), queued("u7"));
    assert_eq!(store.claim_next(at + 1).await.unwrap().unwrap().id, "u7");
}
