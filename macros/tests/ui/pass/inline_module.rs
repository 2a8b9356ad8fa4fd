//! Inline program with two workflows in a module; the generated API is used from Rust.

handled_macros::workflow!(
    module = flows,
    source = r##"
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
quantity: transform.allocation.shopify
}
}
workflow Notify {
trigger schedule.cron {
expression: "0 9 * * *"
}
action slack.sendMessage {
channel: "#ops"
message: `it is ${run.startedAt}`
}
}
"##
);

fn main() {
    let mut app = handled_runtime::App::new();
    flows::register(&mut app);
    assert_eq!(app.workflows().len(), 2);
    assert_eq!(flows::stock_sync::NAME, "StockSync");
    assert_eq!(flows::stock_sync::STEPS.len(), 2);
    assert_eq!(flows::stock_sync::STEPS[0].name, "allocation");
    assert_eq!(flows::notify::workflow().name, "Notify");
    let output = flows::stock_sync::Allocation {
        sku: handled_runtime::Value::from("A"),
        shopify: 5.0,
    };
    assert_eq!(output.shopify, 5.0);
}
