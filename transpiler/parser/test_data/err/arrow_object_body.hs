workflow W {
trigger schedule.cron { a: 1 }
transform t { output: xs.map(x => { sku: x.sku }) }
}
