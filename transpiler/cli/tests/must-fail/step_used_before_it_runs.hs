// expect: E0106
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: transform.later.sku
quantity: 1
}
transform later {
output: { sku: "A" }
}
}
