//! E0004: arrow functions are supported only as the callback of an array method

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: (x => x + 1)
}
}
"#);

fn main() {}
