// expect: E0001
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
input: trigger.wmsData
output = { sku: input.sku }
}
}
