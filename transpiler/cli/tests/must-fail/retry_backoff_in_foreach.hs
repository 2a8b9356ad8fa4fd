// expect: E0209
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
forEach: trigger.wmsData.lines
actions: [
{ action: "slack.sendMessage", channel: "#a", message: "x", retry: { attempts: 2, backoff: 5 } }
]
}
