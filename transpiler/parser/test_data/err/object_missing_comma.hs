workflow W {
trigger schedule.cron {
expression: "0 * * * *"
}
transform t {
output: { a: 1 b: 2 }
}
}
