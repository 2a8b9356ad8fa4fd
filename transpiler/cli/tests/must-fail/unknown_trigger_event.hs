// expect: E0102
workflow W {
trigger shopify.orderCreated {
}
transform t {
output: 1
}
}
