//! Pattern 1's bidirectional sync served for real (RUNTIME.md §1.3): both emulators send their
//! webhooks to the program for every quantity change, our writes included, so each write we
//! make comes back as a webhook. Echoes must be recognised (counted in `/metrics`, no run), and
//! after both sides change the same SKUs concurrently, both sides must agree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks;
use serde_json::{Value, json};

const PREFIX: &str = "BI";
/// Pattern 1 passes Shopify's location id as the warehouse location, so the warehouse's own
/// changes are made at that location too: both sides then speak of the same stock.
const LOCATION: &str = "24826418";

fn sku(i: usize) -> String {
    format!("{PREFIX}-{i:04}")
}

/// Builds pattern 1 once per test process (the tests run in parallel).
fn program_path() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
            program::build_pattern1(dir, "bidirectional-pattern1").unwrap()
        })
        .clone()
}

/// The emulators, with their webhooks pointed at a started program.
async fn setup(skus: usize) -> (Emulators, Program, tempfile::TempDir) {
    let emulators = Emulators::start(&fixture(PREFIX, skus)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &program_path(),
        &dir.path().join("handled.db"),
        &emulators.url,
        4,
        dir.path(),
    )
    .unwrap();
    program.start().await.unwrap();
    emulators
        .shopify
        .set_webhook_target(Some(handled_shopify::emulator::WebhookTarget {
            url: format!("{}{}", program.base_url(), webhooks::SHOPIFY_PATH),
            ..Default::default()
        }));
    emulators
        .wms
        .set_webhook_target(Some(handled_wms::emulator::WebhookTarget {
            url: format!("{}{}", program.base_url(), webhooks::WMS_PATH),
            ..Default::default()
        }));
    (emulators, program, dir)
}

/// Waits until every run has ended and nothing new happened for a second.
async fn settle(program: &Program) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = (usize::MAX, 0);
    let mut quiet_since = Instant::now();
    loop {
        let runs = tokio::task::block_in_place(|| program.runs()).unwrap();
        let ended = runs
            .iter()
            .filter(|r| r["status"] != "queued" && r["status"] != "running")
            .count();
        if (runs.len(), ended) != last {
            last = (runs.len(), ended);
            quiet_since = Instant::now();
        } else if ended == runs.len() && quiet_since.elapsed() > Duration::from_secs(1) {
            return runs;
        }
        assert!(Instant::now() < deadline, "runs did not settle in 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A counter of the program's `/metrics`, summed over its labels.
async fn counter(program: &Program, name: &str, label: Option<&str>) -> u64 {
    program::metric(&program.base_url(), name, label)
        .await
        .unwrap() as u64
}

fn count(runs: &[Value], workflow: &str) -> usize {
    runs.iter().filter(|r| r["workflow"] == workflow).count()
}

/// A change in the warehouse is written to Shopify once; Shopify's webhook for that write is
/// our own echo, recorded as such, and starts no run back to the warehouse.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_warehouse_change_is_not_echoed_back() {
    let (emulators, mut program, _dir) = setup(1).await;
    emulators.wms.set_quantity(&sku(0), Some(LOCATION), 40);
    let runs = settle(&program).await;
    let echoed = counter(&program, "handled_events_echoed_total", None).await;
    program.stop().unwrap();
    assert_eq!(count(&runs, "WmsToShopifySync"), 1, "{runs:#?}");
    let run = runs
        .iter()
        .find(|r| r["workflow"] == "WmsToShopifySync")
        .unwrap();
    assert_eq!(
        run["key"],
        json!(sku(0)),
        "runs of one SKU are ordered by their key, the SKU by default"
    );
    assert_eq!(
        emulators.shopify.state()["inventory"][sku(0)]["available"],
        json!(40)
    );
    assert_eq!(
        count(&runs, "ShopifyToWmsSync"),
        0,
        "Shopify's webhook for our own write started a run: {runs:#?}"
    );
    assert_eq!(echoed, 1, "echoes counted in /metrics");
}

/// A serving program keeps itself off transparent huge pages (`handled_alloc::init`): its
/// allocator's arenas would otherwise be faulted in (and counted in its resident set) 2 MiB at a
/// time, each page zeroed.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_program_keeps_off_transparent_huge_pages() {
    let (_emulators, mut program, _dir) = setup(1).await;
    let pid = program.pid().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    program.stop().unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("THP_enabled:"))
        .expect("/proc/PID/status names THP_enabled (Linux 5.0 and later)");
    assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
}

