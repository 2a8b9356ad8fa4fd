//! E0217: cannot assign to `y`: it is not declared with `let`

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: [1].map(x => { const y = 1; y = 2; return y; })
}
}
"#);

fn main() {}
