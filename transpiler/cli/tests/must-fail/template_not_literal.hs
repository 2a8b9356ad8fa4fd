// expect: E0212
workflow W {
trigger wms.inventoryChanged {
endpoint: "/hooks/wms"
events: ["stock.updated"]
}
action email.send {
to: "ops@example.com"
template: env.TEMPLATE
data: {}
}
}
