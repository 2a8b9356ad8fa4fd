//! Bulk calls across runs (RUNTIME.md §2), from outside: pattern 1, built with hs2rs and served,
//! receives a burst of warehouse changes for distinct SKUs while Shopify answers slowly. With
//! `--bulk on` (the default) the runs' Shopify writes gather into `inventorySetQuantities`
//! requests of many quantities; every run still completes, and Shopify ends with every SKU at
//! its event's quantity. With `--bulk off` each write is its own request. And with hundreds of
//! runs crowding a small cost bucket, no run fails for being throttled. A recount of SKUs
//! whose items are unknown reads the catalog by one bulk operation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{self, Sender};
use serde_json::{Value, json};

const PREFIX: &str = "BK";
const SKUS: usize = 120;

fn sku(i: usize) -> String {
    format!("{PREFIX}-{i:04}")
}

fn program_path() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
            program::build_pattern1(dir, "bulk-pattern1").unwrap()
        })
        .clone()
}

/// One warehouse change for each SKU `{prefix}-NNNN` of `0..count`, to `quantity(i)`, event
/// ids `{id_prefix}-i`.
fn changes(
    prefix: &str,
    id_prefix: &str,
    count: usize,
    quantity: impl Fn(usize) -> i64,
) -> Vec<webhooks::Delivery> {
    (0..count)
        .map(|i| {
            webhooks::wms_stock(
                &format!("{id_prefix}-{i}"),
                &format!("{prefix}-{i:04}"),
                quantity(i),
                &webhooks::event_time(i as u64),
            )
        })
        .collect()
}

/// Delivers every one of `deliveries` at once, each until acknowledged.
async fn send_all(sender: &Sender, deliveries: &[webhooks::Delivery]) {
    let sends = deliveries.iter().map(|d| {
        let sender = sender.clone();
        async move {
            sender
                .deliver(d, Duration::from_millis(50), Duration::from_secs(30))
                .await
        }
    });
    for ack in futures::future::join_all(sends).await {
        ack.unwrap();
    }
}

/// Serves pattern 1 with `--bulk <bulk>`, sends one warehouse change per SKU at once, and
/// returns how many `inventorySetQuantities` requests Shopify received, and the program's
/// count of bulk requests.
async fn burst(bulk: &str) -> (u64, f64) {
    let emulators = Emulators::start(&fixture(PREFIX, SKUS)).await.unwrap();
    // Shopify answers each write 100 ms after applying it: the writes of other runs queue.
    emulators
        .recorder
        .hold_answers("shopify", Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &program_path(),
        &dir.path().join("handled.db"),
        &emulators.url,
        SKUS,
        dir.path(),
    )
    .unwrap();
    program.args = vec!["--bulk".into(), bulk.into()];
    program.start().await.unwrap();
    let sender = Sender::new(&program.base_url()).unwrap();
    let deliveries = changes(PREFIX, &format!("bk-{bulk}"), SKUS, |i| 10 + i as i64);
    send_all(&sender, &deliveries).await;
    let runs = common::ended_runs(&program, SKUS, Duration::from_secs(60), String::new).await;
    assert_eq!(runs.len(), SKUS);
    for run in &runs {
        assert_eq!(run["status"], "completed", "{run}");
    }
    let state = emulators.state();
    for i in 0..SKUS {
        assert_eq!(
            state["shopify"]["inventory"][sku(i)]["available"],
            10 + i as i64,
            "SKU {} at Shopify (--bulk {bulk})",
            sku(i)
        );
    }
    let requests = state["shopify"]["ops"]["inventorySetQuantities"]["received"]
        .as_u64()
        .unwrap();
    let bulk_requests = program::metric(
        &program.base_url(),
        "handled_connector_bulk_requests_total",
        None,
    )
    .await
    .unwrap();
    (requests, bulk_requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_runs_writes_go_as_bulk_requests_and_each_run_completes() {
    let (requests, bulk_requests) = burst("on").await;
    assert!(
        requests * 3 <= SKUS as u64,
        "{requests} inventorySetQuantities requests for {SKUS} writes"
    );
    assert!(bulk_requests >= 1.0, "no bulk request counted");
    let (requests, bulk_requests) = burst("off").await;
    assert!(
        requests >= SKUS as u64,
        "{requests} requests for {SKUS} writes with --bulk off"
    );
    assert_eq!(bulk_requests, 0.0);
}

/// A crowded cost bucket: hundreds of runs share a bucket of 60 points that refills at 300 a
/// second, each run's lookup and write costing about 20 of them, while another client of the
/// same app (another process) spends from the same bucket: the program's own pacing cannot
/// see it, many requests are throttled, and every run waits its turn and completes (a throttle
/// spends none of the action's attempts).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crowded_cost_bucket_fails_no_run() {
    const RUNS: usize = 300;
    let mut fix = fixture("CB", RUNS);
    fix["shopify"]["throttle"] = json!({"maximumAvailable": 60.0, "restoreRate": 300.0});
    let emulators = Emulators::start(&fix).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &program_path(),
        &dir.path().join("handled.db"),
        &emulators.url,
        RUNS,
        dir.path(),
    )
    .unwrap();
    // Every run's write alone: the most requests the bucket can be asked for.
    program.args = vec!["--bulk".into(), "off".into()];
    program.start().await.unwrap();
    // The other client: a 42-point query every 150 ms, whatever the bucket holds.
    let other = {
        let url = format!("{}/shopify/admin/api/2026-04/graphql.json", emulators.url);
        let token = emulators.shopify.access_token().to_string();
        tokio::spawn(async move {
            #[allow(clippy::disallowed_methods)] // another client of the app, from outside
            let client = reqwest::Client::new();
            let query = json!({"query": "{ products(first: 40) { nodes { id } } }"});
            loop {
                let _ = client
                    .post(&url)
                    .header("x-shopify-access-token", &token)
                    .json(&query)
                    .send()
                    .await;
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        })
    };
    let sender = Sender::new(&program.base_url()).unwrap();
    let name = |i: usize| format!("CB-{i:04}");
    let deliveries = changes("CB", "cb", RUNS, |i| 7 + i as i64);
    send_all(&sender, &deliveries).await;
    let runs = common::ended_runs(&program, RUNS, Duration::from_secs(60), String::new).await;
    other.abort();
    let failed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "completed").collect();
    assert!(failed.is_empty(), "runs that did not complete: {failed:#?}");
    let state = emulators.state();
    for i in 0..RUNS {
        assert_eq!(
            state["shopify"]["inventory"][name(i)]["available"],
            7 + i as i64,
            "{} at Shopify",
            name(i)
        );
    }
    let throttled = state["shopify"]["cost"]["throttled"].as_u64().unwrap_or(0);
    println!("{throttled} requests throttled");
    assert!(
        throttled > 20,
        "only {throttled} requests were throttled: not crowded"
    );
}

