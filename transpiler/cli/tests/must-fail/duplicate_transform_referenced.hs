// expect: E0110
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: { a: 1 }
}
transform t {
output: { b: 1 }
}
action wms.updateInventory {
sku: "A"
quantity: transform.t.b
}
}
