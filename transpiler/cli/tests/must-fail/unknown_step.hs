// expect: E0105
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: transform.allocation.sku
quantity: 1
}
}
