workflow W {
trigger schedule.cron { a: 1 }
forEach: items
actions: [
{ action: "a.b", x: 1 }
{ action: "a.c" }
]
}
