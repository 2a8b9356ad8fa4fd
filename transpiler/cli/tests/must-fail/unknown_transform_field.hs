// expect: E0202
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
transform t {
output: 1
validates: { ok: true }
}
}
