//! The HandledScript parser: winnow parsers over the lexer's tokens.
//!
//! The input is a [`TokenSlice`] of [`Token`]s in a [`Stateful`] stream whose [`State`] collects
//! the syntax errors and tracks the nesting depth. Structure (workflows, steps, blocks) lives in
//! `items`, expressions and arrow-function statements in `expr`.
//!
//! A parser that fails with a backtrack error has consumed nothing and recorded nothing: the
//! caller may try something else (`alt`, `opt`, `dispatch!`). A cut error means the error has
//! been recorded and the construct is abandoned: the caller resynchronises (at the next field,
//! step or workflow), so that one pass reports every error. Nesting is bounded by
//! [`MAX_DEPTH`].

mod expr;
mod items;

use winnow::combinator::{opt, peek};
use winnow::error::{ContextError, ErrMode};
use winnow::prelude::*;
use winnow::stream::{ContainsToken, Stateful, Stream, TokenSlice};
use winnow::token::{any, one_of};

use crate::lexer::{self, P, Tok, Token};
use crate::{Expr, MAX_DEPTH, Parsed, Span, SyntaxError, SyntaxErrorKind};

/// The parser's input: the tokens still to read, and the state carried along them.
pub(crate) type Input<'t, 's> = Stateful<TokenSlice<'t, Token<'s>>, State<'t, 's>>;

/// The error of a parser that gave up after recording a [`SyntaxError`].
pub(crate) type Stop = ErrMode<ContextError>;

/// What the parser carries along the tokens.
#[derive(Debug)]
pub(crate) struct State<'t, 's> {
    src: &'s str,
    base: usize,
    /// All the tokens (the input is a suffix of them), for looking back during recovery.
    all: &'t [Token<'s>],
    strings: Vec<String>,
    errors: Vec<SyntaxError>,
    depth: usize,
    eof_poisoned: bool,
    /// How many `}` error recovery has skipped: a bracket opened before a skip may have lost
    /// its closing `}` to it, so it is not reported as unclosed.
    skipped_closers: usize,
    /// An unclosed bracket has been reported at the end of input.
    eof_unclosed_reported: bool,
    /// The Pratt parser has read a binary operator whose right operand has not started yet.
    pending_operator: bool,
    /// For each binary operator whose right operand is being read, the nesting depth to go
    /// back to once it has been read.
    operand_depths: Vec<usize>,
}

/// Runs `f` over the tokens of `source`; returns its result and every error, in source order.
fn run<T>(
    source: &str,
    base: usize,
    f: impl FnOnce(&mut Input<'_, '_>) -> ModalResult<T>,
) -> (ModalResult<T>, Vec<SyntaxError>) {
    let lexed = lexer::lex(source, base);
    let mut input = Input {
        input: TokenSlice::new(&lexed.tokens),
        state: State {
            src: source,
            base,
            all: &lexed.tokens,
            strings: lexed.strings,
            errors: Vec::new(),
            depth: 0,
            eof_poisoned: lexed.eof_poisoned,
            skipped_closers: 0,
            eof_unclosed_reported: false,
            pending_operator: false,
            operand_depths: Vec::new(),
        },
    };
    let result = f(&mut input);
    let mut errors = lexed.errors;
    errors.append(&mut input.state.errors);
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    (result, errors)
}

/// Parses a whole file.
pub(crate) fn parse_file(source: &str) -> Parsed {
    let (file, errors) = run(source, 0, items::file);
    let file = file.unwrap_or_else(|_| crate::File {
        workflows: Vec::new(),
        span: Span::new(0, source.len()),
    });
    Parsed { file, errors }
}

/// Parses one expression filling the whole of `source`.
pub(crate) fn parse_expression(source: &str, offset: usize) -> Result<Expr, Vec<SyntaxError>> {
    let (result, errors) = run(source, offset, |i| {
        let e = expr::expr(i)?;
        if !at_eof(i) {
            return Err(error_expected(i, &["end of expression"], ""));
        }
        Ok(e)
    });
    match result {
        Ok(e) if errors.is_empty() => Ok(e),
        _ if errors.is_empty() => Err(vec![SyntaxError {
            span: Span::new(offset, offset + source.len()),
            message: "invalid expression".to_string(),
            expected: Vec::new(),
            help: None,
            kind: SyntaxErrorKind::Unexpected,
        }]),
        _ => Err(errors),
    }
}

/// Joins expected items as prose: "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn join_expected(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Reserved words that cannot be used as names in expressions.
const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "let",
    "await",
];

