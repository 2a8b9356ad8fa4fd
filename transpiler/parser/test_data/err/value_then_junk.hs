workflow W {
trigger schedule.cron { a: 1 }
transform t {
input: trigger.payload
output: input.x input.y
validate: { ok: true }
}
}
