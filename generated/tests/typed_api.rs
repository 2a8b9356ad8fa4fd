//! The API a crate gets from generated code, used from Rust: `register`, each workflow's typed
//! `Payload` and `exec`, and the typed output struct of a transform read back from the run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_generated::pattern1_bidirectional_shopify_wms::{
    self as pattern1, shopify_to_wms_sync,
};
use handled_runtime::{App, Env, Options, RunStatus, StoreChoice};
use handled_shopify::InventoryItemRef;

#[tokio::test]
async fn a_typed_payload_runs_and_the_transform_output_reads_back_typed() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../../examples/fixtures/catalog.json")).unwrap();
    let mut app = App::new();
    pattern1::register(&mut app);
    let mut options = Options::new(StoreChoice::Spec(":memory:".into()), Env::from_pairs([]));
    options.sandbox = true;
    options.fixture = Some(fixture);
    let runtime = app.start(options).await.unwrap();

    // The emulator's first product: its inventory item id is above 2^53, kept exact.
    let payload = shopify_to_wms_sync::Payload {
        inventory_item_id: 9_007_199_254_740_993,
        location_id: 24_826_418,
        available: Some(17),
        updated_at: "2026-11-28T10:00:00Z".into(),
        admin_graphql_api_id:
            "gid://shopify/InventoryLevel/24826418?inventory_item_id=9007199254740993".into(),
        inventory_item: InventoryItemRef {
            id: 9_007_199_254_740_993,
            sku: "TSHIRT-RED-M".into(),
        },
        reserved_quantity: 0,
    };
    let outcome = shopify_to_wms_sync::exec(&runtime, &payload).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Completed, "{:#}", outcome.report);

    let step = &outcome.report["steps"][0];
    assert_eq!(step["name"], "processInventoryChange");
    let output: shopify_to_wms_sync::ProcessInventoryChange =
        serde_json::from_value(step["output"].clone()).unwrap();
    assert_eq!(output.sku, handled_runtime::Value::from("TSHIRT-RED-M"));
    assert_eq!(
        output.available_quantity,
        handled_runtime::Value::from(17.0)
    );
    let call = &outcome.report["calls"][0];
    assert_eq!(call["op"], "wms.updateInventory");
    assert_eq!(call["params"]["quantity"], 17);
}