fn is_open(k: Tok) -> bool {
    matches!(
        k,
        Tok::Punct(P::LBrace | P::LParen | P::LBracket) | Tok::TplHead(_)
    )
}

fn is_close(k: Tok) -> bool {
    matches!(
        k,
        Tok::Punct(P::RBrace | P::RParen | P::RBracket) | Tok::TplTail(_)
    )
}

/// A punctuator matches the token it names, so `one_of(P::Comma)` parses a comma.
impl ContainsToken<&Token<'_>> for P {
    fn contains_token(&self, token: &Token<'_>) -> bool {
        token.kind == Tok::Punct(*self)
    }
}

// ----- tokens ------------------------------------------------------------------------------

/// The `n`th token ahead (the end-of-input token past the end).
fn nth<'s>(i: &Input<'_, 's>, n: usize) -> Token<'s> {
    match i.input.get(n).or_else(|| i.state.all.last()) {
        Some(t) => *t,
        None => Token {
            kind: Tok::Eof,
            text: "",
            start: i.state.src.len() as u32,
            end: i.state.src.len() as u32,
            nl_before: false,
        },
    }
}

/// The current token, not consumed.
fn peek_tok<'s>(i: &Input<'_, 's>) -> Token<'s> {
    nth(i, 0)
}

fn peek_kind(i: &Input<'_, '_>) -> Tok {
    nth(i, 0).kind
}

/// The index of the current token.
fn position(i: &Input<'_, '_>) -> usize {
    i.state.all.len() - i.eof_offset()
}

/// The last token consumed (the current one at the start).
fn prev_tok<'s>(i: &Input<'_, 's>) -> Token<'s> {
    match i.input.previous_tokens().next() {
        Some(t) => *t,
        None => peek_tok(i),
    }
}

/// Consumes the current token, except the end of input, which stays.
fn bump<'s>(i: &mut Input<'_, 's>) -> Token<'s> {
    let t = peek_tok(i);
    if t.kind != Tok::Eof {
        let _ = any::<_, Stop>.parse_next(i);
    }
    t
}

/// Skips the current token during error recovery.
fn skip(i: &mut Input<'_, '_>) {
    if at(i, P::RBrace) {
        i.state.skipped_closers += 1;
    }
    bump(i);
}

fn at_eof(i: &Input<'_, '_>) -> bool {
    peek_kind(i) == Tok::Eof
}

fn at(i: &Input<'_, '_>, p: P) -> bool {
    peek_kind(i) == Tok::Punct(p)
}

fn nth_is(i: &Input<'_, '_>, n: usize, p: P) -> bool {
    nth(i, n).kind == Tok::Punct(p)
}

/// The punctuator `p`.
fn punct<'t, 's: 't>(p: P) -> impl Parser<Input<'t, 's>, Token<'s>, Stop> {
    one_of(p).map(|t: &Token<'s>| *t)
}

/// Consumes `p` if it is the current token.
fn eat<'s>(i: &mut Input<'_, 's>, p: P) -> Option<Token<'s>> {
    opt(punct(p)).parse_next(i).ok().flatten()
}

/// A name or keyword token.
fn ident_tok<'t, 's>(i: &mut Input<'t, 's>) -> ModalResult<Token<'s>> {
    one_of(|t: &Token<'_>| t.kind == Tok::Ident)
        .map(|t: &Token<'s>| *t)
        .parse_next(i)
}

/// The keyword `word` (a name token with that text).
fn kw<'t, 's: 't>(word: &'static str) -> impl Parser<Input<'t, 's>, Token<'s>, Stop> {
    one_of(move |t: &Token<'_>| t.kind == Tok::Ident && t.text == word).map(|t: &Token<'s>| *t)
}

fn is_ident(i: &Input<'_, '_>, n: usize) -> bool {
    nth(i, n).kind == Tok::Ident
}

fn is_kw(i: &Input<'_, '_>, n: usize, word: &str) -> bool {
    let t = nth(i, n);
    t.kind == Tok::Ident && t.text == word
}

/// Whether the tokens ahead match `p` (nothing is consumed).
fn lookahead<'t, 's, O>(
    i: &mut Input<'t, 's>,
    p: impl Parser<Input<'t, 's>, O, Stop>,
) -> Option<O> {
    opt(peek(p)).parse_next(i).ok().flatten()
}

fn take_string(i: &mut Input<'_, '_>, idx: u32) -> String {
    i.state
        .strings
        .get_mut(idx as usize)
        .map(std::mem::take)
        .unwrap_or_default()
}

