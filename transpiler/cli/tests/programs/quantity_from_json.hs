// A quantity computed from the webhook's JSON: a fraction there fails the run when the value
// reaches the typed parameter, with the position of the expression.
workflow HalfStock {
trigger webhook.received {
path: "/hooks/half"
}
action wms.updateInventory {
sku: trigger.body.sku,
quantity: trigger.body.quantity / 2
}
}
