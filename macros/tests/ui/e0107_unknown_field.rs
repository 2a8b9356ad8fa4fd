//! E0107: no field `quantity` on object { sku, qty }

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: { sku: "A", qty: 2 }
}
action wms.updateInventory {
sku: transform.t.sku
quantity: transform.t.quantity
}
}
"#);

fn main() {}
