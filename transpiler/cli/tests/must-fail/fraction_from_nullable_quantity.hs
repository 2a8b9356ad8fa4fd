// expect: E0204
// Shopify's `available` is an integer (or null, which is 0): half of it can have a fraction.
workflow W {
trigger shopify.inventoryChanged {
events: ["inventory_levels/update"]
}
action wms.updateInventory {
sku: trigger.inventoryData.inventory_item.sku
quantity: trigger.inventoryData.available * 0.5
}
}
