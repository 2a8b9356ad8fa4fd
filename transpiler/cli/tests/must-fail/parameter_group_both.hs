// expect: E0214
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.updateInventory {
sku: "A"
productId: "1"
variantId: "2"
quantity: 3
}
}
