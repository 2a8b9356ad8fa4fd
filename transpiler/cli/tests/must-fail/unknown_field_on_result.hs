// expect: E0107
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.findProduct {
sku: "A"
}
action wms.updateInventory {
sku: action.shopify.findProduct.skuCode
quantity: 1
}
}
