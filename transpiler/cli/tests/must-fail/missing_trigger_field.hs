// expect: E0201
workflow W {
trigger schedule.cron {
timezone: "UTC"
}
transform t {
output: 1
}
}
