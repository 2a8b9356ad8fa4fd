// expect: E0209 E0209
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
coalesce: "5"
}
action slack.sendMessage {
channel: "#ops"
message: "changed"
timeout: "30"
}
}
