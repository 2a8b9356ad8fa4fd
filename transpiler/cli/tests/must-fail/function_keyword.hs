// expect: E0004
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: input.items.filter(function (x) { return x.ok })
}
}
