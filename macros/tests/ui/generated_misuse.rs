//! Using the generated API with the wrong types is an ordinary rustc error.

handled_macros::workflow!(path = "flows/ok.hs");

fn main() {
    let steps: u32 = stock_sync::STEPS;
    let _ = steps;
}
