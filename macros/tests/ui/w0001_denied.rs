//! Warnings are rustc warnings (a deprecation note carrying the diagnostic), so denying
//! `deprecated` or all warnings refuses them.

#![deny(deprecated)]

handled_macros::workflow!(path = "flows/env_condition.hs");

fn main() {}
