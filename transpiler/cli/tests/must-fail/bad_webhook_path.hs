// expect: E0206
workflow W {
trigger webhook.received {
path: "hooks/x"
}
transform t {
output: 1
}
}
