//! Programs built with `hs2rs build` and run with their own command line: every example runs
//! one event against the sandbox emulators, and the JSON it prints shows the transform outputs,
//! the typed calls and each channel's state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Builds every example plus the test programs into one binary, once per test process.
fn program() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = workspace();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("all-examples");
        // Relative paths: they are what the program reports in error locations.
        let mut files: Vec<PathBuf> = ["examples", "transpiler/cli/tests/programs"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "hs"))
            .map(|p| p.strip_prefix(&root).unwrap().to_path_buf())
            .collect();
        files.sort();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hs2rs"));
        cmd.arg("build")
            .args(&files)
            .arg("-o")
            .arg(&out)
            .current_dir(&root);
        if handled_contract::Env::from_process()
            .get("HANDLED_TARGET_DIR")
            .is_none()
        {
            cmd.env("HANDLED_TARGET_DIR", root.join("target/programs"));
        }
        let status = cmd.status().unwrap();
        assert!(status.success(), "hs2rs build failed");
        out
    })
}

fn exec(workflow: &str, event: Option<Value>) -> (i32, Value) {
    exec_with_fixture(workflow, event, None)
}

/// The examples' fixture with `faults` queued at one channel's emulator.
fn fixture_with_faults(channel: &str, faults: Value) -> Value {
    let text = std::fs::read_to_string(workspace().join("examples/fixtures/catalog.json")).unwrap();
    let mut fixture: Value = serde_json::from_str(&text).unwrap();
    fixture[channel]["faults"] = faults;
    fixture
}

/// `exec` in the sandbox, seeded from `fixture` (default: the examples' catalog).
fn exec_with_fixture(workflow: &str, event: Option<Value>, fixture: Option<Value>) -> (i32, Value) {
    exec_with(workflow, event, fixture, &[])
}

/// `exec` with more of the program's options (`--bulk off`, …).
fn exec_with(
    workflow: &str,
    event: Option<Value>,
    fixture: Option<Value>,
    options: &[&str],
) -> (i32, Value) {
    let root = workspace();
    let dir = tempfile::tempdir().unwrap();
    let fixture_path = match fixture {
        Some(fixture) => {
            let path = dir.path().join("fixture.json");
            std::fs::write(&path, serde_json::to_vec(&fixture).unwrap()).unwrap();
            path
        }
        None => root.join("examples/fixtures/catalog.json"),
    };
    let mut cmd = Command::new(program());
    cmd.current_dir(root.join("examples"));
    cmd.args(["exec", workflow, "--sandbox", "--fixture"]);
    cmd.arg(&fixture_path);
    cmd.args(options);
    if let Some(event) = event {
        let path = dir.path().join("event.json");
        std::fs::write(&path, serde_json::to_vec(&event).unwrap()).unwrap();
        cmd.arg("--event").arg(&path);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let parsed: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "exec printed no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), parsed)
}

fn step<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {run:#}"))
}

fn calls<'a>(run: &'a Value, op: &str) -> Vec<&'a Value> {
    run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == op)
        .collect()
}

fn wms_event(sku: &str, quantity: Value) -> Value {
    json!({
        "event_id": format!("evt-{sku}"),
        "event": "stock.updated",
        "product_sku": sku,
        "available_quantity": quantity,
        "warehouse_location": "primary",
        "updated_at": "2026-11-28T10:00:00Z"
    })
}

#[test]
fn pattern2_allocates_stock_to_every_channel() {
    let (code, run) = exec(
        "MultiChannelInventoryDistribution",
        Some(wms_event("TSHIRT-RED-M", json!(120))),
    );
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "completed");
    assert_eq!(
        step(&run, "calculateChannelAllocation")["output"],
        json!({
            "sku": "TSHIRT-RED-M",
            "totalAvailable": 120,
            "reserveStock": 10,
            "allocations": { "shopify": 72, "amazon": 36, "ebay": 12 }
        })
    );
    assert_eq!(
        calls(&run, "shopify.updateInventory")[0]["params"],
        json!({ "sku": "TSHIRT-RED-M", "quantity": 72 })
    );
    assert_eq!(
        calls(&run, "amazon.updateInventory")[0]["params"]["quantity"],
        36
    );
    assert_eq!(
        calls(&run, "ebay.updateInventory")[0]["params"]["quantity"],
        12
    );
    assert_eq!(
        calls(&run, "analytics.track")[0]["params"]["properties"],
        json!({ "sku": "TSHIRT-RED-M", "totalQuantity": 120, "allocations": { "shopify": 72, "amazon": 36, "ebay": 12 } })
    );
    let state = &run["state"];
    assert_eq!(state["amazon"]["items"]["TSHIRT-RED-M"]["quantity"], 36);
    assert_eq!(state["ebay"]["items"]["TSHIRT-RED-M"]["quantity"], 12);
    // Secrets passed as parameters never reach the output.
    let text = run.to_string();
    assert!(
        !text.contains("sandbox-app-key") && !text.contains("sandbox-user-token"),
        "a secret leaked: {text}"
    );
}

