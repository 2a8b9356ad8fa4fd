//! The differential corpus compiled to Rust: every expression of `data/cases.json` (generated
//! and evaluated by Node.js with `node/gen.mjs`) as compiled by the code generator at build
//! time (see `build.rs`). `tests/expressions.rs` runs each on its input and compares the result
//! with Node's.

use handled_runtime::{JsError, Value};

/// A compiled expression: a function of `input`.
pub type Expression = fn(&Value) -> Result<Value, JsError>;

/// An expression the code generator rejected.
pub struct Rejected {
    /// Its text.
    pub expr: &'static str,
    /// The code and message of each error diagnostic.
    pub errors: &'static [(&'static str, &'static str)],
}

/// The generated tables `CASES` and `REJECTED` and the compiled functions.
#[allow(
    missing_docs,
    unused,
    invalid_nan_comparisons,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    clippy::unwrap_used,
    clippy::expect_used
)]
mod generated {
    use super::{Expression, Rejected};
    include!(concat!(env!("OUT_DIR"), "/cases.rs"));
}

pub use generated::{CASES, REJECTED};
