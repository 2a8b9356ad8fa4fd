workflow W {
trigger schedule.cron {
expression: 1 /* never closed
}
}
