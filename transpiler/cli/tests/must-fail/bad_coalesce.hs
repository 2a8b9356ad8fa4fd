// expect: E0209
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
coalesce: "5 seconds"
}
transform t {
output: 1
}
}
