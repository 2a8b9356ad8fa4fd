//! trybuild UI tests: every class of HandledScript diagnostic becomes a compile error with the
//! `.hs` (or Rust) file, line, column, source line, caret and help; macro misuse and rustc
//! errors in generated code point at the call's literals; and programs that check build and run.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
