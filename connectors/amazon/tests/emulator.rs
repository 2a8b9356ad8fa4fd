//! The amazon connector against its emulator over loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use handled_amazon::emulator::{EmulatorHandle, emulator_router};
use handled_amazon::{
    AmazonClient, AmazonConfig, AmazonSettings, GetAllInventoryParams, UpdateInventoryParams,
};
use handled_connector_core::emulator::FaultSpec;
use handled_contract::{CallInfo, ErrorClass};
use serde_json::{Value, json};

fn info() -> CallInfo {
    CallInfo {
        idempotency_key: "run-1:amazon:0".into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

fn items(n: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({"sku": format!("SKU {i:03}/x"), "quantity": 10, "fbaQuantity": i as i64, "productType": "LUGGAGE"}))
        .collect();
    json!(items)
}

async fn start(fixture: Value) -> (AmazonClient, EmulatorHandle, String) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    (
        AmazonClient::new(handle.settings(&url)).unwrap(),
        handle,
        url,
    )
}

/// A client that reads each listing's product type (`AMAZON_PRODUCT_TYPE=lookup`).
fn looking_up(handle: &EmulatorHandle, url: &str) -> AmazonClient {
    let mut settings = handle.settings(url);
    settings.product_type = None;
    AmazonClient::new(settings).unwrap()
}

fn update(sku: &str, quantity: i64) -> UpdateInventoryParams {
    UpdateInventoryParams {
        sku: sku.into(),
        quantity,
        config: None,
    }
}

#[tokio::test]
async fn sandbox_updates_and_reads() {
    let sandbox = handled_amazon::connector()
        .sandbox(Some(json!({"items": [{"sku": "A-1", "quantity": 10, "productType": "LUGGAGE"}, {"sku": "B-2", "quantity": 3}]})), &handled_contract::Env::default())
        .await
        .unwrap();
    let out = sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": 7, "config": {"sellerId": "A1SANDBOXSELLER", "marketplaceId": "ATVPDKIKX0DER"}}),
            &info(),
        )
        .await
        .unwrap();
    assert_eq!(out["status"], "ACCEPTED");
    assert_eq!(out["sku"], "A-1");
    assert!(!out["submissionId"].as_str().unwrap().is_empty());
    let state = (sandbox.state)();
    assert_eq!(state["items"]["A-1"]["quantity"], 7);
    assert_eq!(
        state["ops"]["updateInventory"],
        json!({"received": 1, "applied": 1})
    );

    let all = sandbox
        .connector
        .call("getAllInventory", json!({}), &info())
        .await
        .unwrap();
    assert_eq!(
        all,
        json!({"items": [{"sku": "A-1", "quantity": 7}, {"sku": "B-2", "quantity": 3}]})
    );

    let e = sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": -2}),
            &info(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    let e = sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "ZZZ", "quantity": 2}),
            &info(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("No listing exists"), "{e}");
}

