// expect: E0207
workflow W {
trigger schedule.cron {
expression: "0 25 * * *"
}
transform t {
output: 1
}
}
