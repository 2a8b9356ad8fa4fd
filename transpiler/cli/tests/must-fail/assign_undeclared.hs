// expect: E0217
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: [1].map(x => { z = 2; return x; })
}
}
