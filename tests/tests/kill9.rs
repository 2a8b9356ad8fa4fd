//! Durability under `kill -9` (RUNTIME.md §1): pattern 1, built with hs2rs, serves 2,000 signed
//! webhooks (Shopify and warehouse) from 8 concurrent senders on a SQLite store while the test
//! kills it with SIGKILL at random moments and restarts it on the same store. Senders redeliver
//! until acknowledged, as webhook senders do (same event id).
//!
//! At the end, with every run finished:
//! - every event was acknowledged and has exactly one run, which completed (no event has two);
//! - every run's write reached its channel, and each channel applied exactly as many writes as
//!   there are runs writing to it (the idempotency key stops a resent write);
//! - no write whose success was journaled before a kill was sent again after it;
//! - a transform journaled before a kill (it reads `new Date()`) has the same output after the
//!   run resumed: it was not evaluated again;
//! - each channel ends with the quantity of the other side's last event for each SKU (per-key
//!   order).
//!
//! The seed of the kill schedule is printed; `HANDLED_KILL9_SEED=N` replays it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use handled_contract::lock;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Stream;
use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{Acknowledged, Sender};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const EVENTS: usize = 2_000;
const SKUS: usize = 63;
const SENDERS: usize = 8;
const KILLS: usize = 6;
const PREFIX: &str = "K9";
const STREAM: Stream = Stream {
    sku_prefix: PREFIX,
    id_prefix: "k9",
    skus: SKUS,
    events: EVENTS,
};
/// The journal step of each workflow's write (`{run}:{step}` is its idempotency key).
const WRITE_STEP: &[(&str, usize)] = &[("ShopifyToWmsSync", 1), ("WmsToShopifySync", 2)];

/// What was journaled when the program lay dead after one kill.
#[derive(Debug, Default)]
struct Snapshot {
    /// Write keys whose success was journaled.
    journaled: BTreeSet<String>,
    /// Per write key, how many requests carrying it the channels had received.
    received: HashMap<String, usize>,
    /// Per interrupted run, its finished steps' outputs by step index.
    transforms: BTreeMap<String, Value>,
}

fn write_key(run: &Value) -> String {
    let workflow = run["workflow"].as_str().unwrap();
    let step = WRITE_STEP
        .iter()
        .find(|(w, _)| *w == workflow)
        .unwrap_or_else(|| panic!("unexpected workflow {workflow}"))
        .1;
    format!("{}:{step}", run["runId"].as_str().unwrap())
}

