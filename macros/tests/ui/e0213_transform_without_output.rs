//! E0213: transform `t` has no `output`

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
input: trigger.wmsData
}
}
"#);

fn main() {}
