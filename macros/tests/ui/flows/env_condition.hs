workflow Reorder {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action slack.sendMessage {
channel: "#ops"
message: "restock"
condition: env.AUTO_REORDER_ENABLED
}
}
