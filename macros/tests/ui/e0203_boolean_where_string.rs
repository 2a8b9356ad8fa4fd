//! E0203: `channel` needs a string, but this is a boolean

handled_macros::workflow!(source = r#"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action slack.sendMessage {
channel: true
message: "x"
}
}
"#);

fn main() {}
