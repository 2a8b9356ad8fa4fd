// expect: E0004
workflow W {
trigger wms.inventoryChanged {
endpoint: "/x"
events: ["stock.updated"]
}
transform t {
output: { __proto__: 1, "a": 2 }
}
}
