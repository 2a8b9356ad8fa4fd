// expect: E0214
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.updateInventory {
quantity: 3
location: "primary"
}
}
