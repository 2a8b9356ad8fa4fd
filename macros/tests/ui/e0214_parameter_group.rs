//! E0214: `shopify.updateInventory` needs `sku`, or `productId` with `variantId`

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.updateInventory {
quantity: 3
location: "primary"
}
}
"#);

fn main() {}
