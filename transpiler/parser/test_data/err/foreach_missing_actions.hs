workflow W {
trigger schedule.cron { a: 1 }
forEach: items
[ { action: "a.b" } ]
}
