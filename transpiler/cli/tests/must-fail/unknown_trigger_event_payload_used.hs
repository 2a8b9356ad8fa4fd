// expect: E0102
workflow W {
trigger wms.inventoryChangd {
endpoint: "/x"
events: ["a"]
}
action wms.updateInventory {
sku: trigger.wmsData.product_sku
quantity: 1
}
}