/// A change in Shopify is written to the warehouse once; the warehouse's webhook for that write
/// is our own echo, recorded as such, and starts no run back to Shopify.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shopify_change_is_not_echoed_back() {
    let (emulators, mut program, _dir) = setup(1).await;
    emulators.shopify.set_available(&sku(0), None, 41).unwrap();
    let runs = settle(&program).await;
    let echoed = counter(&program, "handled_events_echoed_total", None).await;
    program.stop().unwrap();
    assert_eq!(count(&runs, "ShopifyToWmsSync"), 1, "{runs:#?}");
    assert_eq!(
        emulators.wms.state()["inventory"][sku(0)]["locations"][LOCATION],
        json!(41)
    );
    assert_eq!(
        count(&runs, "WmsToShopifySync"),
        0,
        "the warehouse's webhook for our own write started a run: {runs:#?}"
    );
    assert_eq!(echoed, 1, "echoes counted in /metrics");
}

/// A merchant turns off Shopify's inventory tracking of a SKU: Shopify's webhook says
/// `"available": null`. It is accepted, and the run that would write it to the warehouse as a
/// quantity fails with an error naming the source line (LANGUAGE.md §5: a value that does not
/// convert fails the run), instead of writing a made-up number.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_untracked_item_fails_its_run_and_writes_nothing() {
    let (emulators, mut program, _dir) = setup(1).await;
    let before = emulators.wms.state()["inventory"][sku(0)].clone();
    emulators.shopify.set_tracked(&sku(0), false).unwrap();
    let runs = settle(&program).await;
    assert_eq!(count(&runs, "ShopifyToWmsSync"), 1, "{runs:#?}");
    let run = &runs[0];
    assert_eq!(run["status"], "failed", "{run:#}");
    let shown = program.show(run["runId"].as_str().unwrap()).unwrap();
    program.stop().unwrap();
    let error = &shown["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("needs an integer, got null"),
        "{shown:#}"
    );
    assert!(
        error["location"]
            .as_str()
            .unwrap()
            .starts_with("examples/pattern1_bidirectional_shopify_wms.hs:"),
        "{shown:#}"
    );
    assert_eq!(
        emulators.wms.state()["inventory"][sku(0)],
        before,
        "nothing written"
    );
}

