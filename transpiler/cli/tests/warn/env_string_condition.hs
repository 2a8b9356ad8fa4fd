workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action slack.sendMessage {
condition: env.ALERTS_ENABLED
channel: "#a"
message: "x"
}
}
