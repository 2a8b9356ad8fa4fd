workflow W {
trigger schedule.cron { a: 1 }
transform t {
output: {
a: 1,
b: f(
validate: { ok: true }
}
action x.y { a: 1 }
}
