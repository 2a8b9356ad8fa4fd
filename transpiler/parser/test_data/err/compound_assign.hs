workflow W {
trigger schedule.cron { a: 1 }
transform t { output: x => { if (x) return 1 else { return 2 }; y += 1 } }
}