#[tokio::test]
async fn accepted_is_applied_later_and_skus_are_encoded() {
    let (client, handle, _) = start(json!({"applyDelayMs": 150, "items": items(3)})).await;
    let r = client
        .update_inventory(&update("SKU 001/x", 42))
        .await
        .unwrap();
    assert_eq!(r.status, "ACCEPTED");
    let state = handle.state();
    assert_eq!(
        state["items"]["SKU 001/x"]["quantity"], 10,
        "not applied yet"
    );
    assert_eq!(state["pending"], 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let state = handle.state();
    assert_eq!(state["items"]["SKU 001/x"]["quantity"], 42);
    assert_eq!(state["pending"], 0);
    // The product type was looked up once and cached.
    client
        .update_inventory(&update("SKU 001/x", 43))
        .await
        .unwrap();
}

#[tokio::test]
async fn invalid_patch_is_permanent_with_the_issues() {
    let (_, handle, url) = start(json!({"items": items(1)})).await;
    let client = looking_up(&handle, &url);
    client.set_product_type("A1SANDBOXSELLER", "SKU 000/x", "SHOES");
    let e = client
        .update_inventory(&update("SKU 000/x", 1))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(
        e.message.contains("INVALID") && e.message.contains("SHOES"),
        "{}",
        e.message
    );
    // The wrong cached type was dropped: the next call looks it up again and succeeds.
    client
        .update_inventory(&update("SKU 000/x", 1))
        .await
        .unwrap();
}

#[tokio::test]
async fn fba_summaries_page_to_the_end() {
    let (client, handle, _) = start(json!({"items": items(120), "pageSize": 25, "rateLimits": {"getInventorySummaries": {"rate": 50, "burst": 10}}})).await;
    let all = client.get_fba_inventory().await.unwrap();
    assert_eq!(all.items.len(), 120);
    assert_eq!(all.items[119].quantity, 119);
    assert_eq!(handle.counts("fbaInventory"), (5, 5));
}

#[tokio::test]
async fn next_tokens_expire() {
    // With a zero lifetime every token has expired by the time it comes back.
    let (client, _handle, _) =
        start(json!({"items": items(3), "pageSize": 1, "nextTokenTtlSecs": 0})).await;
    let e = client.get_fba_inventory().await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("nextToken"), "{}", e.message);
}

#[tokio::test]
async fn throttling_follows_the_operation_rate() {
    // Amazon lowered this seller's patch rate to 1 a second (burst as documented, 5).
    let (client, handle, _) = start(
        json!({"items": items(1), "rateLimits": {"patchListingsItem": {"rate": 1, "burst": 5}}}),
    )
    .await;
    let start_at = std::time::Instant::now();
    // The client learns 1 rps from x-amzn-RateLimit-Limit on the first answer, so after the
    // burst it waits instead of being refused.
    for q in 0..6 {
        client
            .update_inventory(&update("SKU 000/x", q))
            .await
            .unwrap();
    }
    assert!(
        start_at.elapsed() >= Duration::from_millis(800),
        "{:?}",
        start_at.elapsed()
    );
    assert_eq!(handle.counts("updateInventory"), (6, 6));

    handle.faults().add(FaultSpec {
        status: Some(429),
        ..Default::default()
    });
    let e = client
        .update_inventory(&update("SKU 000/x", 3))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled);
    assert!(e.retry_after.is_some());
    assert!(e.message.contains("QuotaExceeded"), "{}", e.message);

    handle.faults().add(FaultSpec {
        status: Some(503),
        ..Default::default()
    });
    assert_eq!(
        client
            .update_inventory(&update("SKU 000/x", 3))
            .await
            .unwrap_err()
            .class,
        ErrorClass::Retryable
    );
}

#[tokio::test]
async fn emulator_refuses_over_quota_with_quota_exceeded() {
    let (_, handle, url) = start(json!({"items": items(1), "rateLimits": {"getInventorySummaries": {"rate": 0.5, "burst": 1}}})).await;
    let http = handled_connector_core::HttpClient::new("test").unwrap();
    let token: Value = http
        .send_json(http.post(format!("{url}/auth/o2/token")).form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                handled_amazon::emulator::DEFAULT_REFRESH_TOKEN,
            ),
            ("client_id", handled_amazon::emulator::DEFAULT_CLIENT_ID),
            (
                "client_secret",
                handled_amazon::emulator::DEFAULT_CLIENT_SECRET,
            ),
        ]))
        .await
        .unwrap();
    assert_eq!(token["expires_in"], 3600);
    let get = || {
        http.get(format!("{url}/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=ATVPDKIKX0DER&marketplaceIds=ATVPDKIKX0DER"))
            .header("x-amz-access-token", token["access_token"].as_str().unwrap())
    };
    assert_eq!(http.send_raw(get()).await.unwrap().status, 200);
    let r = http.send_raw(get()).await.unwrap();
    assert_eq!(r.status, 429);
    assert_eq!(r.header("x-amzn-ratelimit-limit"), Some("0.5"));
    assert_eq!(
        r.json::<Value>().unwrap()["errors"][0]["code"],
        "QuotaExceeded"
    );
    drop(handle);
}

