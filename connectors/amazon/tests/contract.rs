//! Every request the amazon connector sends and every answer the emulator gives are checked
//! against Amazon's official models (specs/): Listings Items 2021-08-01, FBA Inventory v1,
//! Feeds 2021-06-30, and the JSON listings feed and processing report schemas.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_amazon::emulator::emulator_router;
use handled_amazon::{AmazonClient, GetAllInventoryParams, UpdateInventoryParams};
use handled_connector_core::openapi::{self, Document};
use serde_json::{Value, json};

fn load(name: &str) -> Value {
    let path = format!("{}/specs/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The document path template that `path` matches (`{x}` matches one segment).
fn template<'a>(doc: &'a Document, path: &str) -> Option<&'a str> {
    let segs: Vec<&str> = path.split('/').collect();
    doc.root()["paths"]
        .as_object()?
        .keys()
        .map(String::as_str)
        .find(|t| {
            let tsegs: Vec<&str> = t.split('/').collect();
            tsegs.len() == segs.len()
                && tsegs
                    .iter()
                    .zip(&segs)
                    .all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s)
        })
}

#[tokio::test]
async fn requests_and_responses_follow_the_models() {
    let docs = [
        Document::new(load("listingsItems_2021-08-01.json")),
        Document::new(load("fbaInventory.json")),
        Document::new(load("feeds_2021-06-30.json")),
    ];
    let feed_schema = load("listings-feed-schema-v2.json");
    let report_schema = load("listings-feed-processing-report-schema-v2.json");

    let items: Vec<Value> = (0..7)
        .map(|i| json!({"sku": format!("SKU-{i}"), "quantity": 3, "fbaQuantity": i, "productType": "LUGGAGE"}))
        .collect();
    let (router, handle) = emulator_router(Some(json!({"items": items, "pageSize": 3}))).unwrap();
    let (router, log) = handled_connector_core::record::record(router);
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    // Reading each listing's product type (a wrong one is refused, in a patch and in a feed).
    let mut settings = handle.settings(&url);
    settings.product_type = None;
    let client = AmazonClient::new(settings).unwrap();

    client
        .update_inventory(&UpdateInventoryParams {
            sku: "SKU-0".into(),
            quantity: 9,
            config: None,
        })
        .await
        .unwrap();
    client.set_product_type("A1SANDBOXSELLER", "SKU-1", "SHOES");
    let _ = client
        .update_inventory(&UpdateInventoryParams {
            sku: "SKU-1".into(),
            quantity: 9,
            config: None,
        })
        .await
        .unwrap_err();
    let _ = client
        .update_inventory(&UpdateInventoryParams {
            sku: "NOPE".into(),
            quantity: 9,
            config: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        client
            .get_all_inventory(&GetAllInventoryParams { seller_id: None })
            .await
            .unwrap()
            .items
            .len(),
        7
    );
    assert_eq!(client.get_fba_inventory().await.unwrap().items.len(), 7);
    client.set_product_type("A1SANDBOXSELLER", "SKU-3", "SHOES");
    let results = client
        .bulk_update(
            vec![
                ("SKU-2".into(), 1),
                ("SKU-3".into(), 2),
                ("SKU-4".into(), 3),
            ],
            None,
        )
        .await
        .unwrap();
    assert!(results[0].1.is_ok() && results[1].1.is_err() && results[2].1.is_ok());

    let exchanges = log.exchanges();
    let mut checked = 0;
    let mut uploads = 0;
    let mut reports = 0;
    for x in exchanges {
        let method = x.method.to_ascii_lowercase();
        if x.path.starts_with("/_documents/") {
            let body = if method == "put" {
                &x.request
            } else {
                &x.response
            };
            let value: Value = serde_json::from_slice(body).unwrap();
            if method == "put" {
                openapi::validate(&feed_schema, &value)
                    .unwrap_or_else(|e| panic!("feed {value}: {e:?}"));
                uploads += 1;
            } else {
                openapi::validate(&report_schema, &value)
                    .unwrap_or_else(|e| panic!("report {value}: {e:?}"));
                reports += 1;
            }
            continue;
        }
        if x.path == "/auth/o2/token" {
            continue;
        }
        let Some((doc, path)) = docs
            .iter()
            .find_map(|d| template(d, &x.path).map(|t| (d, t.to_string())))
        else {
            panic!("{} {} is in no model", x.method, x.path);
        };
        if !x.request.is_empty() {
            let body: Value = serde_json::from_slice(&x.request).unwrap();
            let schema = doc
                .request_schema(&method, &path)
                .expect("request schema")
                .clone();
            doc.validate(&schema, &body)
                .unwrap_or_else(|e| panic!("{method} {path} request {body}: {e:?}"));
        }
        let body: Value = serde_json::from_slice(&x.response).unwrap();
        let schema = doc
            .response_schema(&method, &path, x.status)
            .or_else(|| doc.response_schema(&method, &path, 200))
            .unwrap_or_else(|| panic!("no response schema for {method} {path} {}", x.status))
            .clone();
        doc.validate(&schema, &body)
            .unwrap_or_else(|e| panic!("{method} {path} {} response {body}: {e:?}", x.status));
        checked += 1;
    }
    assert_eq!((uploads, reports), (1, 1));
    // The checks bite: a patch without its product type is refused by the model.
    let schema = docs[0]
        .request_schema("patch", "/listings/2021-08-01/items/{sellerId}/{sku}")
        .unwrap()
        .clone();
    assert!(docs[0].validate(&schema, &json!({"patches": []})).is_err());
    assert!(checked >= 12, "{checked}");
}
