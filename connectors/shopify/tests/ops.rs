//! The connector against its emulator over real loopback HTTP: every op, error classes,
//! pagination, idempotent replay, cost throttling, webhooks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_contract::lock;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use handled_connector_core::{CallInfo, ErrorClass, serve};
use handled_contract::webhook::{WebhookError, WebhookRequest};
use handled_contract::{Connector, Env, TriggerConfig};
use handled_shopify::emulator::{EmulatorHandle, WebhookTarget, emulator_router};
use handled_shopify::{Config, ShopifyConnector};
use serde_json::{Value, json};

fn fixture() -> Value {
    json!({
        "locations": [{"id": 24826418, "name": "Primary", "primary": true}, {"id": 5, "name": "Backroom"}],
        "products": [
            {"sku": "A-1", "title": "Alpha", "vendor": "Acme", "tags": ["x"], "available": 10, "reserved": 2},
            {"sku": "A-10", "title": "Alpha Ten", "vendor": "Acme", "available": 3},
            {"sku": "B-1", "title": "Beta", "vendor": "Bee", "levels": {"24826418": 4, "5": {"available": 6, "reserved": 1}}}
        ]
    })
}

async fn start(fixture: Value, version: &str) -> (ShopifyConnector, EmulatorHandle, String) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _task) = serve(router).await.unwrap();
    let connector = ShopifyConnector::new(config(&url, version, handle.access_token())).unwrap();
    (connector, handle, url)
}

fn config(url: &str, version: &str, token: &str) -> Config {
    let env = Env::from_pairs([
        (
            "SHOPIFY_STORE_URL".to_string(),
            "handled-sandbox.myshopify.com".to_string(),
        ),
        ("SHOPIFY_ACCESS_TOKEN".to_string(), token.to_string()),
        (
            "SHOPIFY_WEBHOOK_SECRET".to_string(),
            handled_shopify::emulator::SANDBOX_WEBHOOK_SECRET.to_string(),
        ),
        ("SHOPIFY_API_VERSION".to_string(), version.to_string()),
        ("SHOPIFY_BASE_URL".to_string(), url.to_string()),
    ]);
    Config::from_env(&env).unwrap()
}

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.to_string(),
        run_id: "run-42".to_string(),
        attempt: 1,
        maybe_sent: false,
    }
}

#[test]
fn from_env_names_every_missing_variable() {
    let Err(missing) = handled_shopify::connector().from_env(&Env::default()) else {
        panic!()
    };
    assert_eq!(missing.len(), 3, "{missing:?}");
    assert!(missing.iter().any(|m| m.contains("SHOPIFY_ACCESS_TOKEN")));
}

