//! The ebay connector against its emulator over loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_connector_core::HttpClient;
use handled_connector_core::emulator::FaultSpec;
use handled_contract::{CallInfo, ErrorClass};
use handled_ebay::emulator::{EmulatorHandle, emulator_router};
use handled_ebay::{EbayClient, EbayConfig, EbaySettings, UpdateInventoryParams};
use serde_json::{Value, json};

fn info() -> CallInfo {
    CallInfo {
        idempotency_key: "run-1:ebay:0".into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

fn fixture(n: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let mut item = json!({"sku": format!("SKU-{i:03}"), "quantity": 5});
            if i % 2 == 0 {
                item["offers"] =
                    json!([{"offerId": format!("{}", 9000 + i), "availableQuantity": 5}]);
            }
            item
        })
        .collect();
    json!({"items": items})
}

async fn start(fixture: Value) -> (EbayClient, EmulatorHandle, String) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    (EbayClient::new(handle.settings(&url)).unwrap(), handle, url)
}

#[tokio::test]
async fn sandbox_update_sets_item_and_offers() {
    let sandbox = handled_ebay::connector()
        .sandbox(Some(json!({"items": [{"sku": "A-1", "quantity": 10,
            "offers": [{"offerId": "5001", "availableQuantity": 10}, {"offerId": "5002", "availableQuantity": 3}]}]})), &handled_contract::Env::default())
        .await
        .unwrap();
    let out = sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": 4}),
            &info(),
        )
        .await
        .unwrap();
    assert_eq!(out, json!({"sku": "A-1", "statusCode": 200}));
    let state = (sandbox.state)();
    assert_eq!(state["items"]["A-1"]["quantity"], 4);
    assert_eq!(
        state["items"]["A-1"]["offers"]["5001"]["availableQuantity"],
        4
    );
    assert_eq!(
        state["items"]["A-1"]["offers"]["5002"]["listingQuantity"],
        4
    );
    assert_eq!(
        state["ops"]["updateInventory"],
        json!({"received": 1, "applied": 1})
    );

    // The seed's static token.
    let out = sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": 6, "config": {"apiKey": "app", "token": "sandbox-user-token"}}),
            &info(),
        )
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 200);
    assert_eq!((sandbox.state)()["items"]["A-1"]["quantity"], 6);

    let e = sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "A-1", "quantity": -1}),
            &info(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    let e = sandbox
        .connector
        .call(
            "updateInventory",
            json!({"sku": "NOPE", "quantity": 1}),
            &info(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("25702"), "{}", e.message);
}

#[tokio::test]
async fn bulk_update_batches_25_and_maps_results_back() {
    let (client, handle, _) = start(fixture(60)).await;
    let mut items: Vec<(String, i64)> =
        (0..60).map(|i| (format!("SKU-{i:03}"), i as i64)).collect();
    items.push(("MISSING".into(), 1));
    items.push(("SKU-001".into(), -5));
    let results = client.bulk_update(items).await;
    assert_eq!(results.len(), 62);
    for (i, (sku, r)) in results.iter().enumerate().take(60) {
        assert_eq!(sku, &format!("SKU-{i:03}"));
        assert_eq!(r.as_ref().unwrap().status_code, 200);
    }
    assert_eq!(
        results[60].1.as_ref().unwrap_err().class,
        ErrorClass::Permanent
    );
    assert_eq!(
        results[61].1.as_ref().unwrap_err().class,
        ErrorClass::Permanent
    );
    let state = handle.state();
    assert_eq!(state["items"]["SKU-042"]["quantity"], 42);
    assert_eq!(
        state["items"]["SKU-042"]["offers"]["9042"]["availableQuantity"],
        42
    );
    // 61 entries sent (the negative one is refused before sending), in 3 calls.
    assert_eq!(handle.counts(), (61, 60));
}

#[tokio::test]
async fn revision_limit_and_partial_success() {
    let (client, handle, _) = start(json!({"revisionsPerDay": 2, "items": [
        {"sku": "A", "quantity": 1, "offers": [{"offerId": "1", "availableQuantity": 1}]},
        {"sku": "B", "quantity": 1}]}))
    .await;
    for q in [2, 3] {
        assert!(client.bulk_update(vec![("A".into(), q)]).await[0].1.is_ok());
    }
    let results = client
        .bulk_update(vec![("A".into(), 4), ("B".into(), 4)])
        .await;
    let e = results[0].1.as_ref().unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("25002"), "{}", e.message);
    assert!(results[1].1.is_ok());
    let state = handle.state();
    assert_eq!(state["items"]["A"]["quantity"], 3);
    assert_eq!(state["items"]["B"]["quantity"], 4);
}

