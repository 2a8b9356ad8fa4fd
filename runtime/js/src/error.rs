//! `JsError`: the JavaScript exceptions an expression can throw.

use std::fmt;

/// The kind of a thrown JavaScript error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsErrorKind {
    /// `TypeError`, e.g. reading a property of `undefined`.
    TypeError,
    /// `RangeError`, e.g. `toISOString` on an invalid date.
    RangeError,
    /// `SyntaxError`, e.g. `JSON.parse` of malformed text.
    SyntaxError,
}

impl JsErrorKind {
    /// The constructor name, as JavaScript prints it.
    pub fn name(self) -> &'static str {
        match self {
            JsErrorKind::TypeError => "TypeError",
            JsErrorKind::RangeError => "RangeError",
            JsErrorKind::SyntaxError => "SyntaxError",
        }
    }
}

/// A thrown JavaScript error, with V8's message and an optional source position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    /// The error's constructor.
    pub kind: JsErrorKind,
    /// The message, worded as V8 words it.
    pub message: String,
    /// 1-based source line of the expression that threw; 0 when unknown.
    pub line: u32,
    /// 1-based source column; 0 when unknown.
    pub column: u32,
}

impl JsError {
    /// A `TypeError` with `message`.
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(JsErrorKind::TypeError, message)
    }

    /// A `RangeError` with `message`.
    pub fn range_error(message: impl Into<String>) -> Self {
        Self::new(JsErrorKind::RangeError, message)
    }

    /// A `SyntaxError` with `message`.
    pub fn syntax_error(message: impl Into<String>) -> Self {
        Self::new(JsErrorKind::SyntaxError, message)
    }

    /// An error of `kind` with `message` and no position.
    pub fn new(kind: JsErrorKind, message: impl Into<String>) -> Self {
        JsError {
            kind,
            message: message.into(),
            line: 0,
            column: 0,
        }
    }

    /// Sets the source position, only if none was set yet (the innermost wins).
    pub fn at(mut self, line: u32, column: u32) -> Self {
        if self.line == 0 && self.column == 0 {
            self.line = line;
            self.column = column;
        }
        self
    }

    /// `TypeError: <callee> is not a function`.
    pub fn not_a_function(callee: &str) -> Self {
        Self::type_error(format!("{callee} is not a function"))
    }

    /// `TypeError: Cannot read properties of undefined (reading 'key')`.
    pub fn cannot_read(base: &str, key: &str) -> Self {
        Self::type_error(format!(
            "Cannot read properties of {base} (reading '{key}')"
        ))
    }
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for JsError {}
