//! E0212: no template `no-such-template`: looked for templates/no-such-template.txt and templates/no-such-template.html beside the program

handled_macros::workflow!(path = "flows/e0212_missing_template.hs");

fn main() {}
