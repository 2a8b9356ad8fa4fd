// expect: E0204
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: "A"
quantity: 7 / 2
}
}
