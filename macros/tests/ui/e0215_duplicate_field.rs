//! E0215: the field `message` is given twice

handled_macros::workflow!(source = r##"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action slack.sendMessage {
channel: "#a"
message: "x"
message: "y"
}
}
"##);

fn main() {}
