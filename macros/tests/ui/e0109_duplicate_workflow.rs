//! E0109: the workflow `Restock` is defined twice (the files of one call are one program).

handled_macros::workflow!(path = "flows/orders.hs", path = "flows/restock.hs");

fn main() {}
