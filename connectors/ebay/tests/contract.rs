//! Every request the ebay connector sends to the Sell Inventory API and every answer the
//! emulator gives are checked against eBay's contract (specs/sell_inventory_v1_oas3.json).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_connector_core::openapi::Document;
use handled_ebay::EbayClient;
use handled_ebay::api::MAX_BULK_ENTRIES;
use handled_ebay::emulator::emulator_router;
use serde_json::{Value, json};

fn spec() -> Document {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/sell_inventory_v1_oas3.json"
    );
    Document::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn requests_and_responses_follow_the_contract() {
    let doc = spec();
    let items: Vec<Value> = (0..30)
        .map(|i| json!({"sku": format!("S-{i:02}"), "quantity": 1, "offers": [{"offerId": format!("{}", 100 + i), "availableQuantity": 1}]}))
        .collect();
    let (router, handle) =
        emulator_router(Some(json!({"items": items, "revisionsPerDay": 1}))).unwrap();
    let (router, log) = handled_connector_core::record::record(router);
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let client = EbayClient::new(handle.settings(&url)).unwrap();

    let updates: Vec<(String, i64)> = (0..30).map(|i| (format!("S-{i:02}"), 3)).collect();
    assert!(
        client
            .bulk_update(updates)
            .await
            .iter()
            .all(|(_, r)| r.is_ok())
    );
    // Over the revision limit: a 207 with per-item errors.
    let mixed = client
        .bulk_update(vec![("S-00".into(), 4), ("NOPE".into(), 1)])
        .await;
    assert!(mixed.iter().all(|(_, r)| r.is_err()));
    assert_eq!(client.get_all_inventory(None).await.unwrap().len(), 30);

    let exchanges = log.exchanges();
    let mut checked = 0;
    for x in exchanges {
        // Every value of every header is looked at: none was sent twice.
        assert!(
            x.repeated_headers().is_empty(),
            "{} {}: headers sent more than once: {:?}",
            x.method,
            x.path,
            x.headers
        );
        let Some(path) = x.path.strip_prefix("/sell/inventory/v1") else {
            continue;
        };
        let method = x.method.to_ascii_lowercase();
        if !x.request.is_empty() {
            let body: Value = serde_json::from_slice(&x.request).unwrap();
            let schema = doc
                .request_schema(&method, path)
                .expect("request schema")
                .clone();
            if let Err(errs) = doc.validate(&schema, &body) {
                panic!("{method} {path} request {body}: {errs:?}");
            }
            let n = body["requests"].as_array().map_or(0, Vec::len);
            assert!(
                (1..=MAX_BULK_ENTRIES).contains(&n),
                "{n} entries in one call"
            );
        }
        let body: Value = serde_json::from_slice(&x.response).unwrap();
        if (200..300).contains(&x.status) {
            let status = if x.status == 207 { 200 } else { x.status };
            let schema = doc
                .response_schema(&method, path, status)
                .expect("response schema")
                .clone();
            if let Err(errs) = doc.validate(&schema, &body) {
                panic!("{method} {path} {} response {body}: {errs:?}", x.status);
            }
        } else {
            for e in body["errors"].as_array().unwrap() {
                doc.validate_ref("#/components/schemas/Error", e).unwrap();
            }
        }
        checked += 1;
    }
    // 30 offer lookups + NOPE's, 2 + 1 bulk calls, 1 page.
    assert!(checked >= 34, "{checked}");
}
