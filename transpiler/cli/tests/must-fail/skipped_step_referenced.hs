// expect: E0001
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform {
output: { a: 1 }
}
action wms.updateInventory {
sku: "A"
quantity: transform.t.a
}
}
