//! E0104 in an action, while the crate uses what the program defines (`register`, the workflow's
//! module, its `NAME`, `STEPS`, `workflow()`, `exec`, `Payload` and a transform's output
//! struct): the program's error is the only one, since the macro still defines those names.

handled_macros::workflow!(
    module = flows,
    source = r#"
workflow StockSync {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform allocation {
input: trigger.wmsData
output: { sku: input.product_sku, shopify: 5 }
}
action shopify.updateInventory {
sku: transform.allocation.sku
quantity: transform.allocation.shopify + count
}
}
"#
);

fn main() {
    let mut app = handled_runtime::App::new();
    flows::register(&mut app);
    let workflow = flows::stock_sync::workflow();
    assert_eq!(workflow.name, flows::stock_sync::NAME);
    assert_eq!(flows::stock_sync::STEPS.len(), 2);
    let output = flows::stock_sync::Allocation {
        sku: handled_runtime::Value::from("A"),
        shopify: 5.0,
    };
    assert_eq!(output.shopify, 5.0);
    let _exec = flows::stock_sync::exec;
    let _payload: Option<flows::stock_sync::Payload> = None;
}
