// expect: E0001
workflow W {
action wms.updateInventory {
sku: "A"
quantity: 1
}
}
