//! E0106: transform `later` is used before it runs

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: transform.later.sku
quantity: 1
}
transform later {
output: { sku: "A" }
}
}
"#);

fn main() {}