/// Pattern 2 (a warehouse change written to Shopify, Amazon, eBay and Segment), built once.
fn pattern2_path() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bulk-pattern2");
            program::build(
                &["examples/pattern2_multichannel_distribution.hs"],
                &output,
                false,
            )
            .unwrap();
            output
        })
        .clone()
}

/// A recount on a standard plan's cost bucket (1,000 points, 100 a second) that another client
/// of the shop has just spent: hundreds of SKUs whose inventory items the program does not know
/// yet change at once. Searching for them would wait for the bucket, so the program reads the
/// catalog by one bulk query operation instead, and every run completes with Shopify at its
/// event's quantity.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_recount_of_unknown_skus_reads_the_catalog_by_one_bulk_operation() {
    const RUNS: usize = 600;
    let mut fix = fixture("CT", RUNS);
    fix["shopify"]["throttle"] = json!({"maximumAvailable": 1000.0, "restoreRate": 100.0});
    fix["shopify"]["bulkOperationDelayMs"] = json!(300);
    // The other channels' paces lifted: what is tested is Shopify's lookups.
    common::lift_amazon_paces(&mut fix, 300);
    let emulators = Emulators::start(&fix).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &pattern2_path(),
        &dir.path().join("handled.db"),
        &emulators.url,
        RUNS,
        dir.path(),
    )
    .unwrap();
    program.args = vec!["--bulk".into(), "on".into()];
    for (k, v) in [
        ("EBAY_RATE_LIMIT", "1000000/s"),
        ("SEGMENT_RATE_LIMIT", "1000000/s"),
    ] {
        program.env.push((k.to_string(), v.to_string()));
    }
    program.start().await.unwrap();
    // Another client of the shop spends the bucket: four 252-point queries.
    {
        let url = format!("{}/shopify/admin/api/2026-04/graphql.json", emulators.url);
        #[allow(clippy::disallowed_methods)] // another client of the app, from outside
        let client = reqwest::Client::new();
        let query = json!({"query": "{ products(first: 250) { nodes { id } } }"});
        for _ in 0..4 {
            client
                .post(&url)
                .header("x-shopify-access-token", emulators.shopify.access_token())
                .json(&query)
                .send()
                .await
                .unwrap();
        }
    }
    let sender = Sender::new(&program.base_url()).unwrap();
    let name = |i: usize| format!("CT-{i:04}");
    let deliveries = changes("CT", "ct", RUNS, |i| 100 + i as i64);
    send_all(&sender, &deliveries).await;
    let runs = common::ended_runs(&program, RUNS, Duration::from_secs(120), String::new).await;
    let failed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "completed").collect();
    assert!(failed.is_empty(), "runs that did not complete: {failed:#?}");
    let state = emulators.state();
    for i in 0..RUNS {
        assert_eq!(
            state["shopify"]["inventory"][name(i)]["available"],
            (100 + i as i64) * 6 / 10,
            "{} at Shopify (60% of the warehouse's)",
            name(i)
        );
    }
    let ops = &state["shopify"]["ops"];
    assert_eq!(
        ops["bulkOperationRunQuery"]["received"], 1,
        "one catalog read: {ops:#}"
    );
    // Batches of fewer SKUs (the first events, before the bucket was known to be spent)
    // still search: a lone event never waits for a bulk operation.
    let searches = ops["inventoryItems"]["received"].as_u64().unwrap_or(0);
    println!("{searches} inventoryItems requests, the catalog read among them");
}
