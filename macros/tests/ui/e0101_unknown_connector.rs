//! E0101: unknown connector `shopfy`

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopfy.updateInventory {
sku: "A"
quantity: 1
}
}
"#);

fn main() {}
