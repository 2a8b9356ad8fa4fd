//! E0216: `map` is not a method of a number

handled_macros::workflow!(path = "flows/e0216_method_on_number.hs");

fn main() {}
