// expect: E0202
workflow W {
trigger schedule.cron {
expression: "0 * * * *"
timezone: "UTC"
zone: "UTC"
}
transform t {
output: 1
}
}
