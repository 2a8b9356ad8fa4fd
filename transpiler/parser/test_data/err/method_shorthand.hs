workflow W {
trigger schedule.cron {
expression: "0 * * * *"
}
transform t {
output: { f() { return 1 } }
}
}
