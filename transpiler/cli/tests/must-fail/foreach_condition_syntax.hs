// expect: E0211
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: [1]
}
forEach: transform.t
actions: [
{ action: "slack.sendMessage", condition: "item.n = 0", channel: "#a", message: "x" }
]
}