#[tokio::test]
async fn find_product_matches_exactly() {
    let (c, _, _) = start(fixture(), "2026-04").await;
    let r = c
        .call("findProduct", json!({"sku": "A-1"}), &info("k"))
        .await
        .unwrap();
    assert_eq!(r["sku"], "A-1");
    assert_eq!(r["title"], "Alpha");
    assert!(
        r["inventoryItemId"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/InventoryItem/")
    );
    let e = c
        .call("findProduct", json!({"sku": "NOPE"}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(
        e.message.contains("no product variant has SKU \"NOPE\""),
        "{}",
        e.message
    );
    let e = c
        .call("findProduct", json!({"sku": "A-1", "extra": 1}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
}

#[tokio::test]
async fn update_inventory_sets_and_replays() {
    let (c, h, _) = start(fixture(), "2026-04").await;
    let r = c
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": 7}),
            &info("key-1"),
        )
        .await
        .unwrap();
    assert_eq!(r["quantity"], 7);
    assert_eq!(r["previousQuantity"], 10);
    assert_eq!(r["locationId"], "gid://shopify/Location/24826418");
    assert_eq!(h.state()["inventory"]["A-1"]["available"], 7);
    // The engine retries with the same key: applied once.
    let r = c
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": 7}),
            &info("key-1"),
        )
        .await
        .unwrap();
    assert_eq!(r["quantity"], 7);
    let ops = &h.state()["ops"]["inventorySetQuantities"];
    assert_eq!(ops["received"], 2);
    assert_eq!(ops["applied"], 1);

    // By product and variant id, at another location.
    let p = c
        .call("findProduct", json!({"sku": "B-1"}), &info("k"))
        .await
        .unwrap();
    let r = c
        .call(
            "updateInventory",
            json!({"productId": p["productId"], "variantId": p["variantId"], "quantity": 9, "location": "5"}),
            &info("key-2"),
        )
        .await
        .unwrap();
    assert_eq!(
        (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
        (Some(6), Some(9))
    );
    assert_eq!(
        h.state()["inventory"]["B-1"]["locations"]["5"]["available"],
        9
    );

    let e = c
        .call("updateInventory", json!({"quantity": 1}), &info("k3"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    let e = c
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": -1}),
            &info("k4"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    let e = c
        .call(
            "updateInventory",
            json!({"sku": "A-10", "quantity": 1, "location": "5"}),
            &info("k5"),
        )
        .await
        .unwrap_err();
    assert!(e.message.contains("not stocked"), "{}", e.message);
}

#[tokio::test]
async fn stale_compare_is_read_again_and_retried() {
    let (c, h, _) = start(fixture(), "2026-04").await;
    // The run read the level (its findProduct, once the primary location is known): the write
    // compares with what it read.
    c.call(
        "updateInventory",
        json!({"sku": "A-10", "quantity": 3}),
        &info("first"),
    )
    .await
    .unwrap();
    c.call("findProduct", json!({"sku": "A-1"}), &info("find"))
        .await
        .unwrap();
    h.change_before_next_write("A-1", 50);
    let r = c
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": 7}),
            &info("cas"),
        )
        .await
        .unwrap();
    assert_eq!(
        (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
        (Some(50), Some(7))
    );
    assert_eq!(h.state()["inventory"]["A-1"]["available"], 7);
    assert_eq!(
        h.state()["ops"]["inventorySetQuantities"],
        json!({"received": 3, "applied": 2})
    );
}

#[tokio::test]
async fn a_write_nothing_read_before_is_a_plain_set_that_learns_what_it_replaced() {
    let (c, h, _) = start(fixture(), "2026-04").await;
    h.change_before_next_write("A-1", 50);
    let r = c
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": 7}),
            &info("plain"),
        )
        .await
        .unwrap();
    assert_eq!(
        (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
        (Some(50), Some(7))
    );
    assert_eq!(h.state()["inventory"]["A-1"]["available"], 7);
    // One lookup of the item (ids only), one write, no read of the level.
    assert_eq!(received(&h, "inventoryItems"), 1);
    assert_eq!(received(&h, "inventoryItem"), 0);
    assert_eq!(
        h.state()["ops"]["inventorySetQuantities"],
        json!({"received": 1, "applied": 1})
    );
    // The item is kept: the next write of the SKU needs no lookup.
    c.call(
        "updateInventory",
        json!({"sku": "A-1", "quantity": 8}),
        &info("plain-2"),
    )
    .await
    .unwrap();
    assert_eq!(received(&h, "inventoryItems"), 1);
}

#[tokio::test]
async fn legacy_versions_use_compare_quantity() {
    let (c, h, _) = start(fixture(), "2025-07").await;
    let r = c
        .call(
            "updateInventory",
            json!({"sku": "A-10", "quantity": 1}),
            &info("k"),
        )
        .await
        .unwrap();
    assert_eq!(r["previousQuantity"], 3);
    assert_eq!(h.state()["inventory"]["A-10"]["available"], 1);
}

/// How many times each root field was received so far.
fn received(h: &EmulatorHandle, field: &str) -> i64 {
    h.state()["ops"][field]["received"].as_i64().unwrap_or(0)
}

/// Pattern 1's write: by product and variant id at the primary location, one read (the variant
/// and its level together) before the set; a stale compare reads the level again.
#[tokio::test]
async fn update_by_id_reads_variant_and_level_in_one_request() {
    for version in ["2026-04", "2025-07"] {
        let (c, h, url) = start(fixture(), version).await;
        let p = c
            .call("findProduct", json!({"sku": "A-1"}), &info("f"))
            .await
            .unwrap();
        let by_id = |q: i64| json!({"productId": p["productId"], "variantId": p["variantId"], "quantity": q, "location": "primary"});
        // The first write also looks the primary location up (then cached). The level it sets
        // is the compare value of a write that follows within two seconds: wait them out.
        c.call("updateInventory", by_id(8), &info("w1"))
            .await
            .unwrap();
        tokio::time::sleep(TRUSTED_FOR).await;
        let before = h.state()["ops"].clone();
        let r = c
            .call("updateInventory", by_id(6), &info("w2"))
            .await
            .unwrap();
        assert_eq!(
            (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
            (Some(8), Some(6)),
            "{version}"
        );
        assert_eq!(
            r["locationId"], "gid://shopify/Location/24826418",
            "{version}"
        );
        assert_eq!(h.state()["inventory"]["A-1"]["available"], 6, "{version}");
        let after = h.state()["ops"].clone();
        let sent = |field: &str| {
            after[field]["received"].as_i64().unwrap_or(0)
                - before[field]["received"].as_i64().unwrap_or(0)
        };
        let total: i64 = after
            .as_object()
            .unwrap()
            .keys()
            .map(|k| sent(k.as_str()))
            .sum();
        assert_eq!(
            (
                sent("productVariant"),
                sent("inventorySetQuantities"),
                total
            ),
            (1, 1, 2),
            "{version}: {after}"
        );

        // A change between the read and the write: read again (ITEM_LEVEL), retried once.
        h.change_before_next_write("A-1", 50);
        let items = received(&h, "inventoryItem");
        let r = c
            .call("updateInventory", by_id(3), &info("w3"))
            .await
            .unwrap();
        assert_eq!(
            (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
            (Some(50), Some(3)),
            "{version}"
        );
        assert_eq!(received(&h, "inventoryItem") - items, 1, "{version}");
        assert_eq!(h.state()["inventory"]["A-1"]["available"], 3, "{version}");

        // A connector that never ran findProduct learns the SKU from the write itself.
        let fresh = ShopifyConnector::new(config(&url, version, h.access_token())).unwrap();
        assert_eq!(fresh.written_quantity("updateInventory", &by_id(4)), None);
        fresh
            .call("updateInventory", by_id(4), &info("w4"))
            .await
            .unwrap();
        assert_eq!(
            fresh.written_quantity("updateInventory", &by_id(4)),
            Some(("A-1".to_string(), 4))
        );
    }
}

/// Once the primary location is known, `findProduct` reads the variant's level there in the
/// same request, and the write that follows compares with it: one request before the set, not
/// two. A change in between costs a stale compare, a read and a second attempt. For two seconds
/// a search for the same SKU is answered from the last one, and the next write compares with
/// the level ours set: the set alone.
#[tokio::test]
async fn a_write_after_find_product_compares_with_the_level_it_read() {
    for version in ["2026-04", "2025-07"] {
        let (c, h, _url) = start(fixture(), version).await;
        // The first write looks the primary location up (for another SKU: A-1's search is
        // the one measured below).
        c.call(
            "updateInventory",
            json!({"sku": "A-10", "quantity": 9}),
            &info("w0"),
        )
        .await
        .unwrap();
        let ops = |h: &EmulatorHandle| h.state()["ops"].clone();
        let sent = |before: &Value, after: &Value, field: &str| {
            after[field]["received"].as_i64().unwrap_or(0)
                - before[field]["received"].as_i64().unwrap_or(0)
        };
        let find_then_write = |q: i64, key: &'static str| {
            let c = &c;
            async move {
                let p = c
                    .call("findProduct", json!({"sku": "A-1"}), &info(key))
                    .await
                    .unwrap();
                let by_id = json!({"productId": p["productId"], "variantId": p["variantId"],
                    "quantity": q, "location": "primary"});
                c.call("updateInventory", by_id, &info(&format!("{key}-w")))
                    .await
                    .unwrap()
            }
        };
        let before = ops(&h);
        let r = find_then_write(7, "f1").await;
        let after = ops(&h);
        assert_eq!(
            (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
            (Some(10), Some(7)),
            "{version}"
        );
        assert_eq!(h.state()["inventory"]["A-1"]["available"], 7, "{version}");
        assert_eq!(
            (
                sent(&before, &after, "productVariants"),
                sent(&before, &after, "productVariant"),
                sent(&before, &after, "inventoryItem"),
                sent(&before, &after, "inventorySetQuantities"),
            ),
            (1, 0, 0, 1),
            "{version}: {after}"
        );

        // Found again moments later: no search; the write compares with the level ours set,
        // which changed meanwhile: read again, retried once, nothing lost.
        let searches = received(&h, "productVariants");
        let p = c
            .call("findProduct", json!({"sku": "A-1"}), &info("f2"))
            .await
            .unwrap();
        assert_eq!(received(&h, "productVariants"), searches, "{version}");
        h.change_before_next_write("A-1", 40);
        let by_id = |q: i64| {
            json!({"productId": p["productId"], "variantId": p["variantId"],
            "quantity": q, "location": "primary"})
        };
        let items = received(&h, "inventoryItem");
        let r = c
            .call("updateInventory", by_id(5), &info("f2-w"))
            .await
            .unwrap();
        assert_eq!(
            (r["previousQuantity"].as_i64(), r["quantity"].as_i64()),
            (Some(40), Some(5)),
            "{version}"
        );
        assert_eq!(received(&h, "inventoryItem") - items, 1, "{version}");
        assert_eq!(h.state()["inventory"]["A-1"]["available"], 5, "{version}");

        // The next write moments later compares with the level that write set: no read.
        let variants = received(&h, "productVariant");
        let r = c
            .call("updateInventory", by_id(4), &info("f2-w2"))
            .await
            .unwrap();
        assert_eq!(r["previousQuantity"].as_i64(), Some(5), "{version}");
        assert_eq!(received(&h, "productVariant") - variants, 0, "{version}");

        // Seconds later, what was found and set is no longer taken on trust: the search (with
        // the level) is made again.
        tokio::time::sleep(TRUSTED_FOR).await;
        let before = ops(&h);
        let r = find_then_write(3, "f3").await;
        let after = ops(&h);
        assert_eq!(r["previousQuantity"].as_i64(), Some(4), "{version}");
        assert_eq!(
            (
                sent(&before, &after, "productVariants"),
                sent(&before, &after, "productVariant"),
                sent(&before, &after, "inventorySetQuantities"),
            ),
            (1, 0, 1),
            "{version}: {after}"
        );
    }
}

/// A little longer than the connector trusts a variant it found, or a level it read or set.
const TRUSTED_FOR: Duration = Duration::from_millis(2_100);

/// Before any response, the connector assumes a standard plan's bucket (1,000 points, 50 a
/// second); a burst larger than that waits. Once a response reports the shop's real bucket,
/// the waiting callers look again instead of sleeping out the wait computed from the guess.
#[tokio::test]
async fn callers_waiting_on_the_assumed_bucket_go_once_the_real_one_is_reported() {
    let mut fx = fixture();
    fx["throttle"] = json!({"maximumAvailable": 1.0e9, "restoreRate": 1.0e9});
    let (c, _h, _url) = start(fx, "2026-04").await;
    let c = Arc::new(c);
    // 40 unknown documents of 60 points (plus margin) each: under the assumed bucket the last
    // ones would wait about 45 s.
    let calls = (0..40).map(|i| {
        let c = Arc::clone(&c);
        tokio::spawn(async move {
            c.call(
                "findProduct",
                json!({"sku": "A-1"}),
                &info(&format!("b{i}")),
            )
            .await
        })
    });
    let all = futures::future::join_all(calls);
    let done = tokio::time::timeout(Duration::from_secs(10), all)
        .await
        .expect("callers kept waiting on the assumed bucket");
    for r in done {
        assert_eq!(r.unwrap().unwrap()["sku"], "A-1");
    }
}

#[tokio::test]
async fn update_by_id_errors_are_permanent() {
    let (c, _, _) = start(fixture(), "2026-04").await;
    let a = c
        .call("findProduct", json!({"sku": "A-10"}), &info("f"))
        .await
        .unwrap();
    let b = c
        .call("findProduct", json!({"sku": "B-1"}), &info("f"))
        .await
        .unwrap();
    let cases = [
        (
            json!({"productId": a["productId"], "variantId": "gid://shopify/ProductVariant/1", "quantity": 1}),
            "no product variant gid://shopify/ProductVariant/1",
        ),
        (
            json!({"productId": b["productId"], "variantId": a["variantId"], "quantity": 1}),
            "belongs to",
        ),
        (
            json!({"productId": a["productId"], "variantId": a["variantId"], "quantity": 1, "location": "5"}),
            "is not stocked at gid://shopify/Location/5 (ITEM_NOT_STOCKED_AT_LOCATION)",
        ),
        (
            json!({"productId": a["productId"], "variantId": a["variantId"], "quantity": 1, "location": "999"}),
            "not stocked",
        ),
    ];
    for (params, message) in cases {
        let e = c
            .call("updateInventory", params.clone(), &info("e"))
            .await
            .unwrap_err();
        assert_eq!(e.class, ErrorClass::Permanent, "{params}");
        assert!(e.message.contains(message), "{params}: {}", e.message);
    }
}

async fn raw_state(url: &str) -> Value {
    outside_client()
        .get(format!("{url}/_state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn raw(url: &str, version: &str, body: Value) -> Value {
    outside_client()
        .post(format!("{url}/admin/api/{version}/graphql.json"))
        .header("X-Shopify-Access-Token", "shpat_sandbox")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn emulator_enforces_2026_04_rules() {
    let (_, h, url) = start(fixture(), "2026-04").await;
    let item = "gid://shopify/InventoryItem/9007199254740993";
    let loc = "gid://shopify/Location/24826418";
    let q = |cf: Value| {
        json!({"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": item, "locationId": loc, "quantity": 3, "changeFromQuantity": cf}]})
    };
    let m = handled_shopify::queries::SET_QUANTITIES;
    // No @idempotent.
    let r = raw(&url, "2026-04", json!({"query": handled_shopify::queries::SET_QUANTITIES_LEGACY, "variables": {"input": q(json!(10))}})).await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("@idempotent"),
        "{r}"
    );
    // Without changeFromQuantity.
    let mut input = q(json!(10));
    input["quantities"][0]
        .as_object_mut()
        .unwrap()
        .remove("changeFromQuantity");
    let r = raw(
        &url,
        "2026-04",
        json!({"query": m, "variables": {"input": input, "key": "a"}}),
    )
    .await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("changeFromQuantity"),
        "{r}"
    );
    // Stale.
    let r = raw(
        &url,
        "2026-04",
        json!({"query": m, "variables": {"input": q(json!(99)), "key": "b"}}),
    )
    .await;
    assert_eq!(
        r["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "CHANGE_FROM_QUANTITY_STALE"
    );
    // Applied, then the same key with other variables.
    let r = raw(
        &url,
        "2026-04",
        json!({"query": m, "variables": {"input": q(json!(10)), "key": "c"}}),
    )
    .await;
    assert_eq!(
        r["data"]["inventorySetQuantities"]["userErrors"],
        json!([]),
        "{r}"
    );
    assert!(r["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"].is_number());
    let r = raw(
        &url,
        "2026-04",
        json!({"query": m, "variables": {"input": q(json!(3)), "key": "c"}}),
    )
    .await;
    assert_eq!(
        r["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    );
    // The same key with the same variables replays the first answer without applying again.
    let before = h.state()["ops"]["inventorySetQuantities"].clone();
    let r = raw(
        &url,
        "2026-04",
        json!({"query": m, "variables": {"input": q(json!(10)), "key": "c"}}),
    )
    .await;
    assert_eq!(
        r["data"]["inventorySetQuantities"]["userErrors"],
        json!([]),
        "{r}"
    );
    let after = h.state()["ops"]["inventorySetQuantities"].clone();
    assert_eq!(after["applied"], before["applied"]);
    assert_eq!(
        after["received"].as_u64(),
        before["received"].as_u64().map(|n| n + 1)
    );
    // Null skips the check.
    let r = raw(
        &url,
        "2026-04",
        json!({"query": m, "variables": {"input": q(Json::Null), "key": "d"}}),
    )
    .await;
    assert_eq!(
        r["data"]["inventorySetQuantities"]["userErrors"],
        json!([]),
        "{r}"
    );
    assert_eq!(h.state()["inventory"]["A-1"]["available"], 3);
    // Page size cap.
    let r = raw(
        &url,
        "2026-04",
        json!({"query": "{ productVariants(first: 251) { nodes { id } } }"}),
    )
    .await;
    assert!(
        r["errors"][0]["message"].as_str().unwrap().contains("250"),
        "{r}"
    );
}

type Json = Value;

#[tokio::test]
async fn levels_and_all_inventory_page_to_the_end() {
    let mut products = Vec::new();
    for i in 0..120 {
        products.push(
            json!({"sku": format!("P-{i:03}"), "title": format!("Product {i}"), "vendor": "V",
                             "tags": ["t"], "levels": {"1": i, "2": 1}}),
        );
    }
    let fx = json!({"locations": [{"id": 1, "name": "Main", "primary": true}, {"id": 2, "name": "Other"}], "products": products,
                    "throttle": {"maximumAvailable": 1000, "restoreRate": 2000}});
    let (c, h, _) = start(fx, "2026-04").await;
    let r = c
        .call("getInventoryLevels", json!({}), &info("k"))
        .await
        .unwrap();
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 120);
    assert_eq!(
        items[5],
        json!({"sku": "P-005", "available": 5, "product": {"title": "Product 5", "vendor": "V", "tags": ["t"]}})
    );
    let r = c
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap();
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 120);
    assert_eq!(items[7], json!({"sku": "P-007", "quantity": 8}));
    let r = c
        .call(
            "getAllInventory",
            json!({"location": "2", "store": "x"}),
            &info("k"),
        )
        .await
        .unwrap();
    assert_eq!(r["items"][7], json!({"sku": "P-007", "quantity": 1}));
    // 3 pages at location 1 for the levels, 3 + 3 for all locations, 3 for location 2.
    assert_eq!(h.state()["ops"]["location"]["received"], 1 + 3 + 3 + 3 + 3);
}

#[tokio::test]
async fn update_product_status_and_tags() {
    let (c, h, _) = start(fixture(), "2026-04").await;
    let r = c
        .call(
            "updateProduct",
            json!({"productSku": "A-1", "data": {"published": false, "tags": "low-stock, sync"}}),
            &info("k"),
        )
        .await
        .unwrap();
    assert!(
        r["productId"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/Product/")
    );
    let p = &h.state()["products"]["A-1"];
    assert_eq!(p["status"], "DRAFT");
    assert_eq!(p["tags"], json!(["x", "low-stock", "sync"]));
    c.call(
        "updateProduct",
        json!({"productSku": "A-1", "data": {"published": true, "tags": ["vip"], "title": "New"}}),
        &info("k"),
    )
    .await
    .unwrap();
    let p = &h.state()["products"]["A-1"];
    assert_eq!(
        (p["status"].as_str(), p["title"].as_str()),
        (Some("ACTIVE"), Some("New"))
    );
    assert_eq!(p["tags"], json!(["x", "low-stock", "sync", "vip"]));
    let e = c
        .call(
            "updateProduct",
            json!({"productSku": "A-1", "data": {"status": "GONE"}}),
            &info("k"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
}

#[tokio::test]
async fn error_classes() {
    let (c, _, url) = start(fixture(), "2026-04").await;
    let bad = ShopifyConnector::new(config(&url, "2026-04", "shpat_wrong_token")).unwrap();
    let e = bad
        .call("findProduct", json!({"sku": "A-1"}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(!e.message.contains("shpat_wrong_token"), "{}", e.message);

    let http = outside_client();
    http.post(format!("{url}/_faults"))
        .json(&json!({"status": 429, "retryAfter": 2}))
        .send()
        .await
        .unwrap();
    let e = c
        .call("findProduct", json!({"sku": "A-1"}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.class, e.retry_after),
        (ErrorClass::Throttled, Some(Duration::from_secs(2)))
    );
    http.post(format!("{url}/_faults"))
        .json(&json!({"status": 503}))
        .send()
        .await
        .unwrap();
    let e = c
        .call("findProduct", json!({"sku": "A-1"}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
    http.post(format!("{url}/_faults"))
        .json(&json!({"drop": 1}))
        .send()
        .await
        .unwrap();
    let e = c
        .call("findProduct", json!({"sku": "A-1"}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
    assert!(
        c.call("findProduct", json!({"sku": "A-1"}), &info("k"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn cost_throttling() {
    let mut fx = fixture();
    fx["throttle"] = json!({"maximumAvailable": 400, "restoreRate": 100});
    // Full pages, so that what a page costs is what it asked for (a query is refunded the
    // nodes it did not return).
    for i in 0..100 {
        fx["products"]
            .as_array_mut()
            .unwrap()
            .push(json!({"sku": format!("F-{i}"), "available": 1}));
    }
    let (a, _, url) = start(fx, "2026-04").await;
    a.call("getInventoryLevels", json!({}), &info("k"))
        .await
        .unwrap();
    // Another client that does not know the bucket is nearly dry is answered THROTTLED; it
    // waits for the refill the answer reports and sends again, so the call succeeds.
    let b = ShopifyConnector::new(config(&url, "2026-04", "shpat_sandbox")).unwrap();
    let before = raw_state(&url).await["ops"]["location"]["received"]
        .as_u64()
        .unwrap_or(0);
    let start = std::time::Instant::now();
    b.call("getInventoryLevels", json!({}), &info("k"))
        .await
        .unwrap();
    assert!(
        start.elapsed() > Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
    let after = raw_state(&url).await["ops"]["location"]["received"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        after > before + 3,
        "the throttled pages were sent again: {before} → {after}"
    );
    // The client that saw the bucket waits before sending instead of being throttled.
    let start = std::time::Instant::now();
    a.call("getInventoryLevels", json!({}), &info("k"))
        .await
        .unwrap();
    assert!(
        start.elapsed() > Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
}

fn trigger(events: Option<Value>) -> TriggerConfig {
    let mut fields = std::collections::BTreeMap::new();
    if let Some(e) = events {
        fields.insert("events".to_string(), e);
    }
    TriggerConfig {
        workflow: "w",
        connector: "shopify",
        event: "inventoryChanged",
        fields,
    }
}

fn signed(body: &str, topic: &str, secret: &str) -> WebhookRequest {
    let mut headers = std::collections::BTreeMap::new();
    headers.insert(
        "x-shopify-hmac-sha256".to_string(),
        handled_contract::sign::hmac_sha256_base64(secret.as_bytes(), body.as_bytes()),
    );
    headers.insert("x-shopify-topic".to_string(), topic.to_string());
    headers.insert(
        "x-shopify-shop-domain".to_string(),
        handled_shopify::emulator::SANDBOX_SHOP.to_string(),
    );
    headers.insert("x-shopify-event-id".to_string(), "evt-1".to_string());
    headers.insert("x-shopify-webhook-id".to_string(), "whk-1".to_string());
    headers.insert(
        "x-shopify-triggered-at".to_string(),
        "2026-01-01T00:00:00Z".to_string(),
    );
    WebhookRequest {
        headers,
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test]
async fn webhooks_verified_filtered_and_enriched() {
    let (c, _, _) = start(fixture(), "2026-04").await;
    let secret = handled_shopify::emulator::SANDBOX_WEBHOOK_SECRET;
    let body = r#"{"inventory_item_id":9007199254740993,"location_id":24826418,"available":10,"updated_at":"2026-01-01T00:00:00-05:00","admin_graphql_api_id":"gid://shopify/InventoryLevel/24826418?inventory_item_id=9007199254740993"}"#;
    let ev = c
        .accept_webhook(
            &trigger(None),
            &signed(body, "inventory_levels/update", secret),
        )
        .unwrap();
    assert_eq!(ev.event_id, "evt-1");
    assert_eq!(ev.occurred_at_ms, Some(1_767_225_600_000));
    assert_eq!(
        ev.payload["inventory_item_id"].as_u64(),
        Some(9_007_199_254_740_993)
    );
    let enriched = c.enrich(&trigger(None), ev.payload).await.unwrap();
    assert_eq!(enriched["inventory_item"]["sku"], "A-1");
    assert_eq!(
        enriched["inventory_item"]["id"].as_u64(),
        Some(9_007_199_254_740_993)
    );
    assert_eq!(enriched["reserved_quantity"], 2);
    assert!(
        serde_json::to_string(&enriched)
            .unwrap()
            .contains("9007199254740993")
    );

    let mut tampered = signed(body, "inventory_levels/update", secret);
    tampered.body.push(b' ');
    assert!(matches!(
        c.accept_webhook(&trigger(None), &tampered),
        Err(WebhookError::Signature(_))
    ));
    // Validly signed (an app's secret signs every shop's deliveries), from another shop.
    let mut elsewhere = signed(body, "inventory_levels/update", secret);
    elsewhere.headers.insert(
        "x-shopify-shop-domain".to_string(),
        "another-shop.myshopify.com".to_string(),
    );
    let e = c.accept_webhook(&trigger(None), &elsewhere).unwrap_err();
    assert!(
        matches!(&e, WebhookError::Signature(m) if m.contains("another-shop.myshopify.com")),
        "{e}"
    );
    let mut anonymous = signed(body, "inventory_levels/update", secret);
    anonymous.headers.remove("x-shopify-shop-domain");
    assert!(matches!(
        c.accept_webhook(&trigger(None), &anonymous),
        Err(WebhookError::Signature(_))
    ));
    // Two signature headers, as the server joins them.
    let mut twice = signed(body, "inventory_levels/update", secret);
    let good = twice.headers["x-shopify-hmac-sha256"].clone();
    twice.headers.insert(
        "x-shopify-hmac-sha256".to_string(),
        format!("{good}, {good}"),
    );
    let e = c.accept_webhook(&trigger(None), &twice).unwrap_err();
    assert!(
        matches!(&e, WebhookError::Signature(m) if m.contains("more than once")),
        "{e}"
    );
    let mut unsigned = signed(body, "inventory_levels/update", secret);
    unsigned.headers.remove("x-shopify-hmac-sha256");
    assert!(matches!(
        c.accept_webhook(&trigger(None), &unsigned),
        Err(WebhookError::Signature(_))
    ));
    assert!(matches!(
        c.accept_webhook(&trigger(None), &signed(body, "products/update", secret)),
        Err(WebhookError::Ignored(_))
    ));
    assert!(
        c.accept_webhook(
            &trigger(Some(json!(["products/update"]))),
            &signed("{}", "products/update", secret)
        )
        .is_ok()
    );
    assert!(matches!(
        c.accept_webhook(
            &trigger(None),
            &signed("[1", "inventory_levels/update", secret)
        ),
        Err(WebhookError::Malformed(_))
    ));
}

#[tokio::test]
async fn emulator_sends_signed_webhooks() {
    let received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let sink = received.clone();
    let receiver = Router::new().route(
        "/hooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                lock(&sink).push((headers, body));
                "ok"
            }
        }),
    );
    let (hook_url, _t) = serve(receiver).await.unwrap();
    let (c, h, _) = start(fixture(), "2026-04").await;
    h.set_webhook_target(Some(WebhookTarget {
        url: format!("{hook_url}/hooks"),
        duplicate: true,
        ..Default::default()
    }));
    c.call(
        "updateInventory",
        json!({"sku": "A-1", "quantity": 4}),
        &info("w1"),
    )
    .await
    .unwrap();
    h.set_available("A-10", None, 0).unwrap();
    for _ in 0..50 {
        if lock(&received).len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = lock(&received).clone();
    assert_eq!(got.len(), 4);
    let mut event_ids = Vec::new();
    for (headers, body) in &got {
        let req = WebhookRequest {
            headers: headers
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
                .collect(),
            body: body.to_vec(),
        };
        let ev = c.accept_webhook(&trigger(None), &req).unwrap();
        event_ids.push(ev.event_id);
        for h in [
            "x-shopify-shop-domain",
            "x-shopify-api-version",
            "x-shopify-webhook-id",
            "x-shopify-triggered-at",
        ] {
            assert!(headers.contains_key(h), "{h}");
        }
        assert_eq!(headers["x-shopify-api-version"], "2026-04");
    }
    event_ids.sort();
    event_ids.dedup();
    assert_eq!(event_ids.len(), 2, "duplicates share their event id");
    assert_eq!(h.state()["webhooks"]["delivered"], 4);
}

/// The webhooks the emulator sends to a receiver on a loopback port, as `(headers, body)`.
async fn webhooks_of(
    h: &EmulatorHandle,
    change: impl FnOnce(&EmulatorHandle),
) -> Vec<(HeaderMap, Value)> {
    let received: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let sink = received.clone();
    let receiver = Router::new().route(
        "/hooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                lock(&sink).push((headers, body));
                "ok"
            }
        }),
    );
    let (hook_url, _t) = serve(receiver).await.unwrap();
    h.set_webhook_target(Some(WebhookTarget {
        url: format!("{hook_url}/hooks"),
        ..Default::default()
    }));
    change(h);
    for _ in 0..100 {
        if !lock(&received).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    lock(&received).clone()
}

/// The subscription's API version is the header's; an untracked item's level says
/// `"available": null`, which the trigger accepts (the workflow decides what null means).
#[tokio::test]
async fn webhooks_carry_the_subscriptions_version_and_null_for_untracked_items() {
    let mut fx = fixture();
    fx["webhookApiVersion"] = json!("2025-07");
    fx["products"][1]["tracked"] = json!(false);
    let (c, h, _) = start(fx, "2026-04").await;
    let got = webhooks_of(&h, |h| h.set_available("A-10", None, 7).unwrap()).await;
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    assert_eq!(headers["x-shopify-api-version"], "2025-07");
    assert_eq!(body["available"], Value::Null, "{body}");
    let req = WebhookRequest {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
            .collect(),
        body: serde_json::to_vec(body).unwrap(),
    };
    c.accept_webhook(&trigger(None), &req).unwrap();

    // Tracking turned back on: the level's quantity again.
    let got = webhooks_of(&h, |h| h.set_tracked("A-10", true).unwrap()).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1["available"], 7);
    let got = webhooks_of(&h, |h| h.set_tracked("A-1", false).unwrap()).await;
    assert_eq!(got.len(), 1, "one level");
    assert_eq!(got[0].1["available"], Value::Null);
}

#[tokio::test]
async fn sandbox_factory() {
    let s = handled_shopify::connector()
        .sandbox(Some(fixture()), &handled_contract::Env::default())
        .await
        .unwrap();
    let r = s
        .connector
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap();
    assert_eq!(r["items"].as_array().unwrap().len(), 3);
    assert_eq!((s.state)()["inventory"]["B-1"]["available"], 10);
    // The standalone sandbox server mounts each emulator under `/{connector}`.
    let (router, _handle) = emulator_router(Some(fixture())).unwrap();
    let (url, _task) = serve(Router::new().nest("/shopify", router)).await.unwrap();
    let c = handled_shopify::connector()
        .sandbox_url(&url, &handled_contract::Env::default())
        .unwrap();
    let found = c
        .call("findProduct", json!({"sku": "B-1"}), &info("k"))
        .await
        .unwrap();
    assert_eq!(found["sku"], "B-1");
}

/// A client from outside the connector (a test talking to the emulator directly).
fn outside_client() -> reqwest::Client {
    #[allow(clippy::disallowed_methods)]
    reqwest::Client::new()
}

#[tokio::test]
async fn plans_set_the_bucket_and_queries_are_refunded_to_their_actual_cost() {
    let mut fx = fixture();
    fx["plan"] = json!("plus");
    let (_, _, url) = start(fx, "2026-04").await;
    let answer = raw(
        &url,
        "2026-04",
        json!({"query": "{ productVariants(first: 10, query: \"sku:\\\"B-1\\\"\") { nodes { id sku product { id } } } }"}),
    )
    .await;
    let cost = &answer["extensions"]["cost"];
    // Requested: 2 + 10 × (1 for the node + 1 for its product); actual: 2 + 1 × 2.
    assert_eq!(cost["requestedQueryCost"], 22.0, "{answer}");
    assert_eq!(cost["actualQueryCost"], 4.0, "{answer}");
    let status = &cost["throttleStatus"];
    assert_eq!(status["maximumAvailable"], 10_000.0);
    assert_eq!(status["restoreRate"], 1000.0);
    // Charged 22, refunded 18.
    assert!(
        status["currentlyAvailable"].as_f64().unwrap() >= 9_996.0,
        "{status}"
    );
    let unknown = handled_shopify::emulator::plan_bucket(&json!("gold")).unwrap_err();
    assert!(unknown.contains("gold"), "{unknown}");
    assert_eq!(
        handled_shopify::emulator::plan_bucket(&json!("standard")),
        Ok((1000.0, 100.0))
    );
}
