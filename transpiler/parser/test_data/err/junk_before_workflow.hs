hello
workflow W {
trigger schedule.cron { a: 1 }
}
