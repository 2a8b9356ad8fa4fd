// expect: E0110
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action shopify.findProduct as p {
sku: "A"
}
action shopify.findProduct as p {
sku: "B"
}
}