#[test]
fn pattern2_rounds_with_javascript_semantics() {
    // 7 * 0.6 = 4.2 → 4; 7 * 0.3 = 2.1 → 2; 7 * 0.1 = 0.7000000000000001 → 0; reserve 0.7000000000000001.
    let (code, run) = exec(
        "MultiChannelInventoryDistribution",
        Some(wms_event("CAP-BLK", json!(7))),
    );
    assert_eq!(code, 0, "{run:#}");
    let out = &step(&run, "calculateChannelAllocation")["output"];
    assert_eq!(
        out["allocations"],
        json!({ "shopify": 4, "amazon": 2, "ebay": 0 })
    );
    assert_eq!(out["reserveStock"], json!(0.7000000000000001));
}

#[test]
fn a_failed_validate_rule_skips_the_run() {
    let (code, run) = exec(
        "MultiChannelInventoryDistribution",
        Some(wms_event("CAP-BLK", json!(0))),
    );
    assert_eq!(code, 0, "skipped runs exit 0: {run:#}");
    assert_eq!(run["status"], "skipped");
    assert!(run.to_string().contains("hasStock"), "{run:#}");
    assert!(run["calls"].as_array().unwrap().is_empty());
}

#[test]
fn a_json_string_quantity_is_validated_by_typeof() {
    let (code, run) = exec("WmsToShopifySync", Some(wms_event("MUG-WHT", json!("12"))));
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "skipped");
    assert!(run.to_string().contains("quantityIsNumber"), "{run:#}");
}

#[test]
fn pattern1_wms_to_shopify_finds_the_product_and_sets_its_quantity() {
    let (code, run) = exec("WmsToShopifySync", Some(wms_event("MUG-WHT", json!(-3))));
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "completed");
    // Math.max(0, -3) = 0
    assert_eq!(step(&run, "validateWmsUpdate")["output"]["newQuantity"], 0);
    let find = &calls(&run, "shopify.findProduct")[0];
    let update = &calls(&run, "shopify.updateInventory")[0];
    assert_eq!(update["params"]["productId"], find["result"]["productId"]);
    assert_eq!(update["params"]["variantId"], find["result"]["variantId"]);
    assert_eq!(update["params"]["quantity"], 0);
    assert_eq!(update["result"]["previousQuantity"], 25);
}

#[test]
fn pattern3_alerts_reorders_and_unpublishes_low_stock() {
    let (code, run) = exec("LowStockMonitoring", None);
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "completed");
    let low = step(&run, "identifyLowStock")["output"]
        .as_array()
        .unwrap()
        .clone();
    let skus: Vec<&str> = low.iter().map(|i| i["sku"].as_str().unwrap()).collect();
    // fast-moving items are low at 20 or less, others at 5 or less.
    assert_eq!(skus, vec!["TSHIRT-BLU-L", "HOODIE-GRY-M", "CAP-BLK"]);
    let hoodie = low.iter().find(|i| i["sku"] == "HOODIE-GRY-M").unwrap();
    assert_eq!(hoodie["reorderQuantity"], 100);
    assert_eq!(calls(&run, "slack.sendMessage").len(), 3);
    let message = calls(&run, "slack.sendMessage")[1]["params"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        message,
        "🚨 Low Stock Alert: Heavy Hoodie Grey M (HOODIE-GRY-M) - Only 0 units remaining"
    );
    let orders = calls(&run, "supplier.createPurchaseOrder");
    assert_eq!(orders.len(), 3);
    assert_eq!(orders[1]["params"]["data"]["priority"], "urgent");
    let unpublished = calls(&run, "shopify.updateProduct");
    assert_eq!(unpublished.len(), 1, "only the item at 0 is unpublished");
    assert_eq!(unpublished[0]["params"]["productSku"], "HOODIE-GRY-M");
}

