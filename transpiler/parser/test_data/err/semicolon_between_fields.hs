workflow W {
trigger schedule.cron {
expression: "0 * * * *"
}
transform t {
input: 1;
output: 2
}
}
