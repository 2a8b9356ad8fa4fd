// expect: E0107
// A field path after an action's alias is checked against the op's result.
workflow W {
trigger schedule.cron {
expression: "0 2 * * *"
}
action wms.getAllInventory as warehouse {
location: "primary"
}
action wms.updateInventory {
sku: "A"
quantity: action.warehouse.itemz.length
}
}