fn span(i: &Input<'_, '_>, t: Token<'_>) -> Span {
    let base = i.state.base;
    Span::new(base + t.start as usize, base + t.end as usize)
}

/// The span from `start` to the end of the previously consumed token.
fn span_from(i: &Input<'_, '_>, start: Span) -> Span {
    start.to(span(i, prev_tok(i)))
}

fn ident(i: &Input<'_, '_>, t: Token<'_>) -> crate::Ident {
    crate::Ident {
        name: t.text.to_string(),
        span: span(i, t),
    }
}

/// How a token is named in an error message.
fn describe(t: Token<'_>) -> String {
    match t.kind {
        Tok::Eof => "end of input".to_string(),
        Tok::Str(_) => format!("string {}", short_text(t)),
        Tok::Num(_) => format!("number `{}`", short_text(t)),
        Tok::TplFull(_) | Tok::TplHead(_) => "template literal".to_string(),
        Tok::TplMid(_) | Tok::TplTail(_) => "`}`".to_string(),
        Tok::Ident if RESERVED.contains(&t.text) => format!("keyword `{}`", t.text),
        _ => format!("`{}`", short_text(t)),
    }
}

fn short_text(t: Token<'_>) -> String {
    if t.text.chars().count() > 24 {
        let cut: String = t.text.chars().take(21).collect();
        format!("{cut}…")
    } else {
        t.text.to_string()
    }
}

// ----- errors ------------------------------------------------------------------------------

/// The cut error returned once a [`SyntaxError`] has been recorded (or need not be).
fn stop() -> Stop {
    ErrMode::Cut(ContextError::new())
}

/// Records an error about the current token, unless it is the end of input after a literal
/// that already swallowed the rest of the file.
fn error_here(
    i: &mut Input<'_, '_>,
    kind: SyntaxErrorKind,
    message: String,
    expected: &[&str],
    help: Option<&str>,
) -> Stop {
    let t = peek_tok(i);
    if i.state.eof_poisoned && t.end as usize >= i.state.src.len() {
        return stop();
    }
    if t.kind == Tok::Regex {
        // Already reported by the lexer.
        return stop();
    }
    if t.kind == Tok::Eof {
        // The brackets still open are the same mistake: do not report them too.
        i.state.eof_unclosed_reported = true;
    }
    let span = span(i, t);
    error_span(i, kind, span, message, expected, help)
}

/// "expected X `context`, found Y" about the current token.
fn error_expected(i: &mut Input<'_, '_>, expected: &[&str], context: &str) -> Stop {
    let t = peek_tok(i);
    let ctx = if context.is_empty() {
        String::new()
    } else {
        format!(" {context}")
    };
    let message = format!(
        "expected {}{ctx}, found {}",
        join_expected(expected),
        describe(t)
    );
    // A generic hint for common mistakes.
    let help = match t.kind {
        Tok::Punct(P::Semi) => Some("`;` only ends statements inside `=> { … }` bodies"),
        Tok::Punct(P::Eq) => Some("fields are written `name: value`; compare with `===`"),
        _ => None,
    };
    error_here(i, SyntaxErrorKind::Unexpected, message, expected, help)
}

/// Gives the error just recorded a help line, if it has none.
fn add_help(i: &mut Input<'_, '_>, help: &str) {
    if let Some(e) = i.state.errors.last_mut()
        && e.help.is_none()
    {
        e.help = Some(help.to_string());
    }
}

fn error_span(
    i: &mut Input<'_, '_>,
    kind: SyntaxErrorKind,
    span: Span,
    message: String,
    expected: &[&str],
    help: Option<&str>,
) -> Stop {
    i.state.errors.push(SyntaxError {
        span,
        message,
        expected: expected.iter().map(|s| s.to_string()).collect(),
        help: help.map(str::to_string),
        kind,
    });
    stop()
}

/// Reports a bracket that was never closed, at its opening token.
/// `closers_before` is [`State::skipped_closers`] when `open` was read.
fn unclosed(i: &mut Input<'_, '_>, open: Token<'_>, close: &str, closers_before: usize) {
    if i.state.skipped_closers > closers_before || (at_eof(i) && i.state.eof_poisoned) {
        return;
    }
    // At the end of input only the innermost unclosed bracket is reported: the outer ones
    // are usually the same mistake (a truncated file).
    if at_eof(i) {
        if i.state.eof_unclosed_reported {
            return;
        }
        i.state.eof_unclosed_reported = true;
    }
    let found = describe(peek_tok(i));
    let span = span(i, open);
    error_span(
        i,
        SyntaxErrorKind::Unexpected,
        span,
        format!(
            "this `{}` is never closed: expected `{close}`, found {found}",
            open.text
        ),
        &[&format!("`{close}`")],
        None,
    );
}

