//! E0205: `quantity` is -5, but quantities cannot be negative

handled_macros::workflow!(path = "flows/e0205_negative_quantity.hs");

fn main() {}
