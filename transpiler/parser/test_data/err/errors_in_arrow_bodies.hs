workflow W {
trigger schedule.cron { a: 1 }
transform t {
input: xs.map(x => {
const y = x.a
if x.b { return 1 }
return y
})
output: xs.filter(x => {
return x.a = 1
})
validate: { ok: true }
}
transform u {
output: xs.map((a b) => a)
}
}
