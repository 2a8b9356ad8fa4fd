workflow W {
trigger schedule.cron { a: 1 }
action x y { a: 1 }
transform t { output: 1 }
}
