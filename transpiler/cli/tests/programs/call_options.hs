// An action with `retry` and `timeout` options, and a forEach entry with them.
workflow CallOptionsDemo {
trigger wms.inventoryChanged {
endpoint: "/hooks/options"
events: ["stock.updated"]
}
action shopify.updateInventory {
sku: trigger.wmsData.product_sku
quantity: 5
retry: { attempts: 2, backoff: "50ms" }
timeout: "10s"
}
forEach: [trigger.wmsData.product_sku]
actions: [
{ action: "slack.sendMessage", channel: "#general", message: "updated", timeout: "5s" }
]
}
// An action whose attempts may take 300 ms at most, tried twice.
workflow TimeoutDemo {
trigger wms.inventoryChanged {
endpoint: "/hooks/timeout"
events: ["stock.updated"]
}
action shopify.updateInventory {
sku: trigger.wmsData.product_sku
quantity: 5
retry: { attempts: 2, backoff: "10ms" }
timeout: "300ms"
}
}
