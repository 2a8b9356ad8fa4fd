// expect: E0107
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: trigger.shopifyData.sku
}
}
