//! E0210: a forEach entry's `action` must be a string literal naming an op

handled_macros::workflow!(path = "flows/e0210_foreach_action_not_string.hs");

fn main() {}
