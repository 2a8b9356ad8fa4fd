//! Bulk query operations against the emulator over loopback HTTP, as Shopify runs them: the
//! query read whole into a JSONL file offered once the operation has run for its time, nested
//! connections on lines naming their parent, invalid queries refused as `userErrors`, and the
//! number of operations at once that each version allows. And the connector: a batch of many
//! SKUs whose items are unknown reads the catalog by one operation instead of searching.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use handled_connector_core::{HttpClient, serve};
use handled_contract::{BatchCall, CallInfo, Connector, Env, Json};
use handled_shopify::emulator::{EmulatorHandle, SANDBOX_TOKEN, emulator_router};
use handled_shopify::{Config, ShopifyConnector, queries};
use serde_json::{Value, json};

fn fixture(skus: usize, delay_ms: u64) -> Value {
    let products: Vec<Value> = (0..skus)
        .map(|i| json!({"sku": format!("S-{i}"), "title": format!("Item {i}"), "available": 10}))
        .collect();
    json!({"products": products, "bulkOperationDelayMs": delay_ms})
}

async fn start(fixture: Value) -> (EmulatorHandle, String) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, task) = serve(router).await.unwrap();
    std::mem::forget(task);
    (handle, url)
}

fn http() -> HttpClient {
    HttpClient::with_timeouts("test", Duration::from_secs(2), Duration::from_secs(30)).unwrap()
}

async fn post(url: &str, version: &str, query: &str, variables: Value) -> Value {
    let http = http();
    let request = http
        .post(format!("{url}/admin/api/{version}/graphql.json"))
        .header("X-Shopify-Access-Token", SANDBOX_TOKEN)
        .json(&json!({"query": query, "variables": variables}));
    http.send_raw(request).await.unwrap().json().unwrap()
}

async fn run(url: &str, version: &str, query: &str) -> Value {
    let answer = post(
        url,
        version,
        queries::RUN_BULK_QUERY,
        json!({ "query": query }),
    )
    .await;
    answer["data"]["bulkOperationRunQuery"].clone()
}

