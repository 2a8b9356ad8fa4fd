//! JavaScript value semantics for compiled HandledScript expressions.
//!
//! HandledScript expressions are a JavaScript subset; the transpiler turns
//! each into Rust that calls this crate. For the same input, the result is
//! what Node.js gives (compared by `typeof` and `JSON.stringify`), traps
//! included: `"5" + 1` is `"51"`, `undefined.x` is a `TypeError`.
//!
//! - [`Value`], [`JsString`], [`Object`], [`Array`]: the values.
//! - [`ops`]: operators, conversions, property reads and method calls.
//! - [`builtins`]: `Math`, `JSON`, `Date`, `Object.*` and the global functions.
//!
//! The local time zone is UTC.
//!
//! Proof: `tests/differential.rs` replays thousands of calls that
//! `tests/node/gen.mjs` evaluated with Node.js and checks `typeof`,
//! `JSON.stringify` and `String()` of every result (and every error).
//!
//! Known differences from Node.js:
//! - a call of a missing method says `string.foo is not a function` (the
//!   receiver's kind), where V8 names the callee's source text;
//! - `Date.parse`/`new Date(string)` read ISO 8601 forms only, not V8's
//!   legacy formats (`"Nov 28 2026"`, `"2026/11/28"`): those give an invalid date;
//! - two `Value::Date`s are never `===` (a date value has no identity);
//! - `**` uses libm's fdlibm port, which can differ from V8's in the last
//!   bit for some non-integer exponents;
//! - `sort` with an inconsistent comparator matches V8 for arrays shorter
//!   than 64 elements only.

pub mod builtins;
pub mod date;
pub mod error;
pub mod json;
pub mod methods;
pub mod number;
pub mod ops;
mod pow;
pub mod string;
pub mod value;

pub use builtins::*;
pub use error::{JsError, JsErrorKind};
pub use number::{number_to_string, to_fixed};
pub use ops::*;
pub use string::JsString;
pub use value::{Array, Object, Value, number_serde};
