workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action wms.updateInventory {
sku: "A"
quantity: trigger.wmsData.qty * 0.5
}
}
