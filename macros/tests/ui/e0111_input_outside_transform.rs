//! E0111: `input` exists only inside a transform

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: input.sku
quantity: 1
}
}
"#);

fn main() {}
