//! E0201: `slack.sendMessage` needs the parameter `message`

handled_macros::workflow!(source = r##"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action slack.sendMessage {
channel: "#ops"
}
}
"##);

fn main() {}