/// The lines of a completed operation's file.
async fn file_lines(done: &Value) -> Vec<Value> {
    let url = done["url"].as_str().unwrap();
    let file = http().send_raw(http().get(url)).await.unwrap().text();
    file.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn status(url: &str, version: &str, id: &Value) -> Value {
    post(url, version, queries::BULK_OPERATION, json!({ "id": id })).await["data"]["node"].clone()
}

#[tokio::test]
async fn an_operation_runs_for_its_time_and_offers_its_file() {
    let (_h, url) = start(fixture(30, 300)).await;
    let started = run(&url, "2026-04", queries::CATALOG_ITEMS).await;
    assert_eq!(started["userErrors"], json!([]), "{started}");
    assert_eq!(started["bulkOperation"]["status"], "CREATED");
    let id = started["bulkOperation"]["id"].clone();
    let running = status(&url, "2026-04", &id).await;
    assert_eq!(running["status"], "RUNNING", "{running}");
    assert_eq!(running["url"], Value::Null);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let done = status(&url, "2026-04", &id).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["objectCount"], "30");
    let lines = file_lines(&done).await;
    assert_eq!(lines.len(), 30);
    assert_eq!(lines[0]["sku"], "S-0");
    assert!(
        lines[0]["id"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/InventoryItem/")
    );
    // Read by the current-operation field too, and by `bulkOperation(id:)` from 2026-01.
    let current = post(
        &url,
        "2026-04",
        "query { bulkOperation(id: \"gid://shopify/BulkOperation/1\") { status objectCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        current["data"]["bulkOperation"]["status"], "COMPLETED",
        "{current}"
    );
}

#[tokio::test]
async fn nested_connections_are_lines_of_their_own_naming_their_parent() {
    let (_h, url) = start(fixture(3, 0)).await;
    let query =
        "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }";
    let started = run(&url, "2026-04", query).await;
    assert_eq!(started["userErrors"], json!([]), "{started}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let done = status(&url, "2026-04", &started["bulkOperation"]["id"]).await;
    assert_eq!(done["objectCount"], "6", "{done}");
    let lines = file_lines(&done).await;
    assert_eq!(lines[0]["title"], "Item 0");
    assert_eq!(lines[0].get("variants"), None);
    assert_eq!(lines[1]["sku"], "S-0");
    assert_eq!(lines[1]["__parentId"], lines[0]["id"]);
}

#[tokio::test]
async fn invalid_bulk_queries_are_user_errors() {
    let (_h, url) = start(fixture(3, 0)).await;
    for query in [
        "{ inventoryItems { edges { node { skuu } } } }",
        "{ shop { id } }",
        "{ products { edges { node { title variants { edges { node { sku } } } } } } }",
        "mutation { tagsAdd(id: \"1\", tags: [\"a\"]) { userErrors { message } } }",
        "{ inventoryItems { edges { node { id } } } products { edges { node { id } } } }",
        "{ inventoryItems { edges",
    ] {
        let answer = run(&url, "2026-04", query).await;
        assert_eq!(answer["bulkOperation"], Value::Null, "{query}: {answer}");
        assert_eq!(
            answer["userErrors"][0]["code"], "INVALID",
            "{query}: {answer}"
        );
    }
}

#[tokio::test]
async fn each_version_allows_its_number_of_operations_at_once() {
    let (_h, url) = start(fixture(3, 5_000)).await;
    let first = run(&url, "2025-07", queries::CATALOG_ITEMS).await;
    assert_eq!(first["userErrors"], json!([]));
    let second = run(&url, "2025-07", queries::CATALOG_ITEMS).await;
    assert_eq!(
        second["userErrors"][0]["code"], "OPERATION_IN_PROGRESS",
        "{second}"
    );
    let (_h, url) = start(fixture(3, 5_000)).await;
    for _ in 0..5 {
        assert_eq!(
            run(&url, "2026-04", queries::CATALOG_ITEMS).await["userErrors"],
            json!([])
        );
    }
    let sixth = run(&url, "2026-04", queries::CATALOG_ITEMS).await;
    assert_eq!(sixth["userErrors"][0]["code"], "LIMIT_REACHED", "{sixth}");
}

fn connect(url: &str) -> ShopifyConnector {
    let env = Env::from_pairs([
        (
            "SHOPIFY_STORE_URL".to_string(),
            "handled-sandbox.myshopify.com".to_string(),
        ),
        (
            "SHOPIFY_ACCESS_TOKEN".to_string(),
            SANDBOX_TOKEN.to_string(),
        ),
        (
            "SHOPIFY_WEBHOOK_SECRET".to_string(),
            handled_shopify::emulator::SANDBOX_WEBHOOK_SECRET.to_string(),
        ),
        ("SHOPIFY_API_VERSION".to_string(), "2026-04".to_string()),
        ("SHOPIFY_BASE_URL".to_string(), url.to_string()),
    ]);
    ShopifyConnector::new(Config::from_env(&env).unwrap()).unwrap()
}

fn set(sku: &str, quantity: i64, run: &str) -> BatchCall<Json> {
    BatchCall {
        params: json!({"sku": sku, "quantity": quantity}),
        info: CallInfo {
            idempotency_key: format!("{run}:1"),
            run_id: run.to_string(),
            attempt: 1,
            maybe_sent: false,
        },
    }
}

#[tokio::test]
async fn a_large_batch_reads_the_catalog_once_instead_of_searching() {
    // A batch as large as a bulk write takes, whose searches (about 260 points) the bucket
    // (200) cannot pay.
    let n = 249;
    let mut fix = fixture(n, 100);
    fix["throttle"] = json!({"maximumAvailable": 200, "restoreRate": 10});
    let (h, url) = start(fix).await;
    let c = connect(&url);
    let mut calls: Vec<_> = (0..n)
        .map(|i| set(&format!("S-{i}"), 7, &format!("r{i}")))
        .collect();
    calls.push(set("NOT-IN-SHOP", 7, "missing"));
    let results = c.call_batch("updateInventory", calls).await;
    for r in results.iter().take(n) {
        assert_eq!(r.as_ref().unwrap()["quantity"], 7);
    }
    assert!(
        results[n]
            .as_ref()
            .unwrap_err()
            .message
            .contains("NOT-IN-SHOP")
    );
    let state = h.state();
    assert_eq!(state["ops"]["bulkOperationRunQuery"]["received"], 1);
    // Only the SKU the catalog lacks is searched for.
    assert_eq!(
        state["ops"]["inventoryItems"]["received"], 1,
        "{}",
        state["ops"]
    );
    assert_eq!(state["ops"]["inventorySetQuantities"]["received"], 1);
    for i in [0, n / 2, n - 1] {
        assert_eq!(
            state["inventory"][format!("S-{i}")]["available"],
            7,
            "S-{i}"
        );
    }
    // Searching would request about 260 points; the catalog costs a few dozen.
    let requested = state["cost"]["requested"].as_f64().unwrap();
    assert!(requested < 100.0, "requested {requested} points");

    // A second large batch soon after uses what the catalog gave: no operation, no search.
    let again: Vec<_> = (0..n)
        .map(|i| set(&format!("S-{i}"), 8, &format!("s{i}")))
        .collect();
    for r in c.call_batch("updateInventory", again).await {
        assert_eq!(r.unwrap()["quantity"], 8);
    }
    let state = h.state();
    assert_eq!(state["ops"]["bulkOperationRunQuery"]["received"], 1);
    assert_eq!(state["ops"]["inventoryItems"]["received"], 1);
}

#[tokio::test]
async fn a_batch_the_bucket_can_pay_searches() {
    let (h, url) = start(fixture(240, 100)).await;
    let c = connect(&url);
    let calls: Vec<_> = (0..40)
        .map(|i| set(&format!("S-{i}"), 3, &format!("r{i}")))
        .collect();
    for r in c.call_batch("updateInventory", calls).await {
        assert_eq!(r.unwrap()["quantity"], 3);
    }
    let state = h.state();
    assert_eq!(
        state["ops"]["bulkOperationRunQuery"]["received"],
        Value::Null
    );
    assert_eq!(state["ops"]["inventoryItems"]["received"], 1);
}
