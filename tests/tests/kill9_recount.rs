//! Durability of bulk calls under `kill -9` (RUNTIME.md §1 and §2): pattern 2, built with hs2rs
//! and served with bulk calls on, gets a recount (every SKU of the warehouse changes at once,
//! one signed webhook each) while the test kills it with SIGKILL several times and restarts it
//! on the same store. Shopify, eBay and Amazon hold each write's answer for a while after
//! applying it, so that kills find bulk requests applied but unanswered: their members are sent
//! again on resume, in other bulk requests under other keys.
//!
//! A third of the SKUs change twice, the second change sent right after the first: their two
//! runs must apply in order (per-key order), never together.
//!
//! At the end, with every run finished:
//! - every event was acknowledged and has exactly one run, which completed;
//! - every channel holds each SKU's allocation of its last warehouse quantity;
//! - every channel applied exactly one write per event (counted at the emulators): a resumed
//!   member reads the target first and leaves what is there (eBay and Amazon have no
//!   idempotency key; Shopify's key belongs to the bulk request, not to its members);
//! - Segment received each run's message once under one `messageId` (it deduplicates).
//!
//! The seed of the kill schedule is printed; `HANDLED_KILL9_SEED=N` replays it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{self, Sender};
use rand::{Rng, SeedableRng};
use serde_json::Value;

const SKUS: usize = 1_500;
const SENDERS: usize = 16;
const KILLS: usize = 4;
const PREFIX: &str = "KR";

fn sku(i: usize) -> String {
    format!("{PREFIX}-{i:04}")
}

/// The warehouse's new quantity of SKU `i`.
fn quantity(i: usize) -> i64 {
    500 + i as i64
}

/// Whether SKU `i` changes a second time, to [`second`].
fn twice(i: usize) -> bool {
    i.is_multiple_of(3)
}

/// SKU `i`'s second new quantity.
fn second(i: usize) -> i64 {
    5_000 + i as i64
}

/// The events about SKU `i`.
fn events_of(i: usize) -> usize {
    if twice(i) { 2 } else { 1 }
}

fn program_path() -> PathBuf {
    let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kill9-recount-pattern2");
    program::build(
        &["examples/pattern2_multichannel_distribution.hs"],
        &output,
        false,
    )
    .unwrap();
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_bulk_calls_applies_every_write_once() {
    let binary = program_path();
    let seed = common::kill_seed();

    let mut fix = fixture(PREFIX, SKUS);
    // Amazon's paces lifted (what is tested is durability, not the quotas), and feeds processed
    // 300 ms after their creation, polled or not.
    common::lift_amazon_paces(&mut fix, 300);
    let emulators = Emulators::start(&fix).await.unwrap();
    for channel in ["shopify", "ebay", "amazon"] {
        emulators
            .recorder
            .hold_answers(channel, Duration::from_millis(150));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &binary,
        &dir.path().join("handled.db"),
        &emulators.url,
        256,
        dir.path(),
    )
    .unwrap();
    program.args = vec!["--bulk".into(), "on".into()];
    // Bulk writes of more than 10 SKUs go to Amazon as feeds; the client-side paces lifted.
    for (k, v) in [
        ("AMAZON_FEED_ABOVE", "10"),
        ("EBAY_RATE_LIMIT", "1000000/s"),
        ("SEGMENT_RATE_LIMIT", "1000000/s"),
    ] {
        program.env.push((k.to_string(), v.to_string()));
    }
    program.start().await.unwrap();
    let sender = Sender::new(&program.base_url()).unwrap();
    let began = Instant::now();

    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let sender = sender.clone();
        senders.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for i in (s..SKUS).step_by(SENDERS) {
                let mut changes = vec![(format!("kr-{i:05}"), quantity(i), i as u64)];
                if twice(i) {
                    changes.push((format!("kr2-{i:05}"), second(i), (SKUS + i) as u64));
                }
                for (id, q, at) in changes {
                    let d = webhooks::wms_stock(&id, &sku(i), q, &webhooks::event_time(at));
                    let ack = sender
                        .deliver(&d, Duration::from_millis(20), Duration::from_secs(120))
                        .await
                        .unwrap();
                    answers.push(ack.answer);
                }
            }
            answers
        }));
    }

    let emulators = Arc::new(emulators);
    let killer = tokio::spawn(async move {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        for k in 0..KILLS {
            let uptime = rng.random_range(400..1_500);
            tokio::time::sleep(Duration::from_millis(uptime)).await;
            program.kill9().unwrap();
            program.start().await.unwrap();
            println!("kill {} after {uptime} ms", k + 1);
        }
        program
    });
    let mut answers: Vec<Value> = Vec::new();
    for s in senders {
        answers.extend(s.await.unwrap());
    }
    let mut program = killer.await.unwrap();
    let events: usize = (0..SKUS).map(events_of).sum();
    assert_eq!(answers.len(), events);
    for a in &answers {
        assert!(
            matches!(a["status"].as_str(), Some("queued" | "duplicate")),
            "answered {a} (seed {seed})"
        );
    }

    // Every run ends, completed, one per event.
    let runs = common::ended_runs(&program, events, Duration::from_secs(180), || {
        format!(
            "seed {seed}; Amazon's feeds: {}",
            emulators.state()["amazon"]["feeds"]
        )
    })
    .await;
    program.stop().unwrap();
    println!(
        "every run ended {:?} after the first webhook",
        began.elapsed()
    );
    assert!(program.starts() > KILLS as u32);
    assert_eq!(runs.len(), events, "one run per event (seed {seed})");
    let failed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "completed").collect();
    assert!(
        failed.is_empty(),
        "runs not completed (seed {seed}): {failed:#?}"
    );

    // Each channel at the allocation, written once per SKU.
    let state = emulators.state();
    let mut repeated = Vec::new();
    for i in 0..SKUS {
        let q = if twice(i) { second(i) } else { quantity(i) } as f64;
        let s = sku(i);
        let shopify = &state["shopify"]["inventory"][&s];
        let amazon = &state["amazon"]["items"][&s];
        let ebay = &state["ebay"]["items"][&s];
        assert_eq!(
            shopify["available"],
            (q * 0.6).floor() as i64,
            "{s} at Shopify"
        );
        assert_eq!(
            amazon["quantity"],
            (q * 0.3).floor() as i64,
            "{s} at Amazon"
        );
        assert_eq!(ebay["quantity"], (q * 0.1).floor() as i64, "{s} at eBay");
        for (channel, writes) in [
            ("shopify", &shopify["writes"]),
            ("amazon", &amazon["writes"]),
            ("ebay", &ebay["writes"]),
        ] {
            if writes.as_u64() != Some(events_of(i) as u64) {
                repeated.push(format!(
                    "{s} written {writes} times at {channel} ({} events)",
                    events_of(i)
                ));
            }
        }
    }
    println!(
        "Amazon's feeds: {}",
        state["amazon"]["feeds"].as_object().map_or(0, |f| f.len())
    );
    assert!(
        repeated.is_empty(),
        "writes applied twice (seed {seed}): {repeated:#?}"
    );
    // Segment: one message per run, repeats deduplicated by messageId.
    assert_eq!(
        state["analytics"]["events"].as_array().map(Vec::len),
        Some(events),
        "seed {seed}"
    );
}
