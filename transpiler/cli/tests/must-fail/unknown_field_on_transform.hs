// expect: E0107
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: { sku: "A", qty: 2 }
}
action wms.updateInventory {
sku: transform.t.sku
quantity: transform.t.quantity
}
}
