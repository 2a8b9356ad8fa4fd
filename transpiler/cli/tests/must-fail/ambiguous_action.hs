// expect: E0108
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.findProduct {
sku: "A"
}
action shopify.findProduct {
sku: "B"
}
action wms.updateInventory {
sku: action.shopify.findProduct.sku
quantity: 1
}
}
