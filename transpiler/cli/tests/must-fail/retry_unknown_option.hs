// expect: E0218
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action slack.sendMessage {
channel: "#a"
message: "x"
retry: { attempts: 3, backof: "1s" }
}
}
