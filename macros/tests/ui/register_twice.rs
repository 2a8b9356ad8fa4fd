//! Two calls in one module both define `register`: rustc's error points at the calls' literals,
//! not at the macro. `module = name` is the fix.

handled_macros::workflow!(path = "flows/ok.hs");
handled_macros::workflow!(path = "flows/orders.hs");

fn main() {}
