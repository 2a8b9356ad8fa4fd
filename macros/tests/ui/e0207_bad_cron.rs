//! E0207: invalid cron expression "0 */6 * *": it has 4 fields; cron needs 5, or 6 with seconds first

handled_macros::workflow!(source = r#"
workflow W {
trigger schedule.cron {
expression: "0 */6 * *"
}
transform t {
output: 1
}
}
"#);

fn main() {}
