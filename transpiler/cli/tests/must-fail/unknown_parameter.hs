// expect: E0202
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: "A"
qty: 3
quantity: 3
}
}