#[tokio::test]
async fn pages_follow_next_to_the_end() {
    let (router, handle) = emulator_router(Some(fixture(450))).unwrap();
    let (router, log) = handled_connector_core::record::record(router);
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let client = EbayClient::new(handle.settings(&url)).unwrap();
    let items = client.get_all_inventory(None).await.unwrap();
    // Every item once, in order, over three pages of 200.
    let skus: Vec<String> = items.iter().map(|i| i.sku.clone()).collect();
    let expected: Vec<String> = (0..450).map(|i| format!("SKU-{i:03}")).collect();
    assert_eq!(skus, expected);
    assert!(items.iter().all(|i| i.quantity == 5));
    let pages: Vec<Option<String>> = log
        .exchanges()
        .into_iter()
        .filter(|x| x.path == "/sell/inventory/v1/inventory_item")
        .map(|x| x.query)
        .collect();
    let asked = |page: usize| Some(format!("limit=200&offset={page}"));
    assert_eq!(pages, [asked(0), asked(1), asked(2)]);
}

/// `GET {url}{path_and_query}` with the emulator's static token; the status and the body.
async fn get_page(url: &str, handle: &EmulatorHandle, path_and_query: &str) -> (u16, Value) {
    let http = HttpClient::new("test").unwrap();
    let request = http
        .get(format!("{url}{path_and_query}"))
        .bearer_auth(handle.static_token());
    let response = http.send_raw(request).await.unwrap();
    (response.status, response.json().unwrap())
}

