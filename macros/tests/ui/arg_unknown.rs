//! A misspelt argument of the macro itself.

handled_macros::workflow!(paht = "flows/ok.hs");

fn main() {}