#[tokio::test]
async fn tokens_are_cached_refreshed_and_refused() {
    let (client, handle, url) = start(json!({"items": items(2)})).await;
    client
        .update_inventory(&update("SKU 000/x", 1))
        .await
        .unwrap();
    client
        .update_inventory(&update("SKU 001/x", 1))
        .await
        .unwrap();
    assert_eq!(handle.state()["tokensIssued"], 1, "one token for all calls");
    handle.revoke_tokens();
    client
        .update_inventory(&update("SKU 000/x", 2))
        .await
        .unwrap();
    assert_eq!(
        handle.state()["tokensIssued"],
        1,
        "refreshed once after the 403"
    );

    let mut bad = handle.settings(&url);
    bad.refresh_token = "Atzr|revoked-refresh-token".into();
    let e = AmazonClient::new(bad)
        .unwrap()
        .update_inventory(&update("SKU 000/x", 1))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(e.message.contains("invalid_grant"), "{}", e.message);
    assert!(
        !e.message.contains("revoked-refresh-token"),
        "{}",
        e.message
    );

    let no_seller = AmazonSettings {
        seller_id: None,
        ..handle.settings(&url)
    };
    let e = AmazonClient::new(no_seller)
        .unwrap()
        .update_inventory(&update("SKU 000/x", 1))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("AMAZON_SELLER_ID"));
}

#[tokio::test]
async fn bulk_update_through_a_feed_maps_results_per_sku() {
    for gzip in [false, true] {
        let (_, handle, url) =
            start(json!({"items": items(4), "gzipReports": gzip, "feedSteps": 2})).await;
        let client = looking_up(&handle, &url);
        client.set_product_type("A1SANDBOXSELLER", "SKU 002/x", "SHOES");
        let results = client
            .bulk_update(
                vec![
                    ("SKU 000/x".into(), 5),
                    ("SKU 001/x".into(), 6),
                    ("SKU 002/x".into(), 7),
                    ("SKU 003/x".into(), -1),
                    ("MISSING".into(), 1),
                ],
                Some(&AmazonConfig {
                    seller_id: "A1SANDBOXSELLER".into(),
                    marketplace_id: "ATVPDKIKX0DER".into(),
                }),
            )
            .await
            .unwrap();
        assert_eq!(results.len(), 5);
        assert_eq!(results[0].1.as_ref().unwrap().status, "ACCEPTED");
        assert_eq!(results[1].1.as_ref().unwrap().sku, "SKU 001/x");
        let e = results[2].1.as_ref().unwrap_err();
        assert!(e.message.contains("SHOES"), "{}", e.message);
        assert_eq!(
            results[3].1.as_ref().unwrap_err().class,
            ErrorClass::Permanent
        );
        assert_eq!(
            results[4].1.as_ref().unwrap_err().class,
            ErrorClass::Permanent
        );
        let state = handle.state();
        assert_eq!(state["items"]["SKU 000/x"]["quantity"], 5);
        assert_eq!(state["items"]["SKU 001/x"]["quantity"], 6);
        assert_eq!(state["items"]["SKU 002/x"]["quantity"], 10);
        assert_eq!(handle.counts("feedMessages"), (3, 2));
        assert_eq!(
            state["feeds"].as_object().unwrap().values().next().unwrap(),
            "DONE"
        );
    }
}