#[test]
fn pattern4_reports_discrepancies_by_email_and_corrects_minor_ones() {
    let (code, run) = exec("DailyInventoryReconciliation", None);
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "completed");
    let discrepancies = step(&run, "findDiscrepancies")["output"]["discrepancies"]
        .as_array()
        .unwrap()
        .clone();
    // The fixture's warehouse holds 2 more of every SKU than Shopify and Amazon.
    assert_eq!(discrepancies.len(), 5, "{discrepancies:#?}");
    let email = &calls(&run, "email.send")[0];
    assert_eq!(
        email["params"]["template"],
        "inventory-reconciliation-report"
    );
    assert_eq!(email["params"]["data"]["totalDiscrepancies"], 5);
    // Differences of 2 units are within the auto-correct threshold: Shopify and Amazon are set
    // to the warehouse's count.
    assert_eq!(calls(&run, "shopify.updateInventory").len(), 5);
    assert_eq!(calls(&run, "amazon.updateInventory").len(), 5);
    assert_eq!(run["state"]["amazon"]["items"]["MUG-WHT"]["quantity"], 27);
    // With bulk calls (the default) the forEach's five Shopify writes went as one request.
    assert_eq!(
        run["state"]["shopify"]["ops"]["inventorySetQuantities"]["received"],
        1
    );
}

/// The examples' fixture with an FBA stock of 100 beside every Amazon merchant quantity.
fn fixture_with_fba_stock() -> Value {
    let text = std::fs::read_to_string(workspace().join("examples/fixtures/catalog.json")).unwrap();
    let mut fixture: Value = serde_json::from_str(&text).unwrap();
    for item in fixture["amazon"]["items"].as_array_mut().unwrap() {
        item["fbaQuantity"] = json!(100);
    }
    fixture
}

#[test]
fn pattern4_reads_back_the_amazon_quantity_it_writes_and_converges() {
    let fixture = fixture_with_fba_stock();
    let (code, run) =
        exec_with_fixture("DailyInventoryReconciliation", None, Some(fixture.clone()));
    assert_eq!(code, 0, "{run:#}");
    // Amazon's read is the merchant quantity (Shopify's here), not the FBA stock of 100.
    let read = &step(&run, "amazon.getAllInventory")["output"]["items"];
    assert!(
        read.as_array()
            .unwrap()
            .iter()
            .all(|i| i["quantity"] != 100),
        "{read:#}"
    );
    assert_eq!(calls(&run, "amazon.updateInventory").len(), 5);
    let state = &run["state"];
    // The second day starts from what the first one left.
    let mut next = fixture;
    for item in next["amazon"]["items"].as_array_mut().unwrap() {
        let sku = item["sku"].as_str().unwrap().to_string();
        let now = &state["amazon"]["items"][sku.as_str()];
        assert_eq!(now["fbaQuantity"], 100, "FBA stock untouched: {sku}");
        item["quantity"] = now["quantity"].clone();
    }
    let warehouse = next["wms"]["items"].as_array().unwrap().clone();
    for product in next["shopify"]["products"].as_array_mut().unwrap() {
        let wms = warehouse
            .iter()
            .find(|w| w["sku"] == product["sku"])
            .unwrap();
        product["available"] = wms["quantity"].clone();
    }
    let (code, again) = exec_with_fixture("DailyInventoryReconciliation", None, Some(next));
    assert_eq!(code, 0, "{again:#}");
    let left = &step(&again, "findDiscrepancies")["output"]["discrepancies"];
    assert_eq!(left, &json!([]), "{again:#}");
    assert!(calls(&again, "amazon.updateInventory").is_empty());
}

#[test]
fn a_foreach_makes_its_items_calls_one_by_one_without_bulk_calls() {
    let (code, run) = exec_with(
        "DailyInventoryReconciliation",
        None,
        None,
        &["--bulk", "off"],
    );
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "completed");
    assert_eq!(calls(&run, "shopify.updateInventory").len(), 5);
    assert_eq!(
        run["state"]["shopify"]["ops"]["inventorySetQuantities"]["received"],
        5
    );
    assert_eq!(run["state"]["amazon"]["items"]["MUG-WHT"]["quantity"], 27);
}

#[test]
fn an_expression_that_throws_fails_the_run_at_its_position() {
    let (code, run) = exec("BrokenLookup", Some(json!({ "sku": "A" })));
    assert_eq!(code, 1, "{run:#}");
    assert_eq!(run["status"], "failed");
    let err = &step(&run, "pick")["error"];
    assert_eq!(
        err["message"],
        "TypeError: Cannot read properties of undefined (reading 'sku')"
    );
    assert_eq!(
        err["location"],
        "transpiler/cli/tests/programs/expression_error.hs:10:20"
    );
}

