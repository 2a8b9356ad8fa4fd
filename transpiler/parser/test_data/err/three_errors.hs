// Three independent mistakes: each must be reported once, in source order.
workflow W {
trigger schedule.cron {
expression = "0 * * * *"
timezone: "UTC"
}
transform t {
input: trigger.payload
output: {
a: [1, 2 3],
b: input.x
}
validate: {
ok: input.x > 0
}
}
action shopify.updateInventory {
sku: transform.t.a,
quantity: Math.max(1, function () {})
}
}
