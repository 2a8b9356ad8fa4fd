workflow W {
trigger schedule.cron {
expression: "0 * * * *"
}
transform t {
output: xs => { for (const x of xs) {} return 1 }
}
}
