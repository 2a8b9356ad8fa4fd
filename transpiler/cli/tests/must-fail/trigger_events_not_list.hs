// expect: E0206
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: 5
}
transform t {
output: 1
}
}
