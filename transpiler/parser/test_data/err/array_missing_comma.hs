workflow W {
trigger schedule.cron {
expression: "0 * * * *"
}
transform t {
output: [1, 2 3]
}
}