fn snapshot(program: &Program, emulators: &Emulators) -> Snapshot {
    let mut snap = Snapshot {
        received: emulators.recorder.counts_by_key(),
        ..Snapshot::default()
    };
    for run in program.runs().unwrap() {
        let id = run["runId"].as_str().unwrap().to_string();
        match run["status"].as_str().unwrap() {
            "completed" => {
                snap.journaled.insert(write_key(&run));
            }
            "running" => {
                let shown = program.show(&id).unwrap();
                for call in shown["calls"].as_array().unwrap() {
                    if call.get("result").is_some() && call["op"] != "shopify.findProduct" {
                        snap.journaled
                            .insert(call["idempotencyKey"].as_str().unwrap().to_string());
                    }
                }
                if let Some(step) = shown["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["kind"] == "transform" && s["status"] == "done")
                {
                    snap.transforms.insert(id, step["output"].clone());
                }
            }
            _ => {}
        }
    }
    snap
}

fn program_path() -> PathBuf {
    program::build_pattern1(Path::new(env!("CARGO_TARGET_TMPDIR")), "kill9-pattern1").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_no_event_and_repeats_no_write() {
    let binary = program_path();
    let seed = common::kill_seed();
    let began = Instant::now();

    let emulators = Emulators::start(&fixture(PREFIX, SKUS)).await.unwrap();
    // The warehouse answers its writes 200 ms after applying them, so that kills often find a
    // run whose write is done at the warehouse but not journaled (it is sent again, with the
    // same key, on resume), right after its journaled `new Date()` transform.
    emulators
        .recorder
        .hold_answers("wms", Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &binary,
        &dir.path().join("handled.db"),
        &emulators.url,
        4,
        dir.path(),
    )
    .unwrap();
    // Each write is matched to its run by the idempotency key it carries; a bulk request
    // carries its own key, not its members', so this test sends every call alone.
    program.args = vec!["--bulk".into(), "off".into()];
    program.start().await.unwrap();
    let sender = Sender::new(&program.base_url()).unwrap();

    // Senders: each owns the SKUs `s` with `s % SENDERS == n` and sends their events in order.
    let acks: Arc<Mutex<BTreeMap<usize, Acknowledged>>> = Arc::default();
    let mut senders = Vec::new();
    for n in 0..SENDERS {
        let sender = sender.clone();
        let acks = Arc::clone(&acks);
        senders.push(tokio::spawn(async move {
            for i in (0..EVENTS).filter(|i| (i % SKUS) % SENDERS == n) {
                let delivery = STREAM.event(i);
                let ack = sender
                    .deliver(
                        &delivery,
                        Duration::from_millis(20),
                        Duration::from_secs(60),
                    )
                    .await
                    .unwrap();
                lock(&acks).insert(i, ack);
            }
        }));
    }

    // The killer: SIGKILL after a random uptime, look at the journal while dead, restart.
    let emulators = Arc::new(emulators);
    let killer = {
        let emulators = Arc::clone(&emulators);
        tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut snapshots = Vec::new();
            for _ in 0..KILLS {
                let uptime = rng.random_range(150..900);
                tokio::time::sleep(Duration::from_millis(uptime)).await;
                program.kill9().unwrap();
                emulators.recorder.next_epoch();
                let snap = tokio::task::block_in_place(|| snapshot(&program, &emulators));
                let restarted = Instant::now();
                program.start().await.unwrap();
                println!(
                    "kill after {uptime} ms: {} writes journaled, {} runs interrupted after their transform; restarted in {:?}",
                    snap.journaled.len(),
                    snap.transforms.len(),
                    restarted.elapsed()
                );
                snapshots.push(snap);
            }
            (program, snapshots)
        })
    };
    for s in senders {
        s.await.unwrap();
    }
    let (mut program, snapshots) = killer.await.unwrap();
    println!("sent and acknowledged in {:?}", began.elapsed());

    // Wait until every event's run has ended.
    let runs = common::ended_runs(&program, EVENTS, Duration::from_secs(60), || {
        format!("seed {seed}")
    })
    .await;
    program.stop().unwrap();
    assert!(program.starts() > KILLS as u32);

    // Every event acknowledged; one run per event, completed.
    let acks = lock(&acks).clone();
    assert_eq!(acks.len(), EVENTS, "seed {seed}");
    let not_completed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "completed").collect();
    assert!(
        not_completed.is_empty(),
        "runs that did not complete (seed {seed}): {not_completed:#?}"
    );
    assert_eq!(runs.len(), EVENTS, "one run per event (seed {seed})");
    let run_ids: BTreeSet<&str> = runs.iter().map(|r| r["runId"].as_str().unwrap()).collect();
    assert_eq!(run_ids.len(), EVENTS);
    let mut run_of_event: BTreeMap<usize, String> = BTreeMap::new();
    let mut acked_as_duplicate = BTreeSet::new();
    for (i, ack) in &acks {
        match ack.answer["status"].as_str() {
            Some("queued") => {
                let id = ack.answer["runId"].as_str().unwrap().to_string();
                assert!(run_ids.contains(id.as_str()), "event {i}: run {id} unknown");
                run_of_event.insert(*i, id);
            }
            // Stored by a delivery whose answer was lost to a kill.
            Some("duplicate") => {
                acked_as_duplicate.insert(*i);
            }
            _ => panic!("event {i} answered {} (seed {seed})", ack.answer),
        }
    }
    let queued_runs: BTreeSet<&str> = run_of_event.values().map(String::as_str).collect();
    assert_eq!(
        queued_runs.len(),
        run_of_event.len(),
        "two events answered with the same run"
    );
    // The runs of events whose only acknowledgment was `duplicate`: found by their payload.
    let unclaimed: Vec<&str> = run_ids.difference(&queued_runs).copied().collect();
    assert_eq!(
        unclaimed.len(),
        acked_as_duplicate.len(),
        "runs without a queued answer vs events acknowledged as duplicates (seed {seed})"
    );
    for run in &unclaimed {
        let shown = program.show(run).unwrap();
        let input = &shown["steps"][0]["input"];
        let i = match input["event_id"].as_str() {
            Some(id) => id.trim_start_matches("k9-wms-").parse::<usize>().unwrap(),
            None => (input["available"].as_u64().unwrap() as usize - 1) / 2,
        };
        assert!(
            acked_as_duplicate.remove(&i),
            "run {run} is for event {i}, which has another run or none (seed {seed})"
        );
    }
    println!(
        "{} events, {} runs; {} events were stored by a delivery whose answer a kill cut off",
        acks.len(),
        runs.len(),
        unclaimed.len()
    );

    // The write keys are `{run}:{step}`: check the step on one run of each workflow.
    for (workflow, step) in WRITE_STEP {
        let run = runs.iter().find(|r| r["workflow"] == *workflow).unwrap();
        let shown = program.show(run["runId"].as_str().unwrap()).unwrap();
        let write = shown["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["op"] != "shopify.findProduct")
            .unwrap();
        assert_eq!(write["idempotencyKey"], json!(write_key(run)), "{shown:#}");
        assert_eq!(write["step"], json!(step));
    }

    // Writes at the channels: every run's write arrived, and was applied once.
    let received = emulators.recorder.counts_by_key();
    let keys: Vec<String> = runs.iter().map(write_key).collect();
    let missing: Vec<&String> = keys.iter().filter(|k| !received.contains_key(*k)).collect();
    assert!(missing.is_empty(), "writes never received: {missing:?}");
    let per_workflow = |w: &str| runs.iter().filter(|r| r["workflow"] == w).count() as u64;
    let state = emulators.state();
    assert_eq!(
        state["wms"]["ops"]["updateInventory"]["applied"],
        json!(per_workflow("ShopifyToWmsSync")),
        "warehouse writes applied vs runs writing to it (seed {seed})"
    );
    assert_eq!(
        state["shopify"]["ops"]["inventorySetQuantities"]["applied"],
        json!(per_workflow("WmsToShopifySync")),
        "Shopify writes applied vs runs writing to it (seed {seed})"
    );
    let resent: usize = received.values().map(|n| n - 1).sum();
    assert!(
        resent > 0,
        "no kill fell between a write done at the warehouse and its journal entry (seed {seed})"
    );
    println!(
        "{} writes received for {} keys ({resent} resent after a kill cut off their journal entry)",
        emulators.recorder.len(),
        received.len()
    );

    // No write journaled as done before a kill was sent again after it; transforms journaled
    // before a kill kept their output.
    let mut transforms_checked = 0;
    let mut clock_reads_checked = 0;
    for (k, snap) in snapshots.iter().enumerate() {
        for key in &snap.journaled {
            let before = snap.received.get(key).copied().unwrap_or(0);
            let after = received.get(key).copied().unwrap_or(0);
            assert_eq!(
                before,
                after,
                "write {key} was journaled before kill {} and sent {} more time(s) after it (seed {seed})",
                k + 1,
                after - before
            );
            assert!(before >= 1, "write {key} journaled but never received");
        }
        for (run, output) in &snap.transforms {
            let shown = program.show(run).unwrap();
            let step = shown["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["kind"] == "transform")
                .unwrap();
            assert_eq!(
                &step["output"],
                output,
                "run {run}: the transform's journaled output changed across kill {} (seed {seed})",
                k + 1
            );
            transforms_checked += 1;
            if output.get("timestamp").is_some() {
                clock_reads_checked += 1;
            }
        }
    }
    assert!(
        clock_reads_checked > 0,
        "no kill found a run between its `new Date()` transform and its write (seed {seed})"
    );

    STREAM.assert_each_side_holds_the_others_last(&state, &format!("seed {seed}"));
    println!(
        "{transforms_checked} transforms journaled before a kill kept their output \
         ({clock_reads_checked} of them read `new Date()`); total {:?}",
        began.elapsed()
    );
}
