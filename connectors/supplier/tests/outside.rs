//! Purchase orders by email from the outside: the seed's low-stock workflow
//! (`examples/pattern3_low_stock_monitoring.hs`) built with hs2rs and run with `exec
//! --sandbox`, its fixture naming one vendor as a supplier that takes orders by email. That
//! vendor's orders arrive in the supplier emulator's mailbox, one email per item with the
//! order's fields, numbered as the run's call results say; the other vendor's go to the API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// hs2rs from the workspace's target directory (built when missing).
fn hs2rs() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("hs2rs");
    if !path.exists() {
        let release = dir.file_name().is_some_and(|d| d == "release");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "hs2rs"])
            .args(release.then_some("--release"))
            .current_dir(workspace())
            .status()
            .unwrap();
        assert!(status.success(), "cannot build hs2rs");
    }
    path
}

/// The low-stock workflow as a program.
fn program() -> PathBuf {
    let root = workspace();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("supplier-pattern3");
    let mut cmd = Command::new(hs2rs());
    cmd.arg("build")
        .arg("examples/pattern3_low_stock_monitoring.hs")
        .arg("-o")
        .arg(&out)
        .current_dir(&root);
    if handled_contract::Env::from_process()
        .get("HANDLED_TARGET_DIR")
        .is_none()
    {
        cmd.env("HANDLED_TARGET_DIR", root.join("target/programs"));
    }
    assert!(cmd.status().unwrap().success(), "hs2rs build failed");
    out
}

/// The examples' fixture, with the T-shirts' and hoodies' vendor taking orders by email.
fn fixture() -> Value {
    let text = std::fs::read_to_string(workspace().join("examples/fixtures/catalog.json")).unwrap();
    let mut fixture: Value = serde_json::from_str(&text).unwrap();
    fixture["supplier"]["orderEmails"] =
        json!({"Northwind Apparel": "Northwind Orders <orders@northwind-apparel.example>"});
    fixture["supplier"]["orderFrom"] = json!("purchasing@northwind.example");
    fixture
}

fn exec(program: &Path, fixture: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let fixture_path = dir.path().join("fixture.json");
    std::fs::write(&fixture_path, serde_json::to_vec(fixture).unwrap()).unwrap();
    let out = Command::new(program)
        .current_dir(workspace().join("examples"))
        .args(["exec", "LowStockMonitoring", "--sandbox", "--fixture"])
        .arg(&fixture_path)
        .arg("--store")
        .arg(dir.path().join("runs.db"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let run: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "exec printed no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(out.status.success(), "{run:#}");
    run
}

#[test]
fn a_compiled_workflow_emails_the_orders_of_a_supplier_without_an_api() {
    let run = exec(&program(), &fixture());
    assert_eq!(run["status"], "completed", "{run:#}");
    let orders: Vec<&Value> = run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == "supplier.createPurchaseOrder")
        .collect();
    assert_eq!(orders.len(), 3, "{run:#}");
    let supplier = &run["state"]["supplier"];
    let emails = supplier["emails"].as_array().unwrap();
    // TSHIRT-BLU-L and HOODIE-GRY-M are Northwind Apparel's; CAP-BLK is Capital Caps'.
    assert_eq!(emails.len(), 2, "{supplier:#}");
    assert_eq!(supplier["orders"].as_array().unwrap().len(), 1);
    assert_eq!(supplier["orders"][0]["sku"], "CAP-BLK");
    assert_eq!(
        supplier["ops"]["createPurchaseOrder"],
        json!({"received": 3, "applied": 3})
    );
    for email in emails {
        assert_eq!(email["to"], json!(["orders@northwind-apparel.example"]));
        assert_eq!(email["from"], "purchasing@northwind.example");
        assert_eq!(email["duplicate"], false);
    }
    let hoodie = emails
        .iter()
        .find(|e| e["text"].as_str().unwrap().contains("HOODIE-GRY-M"))
        .unwrap_or_else(|| panic!("no email for HOODIE-GRY-M: {supplier:#}"));
    let call = orders
        .iter()
        .find(|c| c["params"]["data"]["sku"] == "HOODIE-GRY-M")
        .unwrap();
    let po = call["result"]["purchaseOrderId"].as_str().unwrap();
    let key = call["idempotencyKey"].as_str().unwrap();
    assert_eq!(po, handled_supplier::purchase_order_id_for(key), "{call:#}");
    assert_eq!(
        hoodie["subject"],
        format!("URGENT: Purchase order {po}: 100 x HOODIE-GRY-M")
    );
    let text = hoodie["text"].as_str().unwrap();
    for line in [
        "Hello Northwind Apparel,",
        "Quantity:       100",
        "Priority:       urgent",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
}
