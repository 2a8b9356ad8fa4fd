//! E0003: nesting is deeper than 128 levels

handled_macros::workflow!(path = "flows/e0003_too_deep.hs");

fn main() {}
