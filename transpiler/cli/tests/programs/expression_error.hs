// A transform that reads a field of a field that is missing: the run fails, and the error
// names the line and column of the read.
workflow BrokenLookup {
trigger webhook.received {
path: "/hooks/broken"
}
transform pick {
input: trigger.body
output: {
sku: input.product.sku
}
}
action wms.updateInventory {
sku: transform.pick.sku,
quantity: 1
}
}
