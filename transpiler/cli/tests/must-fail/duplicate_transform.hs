// expect: E0110
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: 1
}
transform t {
output: 2
}
}
