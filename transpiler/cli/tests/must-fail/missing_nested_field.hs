// expect: E0201
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action supplier.createPurchaseOrder {
data: { supplierName: "Acme", sku: "A" }
}
}
