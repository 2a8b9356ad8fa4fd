workflow W {
trigger shopify.orderCreated {
}
transform t {
output: 1
}
}
