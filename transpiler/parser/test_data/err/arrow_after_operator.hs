workflow W {
trigger schedule.cron {
expression: "0 * * * *"
}
transform t {
output: input.f || x => x
}
}