#[test]
fn notifications_become_events() {
    use handled_contract::{Connector, TriggerConfig, WebhookError, WebhookRequest};
    let connector = handled_amazon::AmazonConnector::new(
        AmazonClient::new(AmazonSettings::new(
            "http://127.0.0.1:1",
            "http://127.0.0.1:1/t",
            "id",
            "secret",
            "refresh",
        ))
        .unwrap(),
    );
    let trigger = TriggerConfig {
        workflow: "w",
        connector: "amazon",
        event: "inventoryChanged",
        fields: Default::default(),
    };
    let body = json!({"NotificationVersion": "1.0", "NotificationType": "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
        "PayloadVersion": "1.0", "EventTime": "2026-11-28T10:00:00.000Z",
        "Payload": {"SellerId": "A1", "FulfillmentChannelCode": "DEFAULT", "Sku": "A-1", "Quantity": 4},
        "NotificationMetadata": {"NotificationId": "n-1", "PublishTime": "2026-11-28T10:00:01.000Z"}});
    let request = WebhookRequest {
        headers: Default::default(),
        body: serde_json::to_vec(&body).unwrap(),
    };
    let event = connector.accept_webhook(&trigger, &request).unwrap();
    assert_eq!(event.event_id, "n-1");
    assert_eq!(event.occurred_at_ms, Some(1_795_860_000_000));
    assert_eq!(event.payload["Payload"]["Sku"], "A-1");

    let other = json!({"NotificationType": "ANY_OFFER_CHANGED"});
    let request = WebhookRequest {
        headers: Default::default(),
        body: serde_json::to_vec(&other).unwrap(),
    };
    assert!(matches!(
        connector.accept_webhook(&trigger, &request),
        Err(WebhookError::Ignored(_))
    ));
    let request = WebhookRequest {
        headers: Default::default(),
        body: b"{}".to_vec(),
    };
    assert!(matches!(
        connector.accept_webhook(&trigger, &request),
        Err(WebhookError::Malformed(_))
    ));
}

#[test]
fn from_env_names_every_missing_variable() {
    let e = handled_amazon::connector()
        .from_env(&handled_contract::Env::from_pairs([]))
        .err()
        .unwrap();
    for name in [
        "AMAZON_LWA_CLIENT_ID",
        "AMAZON_LWA_CLIENT_SECRET",
        "AMAZON_LWA_REFRESH_TOKEN",
    ] {
        assert!(
            e.iter().any(|m| m.contains(name)),
            "{name} not named in {e:?}"
        );
    }
}

#[tokio::test]
async fn bulk_calls_are_patches_while_few_and_one_feed_when_many() {
    use handled_contract::{BatchCall, Connector};
    let (router, handle) =
        emulator_router(Some(json!({"items": items(150), "feedSteps": 1}))).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let mut settings = handle.settings(&url);
    settings.feed_above = 20;
    let connector = handled_amazon::AmazonConnector::new(AmazonClient::new(settings).unwrap());
    assert_eq!(connector.max_batch("updateInventory"), 25_000);
    let member = |sku: String, quantity: i64, run: usize| BatchCall {
        params: json!({"sku": sku, "quantity": quantity}),
        info: CallInfo {
            idempotency_key: format!("run-{run}:1"),
            run_id: format!("run-{run}"),
            attempt: 1,
            maybe_sent: false,
        },
    };
    // Few: a patch each.
    let few: Vec<_> = (0..3)
        .map(|i| member(format!("SKU {i:03}/x"), 1, i))
        .collect();
    for r in connector.call_batch("updateInventory", few).await {
        assert_eq!(r.unwrap()["status"], "ACCEPTED");
    }
    assert_eq!(handle.counts("updateInventory").0, 3);
    assert_eq!(handle.counts("feedMessages").0, 0);
    // Many: one feed; the same SKU twice goes in a second feed, after the first.
    let mut many: Vec<_> = (0..150)
        .map(|i| member(format!("SKU {i:03}/x"), 2 + i as i64, i))
        .collect();
    many.push(member("MISSING".into(), 1, 150));
    many.push(member("SKU 000/x".into(), 99, 151));
    let results = connector.call_batch("updateInventory", many).await;
    assert_eq!(results.len(), 152);
    for r in results.iter().take(150) {
        assert_eq!(r.as_ref().unwrap()["status"], "ACCEPTED");
    }
    assert_eq!(
        results[150].as_ref().unwrap_err().class,
        ErrorClass::Permanent
    );
    assert!(results[151].is_ok());
    assert_eq!(handle.counts("updateInventory").0, 3, "no more patches");
    let state = handle.state();
    assert_eq!(state["feeds"].as_object().unwrap().len(), 2);
    assert_eq!(state["items"]["SKU 149/x"]["quantity"], 151);
    assert_eq!(state["items"]["SKU 000/x"]["quantity"], 99);
}

