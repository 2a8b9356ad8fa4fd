// expect: E0203
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.updateProduct {
productSku: "A"
data: { status: "ACTIV" }
}
}
