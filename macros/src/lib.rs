//! `workflow!`: HandledScript workflows inside any Rust crate, checked and compiled by the same
//! checker and generator as the `hs2rs` command line (`handled-codegen`), at `cargo build`
//! time.
//!
//! # Adding handled to an existing Rust project
//!
//! ```toml
//! # Cargo.toml
//! [dependencies]
//! handled-macros = { path = "…/handled/macros" }
//! handled-runtime = { path = "…/handled/runtime" }
//! handled-wms = { path = "…/handled/connectors/wms" }  # one line per connector the
//! handled-shopify = { path = "…/handled/connectors/shopify" }  # workflows use
//! ```
//!
//! ```ignore
//! // src/main.rs
//! handled_macros::workflow!(path = "flows/sync.hs");
//!
//! fn main() -> std::process::ExitCode {
//!     handled_runtime::main(register)
//! }
//! ```
//!
//! `cargo run -- exec MyWorkflow --event event.json --sandbox` then runs a workflow once, and
//! `cargo run -- serve` serves its webhooks and schedules. An application that has its own
//! `main` builds the app itself: `let mut app = handled_runtime::App::new(); register(&mut app);`.
//! A missing connector crate is reported by rustc as an unresolved `::handled_…` path: add
//! that crate to `[dependencies]`.
//!
//! # Arguments
//!
//! - `path = "flows/sync.hs"`: a program file, resolved like `include_str!`: relative to the
//!   file that calls the macro (where the compiler does not tell, relative to the crate's
//!   `Cargo.toml`). Give `path` several times for a program of several files.
//! - `source = r#"workflow X { … }"#`: the program written inline; may hold several workflows,
//!   and may be given several times and mixed with `path`.
//! - `module = name`: wraps the expansion in `pub mod name { … }` (the module's doc says which
//!   files it was generated from). Needed to call `workflow!` twice in one module, since each
//!   call defines a `register` function.
//!
//! All the files and sources of one call are one program: workflow names are unique across
//! them, and `register` registers all of them.
//!
//! # What it generates
//!
//! Exactly what `hs2rs` prints for the same program (a unit test checks the two are
//! byte-identical after formatting), minus the `//!` header line:
//!
//! - `pub fn register(app: &mut ::handled_runtime::App)`: registers every workflow of the
//!   program and the connectors they use;
//! - one `pub mod <workflow_in_snake_case>` per workflow, with `pub fn workflow() ->
//!   handled_runtime::Workflow`, `pub const NAME: &str` (the workflow's name), `pub static
//!   STEPS: [handled_runtime::StepInfo; N]` (its steps in order, with their `.hs` line and
//!   column), one typed output struct per transform (its fields are the `output` object's
//!   fields, with Rust types inferred by the checker), `pub type Payload` (the trigger's
//!   payload type from the connector crate, or JSON where the channel's body is its own) and
//!   `pub async fn exec(&handled_runtime::Runtime, &Payload)` (runs one event to the end and
//!   returns the run's report);
//! - for each `.hs` file, `const _: &[u8] = include_bytes!("<absolute path>");`, and the same
//!   for each email template it uses, so that cargo rebuilds the crate when one of them
//!   changes.
//!
//! A new file in a directory is not a change cargo sees. If your build should notice new
//! `.hs` files or templates (say, a build script lists them), add a `build.rs` with
//! `println!("cargo:rerun-if-changed=flows");`.
//!
//! # Errors and warnings
//!
//! A syntax or checker error is a compile error, never a panic: `compile_error!` carries the
//! diagnostic as `hs2rs check` renders it (the `.hs` file, line and column, the source line,
//! the caret, the help) and is attached to the `path` or `source` literal. For an inline
//! `source`, the file, line and column are those of the Rust file (the literal's position
//! plus the position inside it; exact for raw strings and strings without escapes), and the
//! source line shown is the Rust line. On a compiler that gives sub-spans of literals
//! (nightly), the error points at the exact place inside the literal.
//!
//! Beside its errors, a program with errors still defines the names listed above (`register`,
//! each workflow's module with `NAME`, `Payload`, `exec`, `STEPS`, `workflow()` and the
//! transforms' output structs), with bodies that run no step, so that the code naming them
//! shows the program's errors and not a cascade of unresolved names.
//!
//! Warnings (`W0001`…) are shown as rustc warnings: each is the use of a
//! `#[deprecated]` item whose note is the rendered diagnostic, attached to the literal, so
//! `#[allow(deprecated)]` on a module around the call silences them and `-D warnings` refuses
//! them.
//!
//! Every generated token carries the span of the literal its code comes from (a workflow's
//! module carries its file's `path` literal). An error only rustc can find in generated code,
//! such as mismatched types, therefore points at the `workflow!` call's literal rather than
//! at the macro's internals; `hs2rs path/to/file.hs` prints the generated code to read.

mod expand;
mod position;

use proc_macro::TokenStream;

/// Checks and compiles HandledScript workflows into Rust items: `workflow!(path = "flows/a.hs")`,
/// `workflow!(source = r#"workflow A { … }"#)`, optionally with `module = name`. See the crate
/// documentation.
#[proc_macro]
pub fn workflow(input: TokenStream) -> TokenStream {
    let call = proc_macro::Span::call_site();
    let local_file = call.local_file();
    let file = local_file.as_ref().map(|_| call.file());
    let literal_positions = positions(input.clone());
    let fallback_dir = handled_contract::Env::from_process()
        .get("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let site = expand::CallSite {
        file,
        local_file,
        fallback_dir,
        literal_positions,
    };
    expand::expand(input.into(), &site).into()
}

/// The line and column of each literal of the input: its top-level tokens, looking through
/// invisible groups (a `$lit` passed by `macro_rules!`).
fn positions(input: TokenStream) -> Vec<Option<(usize, usize)>> {
    let mut out = Vec::new();
    for tree in input {
        match tree {
            proc_macro::TokenTree::Literal(lit) => {
                let span = lit.span();
                out.push(Some((span.line(), span.column())));
            }
            proc_macro::TokenTree::Group(g) if g.delimiter() == proc_macro::Delimiter::None => {
                out.extend(positions(g.stream()));
            }
            _ => {}
        }
    }
    out
}
