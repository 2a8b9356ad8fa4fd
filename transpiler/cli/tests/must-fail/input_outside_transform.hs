// expect: E0111
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: input.sku
quantity: 1
}
}