#[test]
fn a_fraction_from_json_fails_when_it_reaches_a_quantity() {
    let (code, run) = exec(
        "HalfStock",
        Some(json!({ "sku": "MUG-WHT", "quantity": 5 })),
    );
    assert_eq!(code, 1, "{run:#}");
    let err = run["steps"][0]["error"].clone();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("`quantity` needs an integer, got the number 2.5"),
        "{err:#}"
    );
    assert_eq!(
        err["location"],
        "transpiler/cli/tests/programs/quantity_from_json.hs:9:11"
    );
    let (code, run) = exec(
        "HalfStock",
        Some(json!({ "sku": "MUG-WHT", "quantity": 6 })),
    );
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["calls"][0]["params"]["quantity"], 3);
}

#[test]
fn actions_with_retry_and_timeout_options_run() {
    let (code, run) = exec("CallOptionsDemo", Some(wms_event("MUG-WHT", json!(5))));
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "completed");
    assert_eq!(calls(&run, "shopify.updateInventory")[0]["attempts"], 1);
    assert_eq!(calls(&run, "slack.sendMessage").len(), 1);
}

#[test]
fn an_actions_retry_option_bounds_its_attempts_at_the_emulator() {
    // Five 503s in a row: the action allows two attempts, then the run fails.
    let faults = json!([{ "status": 503, "count": 5 }]);
    let fixture = fixture_with_faults("shopify", faults);
    let (code, run) = exec_with_fixture(
        "CallOptionsDemo",
        Some(wms_event("MUG-WHT", json!(5))),
        Some(fixture),
    );
    assert_eq!(code, 1, "{run:#}");
    assert_eq!(run["status"], "failed");
    let call = calls(&run, "shopify.updateInventory")[0];
    assert_eq!(call["attempts"], 2, "{call:#}");
    assert_eq!(call["error"]["class"], "retryable");
    assert_eq!(call["error"]["status"], 503);
}

#[test]
fn retry_after_is_honoured_over_the_actions_backoff() {
    // One 429 asking for a second: the second attempt waits for it, then succeeds.
    let faults = json!([{ "status": 429, "retryAfter": 1 }]);
    let fixture = fixture_with_faults("shopify", faults);
    let started = std::time::Instant::now();
    let (code, run) = exec_with_fixture(
        "CallOptionsDemo",
        Some(wms_event("MUG-WHT", json!(5))),
        Some(fixture),
    );
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(calls(&run, "shopify.updateInventory")[0]["attempts"], 2);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
}

#[test]
fn an_attempt_slower_than_the_actions_timeout_is_abandoned() {
    // Every request to the Shopify emulator takes 2 s; the action gives each attempt 300 ms.
    let faults = json!([{ "latencyMs": 2000 }]);
    let fixture = fixture_with_faults("shopify", faults);
    let started = std::time::Instant::now();
    let (code, run) = exec_with_fixture(
        "TimeoutDemo",
        Some(wms_event("MUG-WHT", json!(5))),
        Some(fixture),
    );
    assert_eq!(code, 1, "{run:#}");
    let call = calls(&run, "shopify.updateInventory")[0];
    assert_eq!(call["attempts"], 2, "{call:#}");
    let message = call["error"]["message"].as_str().unwrap();
    assert!(message.contains("timeout of 300 ms"), "{message}");
    // Two abandoned attempts, not two full answers.
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

#[test]
fn an_actions_alias_reads_its_result_through_a_field_path_everywhere() {
    let (code, run) = exec("AliasedActions", Some(json!({ "sku": "any" })));
    assert_eq!(code, 0, "{run:#}");
    assert_eq!(run["status"], "completed");
    // The warehouse lists its SKUs in order: CAP-BLK 14, HOODIE-GRY-M 2, MUG-WHT 27,
    // TSHIRT-BLU-L 5, TSHIRT-RED-M 42.
    assert_eq!(
        calls(&run, "shopify.findProduct")[0]["params"]["sku"],
        "CAP-BLK"
    );
    assert_eq!(
        step(&run, "summary")["output"],
        json!({
            "count": 5,
            "total": 90,
            "title": "Logo Cap Black",
            "label": "CAP-BLK: 5 SKUs"
        })
    );
    assert_eq!(
        calls(&run, "wms.updateInventory")[0]["params"],
        json!({ "sku": "CAP-BLK", "quantity": 15 })
    );
    let messages = calls(&run, "slack.sendMessage");
    // `skipped`'s condition is false, and the forEach's condition keeps HOODIE-GRY-M only.
    assert_eq!(messages.len(), 2, "{run:#}");
    assert_eq!(
        messages[0]["params"]["message"],
        "Logo Cap Black now at 15 (was 14)"
    );
    let channel = &messages[0]["result"]["channel"];
    assert_eq!(messages[1]["params"]["channel"], *channel);
    assert_eq!(
        messages[1]["params"]["message"],
        "HOODIE-GRY-M is low: 2 of 90"
    );
}
