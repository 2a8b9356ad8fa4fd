//! E0209: invalid duration "5 seconds"

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
coalesce: "5 seconds"
}
transform t {
output: 1
}
}
"#);

fn main() {}
