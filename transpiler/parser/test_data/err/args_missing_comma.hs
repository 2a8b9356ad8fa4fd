workflow W {
trigger schedule.cron {
expression: "0 * * * *"
}
transform t {
output: Math.max(1 2)
}
}
