workflow W {
trigger schedule.cron { a: 1 }
bogus stuff here
action x.y { a: 1 }
}
