//! E0104: cannot find `count` in this scope

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: { total: count + 1 }
}
}
"#);

fn main() {}
