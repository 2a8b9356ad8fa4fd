// The same workflow name as in orders.hs.
workflow Restock {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms-2"
events: ["stock.updated"]
}
transform u {
output: 2
}
}
