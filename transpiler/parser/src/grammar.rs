//! The HandledScript parser: a recursive-descent parser over the lexer's tokens.
//!
//! Structure (workflows, steps, blocks) lives in `items`, expressions and arrow-function
//! statements in `expr`. Every parsing function returns [`PResult`]: `Err(Stop)` means an error
//! has been recorded and the caller should resynchronise. Nesting is bounded by [`MAX_DEPTH`].

mod expr;
mod items;

use crate::lexer::{self, P, Tok, Token};
use crate::{Expr, MAX_DEPTH, Parsed, Span, SyntaxError, SyntaxErrorKind};

/// Marker: an error was recorded, the current construct is abandoned.
#[derive(Debug)]
pub(crate) struct Stop;

/// The result of a parsing function.
pub(crate) type PResult<T> = Result<T, Stop>;

/// Parser state over one token list.
pub(crate) struct Parser<'s> {
    src: &'s str,
    base: usize,
    toks: Vec<Token>,
    strings: Vec<String>,
    pos: usize,
    errors: Vec<SyntaxError>,
    depth: usize,
    eof_poisoned: bool,
    /// How many `}` error recovery has skipped: a bracket opened before a skip may have lost
    /// its closing `}` to it, so it is not reported as unclosed.
    skipped_closers: usize,
    /// An unclosed bracket has been reported at the end of input.
    eof_unclosed_reported: bool,
}

/// Parses a whole file.
pub(crate) fn parse_file(source: &str) -> Parsed {
    let (mut p, lex_errors) = Parser::new(source, 0);
    let file = p.file();
    let errors = merge(lex_errors, p.errors);
    Parsed { file, errors }
}

