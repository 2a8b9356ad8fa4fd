//! Runs the demo binary, built from a `workflow!` expansion, on a recorded warehouse event in
//! the sandbox, and checks that the run completes and went through every step.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn exec_in_the_sandbox_completes() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO_BIN_EXE_handled-macro-demo"))
        .current_dir(&examples)
        .args([
            "exec",
            "MultiChannelInventoryDistribution",
            "--event",
            "events/wms-stock-updated.json",
            "--sandbox",
            "--fixture",
            "fixtures/catalog.json",
        ])
        .output()
        .expect("the demo binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {}\n{stdout}\n{stderr}",
        output.status
    );
    let run: serde_json::Value =
        serde_json::from_str(&stdout).expect("exec prints the run as JSON");
    assert_eq!(run["status"], "completed", "{stdout}\n{stderr}");
    assert_eq!(run["workflow"], "MultiChannelInventoryDistribution");
    let steps: Vec<&str> = run["steps"]
        .as_array()
        .expect("the run lists its steps")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        steps,
        [
            "calculateChannelAllocation",
            "shopify.updateInventory",
            "amazon.updateInventory",
            "ebay.updateInventory",
            "analytics.track",
        ]
    );
    assert_eq!(run["steps"][0]["output"]["allocations"]["shopify"], 72);
}

#[test]
fn an_unknown_workflow_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_handled-macro-demo"))
        .args(["exec", "NoSuchWorkflow", "--sandbox"])
        .output()
        .expect("the demo binary runs");
    assert!(!output.status.success());
}
