//! E0206: the webhook path "hooks/x" must start with `/`

handled_macros::workflow!(source = r#"
workflow W {
trigger webhook.received {
path: "hooks/x"
}
transform t {
output: 1
}
}
"#);

fn main() {}
