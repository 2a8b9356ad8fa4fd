//! E0218: `retry.attempts` must be a whole number from 1 to 100

handled_macros::workflow!(source = r##"
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action slack.sendMessage {
channel: "#a"
message: "x"
retry: { attempts: 0, backoff: "1s" }
}
}
"##);

fn main() {}
