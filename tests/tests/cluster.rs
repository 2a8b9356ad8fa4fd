//! Many processes, one PostgreSQL (RUNTIME.md §4): three `serve` processes of pattern 1, built
//! with hs2rs, share one database (a fresh schema) while 5,000 signed webhooks flow through
//! their webhook servers, spread over the three. A third of the way through one process is
//! killed with SIGKILL and stays down (its runs are taken over when their leases lapse); two
//! thirds of the way another is stopped and started again. Senders redeliver to the next
//! process when one does not acknowledge, with the same event id.
//!
//! At the end, with every run finished: every event was acknowledged and has exactly one run,
//! completed; each channel applied exactly one write per run writing to it (the idempotency key
//! stops a resent write); and per SKU each channel holds the quantity of the last event from the
//! other side (per-key order held across the processes).
//!
//! Uses the database `HANDLED_TEST_POSTGRES` names (`scripts/test` sets it when a local server
//! answers); without one that answers the test says it was skipped, and under CI it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Stream;
use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::Sender;
use handled_contract::{Env, lock};
use serde_json::{Value, json};

const EVENTS: usize = 5_000;
const SKUS: usize = 63;
const SENDERS: usize = 8;
const PROCESSES: usize = 3;
const PREFIX: &str = "CL";
const STREAM: Stream = Stream {
    sku_prefix: PREFIX,
    id_prefix: "cl",
    skus: SKUS,
    events: EVENTS,
};

fn program_path() -> PathBuf {
    program::build_pattern1(Path::new(env!("CARGO_TARGET_TMPDIR")), "cluster-pattern1").unwrap()
}

/// A fresh schema in the test database; the store URL that uses it.
async fn fresh_schema(base: &str) -> (String, String) {
    let schema = format!("cluster_{:016x}", rand::random::<u64>());
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    (schema, url)
}

