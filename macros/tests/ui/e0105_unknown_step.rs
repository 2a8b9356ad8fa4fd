//! E0105: no transform named `allocation` in this workflow

handled_macros::workflow!(path = "flows/e0105_unknown_step.hs");

fn main() {}
