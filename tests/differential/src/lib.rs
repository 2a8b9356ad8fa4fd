//! Expressions from `data/cases.json` (generated and evaluated by Node.js with
//! `node/gen.mjs`), compiled by hs2rs's code generator at build time. The test in
//! `tests/expressions.rs` runs each on its input and compares the result with Node's.

#![allow(missing_docs, clippy::all, unused)]

use handled_runtime::{JsError, Value};

/// How an expression came out of the code generator.
pub enum Compiled {
    /// It compiled to this function of `input`.
    Function(fn(&Value) -> Result<Value, JsError>),
    /// It was refused, with these diagnostic codes and the first message.
    Refused(&'static [&'static str], &'static str),
}

include!(concat!(env!("OUT_DIR"), "/cases.rs"));
