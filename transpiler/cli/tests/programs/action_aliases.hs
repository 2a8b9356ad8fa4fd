// Actions named with `as` and read through their alias followed by a field path, in every
// position: a transform's input and output, an action's parameters and condition, a forEach's
// source, a forEach entry's parameters and condition, and template strings.
workflow AliasedActions {
trigger webhook.received {
path: "/hooks/aliases"
}
action wms.getAllInventory as warehouse {
location: "primary"
}
action shopify.findProduct as product {
sku: action.warehouse.items[0].sku
}
transform summary {
input: action.warehouse.items
output: {
count: input.length,
total: input.reduce((sum, i) => sum + i.quantity, 0),
title: action.product.title,
label: `${action.product.sku}: ${action.warehouse.items.length} SKUs`
}
}
action wms.updateInventory as restock {
sku: action.product.sku
quantity: action.warehouse.items[0].quantity + 1
condition: action.warehouse.items.length > 0
}
action slack.sendMessage as announce {
channel: "#inventory-alerts"
message: `${action.product.title} now at ${action.restock.quantity} (was ${action.warehouse.items[0].quantity})`
condition: action.restock.quantity > action.warehouse.items[0].quantity
}
action slack.sendMessage as skipped {
channel: "#general"
message: "not sent"
condition: action.restock.quantity < 0
}
forEach: action.warehouse.items.filter(i => i.quantity < 10)
actions: [
{
action: "slack.sendMessage",
channel: action.announce.channel,
message: `${item.sku} is low: ${item.quantity} of ${transform.summary.total}`,
condition: "item.quantity < action.warehouse.items[1].quantity + 1 && action.product.sku !== item.sku"
}
]
}
