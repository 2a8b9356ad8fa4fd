//! The HandledScript lexer: source text to a flat list of tokens with byte spans.
//!
//! Comments and whitespace are dropped (a token only remembers whether a line break came
//! before it, which error recovery uses as a hint). String and template literals are cooked
//! here, their text kept in a side table; numbers are converted here. Lexical errors are
//! collected and the lexer always goes on, so that the parser sees every token it can.

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

/// One token: kind, local byte range, and whether a line break precedes it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: u32,
    pub end: u32,
    pub nl_before: bool,
}

/// The lexer's output.
pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub strings: Vec<String>,
    pub errors: Vec<SyntaxError>,
    /// A literal or comment ran to the end of input: errors found at the end are follow-ons.
    pub eof_poisoned: bool,
}

const PUNCTS: &[(&str, P)] = &[
    (">>>=", P::CompoundAssign),
    ("...", P::Ellipsis),
    ("===", P::EqEqEq),
    ("!==", P::BangEqEq),
    ("**=", P::CompoundAssign),
    ("<<=", P::CompoundAssign),
    (">>=", P::CompoundAssign),
    (">>>", P::Bitwise),
    ("&&=", P::CompoundAssign),
    ("||=", P::CompoundAssign),
    ("??=", P::CompoundAssign),
    ("=>", P::Arrow),
    ("==", P::EqEq),
    ("!=", P::BangEq),
    ("<=", P::Le),
    (">=", P::Ge),
    ("&&", P::AndAnd),
    ("||", P::OrOr),
    ("??", P::QQ),
    ("**", P::StarStar),
    ("++", P::Update),
    ("--", P::Update),
    ("+=", P::CompoundAssign),
    ("-=", P::CompoundAssign),
    ("*=", P::CompoundAssign),
    ("/=", P::CompoundAssign),
    ("%=", P::CompoundAssign),
    ("&=", P::CompoundAssign),
    ("|=", P::CompoundAssign),
    ("^=", P::CompoundAssign),
    ("<<", P::Bitwise),
    (">>", P::Bitwise),
    ("{", P::LBrace),
    ("}", P::RBrace),
    ("(", P::LParen),
    (")", P::RParen),
    ("[", P::LBracket),
    ("]", P::RBracket),
    (",", P::Comma),
    (":", P::Colon),
    (";", P::Semi),
    (".", P::Dot),
    ("?", P::Question),
    ("!", P::Bang),
    ("+", P::Plus),
    ("-", P::Minus),
    ("*", P::Star),
    ("/", P::Slash),
    ("%", P::Percent),
    ("=", P::Eq),
    ("<", P::Lt),
    (">", P::Gt),
    ("&", P::Bitwise),
    ("|", P::Bitwise),
    ("^", P::Bitwise),
    ("~", P::Tilde),
];

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

struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    base: usize,
    out: Lexed,
    /// One entry per open `{` or template substitution: `Some(start of the template)` for the latter.
    braces: Vec<Option<usize>>,
    nl: bool,
}

/// Splits `src` into tokens; `base` is added to the spans of the errors.
pub(crate) fn lex(src: &str, base: usize) -> Lexed {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        base,
        out: Lexed {
            tokens: Vec::with_capacity(src.len() / 4 + 1),
            strings: Vec::new(),
            errors: Vec::new(),
            eof_poisoned: false,
        },
        braces: Vec::new(),
        nl: false,
    };
    lx.run();
    lx.out
}

impl<'s> Lexer<'s> {
    fn error(&mut self, kind: SyntaxErrorKind, start: usize, end: usize, message: String) {
        self.error_help(kind, start, end, message, None);
    }

