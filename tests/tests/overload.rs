//! Admission control from the outside (`serve --max-backlog`): when runs are finished more
//! slowly than events arrive, a program without a limit acknowledges every event at once and
//! its queue grows with the burst; with a limit, the answers (each event already stored) are
//! held while the queue is over it, so senders that wait for their answers slow down and the
//! queue stays near the limit. Every event's run completes either way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{self, Sender};

const PREFIX: &str = "OV";
const SENDERS: usize = 8;
const EVENTS: usize = 40;

fn program_path() -> PathBuf {
    program::build_pattern1(Path::new(env!("CARGO_TARGET_TMPDIR")), "overload-pattern1").unwrap()
}

/// Sends the burst to a program (`--max-backlog` when given) whose Shopify writes take
/// 100 ms, waits for every run to complete; the deepest queue seen, and answers held.
async fn burst(binary: &Path, max_backlog: Option<u64>) -> (u64, f64) {
    let emulators = Emulators::start(&fixture(PREFIX, SENDERS)).await.unwrap();
    emulators
        .recorder
        .hold_answers("shopify", Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        binary,
        &dir.path().join("handled.db"),
        &emulators.url,
        2,
        dir.path(),
    )
    .unwrap();
    if let Some(limit) = max_backlog {
        program.args = vec!["--max-backlog".into(), limit.to_string()];
    }
    program.start().await.unwrap();
    let base_url = program.base_url();

    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (peak, done, base_url) = (Arc::clone(&peak), Arc::clone(&done), base_url.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let depth = program::metric(&base_url, "handled_queue_depth", None)
                    .await
                    .unwrap_or(0.0) as u64;
                peak.fetch_max(depth, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let sender = Sender::new(&base_url).unwrap();
    let mut tasks = Vec::new();
    for n in 0..SENDERS {
        let sender = sender.clone();
        tasks.push(tokio::spawn(async move {
            for i in (n..EVENTS).step_by(SENDERS) {
                let sku = format!("{PREFIX}-{n:04}");
                let at = webhooks::event_time(i as u64);
                let delivery = webhooks::wms_stock(&format!("ov-{i}"), &sku, i as i64, &at);
                let ack = sender
                    .deliver(
                        &delivery,
                        Duration::from_millis(10),
                        Duration::from_secs(30),
                    )
                    .await
                    .unwrap();
                assert_eq!(ack.answer["status"], "queued", "{}", ack.answer);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = tokio::task::block_in_place(|| program.runs()).unwrap();
        let completed = runs.iter().filter(|r| r["status"] == "completed").count();
        if completed == EVENTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{completed} of {EVENTS} runs completed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done.store(true, Ordering::Relaxed);
    watcher.await.unwrap();
    let held = program::metric(&base_url, "handled_webhooks_held_total", None)
        .await
        .unwrap();
    program.stop().unwrap();
    (peak.load(Ordering::Relaxed), held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backlog_limit_holds_answers_and_keeps_the_queue_near_it() {
    let binary = program_path();
    let (unlimited, held) = burst(&binary, None).await;
    assert!(
        unlimited >= 20,
        "without a limit the queue took the burst: {unlimited}"
    );
    assert_eq!(held, 0.0);
    let (limited, held) = burst(&binary, Some(4)).await;
    // Each sender can queue one event past the limit before its answer is held, and a few
    // more slip through while the queue is being counted again.
    assert!(
        limited <= 4 + SENDERS as u64 + 4,
        "with --max-backlog 4 the queue reached {limited}"
    );
    assert!(held >= 1.0, "no answer was held");
}
