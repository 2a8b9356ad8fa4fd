//! No program at all.

handled_macros::workflow!();

fn main() {}
