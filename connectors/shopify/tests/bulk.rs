//! `updateInventory` in bulk against the emulator: many calls as one SKU search and one
//! `inventorySetQuantities`, each call with its own result; a refused or stale member does not
//! fail the others; the same level twice is set in order; a request sent again replays.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_connector_core::{CallInfo, serve};
use handled_contract::{BatchCall, Connector, Env, Json};
use handled_shopify::emulator::{EmulatorHandle, emulator_router};
use handled_shopify::{Config, ShopifyConnector};
use serde_json::{Value, json};

fn fixture(skus: usize) -> Value {
    let products: Vec<Value> = (0..skus)
        .map(|i| json!({"sku": format!("S-{i}"), "title": format!("Item {i}"), "available": 10}))
        .collect();
    json!({
        "locations": [{"id": 24826418, "name": "Primary", "primary": true}, {"id": 5, "name": "Backroom"}],
        "products": products,
    })
}

async fn start(fixture: Value) -> (ShopifyConnector, EmulatorHandle) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _task) = serve(router).await.unwrap();
    (connect(&url, &handle), handle)
}

/// A connector of its own (a restarted program: nothing cached) for the emulator at `url`.
fn connect(url: &str, handle: &EmulatorHandle) -> ShopifyConnector {
    let env = Env::from_pairs([
        (
            "SHOPIFY_STORE_URL".to_string(),
            "handled-sandbox.myshopify.com".to_string(),
        ),
        (
            "SHOPIFY_ACCESS_TOKEN".to_string(),
            handle.access_token().to_string(),
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

fn member(params: Value, run: &str) -> BatchCall<Json> {
    BatchCall {
        params,
        info: CallInfo {
            idempotency_key: format!("{run}:1"),
            run_id: run.to_string(),
            attempt: 1,
            maybe_sent: false,
        },
    }
}

fn set(sku: &str, quantity: i64, run: &str) -> BatchCall<Json> {
    member(json!({"sku": sku, "quantity": quantity}), run)
}

fn ops(h: &EmulatorHandle, op: &str) -> Value {
    h.state()["ops"][op].clone()
}

#[tokio::test]
async fn many_writes_are_one_search_and_one_mutation() {
    let (c, h) = start(fixture(120)).await;
    assert_eq!(c.max_batch("updateInventory"), 250);
    assert_eq!(c.max_batch("getAllInventory"), 1);
    let calls: Vec<_> = (0..120)
        .map(|i| set(&format!("S-{i}"), i, &format!("run-{i}")))
        .collect();
    let results = c.call_batch("updateInventory", calls).await;
    assert_eq!(results.len(), 120);
    for (i, r) in results.iter().enumerate() {
        let r = r.as_ref().unwrap();
        assert_eq!(r["quantity"], i as i64);
        assert_eq!(r["previousQuantity"], 10);
        assert_eq!(
            h.state()["inventory"][format!("S-{i}")]["available"],
            i as i64
        );
    }
    // The primary location, three searches of up to 50 SKUs for their items (no levels: the
    // writes compare with nothing and learn what they replaced from the answer), one write.
    assert_eq!(ops(&h, "inventoryItems")["received"], 3);
    assert_eq!(ops(&h, "productVariants")["received"], Value::Null);
    assert_eq!(
        ops(&h, "inventorySetQuantities"),
        json!({"received": 1, "applied": 1})
    );
}

#[tokio::test]
async fn a_refused_member_fails_alone_and_the_others_are_set() {
    let (c, h) = start(fixture(3)).await;
    let results = c
        .call_batch(
            "updateInventory",
            vec![
                set("S-0", 1, "a"),
                set("NO-SUCH", 2, "b"),
                set("S-1", -4, "c"),
                set("S-1", 2_000_000_000, "d"),
                member(json!({"sku": "S-0", "quantity": 3, "location": "999"}), "f"),
                set("S-2", 5, "e"),
            ],
        )
        .await;
    assert_eq!(results[0].as_ref().unwrap()["quantity"], 1);
    let missing = results[1].as_ref().unwrap_err();
    assert!(
        missing
            .message
            .contains("no product variant has SKU \"NO-SUCH\""),
        "{missing}"
    );
    assert!(results[2].is_err());
    // Shopify refuses that quantity only (its userErrors entry names its index).
    let refused = results[3].as_ref().unwrap_err();
    assert!(
        refused.message.contains("INVALID_QUANTITY_TOO_HIGH"),
        "{refused}"
    );
    assert_eq!(results[5].as_ref().unwrap()["quantity"], 5);
    let elsewhere = results[4].as_ref().unwrap_err();
    assert!(
        elsewhere.message.contains("INVALID_LOCATION"),
        "{elsewhere}"
    );
    let state = h.state();
    assert_eq!(state["inventory"]["S-0"]["available"], 1);
    assert_eq!(state["inventory"]["S-1"]["available"], 10);
    assert_eq!(state["inventory"]["S-2"]["available"], 5);
    // All or nothing: the first request was refused whole, the second set the rest.
    assert_eq!(
        ops(&h, "inventorySetQuantities"),
        json!({"received": 2, "applied": 1})
    );
}

#[tokio::test]
async fn a_stale_member_is_read_again_and_set() {
    let (c, h) = start(fixture(4)).await;
    h.change_before_next_write("S-2", 50);
    let calls: Vec<_> = (0..4)
        .map(|i| set(&format!("S-{i}"), 7, &format!("r{i}")))
        .collect();
    let results = c.call_batch("updateInventory", calls).await;
    for (i, r) in results.iter().enumerate() {
        let r = r.as_ref().unwrap();
        let previous = if i == 2 { 50 } else { 10 };
        assert_eq!(
            (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
            (Some(previous), Some(7))
        );
    }
    for i in 0..4 {
        assert_eq!(h.state()["inventory"][format!("S-{i}")]["available"], 7);
    }
}

#[tokio::test]
async fn the_same_sku_twice_is_set_in_order() {
    let (c, h) = start(fixture(2)).await;
    let results = c
        .call_batch(
            "updateInventory",
            vec![set("S-0", 3, "a"), set("S-1", 4, "b"), set("S-0", 8, "c")],
        )
        .await;
    let r: Vec<Value> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        (r[0]["previousQuantity"].as_i64(), r[0]["quantity"].as_i64()),
        (Some(10), Some(3))
    );
    assert_eq!(
        (r[2]["previousQuantity"].as_i64(), r[2]["quantity"].as_i64()),
        (Some(3), Some(8))
    );
    assert_eq!(h.state()["inventory"]["S-0"]["available"], 8);
    assert_eq!(h.state()["inventory"]["S-1"]["available"], 4);
    assert_eq!(
        ops(&h, "inventorySetQuantities"),
        json!({"received": 2, "applied": 2})
    );
}

#[tokio::test]
async fn a_bulk_write_sent_again_after_a_restart_changes_nothing() {
    let (router, h) = emulator_router(Some(fixture(3))).unwrap();
    let (url, _task) = serve(router).await.unwrap();
    let calls = || {
        (0..3)
            .map(|i| set(&format!("S-{i}"), 2, &format!("r{i}")))
            .collect::<Vec<_>>()
    };
    for r in connect(&url, &h)
        .call_batch("updateInventory", calls())
        .await
    {
        r.unwrap();
    }
    // A restarted program sends the same members again (their answer was lost): the same
    // request under the same key, which Shopify answers with the first one's answer.
    for r in connect(&url, &h)
        .call_batch("updateInventory", calls())
        .await
    {
        let r = r.unwrap();
        assert_eq!(
            (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
            (Some(10), Some(2))
        );
    }
    assert_eq!(
        ops(&h, "inventorySetQuantities"),
        json!({"received": 2, "applied": 1})
    );
    let state = h.state();
    for i in 0..3 {
        assert_eq!(state["inventory"][format!("S-{i}")]["available"], 2);
    }
}

#[tokio::test]
async fn many_lookups_are_one_search_and_the_writes_after_them_read_nothing() {
    let (c, h) = start(fixture(60)).await;
    assert_eq!(c.max_batch("findProduct"), 250);
    let mut calls: Vec<_> = (0..60)
        .map(|i| member(json!({"sku": format!("S-{i}")}), &format!("f{i}")))
        .collect();
    calls.push(member(json!({"sku": "NO-SUCH"}), "missing"));
    let found = c.call_batch("findProduct", calls).await;
    for (i, r) in found.iter().enumerate().take(60) {
        assert_eq!(r.as_ref().unwrap()["sku"], format!("S-{i}"));
    }
    assert!(found[60].as_ref().unwrap_err().message.contains("NO-SUCH"));
    // The primary location's lookup aside, two searches (50 and 11 SKUs).
    assert_eq!(ops(&h, "productVariants")["received"], 2);
    // The writes by id that follow compare with the levels the searches read.
    let writes: Vec<_> = found
        .iter()
        .take(60)
        .enumerate()
        .map(|(i, r)| {
            let r = r.as_ref().unwrap();
            let id = |v: &Value| v.as_str().unwrap().rsplit('/').next().unwrap().to_string();
            member(
                json!({"productId": id(&r["productId"]), "variantId": id(&r["variantId"]), "quantity": 3}),
                &format!("w{i}"),
            )
        })
        .collect();
    for r in c.call_batch("updateInventory", writes).await {
        assert_eq!(r.unwrap()["previousQuantity"], 10);
    }
    assert_eq!(ops(&h, "productVariant")["received"], Value::Null);
    assert_eq!(ops(&h, "inventorySetQuantities")["received"], 1);
}

#[tokio::test]
async fn a_member_that_may_have_been_sent_is_read_first_and_not_written_twice() {
    let (router, h) = emulator_router(Some(fixture(3))).unwrap();
    let (url, _task) = serve(router).await.unwrap();
    let first = connect(&url, &h)
        .call_batch(
            "updateInventory",
            vec![set("S-0", 2, "a"), set("S-1", 4, "b")],
        )
        .await;
    assert!(first.iter().all(Result::is_ok));
    // The program stopped before journaling the answers; restarted, it sends the members
    // again among others, so the bulk request differs (and so does its key).
    let resumed = |call: BatchCall<Json>| BatchCall {
        info: CallInfo {
            maybe_sent: true,
            ..call.info
        },
        ..call
    };
    let again = connect(&url, &h)
        .call_batch(
            "updateInventory",
            vec![
                resumed(set("S-0", 2, "a")),
                resumed(set("S-1", 4, "b")),
                set("S-2", 6, "c"),
            ],
        )
        .await;
    let r: Vec<Value> = again.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        (r[0]["previousQuantity"].as_i64(), r[0]["quantity"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(r[2]["previousQuantity"], 10);
    // Two writes applied in all: the first request's and S-2's; the resumed ones were there.
    assert_eq!(
        ops(&h, "inventorySetQuantities"),
        json!({"received": 2, "applied": 2})
    );
    let state = h.state();
    assert_eq!(state["inventory"]["S-0"]["available"], 2);
    assert_eq!(state["inventory"]["S-1"]["available"], 4);
    assert_eq!(state["inventory"]["S-2"]["available"], 6);
}
