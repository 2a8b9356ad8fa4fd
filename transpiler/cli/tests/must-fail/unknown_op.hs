// expect: E0103
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.setInventory {
sku: "A"
quantity: 1
}
}
