//! E0103: `shopify` has no op `setInventory`

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.setInventory {
sku: "A"
quantity: 1
}
}
"#);

fn main() {}
