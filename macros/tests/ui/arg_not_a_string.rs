//! `path` needs a string literal.

handled_macros::workflow!(path = flows::ok);

fn main() {}
