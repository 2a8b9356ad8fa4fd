//! E0001: expected `:` after field name `output`, found `=`

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
input: trigger.wmsData
output = { sku: input.sku }
}
}
"#);

fn main() {}
