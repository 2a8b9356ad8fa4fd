//! The HandledScript lexer: source text to a flat list of tokens with byte spans, written
//! with winnow combinators over a [`LocatingSlice`] (which gives every token its offset) in a
//! [`Stateful`] stream that collects the tokens, the cooked strings and the errors.
//!
//! Comments and whitespace are dropped (a token only remembers whether a line break came
//! before it, which error recovery uses as a hint). String and template literals are cooked
//! here, their text kept in a side table; numbers are converted here. Lexical errors are
//! collected and the lexer always goes on, so that the parser sees every token it can.

use winnow::combinator::{alt, dispatch, empty, fail, opt, peek, preceded, terminated, trace};
use winnow::prelude::*;
use winnow::stream::{LocatingSlice, Location, Stateful, Stream};
use winnow::token::{any, none_of, one_of, rest, take_till, take_until, take_while};

use crate::{SyntaxError, SyntaxErrorKind};

/// A punctuator. The ones after `Arrow` exist only so that the parser can name them in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum P {
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Colon,
    Semi,
    Dot,
    Ellipsis,
    QDot,
    Question,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    StarStar,
    Eq,
    EqEq,
    EqEqEq,
    BangEq,
    BangEqEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    QQ,
    Arrow,
    /// `++` and `--`.
    Update,
    /// `+=`, `??=`, `>>>=`, …
    CompoundAssign,
    /// `&`, `|`, `^`, `<<`, `>>`, `>>>`.
    Bitwise,
    /// `~`.
    Tilde,
}

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A name or keyword; its text is the source slice.
    Ident,
    /// A number literal, converted.
    Num(f64),
    /// A string literal; the index of its cooked value in the string table.
    Str(u32),
    /// `` `…` `` without substitutions.
    TplFull(u32),
    /// `` `…${ ``.
    TplHead(u32),
    /// `}…${`.
    TplMid(u32),
    /// `` }…` ``.
    TplTail(u32),
    /// A punctuator.
    Punct(P),
    /// A regular expression literal (already reported by the lexer).
    Regex,
    /// A character that starts no token.
    Unknown,
    /// End of input.
    Eof,
}

/// One token: kind, text, local byte range, and whether a line break precedes it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token<'s> {
    pub kind: Tok,
    /// The token's source text.
    pub text: &'s str,
    pub start: u32,
    pub end: u32,
    pub nl_before: bool,
}

/// The lexer's output.
#[derive(Debug)]
pub(crate) struct Lexed<'s> {
    pub tokens: Vec<Token<'s>>,
    pub strings: Vec<String>,
    pub errors: Vec<SyntaxError>,
    /// A literal or comment ran to the end of input: errors found at the end are follow-ons.
    pub eof_poisoned: bool,
}

/// Keywords after which a `/` starts a regular expression rather than a division.
const REGEX_AFTER: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "instanceof",
    "new",
    "delete",
    "void",
    "throw",
    "of",
    "yield",
    "await",
];

/// Whether `c` can start an identifier.
pub(crate) fn is_id_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '$' || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

/// Whether `c` can continue an identifier.
pub(crate) fn is_id_continue(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '$'
        || c == '_'
        || (!c.is_ascii() && (c.is_alphanumeric() || c == '\u{200C}' || c == '\u{200D}'))
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn is_js_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\u{B}' | '\u{C}' | ' ' | '\u{A0}' | '\u{FEFF}') || c.is_whitespace()
}

/// The lexer's input: the rest of the source, where it is, and what has been produced so far.
type Input<'s> = Stateful<LocatingSlice<&'s str>, State<'s>>;

/// What the lexer carries along the input.
#[derive(Debug)]
struct State<'s> {
    /// The whole source (the previous token's text decides whether `/` starts a regex).
    src: &'s str,
    /// Added to the spans of the errors.
    base: usize,
    out: Lexed<'s>,
    /// One entry per open `{` or template substitution: `Some(start of the template)` for the latter.
    braces: Vec<Option<usize>>,
    /// A line break was skipped since the last token.
    nl: bool,
}

