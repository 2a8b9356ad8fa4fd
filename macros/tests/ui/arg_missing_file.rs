//! A `path` that names no file: resolved beside this file, like `include_str!`.

handled_macros::workflow!(path = "flows/no_such_file.hs");

fn main() {}