#[tokio::test]
async fn a_feed_is_done_no_sooner_than_its_delay() {
    let (client, handle, _) = start(json!({"items": items(2), "feedDelayMs": 400})).await;
    let started = std::time::Instant::now();
    let results = client
        .bulk_update(vec![("SKU 000/x".into(), 5), ("SKU 001/x".into(), 6)], None)
        .await
        .unwrap();
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(handle.state()["items"]["SKU 001/x"]["quantity"], 6);
}

#[tokio::test]
async fn a_resumed_write_waits_for_the_feed_it_may_be_in_and_is_not_made_twice() {
    use handled_contract::{BatchCall, Connector};
    let (router, handle) =
        emulator_router(Some(json!({"items": items(30), "feedDelayMs": 300}))).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let mut settings = handle.settings(&url);
    settings.feed_above = 5;
    let connector = Arc::new(handled_amazon::AmazonConnector::new(
        AmazonClient::new(settings).unwrap(),
    ));
    let member = |i: usize, maybe_sent: bool| BatchCall {
        params: json!({"sku": format!("SKU {i:03}/x"), "quantity": 40 + i as i64}),
        info: CallInfo {
            idempotency_key: format!("run-{i}:1"),
            run_id: format!("run-{i}"),
            attempt: 1,
            maybe_sent,
        },
    };
    // A feed of 20 on its way when the process stops: its task ends before the feed is done.
    let first = {
        let connector = Arc::clone(&connector);
        let calls: Vec<_> = (0..20).map(|i| member(i, false)).collect();
        tokio::spawn(async move { connector.call_batch("updateInventory", calls).await })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while handle.state()["feeds"]
        .as_object()
        .is_none_or(|f| f.is_empty())
    {
        assert!(std::time::Instant::now() < deadline, "no feed was created");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.abort();
    // Resumed: the 20 may have been sent, 10 more are new. The 20 wait for the feed (processed
    // without its submitter) and are not sent again; the 10 go in a feed of their own.
    let calls: Vec<_> = (0..30).map(|i| member(i, i < 20)).collect();
    let results = connector.call_batch("updateInventory", calls).await;
    for (i, r) in results.iter().enumerate() {
        let r = r.as_ref().unwrap();
        assert_eq!(r["status"], "ACCEPTED");
        assert_eq!(r["submissionId"] == "", i < 20, "{i}: {r}");
    }
    let state = handle.state();
    for i in 0..30 {
        let item = &state["items"][format!("SKU {i:03}/x")];
        assert_eq!(item["quantity"], 40 + i as i64);
        assert_eq!(item["writes"], 1, "SKU {i}");
    }
    assert_eq!(state["feeds"].as_object().unwrap().len(), 2);
}

#[tokio::test]
async fn a_feed_of_many_thousand_messages_is_taken_whole() {
    let items: Vec<Value> = (0..12_000)
        .map(|i| json!({"sku": format!("BIG-{i:05}"), "quantity": 1, "productType": "SHIRT"}))
        .collect();
    let (client, handle, _) = start(json!({"items": items})).await;
    let writes: Vec<(String, i64)> = (0..12_000)
        .map(|i| (format!("BIG-{i:05}"), 2 + i as i64))
        .collect();
    let results = client.bulk_update(writes, None).await.unwrap();
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    let state = handle.state();
    assert_eq!(state["items"]["BIG-11999"]["quantity"], 12_001);
    assert_eq!(state["feeds"].as_object().unwrap().len(), 1);
}

#[tokio::test]
async fn a_quantity_update_keeps_the_merchants_handling_time() {
    let (client, handle, _) = start(json!({"items": [
        {"sku": "LT-1", "quantity": 4, "leadTimeToShipMaxDays": 3, "productType": "SHIRT"},
        {"sku": "LT-2", "quantity": 4, "leadTimeToShipMaxDays": 3, "productType": "SHIRT"}]}))
    .await;
    // A patch and a feed message: each a `merge` of the DEFAULT channel's quantity.
    client.update_inventory(&update("LT-1", 9)).await.unwrap();
    let results = client
        .bulk_update(vec![("LT-2".into(), 8)], None)
        .await
        .unwrap();
    assert!(results[0].1.is_ok());
    let state = handle.state();
    for (sku, q) in [("LT-1", 9), ("LT-2", 8)] {
        assert_eq!(state["items"][sku]["quantity"], q);
        assert_eq!(state["items"][sku]["leadTimeToShipMaxDays"], 3, "{sku}");
    }
}

/// Every SKU's quantities as `getAllInventory` reads them, by SKU.
fn by_sku(out: &Value) -> std::collections::BTreeMap<String, i64> {
    out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sku"].as_str().unwrap().to_string(),
                i["quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn get_all_inventory_reads_the_merchant_quantity_not_fba() {
    let sandbox = handled_amazon::connector()
        .sandbox(
            Some(json!({"items": [
                {"sku": "MIX-1", "quantity": 10, "fbaQuantity": 250},
                {"sku": "MFN-1", "quantity": 4},
                {"sku": "FBA-1", "quantity": 0, "fbaQuantity": 30}]})),
            &handled_contract::Env::default(),
        )
        .await
        .unwrap();
    let call = info();
    let read = || sandbox.connector.call("getAllInventory", json!({}), &call);
    let before = by_sku(&read().await.unwrap());
    assert_eq!(
        before,
        [("FBA-1", 0), ("MFN-1", 4), ("MIX-1", 10)]
            .map(|(s, q)| (s.to_string(), q))
            .into()
    );
    // What is written is what is read back; the FBA stock is untouched.
    sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "MIX-1", "quantity": 7}),
            &info(),
        )
        .await
        .unwrap();
    assert_eq!(by_sku(&read().await.unwrap())["MIX-1"], 7);
    let state = (sandbox.state)();
    assert_eq!(state["items"]["MIX-1"]["quantity"], 7);
    assert_eq!(state["items"]["MIX-1"]["fbaQuantity"], 250);
    assert_eq!(state["items"]["MFN-1"]["fbaQuantity"], 0);
    // Read through the listings, never the FBA summaries.
    assert!(state["requests"].get("getInventorySummaries").is_none());
    assert!(state["requests"]["searchListingsItems"]["received"].as_u64() >= Some(2));
}