/// Splits `src` into tokens; `base` is added to the spans of the errors.
pub(crate) fn lex(src: &str, base: usize) -> Lexed<'_> {
    let mut input = Input {
        input: LocatingSlice::new(src),
        state: State {
            src,
            base,
            out: Lexed {
                tokens: Vec::with_capacity(src.len() / 4 + 1),
                strings: Vec::new(),
                errors: Vec::new(),
                eof_poisoned: false,
            },
            braces: Vec::new(),
            nl: false,
        },
    };
    // Every parser below recovers from what it does not accept, so this cannot fail; if it
    // ever did, the tokens read so far still end with `Eof` below.
    let _ = tokens.parse_next(&mut input);
    let mut state = input.state;
    // Template substitutions still open at the end.
    if let Some(tpl_start) = state.braces.iter().rev().find_map(|b| *b)
        && !state.out.eof_poisoned
    {
        state.error(
            SyntaxErrorKind::BadLiteral,
            tpl_start,
            tpl_start + 1,
            "unterminated template literal".to_string(),
            None,
        );
        state.out.eof_poisoned = true;
    }
    let end = src.len() as u32;
    state.out.tokens.push(Token {
        kind: Tok::Eof,
        text: "",
        start: end,
        end,
        nl_before: state.nl,
    });
    state.out
}

impl State<'_> {
    fn error(
        &mut self,
        kind: SyntaxErrorKind,
        start: usize,
        end: usize,
        message: String,
        help: Option<&str>,
    ) {
        self.out.errors.push(SyntaxError {
            span: crate::Span::new(self.base + start, self.base + end),
            message,
            expected: Vec::new(),
            help: help.map(str::to_string),
            kind,
        });
    }

    fn add_string(&mut self, s: String) -> u32 {
        self.out.strings.push(s);
        (self.out.strings.len() - 1) as u32
    }

    /// Whether a `/` here starts a regular expression (the previous token cannot end an operand).
    fn regex_allowed(&self) -> bool {
        let Some(prev) = self.out.tokens.last() else {
            return true;
        };
        match prev.kind {
            Tok::Num(_) | Tok::Str(_) | Tok::TplFull(_) | Tok::TplTail(_) | Tok::Regex => false,
            Tok::Ident => {
                let text = self
                    .src
                    .get(prev.start as usize..prev.end as usize)
                    .unwrap_or("");
                REGEX_AFTER.contains(&text)
            }
            Tok::Punct(P::RParen | P::RBracket | P::RBrace) => false,
            _ => true,
        }
    }
}

/// The byte offset of the input in the source.
fn pos(i: &Input<'_>) -> usize {
    i.current_token_start()
}

/// The byte `n` bytes ahead (0 past the end).
fn byte_at(i: &Input<'_>, n: usize) -> u8 {
    let rest: &str = *i.input;
    rest.as_bytes().get(n).copied().unwrap_or(0)
}

/// Records a token that started at `start` and ends here.
fn push(i: &mut Input<'_>, kind: Tok, start: usize) {
    let end = pos(i);
    let state = &mut i.state;
    state.out.tokens.push(Token {
        kind,
        text: state.src.get(start..end).unwrap_or(""),
        start: start as u32,
        end: end as u32,
        nl_before: state.nl,
    });
    state.nl = false;
}

/// `(trivia token)* trivia`.
fn tokens(i: &mut Input<'_>) -> ModalResult<()> {
    trace("tokens", |i: &mut Input<'_>| {
        loop {
            trivia(i)?;
            if i.eof_offset() == 0 {
                return Ok(());
            }
            token(i)?;
        }
    })
    .parse_next(i)
}

/// One piece of what lies between tokens.
#[derive(Clone, Copy)]
enum Trivia {
    Space,
    LineBreak,
    /// `/*` without `*/`.
    OpenComment,
}

/// Whitespace and comments; remembers line breaks and reports unterminated comments.
fn trivia(i: &mut Input<'_>) -> ModalResult<()> {
    loop {
        let start = pos(i);
        let piece = opt(alt((
            take_while(1.., is_line_terminator).value(Trivia::LineBreak),
            take_while(1.., |c: char| !is_line_terminator(c) && is_js_whitespace(c))
                .value(Trivia::Space),
            ("//", take_till(0.., is_line_terminator)).value(Trivia::Space),
            preceded("/*", opt(terminated(take_until(0.., "*/"), "*/"))).map(
                |body: Option<&str>| match body {
                    Some(b) if b.contains(is_line_terminator) => Trivia::LineBreak,
                    Some(_) => Trivia::Space,
                    None => Trivia::OpenComment,
                },
            ),
        )))
        .parse_next(i)?;
        match piece {
            None => return Ok(()),
            Some(Trivia::Space) => {}
            Some(Trivia::LineBreak) => i.state.nl = true,
            Some(Trivia::OpenComment) => {
                i.state.error(
                    SyntaxErrorKind::BadLiteral,
                    start,
                    start + 2,
                    "unterminated block comment: `/*` is never closed by `*/`".to_string(),
                    None,
                );
                i.state.out.eof_poisoned = true;
                rest.void().parse_next(i)?;
            }
        }
    }
}

