// expect: E0103
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: [1, 2]
}
forEach: transform.t
actions: [
{ action: "slack.postMessage", channel: "#a", message: "x" }
]
}
