//! E0204: `quantity` needs an integer, but this can have a fraction

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: { total: 10 }
}
action wms.updateInventory {
sku: "A"
quantity: transform.t.total * 0.6
}
}
"#);

fn main() {}