/// One token (the input is not at its end).
fn token(i: &mut Input<'_>) -> ModalResult<()> {
    let start = pos(i);
    let c = peek(any).parse_next(i)?;
    let kind = match c {
        c if is_id_start(c) => {
            (any, take_while(0.., is_id_continue))
                .void()
                .parse_next(i)?;
            Tok::Ident
        }
        '0'..='9' => Tok::Num(number(i)?),
        '.' if byte_at(i, 1).is_ascii_digit() => Tok::Num(number(i)?),
        '"' | '\'' => string(i, c)?,
        '`' => {
            any.void().parse_next(i)?;
            template(i, start, true)?
        }
        '/' if i.state.regex_allowed() => {
            regex(i)?;
            Tok::Regex
        }
        '{' => {
            any.void().parse_next(i)?;
            i.state.braces.push(None);
            Tok::Punct(P::LBrace)
        }
        '}' => {
            any.void().parse_next(i)?;
            match i.state.braces.pop() {
                Some(Some(tpl_start)) => template(i, tpl_start, false)?,
                _ => Tok::Punct(P::RBrace),
            }
        }
        '?' if byte_at(i, 1) == b'.' && !byte_at(i, 2).is_ascii_digit() => {
            "?.".void().parse_next(i)?;
            Tok::Punct(P::QDot)
        }
        _ => match opt(punct).parse_next(i)? {
            Some(p) => Tok::Punct(p),
            None => {
                any.void().parse_next(i)?;
                Tok::Unknown
            }
        },
    };
    push(i, kind, start);
    Ok(())
}

/// A punctuator, longest match first.
fn punct(i: &mut Input<'_>) -> ModalResult<P> {
    use P::*;
    let assign = || "=".value(CompoundAssign);
    dispatch! {any;
        '{' => empty.value(LBrace),
        '}' => empty.value(RBrace),
        '(' => empty.value(LParen),
        ')' => empty.value(RParen),
        '[' => empty.value(LBracket),
        ']' => empty.value(RBracket),
        ',' => empty.value(Comma),
        ':' => empty.value(Colon),
        ';' => empty.value(Semi),
        '~' => empty.value(Tilde),
        '.' => alt(("..".value(Ellipsis), empty.value(Dot))),
        '=' => alt(("==".value(EqEqEq), "=".value(EqEq), ">".value(Arrow), empty.value(Eq))),
        '!' => alt(("==".value(BangEqEq), "=".value(BangEq), empty.value(Bang))),
        '*' => alt(("*=".value(CompoundAssign), "*".value(StarStar), assign(), empty.value(Star))),
        '<' => alt(("<=".value(CompoundAssign), "=".value(Le), "<".value(Bitwise), empty.value(Lt))),
        '>' => alt((
            ">>=".value(CompoundAssign),
            ">>".value(Bitwise),
            ">=".value(CompoundAssign),
            "=".value(Ge),
            ">".value(Bitwise),
            empty.value(Gt),
        )),
        '&' => alt(("&=".value(CompoundAssign), "&".value(AndAnd), assign(), empty.value(Bitwise))),
        '|' => alt(("|=".value(CompoundAssign), "|".value(OrOr), assign(), empty.value(Bitwise))),
        '?' => alt(("?=".value(CompoundAssign), "?".value(QQ), empty.value(Question))),
        '+' => alt(("+".value(Update), assign(), empty.value(Plus))),
        '-' => alt(("-".value(Update), assign(), empty.value(Minus))),
        '/' => alt((assign(), empty.value(Slash))),
        '%' => alt((assign(), empty.value(Percent))),
        '^' => alt((assign(), empty.value(Bitwise))),
        _ => fail,
    }
    .parse_next(i)
}

