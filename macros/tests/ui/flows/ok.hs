workflow StockSync {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform allocation {
input: trigger.wmsData
output: {
sku: input.product_sku,
shopify: Math.floor(Number(input.available_quantity) * 0.6)
}
}
action shopify.updateInventory {
sku: transform.allocation.sku
quantity: transform.allocation.shopify
}
}