/// A write of what the other side already holds changes nothing there, so no webhook echoes
/// it: the channel's next change of that SKU must not wait for an echo that will never come.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_that_changes_nothing_is_not_waited_for() {
    let (emulators, mut program, _dir) = setup(1).await;
    // Shopify shows it echoes our writes.
    emulators.wms.set_quantity(&sku(0), Some(LOCATION), 40);
    settle(&program).await;
    // The warehouse reports 40 again: written to Shopify, which already holds 40 (no webhook).
    emulators.wms.set_quantity(&sku(0), Some(LOCATION), 40);
    settle(&program).await;
    // Then the merchant changes it in Shopify.
    emulators.shopify.set_available(&sku(0), None, 41).unwrap();
    let runs = settle(&program).await;
    program.stop().unwrap();
    assert_eq!(count(&runs, "WmsToShopifySync"), 2, "{runs:#?}");
    let run = runs
        .iter()
        .find(|r| r["workflow"] == "ShopifyToWmsSync")
        .expect("the merchant's change started a run");
    assert_eq!(run["status"], "completed", "{run:#?}");
    let at = |field: &str| {
        chrono::DateTime::parse_from_rfc3339(run[field].as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let waited = at("startedAt") - at("queuedAt");
    assert!(
        waited < 3_000,
        "the run waited {waited} ms for the echo of a write that changed nothing"
    );
    assert_eq!(
        emulators.wms.state()["inventory"][sku(0)]["locations"][LOCATION],
        json!(41)
    );
}

/// Both sides change the same SKUs at the same time, several rounds: no ping-pong (at most one
/// run per change made by a person), and both sides end with the same quantity per SKU.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_on_both_sides_end_consistent() {
    const SKUS: usize = 8;
    const ROUNDS: usize = 5;
    let (emulators, mut program, _dir) = setup(SKUS).await;
    // First each side sees the other echo a write: a run waits for the echo of our write to its
    // channel only once that channel has shown that it reports our writes back.
    emulators.shopify.set_available(&sku(0), None, 1).unwrap();
    settle(&program).await;
    emulators.wms.set_quantity(&sku(1), Some(LOCATION), 2);
    settle(&program).await;
    assert_eq!(
        counter(&program, "handled_events_echoed_total", None).await,
        2
    );
    let mut changes = 2;
    for round in 0..ROUNDS {
        for s in 0..SKUS {
            // Shopify's merchant sets odd quantities, the warehouse even ones.
            let shopify_q = (100 * round + 2 * s + 1) as i64;
            let wms_q = (100 * round + 2 * s + 2) as i64;
            emulators
                .shopify
                .set_available(&sku(s), None, shopify_q)
                .unwrap();
            emulators.wms.set_quantity(&sku(s), Some(LOCATION), wms_q);
            changes += 2;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let runs = settle(&program).await;
    let echoed = counter(&program, "handled_events_echoed_total", None).await;
    program.stop().unwrap();
    let state = emulators.state();
    let disagree: Vec<String> = (0..SKUS)
        .filter_map(|s| {
            let shopify = &state["shopify"]["inventory"][sku(s)]["available"];
            let wms = &state["wms"]["inventory"][sku(s)]["locations"][LOCATION];
            (shopify != wms).then(|| format!("{}: Shopify {shopify}, warehouse {wms}", sku(s)))
        })
        .collect();
    println!(
        "{changes} changes by people, {} runs, {echoed} echoes; disagreeing: {disagree:?}",
        runs.len()
    );
    assert!(
        runs.len() <= changes,
        "ping-pong: {} runs for {changes} changes",
        runs.len()
    );
    assert!(echoed > 0, "no echo was recognised");
    assert!(disagree.is_empty(), "the sides disagree: {disagree:?}");
}

/// A burst of warehouse changes to one SKU costs Shopify one request each (RUNTIME.md §1.3's
/// compare-and-set included): the SKU's search is answered from the connector's memory of the
/// last one, and each write compares with the level the previous write set, for two seconds.
/// After that the SKU is looked up again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_changes_to_one_sku_costs_one_shopify_request_each() {
    let (emulators, mut program, _dir) = setup(1).await;
    let ops = |name: &str| emulators.shopify.state()["ops"][name]["received"].as_u64();
    for q in [10, 12, 14, 16] {
        emulators.wms.set_quantity(&sku(0), Some(LOCATION), q);
        // Apart enough that the warehouse's webhooks arrive in order (one overtaken would
        // be stale, and write nothing).
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let runs = settle(&program).await;
    let wrote = runs
        .iter()
        .filter(|r| r["workflow"] == "WmsToShopifySync" && r["status"] == "completed")
        .count() as u64;
    let state = emulators.shopify.state();
    assert_eq!(state["inventory"][sku(0)]["available"], json!(16));
    assert!(wrote >= 2, "{runs:#?}");
    assert_eq!(
        ops("inventorySetQuantities"),
        Some(wrote),
        "{:#}",
        state["ops"]
    );
    assert_eq!(ops("productVariants"), Some(1), "{:#}", state["ops"]);
    // The rest are the lookups of Shopify's webhooks for our writes (which SKU and location
    // they speak of, to recognise them as echoes): once, then remembered.
    for (field, counts) in state["ops"].as_object().unwrap() {
        if !["inventorySetQuantities", "productVariants"].contains(&field.as_str()) {
            assert_eq!(counts["received"], 1, "{field}: {:#}", state["ops"]);
        }
    }

    tokio::time::sleep(Duration::from_millis(2100)).await;
    emulators.wms.set_quantity(&sku(0), Some(LOCATION), 18);
    settle(&program).await;
    program.stop().unwrap();
    let state = emulators.shopify.state();
    assert_eq!(state["inventory"][sku(0)]["available"], json!(18));
    assert_eq!(ops("productVariants"), Some(2), "{:#}", state["ops"]);
    assert_eq!(
        ops("inventorySetQuantities"),
        Some(wrote + 1),
        "{:#}",
        state["ops"]
    );
}
