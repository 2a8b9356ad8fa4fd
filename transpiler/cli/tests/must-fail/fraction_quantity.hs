// expect: E0204
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: { total: 10 }
}
action wms.updateInventory {
sku: "A"
quantity: transform.t.total * 0.6
}
}
