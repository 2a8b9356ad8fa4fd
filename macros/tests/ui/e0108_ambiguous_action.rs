//! E0108: `action.shopify.findProduct` is ambiguous: the workflow calls it 2 times

handled_macros::workflow!(path = "flows/e0108_ambiguous_action.hs");

fn main() {}
