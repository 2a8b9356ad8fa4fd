// expect: E0204
// The square root of a known integer can have a fraction, also through Math.max.
workflow W {
trigger shopify.inventoryChanged {
events: ["inventory_levels/update"]
}
action wms.updateInventory {
sku: trigger.inventoryData.inventory_item.sku
quantity: Math.sqrt(Math.max(0, trigger.inventoryData.available))
}
}
