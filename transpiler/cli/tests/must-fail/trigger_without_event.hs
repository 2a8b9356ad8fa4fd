// expect: E0001
workflow W {
trigger wms {
endpoint: "/hooks/wms"
}
action wms.updateInventory {
sku: trigger.wmsData.product_sku
quantity: 1
}
}