/// A regular expression literal: read to its end (flags included) and reported.
fn regex(i: &mut Input<'_>) -> ModalResult<()> {
    let start = pos(i);
    '/'.void().parse_next(i)?;
    let mut in_class = false;
    while let Some(c) = opt(none_of(is_line_terminator)).parse_next(i)? {
        match c {
            '\\' => {
                opt(none_of(is_line_terminator)).void().parse_next(i)?;
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => {
                take_while(0.., is_id_continue).void().parse_next(i)?;
                break;
            }
            _ => {}
        }
    }
    let end = pos(i);
    i.state.error(
        SyntaxErrorKind::Unsupported,
        start,
        end,
        "regular expression literals are not supported".to_string(),
        Some(
            "use string methods with a string pattern: `includes`, `startsWith`, `endsWith`, `split`, `replace`, `replaceAll`",
        ),
    );
    Ok(())
}

const SEPARATOR_MESSAGE: &str = "numeric separator `_` must stand between two digits";

/// Digits of `radix` with numeric separators, appended to `out`; returns how many were read.
fn digits(i: &mut Input<'_>, radix: u32, out: &mut Vec<u8>) -> ModalResult<usize> {
    let mut count = 0;
    let mut last_was_digit = false;
    loop {
        let run = take_while(0.., |c: char| c.is_digit(radix)).parse_next(i)?;
        if !run.is_empty() {
            out.extend_from_slice(run.as_bytes());
            count += run.len();
            last_was_digit = true;
            continue;
        }
        let start = pos(i);
        let Some(seps) = opt(take_while(1.., '_')).parse_next(i)? else {
            return Ok(count);
        };
        let next = byte_at(i, 0);
        if !last_was_digit || !(next as char).is_digit(radix) || seps.len() > 1 {
            let end = pos(i);
            i.state.error(
                SyntaxErrorKind::BadLiteral,
                start,
                end,
                SEPARATOR_MESSAGE.to_string(),
                None,
            );
        }
        last_was_digit = false;
    }
}

/// A `_` right after a radix prefix or a decimal point: reported and skipped.
fn leading_separator(i: &mut Input<'_>) -> ModalResult<()> {
    let at = pos(i);
    if opt('_').parse_next(i)?.is_some() {
        i.state.error(
            SyntaxErrorKind::BadLiteral,
            at,
            at + 1,
            SEPARATOR_MESSAGE.to_string(),
            None,
        );
    }
    Ok(())
}

/// A number literal, converted as JavaScript does.
fn number(i: &mut Input<'_>) -> ModalResult<f64> {
    let start = pos(i);
    let first = byte_at(i, 0);
    let mut buf: Vec<u8> = Vec::new();
    let radix = opt(preceded(
        '0',
        alt((
            one_of(['x', 'X']).value(16),
            one_of(['o', 'O']).value(8),
            one_of(['b', 'B']).value(2),
        )),
    ))
    .parse_next(i)?;
    let value = if let Some(radix) = radix {
        leading_separator(i)?;
        if digits(i, radix, &mut buf)? == 0 {
            let prefix = i.state.src.get(start..start + 2).unwrap_or("0x");
            let message = format!("expected digits after `{prefix}`");
            let end = pos(i);
            i.state
                .error(SyntaxErrorKind::BadLiteral, start, end, message, None);
            f64::NAN
        } else {
            radix_to_f64(&buf, radix)
        }
    } else {
        let int_digits = digits(i, 10, &mut buf)?;
        if first == b'0' && int_digits > 1 {
            let end = pos(i);
            i.state.error(
                SyntaxErrorKind::BadLiteral,
                start,
                end,
                "numbers cannot start with `0` followed by digits (legacy octal)".to_string(),
                Some("write `0o17` for an octal number, or drop the leading zero"),
            );
        }
        if opt('.').parse_next(i)?.is_some() {
            buf.push(b'.');
            leading_separator(i)?;
            digits(i, 10, &mut buf)?;
        }
        let e_pos = pos(i);
        if opt(one_of(['e', 'E'])).parse_next(i)?.is_some() {
            buf.push(b'e');
            if let Some(sign) = opt(one_of(['+', '-'])).parse_next(i)? {
                buf.push(sign as u8);
            }
            if digits(i, 10, &mut buf)? == 0 {
                let end = pos(i);
                i.state.error(
                    SyntaxErrorKind::BadLiteral,
                    e_pos,
                    end,
                    "expected digits in the exponent of a number".to_string(),
                    None,
                );
                buf.push(b'0');
            }
        }
        std::str::from_utf8(&buf)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    if opt('n').parse_next(i)?.is_some() {
        let end = pos(i);
        i.state.error(
            SyntaxErrorKind::Unsupported,
            start,
            end,
            "BigInt literals are not supported".to_string(),
            None,
        );
    }
    if let Some(c) = opt(peek(any)).parse_next(i)?
        && (is_id_continue(c) || c == '\\')
    {
        let bad = pos(i);
        take_while(0.., is_id_continue).void().parse_next(i)?;
        let end = pos(i).max(bad + 1).min(i.state.src.len());
        i.state.error(
            SyntaxErrorKind::BadLiteral,
            bad,
            end,
            "a number cannot be directly followed by a letter or digit".to_string(),
            None,
        );
    }
    Ok(value)
}

/// A string literal in `quote`s, cooked.
fn string(i: &mut Input<'_>, quote: char) -> ModalResult<Tok> {
    let start = pos(i);
    any.void().parse_next(i)?;
    let mut out = String::new();
    let mut closed = false;
    loop {
        let chunk = take_till(0.., |c: char| c == quote || matches!(c, '\\' | '\n' | '\r'))
            .parse_next(i)?;
        out.push_str(chunk);
        match opt(peek(any)).parse_next(i)? {
            Some(c) if c == quote => {
                any.void().parse_next(i)?;
                closed = true;
                break;
            }
            Some('\\') => escape(i, &mut out, false)?,
            _ => break,
        }
    }
    if !closed {
        i.state.error(
            SyntaxErrorKind::BadLiteral,
            start,
            start + 1,
            "unterminated string literal".to_string(),
            None,
        );
        if i.eof_offset() == 0 {
            i.state.out.eof_poisoned = true;
        }
    }
    Ok(Tok::Str(i.state.add_string(out)))
}

/// Template text after `` ` `` (`head`) or after the `}` closing a substitution.
fn template(i: &mut Input<'_>, tpl_start: usize, head: bool) -> ModalResult<Tok> {
    let mut out = String::new();
    loop {
        let chunk = take_till(0.., ['`', '$', '\\', '\r']).parse_next(i)?;
        out.push_str(chunk);
        let Some(c) = opt(peek(any)).parse_next(i)? else {
            i.state.error(
                SyntaxErrorKind::BadLiteral,
                tpl_start,
                tpl_start + 1,
                "unterminated template literal".to_string(),
                None,
            );
            i.state.out.eof_poisoned = true;
            let idx = i.state.add_string(out);
            return Ok(if head {
                Tok::TplFull(idx)
            } else {
                Tok::TplTail(idx)
            });
        };
        match c {
            '`' => {
                any.void().parse_next(i)?;
                let idx = i.state.add_string(out);
                return Ok(if head {
                    Tok::TplFull(idx)
                } else {
                    Tok::TplTail(idx)
                });
            }
            '$' => {
                any.void().parse_next(i)?;
                if opt('{').parse_next(i)?.is_some() {
                    i.state.braces.push(Some(tpl_start));
                    let idx = i.state.add_string(out);
                    return Ok(if head {
                        Tok::TplHead(idx)
                    } else {
                        Tok::TplMid(idx)
                    });
                }
                out.push('$');
            }
            '\\' => escape(i, &mut out, true)?,
            _ => {
                ('\r', opt('\n')).void().parse_next(i)?;
                out.push('\n');
            }
        }
    }
}

/// Exactly `n` hexadecimal digits, as a number.
fn hex(n: usize) -> impl FnMut(&mut Input<'_>) -> ModalResult<u32> {
    move |i: &mut Input<'_>| {
        take_while(n..=n, |c: char| c.is_ascii_hexdigit())
            .try_map(|s: &str| u32::from_str_radix(s, 16))
            .parse_next(i)
    }
}

/// `\uXXXX` or `\u{…}` (at the backslash): the code unit or code point, or `None` after
/// reporting a malformed escape.
fn unicode_escape(i: &mut Input<'_>) -> ModalResult<Option<u32>> {
    let start = pos(i);
    "\\u".void().parse_next(i)?;
    let after_u = i.checkpoint();
    if opt('{').parse_next(i)?.is_some() {
        let body = opt(terminated(
            take_while(1.., |c: char| c.is_ascii_hexdigit()),
            '}',
        ))
        .parse_next(i)?;
        let Some(body) = body else {
            i.reset(&after_u);
            i.state.error(
                SyntaxErrorKind::BadLiteral,
                start,
                start + 2,
                "malformed `\\u{…}` escape: expected hexadecimal digits and `}`".to_string(),
                None,
            );
            return Ok(None);
        };
        let trimmed = body.trim_start_matches('0');
        return Ok(
            match u32::from_str_radix(if trimmed.is_empty() { "0" } else { trimmed }, 16) {
                Ok(v) if v <= 0x10FFFF && trimmed.len() <= 6 => Some(v),
                _ => {
                    let end = pos(i);
                    i.state.error(
                        SyntaxErrorKind::BadLiteral,
                        start,
                        end,
                        "code point in `\\u{…}` escape is above `10FFFF`".to_string(),
                        None,
                    );
                    None
                }
            },
        );
    }
    match opt(hex(4)).parse_next(i)? {
        Some(v) => Ok(Some(v)),
        None => {
            i.state.error(
                SyntaxErrorKind::BadLiteral,
                start,
                start + 2,
                "malformed `\\u` escape: expected four hexadecimal digits".to_string(),
                None,
            );
            Ok(None)
        }
    }
}

/// One escape sequence (at the backslash), cooked into `out`.
fn escape(i: &mut Input<'_>, out: &mut String, in_template: bool) -> ModalResult<()> {
    let start = pos(i);
    let at_backslash = i.checkpoint();
    '\\'.void().parse_next(i)?;
    let Some(c) = opt(peek(any)).parse_next(i)? else {
        // A backslash at the very end: the literal is unterminated; the caller reports it.
        return Ok(());
    };
    let simple = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{C}'),
        'v' => Some('\u{B}'),
        '0' if !byte_at(i, 1).is_ascii_digit() => Some('\0'),
        _ => None,
    };
    if let Some(cooked) = simple {
        any.void().parse_next(i)?;
        out.push(cooked);
        return Ok(());
    }
    match c {
        '0'..='9' => {
            any.void().parse_next(i)?;
            let kind = if in_template {
                "template literals"
            } else {
                "strict mode"
            };
            i.state.error(
                SyntaxErrorKind::BadLiteral,
                start,
                start + 2,
                format!("octal escape sequences are not allowed in {kind}"),
                Some("write the character with `\\x` or `\\u`, e.g. `\\x07`"),
            );
        }
        'x' => {
            any.void().parse_next(i)?;
            match opt(hex(2)).parse_next(i)? {
                Some(v) => out.push(char::from_u32(v).unwrap_or('\u{FFFD}')),
                None => i.state.error(
                    SyntaxErrorKind::BadLiteral,
                    start,
                    start + 2,
                    "malformed `\\x` escape: expected two hexadecimal digits".to_string(),
                    None,
                ),
            }
        }
        'u' => {
            i.reset(&at_backslash);
            let Some(v) = unicode_escape(i)? else {
                return Ok(());
            };
            if (0xD800..0xDC00).contains(&v) {
                // A high surrogate: it must be followed by a `\uXXXX` low surrogate.
                if i.starts_with("\\u") {
                    let save = i.checkpoint();
                    let errs = i.state.out.errors.len();
                    if let Some(lo) = unicode_escape(i)?
                        && (0xDC00..0xE000).contains(&lo)
                    {
                        let cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                        out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        return Ok(());
                    }
                    i.reset(&save);
                    i.state.out.errors.truncate(errs);
                }
                lone_surrogate(i, start);
            } else if (0xDC00..0xE000).contains(&v) {
                lone_surrogate(i, start);
            } else {
                out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
            }
        }
        '\r' => {
            ('\r', opt('\n')).void().parse_next(i)?;
        }
        '\n' | '\u{2028}' | '\u{2029}' => {
            any.void().parse_next(i)?;
        }
        other => {
            any.void().parse_next(i)?;
            out.push(other);
        }
    }
    Ok(())
}