#[tokio::test]
async fn fba_summaries_report_only_the_fba_quantity() {
    let (client, _handle, _) = start(json!({"items": [
        {"sku": "MIX-1", "quantity": 10, "fbaQuantity": 250},
        {"sku": "MFN-1", "quantity": 4}]}))
    .await;
    client.update_inventory(&update("MFN-1", 9)).await.unwrap();
    let fba: Vec<(String, i64)> = client
        .get_fba_inventory()
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| (i.sku, i.quantity))
        .collect();
    assert_eq!(fba, [("MFN-1".into(), 0), ("MIX-1".into(), 250)]);
}

#[tokio::test]
async fn get_all_inventory_reads_past_the_search_limit_in_windows() {
    // 95 listings, 20 a page, at most 30 results a query (Amazon: 1,000); three listings share
    // each creation date, so windows overlap and the SKUs read twice are kept once.
    let items: Vec<Value> = (0..95)
        .map(|i| {
            let created = format!("2026-02-01T00:00:{:02}Z", i / 3);
            json!({"sku": format!("W-{i:03}"), "quantity": i, "fbaQuantity": 1000 + i,
                   "createdDate": created})
        })
        .collect();
    let (client, handle, _) = start(json!({"items": items, "searchLimit": 30,
        "rateLimits": {"searchListingsItems": {"rate": 100, "burst": 100}}}))
    .await;
    let all = client
        .get_all_inventory(&GetAllInventoryParams { seller_id: None })
        .await
        .unwrap();
    let got: Vec<(String, i64)> = all.items.into_iter().map(|i| (i.sku, i.quantity)).collect();
    let want: Vec<(String, i64)> = (0..95).map(|i| (format!("W-{i:03}"), i)).collect();
    assert_eq!(got, want);
    let (pages, _) = handle.counts("getAllInventory");
    assert!(pages <= 10, "{pages} pages");
}

