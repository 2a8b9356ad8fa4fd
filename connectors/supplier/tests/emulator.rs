//! The supplier connector against its emulator over loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_contract::{CallInfo, ErrorClass};
use handled_supplier::emulator::emulator_router;
use handled_supplier::{PurchaseOrder, SupplierClient, SupplierConfig};
use serde_json::json;

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

fn order(sku: &str, qty: i64) -> PurchaseOrder {
    PurchaseOrder {
        supplier_name: "Acme".into(),
        sku: sku.into(),
        quantity: qty,
        priority: Some("urgent".into()),
    }
}

async fn start(
    fixture: serde_json::Value,
) -> (
    SupplierClient,
    handled_supplier::emulator::EmulatorHandle,
    String,
) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let client = SupplierClient::new(SupplierConfig::new(&url, handle.api_key())).unwrap();
    (client, handle, url)
}

#[tokio::test]
async fn sandbox_creates_orders_and_replays_keys() {
    let sandbox = handled_supplier::connector()
        .sandbox(None, &handled_contract::Env::default())
        .await
        .unwrap();
    let params = json!({"data": {"supplierName": "Acme", "sku": "A-1", "quantity": 12, "priority": "urgent"}});
    let first = sandbox
        .connector
        .call(
            "createPurchaseOrder",
            params.clone(),
            &info("run-1:reorder:0"),
        )
        .await
        .unwrap();
    let again = sandbox
        .connector
        .call(
            "createPurchaseOrder",
            params.clone(),
            &info("run-1:reorder:0"),
        )
        .await
        .unwrap();
    assert_eq!(first, again, "a retried call returns the original order");
    assert_eq!(first["purchaseOrderId"], "PO-1");
    let other = sandbox
        .connector
        .call("createPurchaseOrder", params, &info("run-2:reorder:0"))
        .await
        .unwrap();
    assert_eq!(other["purchaseOrderId"], "PO-2");
    let state = (sandbox.state)();
    assert_eq!(
        state["ops"]["createPurchaseOrder"],
        json!({"received": 3, "applied": 2})
    );
    assert_eq!(state["items"]["A-1"]["ordered"], 24);
    assert_eq!(state["orders"].as_array().unwrap().len(), 2);

    let err = sandbox
        .connector
        .call("cancel", json!({}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(err.class, ErrorClass::Permanent);
}

#[tokio::test]
async fn replay_as_200_is_understood_too() {
    let (client, handle, _) = start(json!({"replayStatus": 200})).await;
    let a = client
        .create_purchase_order(&order("B-2", 3), "k1")
        .await
        .unwrap();
    let b = client
        .create_purchase_order(&order("B-2", 3), "k1")
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(handle.counts(), (2, 1));
}

#[tokio::test]
async fn error_classes() {
    let (client, handle, url) = start(json!({"apiKey": "supplier-secret-key"})).await;
    assert!(
        client
            .create_purchase_order(&order("A-1", 1), "ok")
            .await
            .is_ok()
    );

    let wrong =
        SupplierClient::new(SupplierConfig::new(&url, Some("wrong-key-value".into()))).unwrap();
    let e = wrong
        .create_purchase_order(&order("A-1", 1), "k2")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(
        !e.message.contains("wrong-key-value"),
        "secret in message: {}",
        e.message
    );

    // Same key, another order: refused for good.
    let e = client
        .create_purchase_order(&order("A-1", 2), "ok")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert_eq!(e.status, Some(422));

    // Bad input is refused before sending.
    let e = client
        .create_purchase_order(&order("A-1", 0), "k3")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    let mut bad = order("A-1", 1);
    bad.priority = Some("asap".into());
    assert_eq!(
        client
            .create_purchase_order(&bad, "k4")
            .await
            .unwrap_err()
            .class,
        ErrorClass::Permanent
    );

    handle
        .faults()
        .add(handled_connector_core::emulator::FaultSpec {
            status: Some(429),
            retry_after: Some(1),
            ..Default::default()
        });
    let e = client
        .create_purchase_order(&order("A-1", 1), "k5")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled);
    assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(1)));

    let http = reqwest_free_post(&url, json!({"status": 503, "count": 1})).await;
    assert!(http);
    let e = client
        .create_purchase_order(&order("A-1", 1), "k6")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);

    handle
        .faults()
        .add(handled_connector_core::emulator::FaultSpec {
            drop: Some(1),
            ..Default::default()
        });
    let e = client
        .create_purchase_order(&order("A-1", 1), "k7")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);

    // After the faults, the key that failed goes through once.
    client
        .create_purchase_order(&order("A-1", 1), "k6")
        .await
        .unwrap();
    assert_eq!(handle.state()["orders"].as_array().unwrap().len(), 2);
}

/// Posts a fault through the emulator's own HTTP control route.
async fn reqwest_free_post(url: &str, fault: serde_json::Value) -> bool {
    let http = handled_connector_core::HttpClient::new("test").unwrap();
    http.send(http.post(format!("{url}/_faults")).json(&fault))
        .await
        .is_ok()
}

#[test]
fn from_env_names_every_missing_variable() {
    let e = handled_supplier::connector()
        .from_env(&handled_contract::Env::from_pairs([]))
        .err()
        .unwrap();
    assert!(e.iter().any(|m| m.contains("SUPPLIER_API_URL")), "{e:?}");
    let env = handled_contract::Env::from_pairs([(
        "SUPPLIER_API_URL".to_string(),
        "ftp://x".to_string(),
    )]);
    assert!(handled_supplier::connector().from_env(&env).is_err());
}