/// Parses one expression filling the whole of `source`.
pub(crate) fn parse_expression(source: &str, offset: usize) -> Result<Expr, Vec<SyntaxError>> {
    let (mut p, lex_errors) = Parser::new(source, offset);
    let result = p.expr();
    if result.is_ok() && !p.at_eof() {
        p.error_expected(&["end of expression"], "");
    }
    let errors = merge(lex_errors, p.errors);
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

fn merge(mut a: Vec<SyntaxError>, b: Vec<SyntaxError>) -> Vec<SyntaxError> {
    a.extend(b);
    a.sort_by_key(|e| (e.span.start, e.span.end));
    a
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

impl<'s> Parser<'s> {
    fn new(src: &'s str, base: usize) -> (Self, Vec<SyntaxError>) {
        let lexed = lexer::lex(src, base);
        let p = Parser {
            src,
            base,
            toks: lexed.tokens,
            strings: lexed.strings,
            pos: 0,
            errors: Vec::new(),
            depth: 0,
            eof_poisoned: lexed.eof_poisoned,
            skipped_closers: 0,
            eof_unclosed_reported: false,
        };
        (p, lexed.errors)
    }

    // ----- token access -------------------------------------------------------------------

    fn tok_at(&self, i: usize) -> Token {
        match self.toks.get(i) {
            Some(t) => *t,
            None => Token {
                kind: Tok::Eof,
                start: self.src.len() as u32,
                end: self.src.len() as u32,
                nl_before: false,
            },
        }
    }

    fn peek(&self) -> Token {
        self.tok_at(self.pos)
    }

    fn peek_kind(&self) -> Tok {
        self.peek().kind
    }

    fn nth_kind(&self, n: usize) -> Tok {
        self.tok_at(self.pos + n).kind
    }

    /// Skips the current token during error recovery.
    fn skip(&mut self) {
        if self.at(P::RBrace) {
            self.skipped_closers += 1;
        }
        self.bump();
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        if self.pos < self.toks.len().saturating_sub(1) {
            self.pos += 1;
        }
        t
    }

    fn at_eof(&self) -> bool {
        self.peek_kind() == Tok::Eof
    }

    fn at(&self, p: P) -> bool {
        self.peek_kind() == Tok::Punct(p)
    }

    fn nth_is(&self, n: usize, p: P) -> bool {
        self.nth_kind(n) == Tok::Punct(p)
    }

    fn eat(&mut self, p: P) -> Option<Token> {
        if self.at(p) { Some(self.bump()) } else { None }
    }

    fn text(&self, t: Token) -> &'s str {
        self.src.get(t.start as usize..t.end as usize).unwrap_or("")
    }

    fn span(&self, t: Token) -> Span {
        Span::new(self.base + t.start as usize, self.base + t.end as usize)
    }

    /// The span from the start of `first` to the end of the previously consumed token.
    fn span_from(&self, start: Span) -> Span {
        let prev = if self.pos == 0 {
            self.peek()
        } else {
            self.tok_at(self.pos - 1)
        };
        start.to(self.span(prev))
    }

    fn is_ident(&self, n: usize) -> bool {
        self.nth_kind(n) == Tok::Ident
    }

    fn is_kw(&self, n: usize, kw: &str) -> bool {
        let t = self.tok_at(self.pos + n);
        t.kind == Tok::Ident && self.text(t) == kw
    }

    fn take_string(&mut self, i: u32) -> String {
        self.strings
            .get_mut(i as usize)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn ident(&self, t: Token) -> crate::Ident {
        crate::Ident {
            name: self.text(t).to_string(),
            span: self.span(t),
        }
    }

    /// How a token is named in an error message.
    fn describe(&self, t: Token) -> String {
        match t.kind {
            Tok::Eof => "end of input".to_string(),
            Tok::Str(_) => format!("string {}", self.short_text(t)),
            Tok::Num(_) => format!("number `{}`", self.short_text(t)),
            Tok::TplFull(_) | Tok::TplHead(_) => "template literal".to_string(),
            Tok::TplMid(_) | Tok::TplTail(_) => "`}`".to_string(),
            Tok::Ident if RESERVED.contains(&self.text(t)) => {
                format!("keyword `{}`", self.text(t))
            }
            _ => format!("`{}`", self.short_text(t)),
        }
    }

    fn short_text(&self, t: Token) -> String {
        let s = self.text(t);
        if s.chars().count() > 24 {
            let cut: String = s.chars().take(21).collect();
            format!("{cut}…")
        } else {
            s.to_string()
        }
    }

    // ----- errors -------------------------------------------------------------------------

    fn push_error(&mut self, e: SyntaxError) {
        self.errors.push(e);
    }

    /// Records an error about the current token, unless it is the end of input after a literal
    /// that already swallowed the rest of the file.
    fn error_here(
        &mut self,
        kind: SyntaxErrorKind,
        message: String,
        expected: &[&str],
        help: Option<&str>,
    ) -> Stop {
        let t = self.peek();
        if self.eof_poisoned && t.end as usize >= self.src.len() {
            return Stop;
        }
        if t.kind == Tok::Regex {
            // Already reported by the lexer.
            return Stop;
        }
        if t.kind == Tok::Eof {
            // The brackets still open are the same mistake: do not report them too.
            self.eof_unclosed_reported = true;
        }
        let span = self.span(t);
        self.push_error(SyntaxError {
            span,
            message,
            expected: expected.iter().map(|s| s.to_string()).collect(),
            help: help.map(str::to_string),
            kind,
        });
        Stop
    }

    /// "expected X `context`, found Y" about the current token.
    fn error_expected(&mut self, expected: &[&str], context: &str) -> Stop {
        let found = self.describe(self.peek());
        let ctx = if context.is_empty() {
            String::new()
        } else {
            format!(" {context}")
        };
        let message = format!("expected {}{ctx}, found {found}", join_expected(expected));
        let help = self.help_for_current();
        self.error_here(SyntaxErrorKind::Unexpected, message, expected, help)
    }

    /// A generic hint for common mistakes at the current token.
    fn help_for_current(&self) -> Option<&'static str> {
        let t = self.peek();
        match t.kind {
            Tok::Punct(P::Semi) => Some("`;` only ends statements inside `=> { … }` bodies"),
            Tok::Punct(P::Eq) => Some("fields are written `name: value`; compare with `===`"),
            _ => None,
        }
    }

    fn error_span(
        &mut self,
        kind: SyntaxErrorKind,
        span: Span,
        message: String,
        expected: &[&str],
        help: Option<&str>,
    ) -> Stop {
        self.push_error(SyntaxError {
            span,
            message,
            expected: expected.iter().map(|s| s.to_string()).collect(),
            help: help.map(str::to_string),
            kind,
        });
        Stop
    }

    /// Reports a bracket that was never closed, at its opening token.
    /// `closers_before` is [`Parser::skipped_closers`] when `open` was read.
    fn unclosed(&mut self, open: Token, close: &str, closers_before: usize) {
        if self.skipped_closers > closers_before || (self.at_eof() && self.eof_poisoned) {
            return;
        }
        // At the end of input only the innermost unclosed bracket is reported: the outer ones
        // are usually the same mistake (a truncated file).
        if self.at_eof() {
            if self.eof_unclosed_reported {
                return;
            }
            self.eof_unclosed_reported = true;
        }
        let open_text = self.text(open).to_string();
        let found = self.describe(self.peek());
        let span = self.span(open);
        self.error_span(
            SyntaxErrorKind::Unexpected,
            span,
            format!("this `{open_text}` is never closed: expected `{close}`, found {found}"),
            &[&format!("`{close}`")],
            None,
        );
    }

    /// Enters one level of nesting; `Err` (and a `TooDeep` error) past [`MAX_DEPTH`].
    fn deeper(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.peek();
            let span = self.span(t);
            return Err(self.error_span(
                SyntaxErrorKind::TooDeep,
                span,
                format!("nesting is deeper than {MAX_DEPTH} levels"),
                &[],
                Some("split the expression into smaller parts, e.g. separate transforms"),
            ));
        }
        Ok(())
    }

    // ----- recovery -----------------------------------------------------------------------

    /// How many brackets opened between token `from` and the current token are still open.
    fn open_depth(&self, from: usize) -> usize {
        let mut depth = 0usize;
        for t in self.toks.get(from..self.pos).unwrap_or(&[]) {
            if is_open(t.kind) {
                depth += 1;
            } else if is_close(t.kind) {
                depth = depth.saturating_sub(1);
            }
        }
        depth
    }

    /// Whether the tokens at the current position start a step or a workflow, which always
    /// ends whatever was being recovered from.
    fn at_strong_sync(&self) -> bool {
        if self.is_kw(0, "workflow") || self.is_kw(0, "transform") {
            return self.is_ident(1) && self.nth_is(2, P::LBrace);
        }
        if self.is_kw(0, "action") || self.is_kw(0, "trigger") {
            return self.is_ident(1) && self.nth_is(2, P::Dot);
        }
        self.is_kw(0, "forEach") && self.nth_is(1, P::Colon)
    }

    /// Whether the current token looks like the start of a field: `name:` at the start of a
    /// line or after a comma.
    fn at_field_start(&self) -> bool {
        if !(self.is_ident(0) && self.nth_is(1, P::Colon)) {
            return false;
        }
        let t = self.peek();
        let prev = if self.pos == 0 {
            None
        } else {
            Some(self.tok_at(self.pos - 1).kind)
        };
        match prev {
            Some(Tok::Punct(P::Question | P::Dot | P::QDot)) => false,
            Some(Tok::Punct(P::Comma | P::LBrace)) => true,
            _ => t.nl_before,
        }
    }

    /// Skips the rest of a broken field that started at token `field_start`: stops at a
    /// comma (consumed), the block's `}`, the next field, or a step.
    fn sync_field(&mut self, field_start: usize) {
        let mut depth = self.open_depth(field_start);
        loop {
            let k = self.peek_kind();
            if k == Tok::Eof || self.at_strong_sync() {
                return;
            }
            if depth == 0 {
                match k {
                    Tok::Punct(P::RBrace) => return,
                    Tok::Punct(P::Comma) => {
                        self.skip();
                        return;
                    }
                    _ if self.at_field_start() => return,
                    _ => {}
                }
            }
            if is_open(k) {
                depth += 1;
            } else if is_close(k) {
                depth = depth.saturating_sub(1);
            }
            self.skip();
        }
    }

    /// Skips to the next step, the workflow's `}` or the next workflow; `from` is where the
    /// broken construct began (brackets opened since then are skipped as a whole).
    fn sync_step(&mut self, from: usize) {
        let mut depth = self.open_depth(from);
        loop {
            let k = self.peek_kind();
            if k == Tok::Eof || self.at_strong_sync() {
                return;
            }
            if depth == 0 {
                if k == Tok::Punct(P::RBrace) {
                    return;
                }
                if (self.is_kw(0, "transform") || self.is_kw(0, "action")) && self.is_ident(1) {
                    return;
                }
                if self.is_kw(0, "workflow") && self.is_ident(1) {
                    return;
                }
            }
            if is_open(k) {
                depth += 1;
            } else if is_close(k) {
                depth = depth.saturating_sub(1);
            }
            self.skip();
        }
    }
}