    fn error_help(
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

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn char_at(&self, pos: usize) -> Option<char> {
        self.src.get(pos..).and_then(|s| s.chars().next())
    }

    fn byte_at(&self, pos: usize) -> u8 {
        self.bytes.get(pos).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: Tok, start: usize) {
        self.out.tokens.push(Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
            nl_before: self.nl,
        });
        self.nl = false;
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

    fn run(&mut self) {
        loop {
            self.skip_trivia();
            let Some(c) = self.peek_char() else {
                break;
            };
            let start = self.pos;
            if is_id_start(c) {
                self.pos += c.len_utf8();
                while let Some(c) = self.peek_char() {
                    if !is_id_continue(c) {
                        break;
                    }
                    self.pos += c.len_utf8();
                }
                self.push(Tok::Ident, start);
            } else if c.is_ascii_digit() || (c == '.' && self.byte_at(start + 1).is_ascii_digit()) {
                let v = self.number();
                self.push(Tok::Num(v), start);
            } else if c == '"' || c == '\'' {
                self.string(c);
            } else if c == '`' {
                self.pos += 1;
                self.template(start, start, true);
            } else if c == '/' && self.regex_allowed() {
                self.regex();
            } else if c == '{' {
                self.pos += 1;
                self.braces.push(None);
                self.push(Tok::Punct(P::LBrace), start);
            } else if c == '}' {
                match self.braces.pop() {
                    Some(Some(tpl_start)) => {
                        self.pos += 1;
                        self.template(start, tpl_start, false);
                    }
                    _ => {
                        self.pos += 1;
                        self.push(Tok::Punct(P::RBrace), start);
                    }
                }
            } else if c == '?'
                && self.byte_at(start + 1) == b'.'
                && !self.byte_at(start + 2).is_ascii_digit()
            {
                self.pos += 2;
                self.push(Tok::Punct(P::QDot), start);
            } else if let Some(p) = self.punct() {
                self.push(Tok::Punct(p), start);
            } else {
                self.pos += c.len_utf8();
                self.push(Tok::Unknown, start);
            }
        }
        // Template substitutions still open at the end.
        if let Some(tpl_start) = self.braces.iter().rev().find_map(|b| *b)
            && !self.out.eof_poisoned
        {
            self.error(
                SyntaxErrorKind::BadLiteral,
                tpl_start,
                tpl_start + 1,
                "unterminated template literal".to_string(),
            );
            self.out.eof_poisoned = true;
        }
        let end = self.src.len();
        self.out.tokens.push(Token {
            kind: Tok::Eof,
            start: end as u32,
            end: end as u32,
            nl_before: self.nl,
        });
    }

    fn punct(&mut self) -> Option<P> {
        let rest = self.src.get(self.pos..)?;
        let first = rest.as_bytes().first()?;
        for (text, p) in PUNCTS {
            if text.as_bytes().first() == Some(first) && rest.starts_with(text) {
                self.pos += text.len();
                return Some(*p);
            }
        }
        None
    }

    fn skip_trivia(&mut self) {
        while let Some(c) = self.peek_char() {
            if is_line_terminator(c) {
                self.nl = true;
                self.pos += c.len_utf8();
            } else if is_js_whitespace(c) {
                self.pos += c.len_utf8();
            } else if c == '/' && self.byte_at(self.pos + 1) == b'/' {
                while let Some(c) = self.peek_char() {
                    if is_line_terminator(c) {
                        break;
                    }
                    self.pos += c.len_utf8();
                }
            } else if c == '/' && self.byte_at(self.pos + 1) == b'*' {
                let start = self.pos;
                let rest = self.src.get(start + 2..).unwrap_or("");
                match rest.find("*/") {
                    Some(i) => {
                        let body = &rest[..i];
                        if body.contains(is_line_terminator) {
                            self.nl = true;
                        }
                        self.pos = start + 2 + i + 2;
                    }
                    None => {
                        self.error(
                            SyntaxErrorKind::BadLiteral,
                            start,
                            start + 2,
                            "unterminated block comment: `/*` is never closed by `*/`".to_string(),
                        );
                        self.out.eof_poisoned = true;
                        self.pos = self.src.len();
                    }
                }
            } else {
                break;
            }
        }
    }

    fn regex(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let mut in_class = false;
        while let Some(c) = self.peek_char() {
            if is_line_terminator(c) {
                break;
            }
            self.pos += c.len_utf8();
            match c {
                '\\' => {
                    if let Some(n) = self.peek_char()
                        && !is_line_terminator(n)
                    {
                        self.pos += n.len_utf8();
                    }
                }
                '[' => in_class = true,
                ']' => in_class = false,
                '/' if !in_class => {
                    while let Some(c) = self.peek_char() {
                        if !is_id_continue(c) {
                            break;
                        }
                        self.pos += c.len_utf8();
                    }
                    break;
                }
                _ => {}
            }
        }
        self.error_help(
            SyntaxErrorKind::Unsupported,
            start,
            self.pos,
            "regular expression literals are not supported".to_string(),
            Some(
                "use string methods with a string pattern: `includes`, `startsWith`, `endsWith`, `split`, `replace`, `replaceAll`",
            ),
        );
        self.push(Tok::Regex, start);
    }

    /// Scans digits of `radix` with numeric separators; returns how many digits were read.
    fn digits(&mut self, radix: u32, out: &mut Vec<u8>) -> usize {
        let mut count = 0;
        let mut last_was_digit = false;
        loop {
            let b = self.byte_at(self.pos);
            if (b as char).is_digit(radix) {
                out.push(b);
                count += 1;
                last_was_digit = true;
                self.pos += 1;
            } else if b == b'_' {
                let start = self.pos;
                while self.byte_at(self.pos) == b'_' {
                    self.pos += 1;
                }
                let next = self.byte_at(self.pos);
                if !last_was_digit || !(next as char).is_digit(radix) || self.pos - start > 1 {
                    self.error(
                        SyntaxErrorKind::BadLiteral,
                        start,
                        self.pos,
                        "numeric separator `_` must stand between two digits".to_string(),
                    );
                }
                last_was_digit = false;
            } else {
                return count;
            }
        }
    }

    fn number(&mut self) -> f64 {
        let start = self.pos;
        let mut buf: Vec<u8> = Vec::new();
        let first = self.byte_at(start);
        let second = self.byte_at(start + 1).to_ascii_lowercase();
        let value;
        if first == b'0' && matches!(second, b'x' | b'o' | b'b') {
            let radix = match second {
                b'x' => 16,
                b'o' => 8,
                _ => 2,
            };
            self.pos += 2;
            if self.byte_at(self.pos) == b'_' {
                self.error(
                    SyntaxErrorKind::BadLiteral,
                    self.pos,
                    self.pos + 1,
                    "numeric separator `_` must stand between two digits".to_string(),
                );
                self.pos += 1;
            }
            if self.digits(radix, &mut buf) == 0 {
                self.error(
                    SyntaxErrorKind::BadLiteral,
                    start,
                    self.pos,
                    format!("expected digits after `{}`", &self.src[start..start + 2]),
                );
                value = f64::NAN;
            } else {
                value = radix_to_f64(&buf, radix);
            }
        } else {
            let int_digits = self.digits(10, &mut buf);
            if first == b'0' && int_digits > 1 {
                self.error_help(
                    SyntaxErrorKind::BadLiteral,
                    start,
                    self.pos,
                    "numbers cannot start with `0` followed by digits (legacy octal)".to_string(),
                    Some("write `0o17` for an octal number, or drop the leading zero"),
                );
            }
            if self.byte_at(self.pos) == b'.' {
                buf.push(b'.');
                self.pos += 1;
                if self.byte_at(self.pos) == b'_' {
                    self.error(
                        SyntaxErrorKind::BadLiteral,
                        self.pos,
                        self.pos + 1,
                        "numeric separator `_` must stand between two digits".to_string(),
                    );
                    self.pos += 1;
                }
                self.digits(10, &mut buf);
            }
            if matches!(self.byte_at(self.pos), b'e' | b'E') {
                let e_pos = self.pos;
                buf.push(b'e');
                self.pos += 1;
                if matches!(self.byte_at(self.pos), b'+' | b'-') {
                    buf.push(self.byte_at(self.pos));
                    self.pos += 1;
                }
                if self.digits(10, &mut buf) == 0 {
                    self.error(
                        SyntaxErrorKind::BadLiteral,
                        e_pos,
                        self.pos,
                        "expected digits in the exponent of a number".to_string(),
                    );
                    buf.push(b'0');
                }
            }
            value = std::str::from_utf8(&buf)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(f64::NAN);
        }
        if self.byte_at(self.pos) == b'n' {
            self.pos += 1;
            self.error(
                SyntaxErrorKind::Unsupported,
                start,
                self.pos,
                "BigInt literals are not supported".to_string(),
            );
        }
        if let Some(c) = self.peek_char()
            && (is_id_continue(c) || c == '\\')
        {
            let bad = self.pos;
            while let Some(c) = self.peek_char() {
                if !is_id_continue(c) {
                    break;
                }
                self.pos += c.len_utf8();
            }
            self.error(
                SyntaxErrorKind::BadLiteral,
                bad,
                self.pos.max(bad + 1).min(self.src.len()),
                "a number cannot be directly followed by a letter or digit".to_string(),
            );
        }
        value
    }

    fn string(&mut self, quote: char) {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut closed = false;
        while let Some(c) = self.peek_char() {
            if c == quote {
                self.pos += 1;
                closed = true;
                break;
            }
            if c == '\n' || c == '\r' {
                break;
            }
            if c == '\\' {
                self.escape(&mut out, false);
            } else {
                out.push(c);
                self.pos += c.len_utf8();
            }
        }
        if !closed {
            self.error(
                SyntaxErrorKind::BadLiteral,
                start,
                start + 1,
                "unterminated string literal".to_string(),
            );
            if self.pos >= self.src.len() {
                self.out.eof_poisoned = true;
            }
        }
        let idx = self.add_string(out);
        self.push(Tok::Str(idx), start);
    }

    /// Scans template text after `` ` `` or the `}` closing a substitution.
    fn template(&mut self, start: usize, tpl_start: usize, head: bool) {
        let mut out = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                self.error(
                    SyntaxErrorKind::BadLiteral,
                    tpl_start,
                    tpl_start + 1,
                    "unterminated template literal".to_string(),
                );
                self.out.eof_poisoned = true;
                let idx = self.add_string(out);
                self.push(
                    if head {
                        Tok::TplFull(idx)
                    } else {
                        Tok::TplTail(idx)
                    },
                    start,
                );
                return;
            };
            match c {
                '`' => {
                    self.pos += 1;
                    let idx = self.add_string(out);
                    self.push(
                        if head {
                            Tok::TplFull(idx)
                        } else {
                            Tok::TplTail(idx)
                        },
                        start,
                    );
                    return;
                }
                '$' if self.byte_at(self.pos + 1) == b'{' => {
                    self.pos += 2;
                    self.braces.push(Some(tpl_start));
                    let idx = self.add_string(out);
                    self.push(
                        if head {
                            Tok::TplHead(idx)
                        } else {
                            Tok::TplMid(idx)
                        },
                        start,
                    );
                    return;
                }
                '\\' => self.escape(&mut out, true),
                '\r' => {
                    self.pos += 1;
                    if self.byte_at(self.pos) == b'\n' {
                        self.pos += 1;
                    }
                    out.push('\n');
                }
                _ => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn hex_digits(&self, from: usize, n: usize) -> Option<u32> {
        let s = self.src.get(from..from + n)?;
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(s, 16).ok()
    }

    /// Reads `\uXXXX` or `\u{…}` at `self.pos` (pointing at the backslash); returns the code unit
    /// or code point, or `None` after reporting a malformed escape.
    fn unicode_escape(&mut self) -> Option<u32> {
        let start = self.pos;
        if self.byte_at(start + 2) == b'{' {
            let close = self.src.get(start + 3..).and_then(|s| s.find('}'));
            let body = close.and_then(|i| self.src.get(start + 3..start + 3 + i));
            match body {
                Some(b) if !b.is_empty() && b.bytes().all(|c| c.is_ascii_hexdigit()) => {
                    self.pos = start + 3 + b.len() + 1;
                    let trimmed = b.trim_start_matches('0');
                    match u32::from_str_radix(if trimmed.is_empty() { "0" } else { trimmed }, 16) {
                        Ok(v) if v <= 0x10FFFF && trimmed.len() <= 6 => Some(v),
                        _ => {
                            self.error(
                                SyntaxErrorKind::BadLiteral,
                                start,
                                self.pos,
                                "code point in `\\u{…}` escape is above `10FFFF`".to_string(),
                            );
                            None
                        }
                    }
                }
                _ => {
                    self.pos = start + 2;
                    self.error(
                        SyntaxErrorKind::BadLiteral,
                        start,
                        start + 2,
                        "malformed `\\u{…}` escape: expected hexadecimal digits and `}`"
                            .to_string(),
                    );
                    None
                }
            }
        } else {
            match self.hex_digits(start + 2, 4) {
                Some(v) => {
                    self.pos = start + 6;
                    Some(v)
                }
                None => {
                    self.pos = start + 2;
                    self.error(
                        SyntaxErrorKind::BadLiteral,
                        start,
                        start + 2,
                        "malformed `\\u` escape: expected four hexadecimal digits".to_string(),
                    );
                    None
                }
            }
        }
    }

    /// Reads one escape sequence (at the backslash) into `out`.
    fn escape(&mut self, out: &mut String, in_template: bool) {
        let start = self.pos;
        let Some(c) = self.char_at(start + 1) else {
            // A backslash at the very end: the literal is unterminated; the caller reports it.
            self.pos += 1;
            return;
        };
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{C}'),
            'v' => out.push('\u{B}'),
            '0' if !self.byte_at(start + 2).is_ascii_digit() => out.push('\0'),
            '0'..='9' => {
                let kind = if in_template {
                    "template literals"
                } else {
                    "strict mode"
                };
                self.error_help(
                    SyntaxErrorKind::BadLiteral,
                    start,
                    start + 2,
                    format!("octal escape sequences are not allowed in {kind}"),
                    Some("write the character with `\\x` or `\\u`, e.g. `\\x07`"),
                );
            }
            'x' => match self.hex_digits(start + 2, 2) {
                Some(v) => {
                    out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
                    self.pos = start + 4;
                    return;
                }
                None => {
                    self.error(
                        SyntaxErrorKind::BadLiteral,
                        start,
                        start + 2,
                        "malformed `\\x` escape: expected two hexadecimal digits".to_string(),
                    );
                }
            },
            'u' => {
                let Some(v) = self.unicode_escape() else {
                    return;
                };
                if (0xD800..0xDC00).contains(&v) {
                    // A high surrogate: it must be followed by a `\uXXXX` low surrogate.
                    if self.byte_at(self.pos) == b'\\' && self.byte_at(self.pos + 1) == b'u' {
                        let save = self.pos;
                        let errs = self.out.errors.len();
                        if let Some(lo) = self.unicode_escape()
                            && (0xDC00..0xE000).contains(&lo)
                        {
                            let cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            return;
                        }
                        self.pos = save;
                        self.out.errors.truncate(errs);
                    }
                    self.lone_surrogate(start);
                } else if (0xDC00..0xE000).contains(&v) {
                    self.lone_surrogate(start);
                } else {
                    out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
                }
                return;
            }
            '\r' => {
                self.pos = start + 2;
                if self.byte_at(self.pos) == b'\n' {
                    self.pos += 1;
                }
                return;
            }
            '\n' | '\u{2028}' | '\u{2029}' => {}
            other => out.push(other),
        }
        self.pos = start + 1 + c.len_utf8();
    }

    fn lone_surrogate(&mut self, start: usize) {
        self.error_help(
            SyntaxErrorKind::BadLiteral,
            start,
            self.pos,
            "this escape produces a lone surrogate, which is not supported".to_string(),
            Some("write a whole character, e.g. `\\u{1F600}` or a `\\uD83D\\uDE00` pair"),
        );
    }
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
