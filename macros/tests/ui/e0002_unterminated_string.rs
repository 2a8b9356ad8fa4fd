//! E0002: unterminated string literal

handled_macros::workflow!(path = "flows/e0002_unterminated_string.hs");

fn main() {}
