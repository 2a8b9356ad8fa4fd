workflow W {
trigger schedule.cron {
expression: `abc ${x}
}
}