fn lone_surrogate(i: &mut Input<'_>, start: usize) {
    let end = pos(i);
    i.state.error(
        SyntaxErrorKind::BadLiteral,
        start,
        end,
        "this escape produces a lone surrogate, which is not supported".to_string(),
        Some("write a whole character, e.g. `\\u{1F600}` or a `\\uD83D\\uDE00` pair"),
    );
}

/// Converts the digits of a `0x`/`0o`/`0b` literal to the nearest `f64`, as JavaScript does.
fn radix_to_f64(digits: &[u8], radix: u32) -> f64 {
    let bits_per_digit = match radix {
        16 => 4,
        8 => 3,
        _ => 1,
    };
    // Keep the top 64 significant bits and a sticky bit for the rest: rounding is then exact.
    let mut mantissa: u64 = 0;
    let mut shift: i32 = 0;
    let mut sticky = false;
    for &d in digits {
        let v = (d as char).to_digit(radix).unwrap_or(0) as u64;
        for i in (0..bits_per_digit).rev() {
            let bit = (v >> i) & 1;
            if mantissa >> 63 == 0 {
                mantissa = (mantissa << 1) | bit;
            } else {
                shift += 1;
                sticky |= bit == 1;
            }
        }
    }
    if shift == 0 {
        return mantissa as f64;
    }
    let m = if sticky { mantissa | 1 } else { mantissa };
    (m as f64) * 2f64.powi(shift)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn num(s: &str) -> f64 {
        let l = lex(s, 0);
        assert!(l.errors.is_empty(), "{s}: {:?}", l.errors);
        match l.tokens[0].kind {
            Tok::Num(v) => v,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn string(s: &str) -> Result<String, Vec<SyntaxError>> {
        let l = lex(s, 0);
        if !l.errors.is_empty() {
            return Err(l.errors);
        }
        match l.tokens[0].kind {
            Tok::Str(i) => Ok(l.strings[i as usize].clone()),
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(num("10"), 10.0);
        assert_eq!(num("0.6"), 0.6);
        assert_eq!(num(".5"), 0.5);
        assert_eq!(num("5."), 5.0);
        assert_eq!(num("1e3"), 1000.0);
        assert_eq!(num("1E-3"), 0.001);
        assert_eq!(num("2.5e+2"), 250.0);
        assert_eq!(num("0x1f"), 31.0);
        assert_eq!(num("0XFF"), 255.0);
        assert_eq!(num("0o17"), 15.0);
        assert_eq!(num("0b101"), 5.0);
        assert_eq!(num("1_000"), 1000.0);
        assert_eq!(num("1_000.000_1"), 1000.0001);
        assert_eq!(num("0xFF_FF"), 65535.0);
        assert_eq!(num("0"), 0.0);
        assert_eq!(num("9007199254740993"), 9007199254740992.0);
        assert_eq!(num("0x20000000000001"), 9007199254740992.0);
        assert_eq!(num("0x20000000000003"), 9007199254740996.0);
        assert_eq!(num("0xFFFFFFFFFFFFFFFFFFFF"), 1208925819614629174706176.0);
        assert_eq!(num("1e400"), f64::INFINITY);
    }

    #[test]
    fn bad_numbers() {
        for s in [
            "1__0", "1_", "0x", "1e", "017", "3in", "10n", "0x_1", "1._5",
        ] {
            assert!(!lex(s, 0).errors.is_empty(), "{s}");
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(string(r#""a\nb\tc""#).unwrap(), "a\nb\tc");
        assert_eq!(string(r"'\x41\u0042\u{43}\u{1F600}'").unwrap(), "ABC😀");
        assert_eq!(string(r"'\uD83D\uDE00'").unwrap(), "😀");
        assert_eq!(string(r"'\0\b\f\v\r'").unwrap(), "\0\u{8}\u{C}\u{B}\r");
        assert_eq!(string(r#"'\'\"\\\q'"#).unwrap(), "'\"\\q");
        assert_eq!(string("'a\\\nb'").unwrap(), "ab");
        assert_eq!(string("'a\\\r\nb'").unwrap(), "ab");
        assert_eq!(string("'é€'").unwrap(), "é€");
        for bad in [
            r"'\uD83D'",
            r"'\uDE00'",
            r"'\u{D800}'",
            r"'\uD83Dx'",
            r"'\u{110000}'",
            r"'\x4'",
            r"'\u12'",
            r"'\u{}'",
            r"'\01'",
            r"'\8'",
            "'abc",
            "'ab\ncd'",
        ] {
            let errs = string(bad).unwrap_err();
            assert_eq!(errs[0].kind, SyntaxErrorKind::BadLiteral, "{bad}");
        }
    }

    #[test]
    fn optional_dot_before_digit_is_conditional() {
        let l = lex("a?.5:1", 0);
        assert!(matches!(l.tokens[1].kind, Tok::Punct(P::Question)));
        assert!(matches!(l.tokens[2].kind, Tok::Num(v) if v == 0.5));
    }
}