/// Enters one level of nesting; a cut error (and a `TooDeep` error) past [`MAX_DEPTH`].
fn deeper(i: &mut Input<'_, '_>) -> ModalResult<()> {
    i.state.depth += 1;
    if i.state.depth > MAX_DEPTH {
        let span = span(i, peek_tok(i));
        return Err(error_span(
            i,
            SyntaxErrorKind::TooDeep,
            span,
            format!("nesting is deeper than {MAX_DEPTH} levels"),
            &[],
            Some("split the expression into smaller parts, e.g. separate transforms"),
        ));
    }
    Ok(())
}

/// Runs `f` and restores the nesting depth afterwards, whatever the outcome.
fn with_depth<'t, 's, T>(
    i: &mut Input<'t, 's>,
    f: impl FnOnce(&mut Input<'t, 's>) -> ModalResult<T>,
) -> ModalResult<T> {
    let saved = i.state.depth;
    let r = f(i);
    i.state.depth = saved;
    r
}

// ----- recovery ----------------------------------------------------------------------------

/// How many brackets opened between token `from` and the current token are still open.
fn open_depth(i: &Input<'_, '_>, from: usize) -> usize {
    let mut depth = 0usize;
    for t in i.state.all.get(from..position(i)).unwrap_or(&[]) {
        if is_open(t.kind) {
            depth += 1;
        } else if is_close(t.kind) {
            depth = depth.saturating_sub(1);
        }
    }
    depth
}

/// Whether the tokens at the current position start a step or a workflow, which always ends
/// whatever was being recovered from.
fn at_strong_sync(i: &Input<'_, '_>) -> bool {
    if is_kw(i, 0, "workflow") || is_kw(i, 0, "transform") {
        return is_ident(i, 1) && nth_is(i, 2, P::LBrace);
    }
    if is_kw(i, 0, "action") || is_kw(i, 0, "trigger") {
        return is_ident(i, 1) && nth_is(i, 2, P::Dot);
    }
    is_kw(i, 0, "forEach") && nth_is(i, 1, P::Colon)
}

/// Whether the current token looks like the start of a field: `name:` at the start of a line
/// or after a comma.
fn at_field_start(i: &Input<'_, '_>) -> bool {
    if !(is_ident(i, 0) && nth_is(i, 1, P::Colon)) {
        return false;
    }
    match i.input.previous_tokens().next().map(|t| t.kind) {
        Some(Tok::Punct(P::Question | P::Dot | P::QDot)) => false,
        Some(Tok::Punct(P::Comma | P::LBrace)) => true,
        _ => peek_tok(i).nl_before,
    }
}

/// Skips the rest of a broken field that started at token `field_start`: stops at a comma
/// (consumed), the block's `}`, the next field, or a step.
fn sync_field(i: &mut Input<'_, '_>, field_start: usize) {
    let mut depth = open_depth(i, field_start);
    loop {
        let k = peek_kind(i);
        if k == Tok::Eof || at_strong_sync(i) {
            return;
        }
        if depth == 0 {
            match k {
                Tok::Punct(P::RBrace) => return,
                Tok::Punct(P::Comma) => {
                    skip(i);
                    return;
                }
                _ if at_field_start(i) => return,
                _ => {}
            }
        }
        if is_open(k) {
            depth += 1;
        } else if is_close(k) {
            depth = depth.saturating_sub(1);
        }
        skip(i);
    }
}

/// Skips to the next step, the workflow's `}` or the next workflow; `from` is where the broken
/// construct began (brackets opened since then are skipped as a whole).
fn sync_step(i: &mut Input<'_, '_>, from: usize) {
    let mut depth = open_depth(i, from);
    loop {
        let k = peek_kind(i);
        if k == Tok::Eof || at_strong_sync(i) {
            return;
        }
        if depth == 0 {
            if k == Tok::Punct(P::RBrace) {
                return;
            }
            if (is_kw(i, 0, "transform") || is_kw(i, 0, "action")) && is_ident(i, 1) {
                return;
            }
            if is_kw(i, 0, "workflow") && is_ident(i, 1) {
                return;
            }
        }
        if is_open(k) {
            depth += 1;
        } else if is_close(k) {
            depth = depth.saturating_sub(1);
        }
        skip(i);
    }
}
