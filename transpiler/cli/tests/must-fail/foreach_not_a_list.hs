// expect: E0203
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: { a: 1 }
}
forEach: transform.t
actions: [
{ action: "slack.sendMessage", channel: "#a", message: "x" }
]
}
