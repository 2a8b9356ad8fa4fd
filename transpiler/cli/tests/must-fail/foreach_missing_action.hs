// expect: E0210
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
{ channel: "#a", message: "x" }
]
}
