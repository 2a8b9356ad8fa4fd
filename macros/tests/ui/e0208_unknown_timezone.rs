//! E0208: unknown time zone "America/New_Yrok"

handled_macros::workflow!(path = "flows/e0208_unknown_timezone.hs");

fn main() {}