/// The database `HANDLED_TEST_POSTGRES` names, once it answers. Without one the test is
/// skipped, saying why; under CI (`CI` set) it fails instead.
async fn test_database() -> Option<String> {
    let env = Env::from_process();
    let missing = |why: String| {
        if env
            .get("CI")
            .is_some_and(|ci| !ci.is_empty() && ci != "false")
        {
            panic!(
                "{why}: CI runs this test (scripts/test sets HANDLED_TEST_POSTGRES when a local server answers)"
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
        Ok(Ok(_)) => Some(url),
        Ok(Err(e)) => missing(format!("no PostgreSQL answers at {url}: {e}")),
        Err(_) => missing(format!("no PostgreSQL answers at {url} within 10 s")),
    }
}

async fn drop_schema(base: &str, schema: &str) {
    if let Ok((client, connection)) = tokio_postgres::connect(base, tokio_postgres::NoTls).await {
        tokio::spawn(connection);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_share_one_database_through_a_kill_and_a_restart() {
    let Some(base) = test_database().await else {
        return;
    };
    let binary = program_path();
    let (schema, url) = fresh_schema(&base).await;
    let began = Instant::now();
    let emulators = Emulators::start(&fixture(PREFIX, SKUS)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut programs = Vec::new();
    for n in 0..PROCESSES {
        let log_dir = dir.path().join(format!("p{n}"));
        std::fs::create_dir_all(&log_dir).unwrap();
        let mut p = Program::new(&binary, Path::new(&url), &emulators.url, 4, &log_dir).unwrap();
        // A run held by a dead process is taken over 2 s after its last renewal.
        p.env.push(("HANDLED_STORE_LEASE_MS".into(), "2000".into()));
        // Writes are counted one request per run: a bulk request would count one for many.
        p.args = vec!["--bulk".into(), "off".into()];
        p.start().await.unwrap();
        programs.push(p);
    }
    let senders: Vec<Sender> = programs
        .iter()
        .map(|p| Sender::new(&p.base_url()).unwrap())
        .collect();

    // Senders: each owns the SKUs `s` with `s % SENDERS == n` and sends their events in order,
    // to process `i % PROCESSES` first and to the next one when it does not acknowledge.
    let acks: Arc<Mutex<BTreeMap<usize, Value>>> = Arc::default();
    let mut tasks = Vec::new();
    for n in 0..SENDERS {
        let senders = senders.clone();
        let acks = Arc::clone(&acks);
        tasks.push(tokio::spawn(async move {
            for i in (0..EVENTS).filter(|i| (i % SKUS) % SENDERS == n) {
                let delivery = STREAM.event(i);
                let started = Instant::now();
                let mut attempt = 0;
                let answer = loop {
                    let target = &senders[(i + attempt) % PROCESSES];
                    attempt += 1;
                    match target.send_once(&delivery).await {
                        Ok((status, answer)) if (200..300).contains(&status) => break answer,
                        Ok((status, answer)) if (400..500).contains(&status) => {
                            panic!("event {i} refused with {status}: {answer}")
                        }
                        _ => {
                            assert!(
                                started.elapsed() < Duration::from_secs(120),
                                "event {i} not acknowledged by any process"
                            );
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                };
                lock(&acks).insert(i, answer);
            }
        }));
    }

    // The chaos: a kill -9 a third of the way, a restart two thirds of the way.
    let chaos = {
        let acks = Arc::clone(&acks);
        tokio::spawn(async move {
            let acked = || lock(&acks).len();
            while acked() < EVENTS / 3 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            programs[0].kill9().unwrap();
            println!("process 0 killed after {} events", acked());
            while acked() < 2 * EVENTS / 3 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tokio::task::block_in_place(|| programs[1].stop()).unwrap();
            programs[1].start().await.unwrap();
            println!("process 1 restarted after {} events", acked());
            programs
        })
    };
    for t in tasks {
        t.await.unwrap();
    }
    let mut programs = chaos.await.unwrap();
    println!("{EVENTS} events acknowledged in {:?}", began.elapsed());

    // Wait until every event's run has ended (the killed process's runs once their leases lapse).
    let deadline = Instant::now() + Duration::from_secs(120);
    let runs = loop {
        let runs = tokio::task::block_in_place(|| programs[2].runs()).unwrap();
        let ended = runs
            .iter()
            .filter(|r| r["status"] != "queued" && r["status"] != "running")
            .count();
        if ended == runs.len() && runs.len() >= EVENTS {
            break runs;
        }
        assert!(
            Instant::now() < deadline,
            "runs still unfinished after 120 s: {ended} of {} ended; process 2's log:\n{}",
            runs.len(),
            programs[2].log_tail()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    for p in &mut programs {
        p.stop().unwrap();
    }
    println!(
        "every run ended {:?} after the first event",
        began.elapsed()
    );

    // Every event acknowledged, one run each (event ids are unique per workflow, so as many
    // runs as events means one per event), every run completed.
    let acks = lock(&acks).clone();
    assert_eq!(acks.len(), EVENTS);
    for (i, answer) in &acks {
        let status = answer["status"].as_str().unwrap_or_default();
        // `duplicate`: stored by a delivery whose answer a kill or restart cut off.
        assert!(
            status == "queued" || status == "duplicate",
            "event {i} answered {answer}"
        );
    }
    assert_eq!(runs.len(), EVENTS, "one run per event");
    let not_completed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "completed").collect();
    assert!(
        not_completed.is_empty(),
        "runs that did not complete: {not_completed:#?}"
    );

    // Each channel applied one write per run writing to it.
    let per_workflow = |w: &str| runs.iter().filter(|r| r["workflow"] == w).count() as u64;
    let state = emulators.state();
    assert_eq!(
        state["wms"]["ops"]["updateInventory"]["applied"],
        json!(per_workflow("ShopifyToWmsSync")),
        "warehouse writes applied vs runs writing to it"
    );
    assert_eq!(
        state["shopify"]["ops"]["inventorySetQuantities"]["applied"],
        json!(per_workflow("WmsToShopifySync")),
        "Shopify writes applied vs runs writing to it"
    );

    STREAM.assert_each_side_holds_the_others_last(&state, "cluster");
    drop_schema(&base, &schema).await;
}
