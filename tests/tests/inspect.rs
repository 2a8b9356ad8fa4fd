//! What `runs` and `show` say about a run that a crash interrupted: pattern 1, built with hs2rs
//! and served against the emulators, gets one warehouse event; Shopify applies its write and
//! holds the answer, and the test kills the program with SIGKILL meanwhile and starts it again.
//! The write is attempted a second time on resume (Shopify finds it applied and leaves it), and:
//! - `show` counts both attempts (the one the crash cut off was sent);
//! - `runs` and `show`, which only read, print no warning (no journal to sync).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{self, Sender};

const PREFIX: &str = "IN";

/// Runs the program's `args` on its store with the default log level; its standard error.
fn stderr_of(program: &Program, args: &[&str]) -> String {
    let out = Command::new(&program.path)
        .args(args)
        .arg("--store")
        .arg(&program.store)
        .env_remove("HANDLED_LOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} failed: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_sent_again_after_a_crash_counts_two_attempts() {
    let binary =
        program::build_pattern1(Path::new(env!("CARGO_TARGET_TMPDIR")), "kill9-pattern1").unwrap();
    let emulators = Emulators::start(&fixture(PREFIX, 4)).await.unwrap();
    emulators
        .recorder
        .hold_answers("shopify", Duration::from_secs(2));
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &binary,
        &dir.path().join("handled.db"),
        &emulators.url,
        4,
        dir.path(),
    )
    .unwrap();
    program.args = vec!["--bulk".into(), "off".into()];
    program.start().await.unwrap();
    let sender = Sender::new(&program.base_url()).unwrap();
    let sku = format!("{PREFIX}-0001");
    let delivery = webhooks::wms_stock("in-1", &sku, 42, &webhooks::event_time(1));
    sender
        .deliver(
            &delivery,
            Duration::from_millis(20),
            Duration::from_secs(30),
        )
        .await
        .unwrap();

    // Shopify applied the write and holds its answer: the crash cuts it off.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !emulators
        .recorder
        .writes()
        .iter()
        .any(|w| w.connector == "shopify")
    {
        assert!(Instant::now() < deadline, "no write reached Shopify");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    program.kill9().unwrap();
    program.start().await.unwrap();

    let runs = common::ended_runs(&program, 1, Duration::from_secs(60), String::new).await;
    program.stop().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "completed", "{:#}", runs[0]);
    let run = runs[0]["runId"].as_str().unwrap().to_string();
    let shown = program.show(&run).unwrap();
    let writes: Vec<&serde_json::Value> = shown["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == "shopify.updateInventory")
        .collect();
    assert_eq!(writes.len(), 1, "{shown:#}");
    // Sent again on resume, it found the level already written and left it (one write applied).
    let state = emulators.state();
    assert_eq!(
        state["shopify"]["inventory"][&sku]["writes"], 1,
        "{state:#}"
    );
    assert_eq!(writes[0]["attempts"], 2, "{:#}", writes[0]);
    assert_eq!(state["shopify"]["inventory"][&sku]["available"], 42);

    // The warning came from a sync raced by the process's exit: asked a few times.
    let asked: [&[&str]; 2] = [&["runs"], &["show", run.as_str()]];
    for args in asked.repeat(5) {
        let stderr = stderr_of(&program, args);
        assert!(stderr.trim().is_empty(), "{args:?} printed {stderr}");
    }
}
