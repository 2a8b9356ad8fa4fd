//! HandledScript parser: turns `.hs` source text into a [`File`] whose every node carries a
//! byte [`Span`], and reports every syntax error it can find in one pass.
//!
//! The parser does no I/O and never panics; nesting deeper than [`MAX_DEPTH`] is an error.
//!
//! It is built with [winnow](https://docs.rs/winnow) in two stages. The lexer (`lexer`) runs
//! winnow parsers over a `LocatingSlice` of the source and produces tokens with byte spans
//! (strings and numbers already cooked, lexical errors collected). The parser (`parser`) runs
//! winnow parsers over a `TokenSlice` of those tokens in a `Stateful` stream that collects the
//! syntax errors and counts the nesting depth: `dispatch!`, `alt` and `opt` choose between
//! constructs, winnow's Pratt parser (`expression`) handles the binary operators, and a cut
//! error abandons a construct once its error has been recorded, after which the caller
//! resynchronises at the next field, step or workflow.

pub mod ast;

pub use ast::*;

/// How deeply expressions, blocks and statements may nest before the parser refuses the input.
///
/// Every level of the tree counts: brackets, prefix operators, arrow bodies and statements, and
/// also each link of an operator chain (`a + b + …`, `a.b.c…`, `f()()…`), which nests in the
/// tree as deeply as it is long. Consumers may therefore walk the tree recursively.
pub const MAX_DEPTH: usize = 128;

/// A syntax error: what was expected, where, and how to fix it when we know.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// Where the error was found (often the unexpected token).
    pub span: Span,
    /// One sentence: what is wrong (`expected `:` after field name, found `=``).
    pub message: String,
    /// What the parser would have accepted here, for the JSON output and the help line.
    pub expected: Vec<String>,
    /// A suggested fix, when there is an obvious one.
    pub help: Option<String>,
    /// Which kind of syntax error this is.
    pub kind: SyntaxErrorKind,
}

/// The kinds of syntax error; each maps to one diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// A token that cannot stand here.
    Unexpected,
    /// A string, template or comment that is not closed, or a bad escape or number.
    BadLiteral,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A JavaScript construct outside the supported subset (`function`, `class`, regex literals, `=` outside `let`, …).
    Unsupported,
}

/// The result of parsing: the tree (with the parts that failed left out) and every error found.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The syntax tree; when `errors` is not empty it holds what could be recovered.
    pub file: File,
    /// Every syntax error, in source order.
    pub errors: Vec<SyntaxError>,
}

/// Parses one `.hs` file.
pub fn parse(source: &str) -> Parsed {
    parser::parse_file(source)
}

/// Parses one expression alone (used for `forEach` condition strings); `offset` is added to
/// every span so that they point into the enclosing file.
pub fn parse_expression(source: &str, offset: usize) -> Result<Expr, Vec<SyntaxError>> {
    parser::parse_expression(source, offset)
}

mod lexer;
mod parser;
