// expect: E0101
workflow W {
trigger shopfy.inventoryChanged {
}
transform t {
output: 1
}
}
