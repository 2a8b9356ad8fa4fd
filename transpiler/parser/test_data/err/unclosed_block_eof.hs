workflow W {
trigger schedule.cron {
expression: "0 * * * *"
