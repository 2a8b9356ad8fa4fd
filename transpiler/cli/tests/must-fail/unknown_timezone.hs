// expect: E0208
workflow W {
trigger schedule.cron {
expression: "0 2 * * *"
timezone: "America/New_Yrok"
}
transform t {
output: 1
}
}
