//! The emulator refuses what Shopify's published schema of the version refuses (unknown fields,
//! variables of the wrong type, inputs a version removed), and counts the deprecated fields a
//! document selects, over real loopback HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_connector_core::{HttpClient, serve};
use handled_shopify::emulator::{EmulatorHandle, SANDBOX_TOKEN, emulator_router};
use handled_shopify::queries;
use serde_json::{Value, json};

async fn start() -> (EmulatorHandle, String) {
    let fixture = json!({"products": [{"sku": "A-1", "available": 3}]});
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, task) = serve(router).await.unwrap();
    // Served for the rest of the test process.
    std::mem::forget(task);
    (handle, url)
}

async fn post(url: &str, version: &str, query: &str, variables: Value) -> Value {
    let http = HttpClient::with_timeouts(
        "test",
        std::time::Duration::from_secs(2),
        std::time::Duration::from_secs(30),
    )
    .unwrap();
    let request = http
        .post(format!("{url}/admin/api/{version}/graphql.json"))
        .header("X-Shopify-Access-Token", SANDBOX_TOKEN)
        .header("content-type", "application/json")
        .body(json!({"query": query, "variables": variables}).to_string());
    let response = http.send_raw(request).await.unwrap();
    response.json().unwrap()
}

fn code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn what_the_schema_refuses_is_refused() {
    let (_h, url) = start().await;
    let unknown = post(
        &url,
        "2026-04",
        "query { productVariants(first: 1) { nodes { skuu } } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&unknown), "GRAPHQL_VALIDATION_FAILED", "{unknown}");
    assert!(unknown.to_string().contains("skuu"), "{unknown}");

    // A variable declared with a type its argument does not take.
    let declared = post(
        &url,
        "2026-04",
        "query Q($location: String!) { location(id: $location) { id } }",
        json!({"location": "gid://shopify/Location/1"}),
    )
    .await;
    assert_eq!(code(&declared), "GRAPHQL_VALIDATION_FAILED", "{declared}");

    // Variables of the wrong type, missing, or with an input field the version removed.
    let wrong = post(
        &url,
        "2026-04",
        queries::ITEM_LEVEL,
        json!({"item": true, "location": "gid://shopify/Location/1"}),
    )
    .await;
    assert_eq!(code(&wrong), "INVALID_VARIABLE", "{wrong}");
    let missing = post(&url, "2026-04", queries::ITEM_LEVEL, json!({})).await;
    assert_eq!(code(&missing), "INVALID_VARIABLE", "{missing}");
    let removed = post(
        &url,
        "2026-04",
        queries::SET_QUANTITIES,
        json!({"key": "k1", "input": {"name": "available", "reason": "correction",
            "quantities": [{"inventoryItemId": "gid://shopify/InventoryItem/1",
                "locationId": "gid://shopify/Location/1", "quantity": 1, "compareQuantity": 0}]}}),
    )
    .await;
    assert_eq!(code(&removed), "INVALID_VARIABLE", "{removed}");
    assert!(removed.to_string().contains("compareQuantity"), "{removed}");

    // The same document is valid where the schema has it.
    let legacy = post(
        &url,
        "2025-07",
        queries::LOCATION_LEVELS_LEGACY,
        json!({"location": "gid://shopify/Location/1"}),
    )
    .await;
    assert!(legacy.get("errors").is_none(), "{legacy}");
}

#[tokio::test]
async fn deprecated_fields_are_counted_and_ours_select_none() {
    let (h, url) = start().await;
    let vars = json!({"location": "gid://shopify/Location/1"});
    // What the connector sends to 2026-04 selects nothing deprecated.
    let current = post(&url, "2026-04", queries::LOCATION_LEVELS, vars.clone()).await;
    assert!(current.get("errors").is_none(), "{current}");
    assert_eq!(h.state()["deprecatedFields"], json!({}));
    // The legacy document at 2026-04 selects `InventoryItem.variant`, deprecated there.
    let old = post(
        &url,
        "2026-04",
        queries::LOCATION_LEVELS_LEGACY,
        vars.clone(),
    )
    .await;
    assert!(old.get("errors").is_none(), "{old}");
    post(&url, "2026-04", queries::LOCATION_LEVELS_LEGACY, vars).await;
    assert_eq!(
        h.state()["deprecatedFields"],
        json!({"2026-04 InventoryItem.variant": 2})
    );
}
