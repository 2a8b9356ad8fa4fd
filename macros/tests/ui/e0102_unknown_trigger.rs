//! E0102: `shopify` has no trigger `orderCreated`

handled_macros::workflow!(path = "flows/e0102_unknown_trigger.hs");

fn main() {}
