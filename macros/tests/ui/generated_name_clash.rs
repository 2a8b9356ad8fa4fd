//! A name the generated code defines (the module of workflow `StockSync`) clashes with one of
//! the crate's own: rustc's error points at the `path` literal.

mod stock_sync {}

handled_macros::workflow!(path = "flows/ok.hs");

fn main() {}