#[tokio::test]
async fn get_all_inventory_refuses_a_window_it_cannot_move_past() {
    let items: Vec<Value> = (0..5)
        .map(|i| json!({"sku": format!("S-{i}"), "quantity": 1, "createdDate": "2026-02-01T00:00:00Z"}))
        .collect();
    let (client, _handle, _) = start(json!({"items": items, "searchLimit": 2})).await;
    let e = client
        .get_all_inventory(&GetAllInventoryParams { seller_id: None })
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("searchListingsItems"), "{e}");
}

/// Sends one `fulfillment_availability` patch of `op` straight to the emulator.
async fn patch(url: &str, sku: &str, op: &str, value: Value) -> Value {
    let http = handled_connector_core::HttpClient::new("test").unwrap();
    let token: Value = http
        .send_json(http.post(format!("{url}/auth/o2/token")).form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                handled_amazon::emulator::DEFAULT_REFRESH_TOKEN,
            ),
            ("client_id", handled_amazon::emulator::DEFAULT_CLIENT_ID),
            (
                "client_secret",
                handled_amazon::emulator::DEFAULT_CLIENT_SECRET,
            ),
        ]))
        .await
        .unwrap();
    let body = json!({"productType": "PRODUCT", "patches": [
        {"op": op, "path": "/attributes/fulfillment_availability", "value": [value]}]});
    http.send_json(
        http.client()
            .patch(format!(
                "{url}/listings/2021-08-01/items/A1SANDBOXSELLER/{sku}?marketplaceIds=ATVPDKIKX0DER"
            ))
            .header(
                "x-amz-access-token",
                token["access_token"].as_str().unwrap(),
            )
            .json(&body),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn replace_clears_the_merchants_settings_and_merge_keeps_them() {
    let item = |sku: &str| {
        json!({"sku": sku, "quantity": 4, "leadTimeToShipMaxDays": 3,
                                  "restockDate": "2026-12-01", "productType": "SHIRT"})
    };
    let (client, handle, url) =
        start(json!({"items": [item("R-1"), item("M-1"), item("C-1")]})).await;
    let quantity_only = json!({"fulfillment_channel_code": "DEFAULT", "quantity": 9});
    assert_eq!(
        patch(&url, "R-1", "replace", quantity_only.clone()).await["status"],
        "ACCEPTED"
    );
    assert_eq!(
        patch(&url, "M-1", "merge", quantity_only).await["status"],
        "ACCEPTED"
    );
    // The connector's own patch is a merge: it keeps them too.
    client.update_inventory(&update("C-1", 9)).await.unwrap();
    let state = handle.state();
    let settings = |sku: &str| {
        let i = &state["items"][sku];
        (
            i["quantity"].clone(),
            i["leadTimeToShipMaxDays"].clone(),
            i["restockDate"].clone(),
        )
    };
    assert_eq!(settings("R-1"), (json!(9), Value::Null, Value::Null));
    assert_eq!(settings("M-1"), (json!(9), json!(3), json!("2026-12-01")));
    assert_eq!(settings("C-1"), (json!(9), json!(3), json!("2026-12-01")));
    // A merge that names a field with null clears that one only.
    let clear = json!({"fulfillment_channel_code": "DEFAULT", "restock_date": null});
    patch(&url, "M-1", "merge", clear).await;
    let state = handle.state();
    assert_eq!(state["items"]["M-1"]["quantity"], 9);
    assert_eq!(state["items"]["M-1"]["leadTimeToShipMaxDays"], 3);
    assert_eq!(state["items"]["M-1"]["restockDate"], Value::Null);
}
