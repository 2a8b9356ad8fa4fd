//! E0110: the action alias `p` is defined twice in this workflow

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.findProduct as p {
sku: "A"
}
action shopify.findProduct as p {
sku: "B"
}
}
"#);

fn main() {}
