// expect: E0101
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopfy.updateInventory {
sku: "A"
quantity: 1
}
}
