workflow W {
trigger schedule.cron {
a: 1,,
b: 2 3
"c": 4
d: 5
}
}