/// The SKUs of a `getInventoryItems` page.
fn page_skus(page: &Value) -> Vec<&str> {
    page["inventoryItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap())
        .collect()
}

/// The `offset` a link asks for.
fn offset_of(link: &Value) -> Option<&str> {
    link.as_str()?.split("offset=").nth(1)
}

#[tokio::test]
async fn inventory_offset_is_a_page_number() {
    let (_client, handle, url) = start(fixture(5)).await;
    let (status, page) = get_page(
        &url,
        &handle,
        "/sell/inventory/v1/inventory_item?limit=2&offset=1",
    )
    .await;
    assert_eq!(status, 200);
    // The second page of two: the third and fourth items, not the second and third.
    assert_eq!(page_skus(&page), ["SKU-002", "SKU-003"]);
    assert_eq!(
        (
            offset_of(&page["href"]),
            offset_of(&page["prev"]),
            offset_of(&page["next"])
        ),
        (Some("1"), Some("0"), Some("2"))
    );
    assert_eq!(
        (&page["size"], &page["total"], &page["limit"]),
        (&json!(3), &json!(5), &json!(2))
    );

    let (_, last) = get_page(
        &url,
        &handle,
        "/sell/inventory/v1/inventory_item?limit=2&offset=2",
    )
    .await;
    assert_eq!(page_skus(&last), ["SKU-004"]);
    assert!(last.get("next").is_none());
    let (_, past) = get_page(
        &url,
        &handle,
        "/sell/inventory/v1/inventory_item?limit=2&offset=3",
    )
    .await;
    assert!(page_skus(&past).is_empty());

    let (status, bad) =
        get_page(&url, &handle, "/sell/inventory/v1/inventory_item?offset=-1").await;
    assert_eq!((status, &bad["errors"][0]["errorId"]), (400, &json!(25707)));
}

#[tokio::test]
async fn offers_offset_is_a_page_number() {
    let offers: Vec<Value> = (1..=3)
        .map(|i| json!({"offerId": format!("70{i}"), "availableQuantity": i}))
        .collect();
    let (_client, handle, url) =
        start(json!({"items": [{"sku": "A 1", "quantity": 9, "offers": offers}]})).await;
    let (status, page) = get_page(
        &url,
        &handle,
        "/sell/inventory/v1/offer?sku=A%201&limit=2&offset=1",
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = page["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["offerId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["703"]);
    // `size` counts the offers on this page, `total` all of the SKU's.
    assert_eq!((&page["size"], &page["total"]), (&json!(1), &json!(3)));
    assert_eq!(
        (offset_of(&page["prev"]), page.get("next")),
        (Some("0"), None)
    );
    assert!(
        page["href"].as_str().unwrap().contains("sku=A+1&"),
        "{}",
        page["href"]
    );

    let (_, first) = get_page(&url, &handle, "/sell/inventory/v1/offer?sku=A%201").await;
    assert_eq!((&first["size"], &first["limit"]), (&json!(3), &json!(100)));
}

#[tokio::test]
async fn one_limit_for_the_connector_batches_and_the_emulator() {
    use handled_ebay::api::MAX_BULK_ENTRIES;
    let n = MAX_BULK_ENTRIES + 1;
    let (router, handle) = emulator_router(Some(fixture(2 * n))).unwrap();
    let (router, log) = handled_connector_core::record::record(router);
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();

    // The emulator takes MAX_BULK_ENTRIES entries and refuses one more.
    let entries = |count: usize| {
        let requests: Vec<Value> = (0..count)
            .map(|i| json!({"sku": format!("SKU-{i:03}"), "shipToLocationAvailability": {"quantity": 1}}))
            .collect();
        json!({"requests": requests})
    };
    let http = HttpClient::new("test").unwrap();
    let bulk = |body: Value| {
        http.post(format!(
            "{url}/sell/inventory/v1/bulk_update_price_quantity"
        ))
        .bearer_auth(handle.static_token())
        .json(&body)
    };
    let full = http
        .send_raw(bulk(entries(MAX_BULK_ENTRIES)))
        .await
        .unwrap();
    assert_eq!(full.status, 200);
    let over = http.send_raw(bulk(entries(n))).await.unwrap();
    let refused: Value = over.json().unwrap();
    assert_eq!(
        (over.status, &refused["errors"][0]["errorId"]),
        (400, &json!(25709))
    );

    // The connector sends 2·MAX_BULK_ENTRIES + 2 SKUs in calls of at most MAX_BULK_ENTRIES.
    let client = EbayClient::new(handle.settings(&url)).unwrap();
    let items: Vec<(String, i64)> = (0..2 * n).map(|i| (format!("SKU-{i:03}"), 3)).collect();
    assert!(
        client
            .bulk_update(items)
            .await
            .iter()
            .all(|(_, r)| r.is_ok())
    );
    let sizes: Vec<usize> = log
        .exchanges()
        .into_iter()
        .filter(|x| x.path.ends_with("/bulk_update_price_quantity"))
        .skip(2)
        .map(|x| {
            let body: Value = serde_json::from_slice(&x.request).unwrap();
            body["requests"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(sizes, [MAX_BULK_ENTRIES, MAX_BULK_ENTRIES, 2]);
}

#[tokio::test]
async fn auth_errors() {
    let (router, handle) = emulator_router(Some(fixture(2))).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let wrong = EbayClient::new(EbaySettings::new(
        &url,
        handled_ebay::emulator::DEFAULT_CLIENT_ID,
        handled_ebay::emulator::DEFAULT_CLIENT_SECRET,
        "v^1.1#revoked-refresh-token",
    ))
    .unwrap();
    let results = wrong.bulk_update(vec![("SKU-000".into(), 1)]).await;
    let e = results[0].1.as_ref().unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(
        !e.message.contains("revoked-refresh-token"),
        "{}",
        e.message
    );

    // A bad static token.
    let client = EbayClient::new(handle.settings(&url)).unwrap();
    let p = UpdateInventoryParams {
        sku: "SKU-000".into(),
        quantity: 1,
        config: Some(EbayConfig {
            api_key: "k".into(),
            token: "not-a-token".into(),
        }),
    };
    assert_eq!(
        client.update_inventory(&p).await.unwrap_err().class,
        ErrorClass::Auth
    );

    // An Application token is refused on /sell.
    let http = HttpClient::new("test").unwrap();
    let app: Value = http
        .send_json(
            http.post(format!("{url}/identity/v1/oauth2/token"))
                .basic_auth(
                    handled_ebay::emulator::DEFAULT_CLIENT_ID,
                    Some(handled_ebay::emulator::DEFAULT_CLIENT_SECRET),
                )
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", "https://api.ebay.com/oauth/api_scope"),
                ]),
        )
        .await
        .unwrap();
    assert_eq!(app["token_type"], "Application Access Token");
    let p = UpdateInventoryParams {
        sku: "SKU-000".into(),
        quantity: 1,
        config: Some(EbayConfig {
            api_key: "k".into(),
            token: app["access_token"].as_str().unwrap().into(),
        }),
    };
    let e = client.update_inventory(&p).await.unwrap_err();
    assert_eq!((e.class, e.status), (ErrorClass::Auth, Some(403)));
}

#[tokio::test]
async fn throttling_and_server_errors() {
    let (client, handle, _) = start(fixture(2)).await;
    // Warm the token and offer caches so the fault hits the bulk call.
    assert!(
        client.bulk_update(vec![("SKU-000".into(), 1)]).await[0]
            .1
            .is_ok()
    );
    handle.faults().add(FaultSpec {
        status: Some(429),
        ..Default::default()
    });
    let e = client
        .bulk_update(vec![("SKU-000".into(), 2)])
        .await
        .remove(0)
        .1
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled);
    assert!(e.message.contains("2001"), "{}", e.message);
    handle.faults().add(FaultSpec {
        status: Some(500),
        ..Default::default()
    });
    let e = client
        .bulk_update(vec![("SKU-000".into(), 2)])
        .await
        .remove(0)
        .1
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
    handle.faults().add(FaultSpec {
        status: Some(207),
        body: Some(json!({"responses": [{"statusCode": 500, "sku": "SKU-000", "errors": [
            {"errorId": 25025, "domain": "API_INVENTORY", "category": "APPLICATION", "message": "concurrent access"}]}]})),
        ..Default::default()
    });
    let e = client
        .bulk_update(vec![("SKU-000".into(), 2)])
        .await
        .remove(0)
        .1
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
    assert!(
        client.bulk_update(vec![("SKU-000".into(), 2)]).await[0]
            .1
            .is_ok()
    );
    assert_eq!(handle.state()["items"]["SKU-000"]["quantity"], 2);
}

#[test]
fn notifications_become_events() {
    use handled_contract::{Connector, TriggerConfig, WebhookError, WebhookRequest};
    let connector = handled_ebay::EbayConnector::new(
        EbayClient::new(EbaySettings::new(
            "http://127.0.0.1:1",
            "id",
            "secret",
            "refresh",
        ))
        .unwrap(),
    );
    let mut trigger = TriggerConfig {
        workflow: "w",
        connector: "ebay",
        event: "inventoryChanged",
        fields: Default::default(),
    };
    let body = json!({"metadata": {"topic": "ITEM_QUANTITY_CHANGED", "schemaVersion": "1.0"},
        "notification": {"notificationId": "e-9", "eventDate": "2026-11-28T10:00:00.000Z", "data": {"sku": "A-1"}}});
    let request = WebhookRequest {
        headers: Default::default(),
        body: serde_json::to_vec(&body).unwrap(),
    };
    let event = connector.accept_webhook(&trigger, &request).unwrap();
    assert_eq!(
        (event.event_id.as_str(), event.occurred_at_ms),
        ("e-9", Some(1_795_860_000_000))
    );
    trigger
        .fields
        .insert("events".into(), json!(["MARKETPLACE_ACCOUNT_DELETION"]));
    assert!(matches!(
        connector.accept_webhook(&trigger, &request),
        Err(WebhookError::Ignored(_))
    ));
}

#[test]
fn from_env_names_every_missing_variable() {
    let e = handled_ebay::connector()
        .from_env(&handled_contract::Env::from_pairs([]))
        .err()
        .unwrap();
    for name in ["EBAY_CLIENT_ID", "EBAY_CLIENT_SECRET", "EBAY_REFRESH_TOKEN"] {
        assert!(
            e.iter().any(|m| m.contains(name)),
            "{name} not named in {e:?}"
        );
    }
}

#[tokio::test]
async fn bulk_calls_from_many_runs_are_requests_of_25_each_with_its_own_result() {
    use handled_contract::{BatchCall, Connector};
    let (client, handle, _) = start(fixture(30)).await;
    let connector = handled_ebay::EbayConnector::new(client);
    assert_eq!(connector.max_batch("updateInventory"), 25);
    let member = |sku: String, quantity: i64, run: usize| BatchCall {
        params: json!({"sku": sku, "quantity": quantity}),
        info: CallInfo {
            idempotency_key: format!("run-{run}:1"),
            run_id: format!("run-{run}"),
            attempt: 1,
            maybe_sent: false,
        },
    };
    let mut calls: Vec<_> = (0..24)
        .map(|i| member(format!("SKU-{i:03}"), 40 + i as i64, i))
        .collect();
    calls.push(member("MISSING".into(), 1, 24));
    let results = connector.call_batch("updateInventory", calls).await;
    assert_eq!(results.len(), 25);
    for (i, r) in results.iter().enumerate().take(24) {
        assert_eq!(r.as_ref().unwrap()["sku"], format!("SKU-{i:03}"));
    }
    // The unknown SKU fails alone.
    assert_eq!(
        results[24].as_ref().unwrap_err().class,
        ErrorClass::Permanent
    );
    assert_eq!(handle.state()["items"]["SKU-023"]["quantity"], 63);
    // One bulkUpdatePriceQuantity for the 25 entries.
    assert_eq!(handle.counts(), (25, 24));
}

#[tokio::test]
async fn the_daily_call_limit_is_enforced() {
    let (client, handle, _) = start(json!({"callsPerDay": 3, "items": [
        {"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1}]}))
    .await;
    // The first write of A looks its offers up (one call) and sets it (another).
    assert!(client.bulk_update(vec![("A".into(), 2)]).await[0].1.is_ok());
    assert!(client.bulk_update(vec![("A".into(), 3)]).await[0].1.is_ok());
    let refused = client
        .bulk_update(vec![("A".into(), 4), ("B".into(), 4)])
        .await;
    let e = refused[0].1.as_ref().unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled, "{}", e.message);
    assert_eq!(e.status, Some(429));
    let state = handle.state();
    assert_eq!(state["calls"], json!({"today": 3, "perDay": 3}));
    assert_eq!(state["items"]["A"]["quantity"], 3);
}

#[tokio::test]
async fn a_write_that_may_have_been_applied_is_read_first_and_not_sent_twice() {
    let (client, handle, _) = start(fixture(3)).await;
    let first = client
        .bulk_update(vec![("SKU-000".into(), 5), ("SKU-001".into(), 6)])
        .await;
    assert!(first.iter().all(|(_, r)| r.is_ok()));
    assert_eq!(handle.counts(), (2, 2));
    // Resumed after a crash that cut the answer off: SKU-000 and SKU-001 may have been sent,
    // SKU-002 is new. Only SKU-002 is sent: the others' offers hold their quantities already.
    let again = client
        .bulk_update_resuming(
            vec![
                ("SKU-000".into(), 5),
                ("SKU-001".into(), 7),
                ("SKU-002".into(), 8),
            ],
            None,
            &[true, true, false],
        )
        .await;
    assert!(again.iter().all(|(_, r)| r.is_ok()), "{again:?}");
    // SKU-001's offer held 6, not 7: it is written.
    assert_eq!(handle.counts(), (4, 4));
    let state = handle.state();
    assert_eq!(state["items"]["SKU-000"]["quantity"], 5);
    assert_eq!(state["items"]["SKU-001"]["quantity"], 7);
    assert_eq!(state["items"]["SKU-002"]["quantity"], 8);
}
