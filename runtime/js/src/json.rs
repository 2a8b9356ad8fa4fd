//! `JSON.stringify` and `JSON.parse`, exactly as V8 does them.

use crate::error::JsError;
use crate::number::{number_to_std_string, to_integer_or_infinity};
use crate::string::JsString;
use crate::value::{Object, Value};

fn quote_into(out: &mut Vec<u16>, s: &JsString) {
    out.push(u16::from(b'"'));
    let units = s.units();
    let n = units.len();
    for i in 0..n {
        let c = units[i];
        match c {
            0x22 => out.extend_from_slice(&[0x5c, 0x22]),
            0x5c => out.extend_from_slice(&[0x5c, 0x5c]),
            0x08 => out.extend_from_slice(&[0x5c, u16::from(b'b')]),
            0x0c => out.extend_from_slice(&[0x5c, u16::from(b'f')]),
            0x0a => out.extend_from_slice(&[0x5c, u16::from(b'n')]),
            0x0d => out.extend_from_slice(&[0x5c, u16::from(b'r')]),
            0x09 => out.extend_from_slice(&[0x5c, u16::from(b't')]),
            0..=0x1f => out.extend(format!("\\u{c:04x}").encode_utf16()),
            0xd800..=0xdbff if i + 1 < n && (0xdc00..=0xdfff).contains(&units[i + 1]) => {
                out.push(c)
            }
            0xdc00..=0xdfff if i > 0 && (0xd800..=0xdbff).contains(&units[i - 1]) => out.push(c),
            0xd800..=0xdfff => out.extend(format!("\\u{c:04x}").encode_utf16()),
            _ => out.push(c),
        }
    }
    out.push(u16::from(b'"'));
}

struct Writer {
    out: Vec<u16>,
    gap: Vec<u16>,
    indent: Vec<u16>,
}

impl Writer {
    fn push_str(&mut self, s: &str) {
        self.out.extend(s.encode_utf16());
    }

    fn newline_indent(&mut self) {
        self.out.push(u16::from(b'\n'));
        self.out.extend_from_slice(&self.indent);
    }

    /// Writes `v`; returns false (writing nothing) when it serializes to undefined.
    fn value(&mut self, v: &Value) -> bool {
        match v {
            Value::Undefined => return false,
            Value::Null => self.push_str("null"),
            Value::Bool(b) => self.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                if n.is_finite() {
                    self.push_str(&number_to_std_string(*n));
                } else {
                    self.push_str("null");
                }
            }
            Value::String(s) => quote_into(&mut self.out, s),
            Value::Date(t) => match crate::date::to_iso_string(*t) {
                Some(s) => quote_into(&mut self.out, &JsString::from(s)),
                None => self.push_str("null"),
            },
            Value::Array(a) => {
                if a.is_empty() {
                    self.push_str("[]");
                    return true;
                }
                self.out.push(u16::from(b'['));
                let saved = self.indent.len();
                self.indent.extend_from_slice(&self.gap.clone());
                for (i, item) in a.iter().enumerate() {
                    if i > 0 {
                        self.out.push(u16::from(b','));
                    }
                    if !self.gap.is_empty() {
                        self.newline_indent();
                    }
                    if !self.value(item) {
                        self.push_str("null");
                    }
                }
                self.indent.truncate(saved);
                if !self.gap.is_empty() {
                    self.newline_indent();
                }
                self.out.push(u16::from(b']'));
            }
            Value::Object(o) => {
                self.object(o);
            }
        }
        true
    }

    fn object(&mut self, o: &Object) {
        let saved = self.indent.len();
        self.indent.extend_from_slice(&self.gap.clone());
        self.out.push(u16::from(b'{'));
        let mut any = false;
        for (k, v) in o.iter() {
            if v.is_undefined() {
                continue;
            }
            if any {
                self.out.push(u16::from(b','));
            }
            any = true;
            if !self.gap.is_empty() {
                self.newline_indent();
            }
            quote_into(&mut self.out, k);
            self.out.push(u16::from(b':'));
            if !self.gap.is_empty() {
                self.out.push(u16::from(b' '));
            }
            self.value(v);
        }
        self.indent.truncate(saved);
        if any && !self.gap.is_empty() {
            self.newline_indent();
        }
        self.out.push(u16::from(b'}'));
    }
}

/// `JSON.stringify(v, null, space)`: a string, or `undefined` when `v` is `undefined`.
pub fn json_stringify(v: &Value, space: Option<&Value>) -> Value {
    let gap: Vec<u16> = match space {
        Some(Value::Number(n)) => {
            let k = to_integer_or_infinity(*n).clamp(0.0, 10.0) as usize;
            vec![u16::from(b' '); k]
        }
        Some(Value::String(s)) => {
            let u = s.units();
            u[..u.len().min(10)].to_vec()
        }
        _ => Vec::new(),
    };
    let mut w = Writer {
        out: Vec::new(),
        gap,
        indent: Vec::new(),
    };
    if w.value(v) {
        Value::String(JsString::from_utf16(&w.out))
    } else {
        Value::Undefined
    }
}

/// Where a JSON syntax error was found, and what V8 says about it.
enum Fail {
    /// End of input where more was needed.
    End,
    /// An unexpected character at this position.
    Token(usize),
    /// A specific message at this position.
    At(&'static str, usize),
}

struct Parser<'a> {
    s: &'a [u16],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while let Some(&c) = self.s.get(self.i) {
            if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u16> {
        self.s.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Value, Fail> {
        self.ws();
        let Some(c) = self.peek() else {
            return Err(Fail::End);
        };
        if depth > 5000 {
            return Err(Fail::Token(self.i));
        }
        match c {
            0x7b => self.object(depth),
            0x5b => self.array(depth),
            0x22 => Ok(Value::String(self.string()?)),
            0x2d | 0x30..=0x39 => self.number(),
            0x74 => self.literal("true", Value::Bool(true)),
            0x66 => self.literal("false", Value::Bool(false)),
            0x6e => self.literal("null", Value::Null),
            _ => Err(Fail::Token(self.i)),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, Fail> {
        for b in word.bytes() {
            match self.peek() {
                None => return Err(Fail::End),
                Some(c) if c == u16::from(b) => self.i += 1,
                Some(_) => return Err(Fail::Token(self.i)),
            }
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(0x30..=0x39)) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, Fail> {
        let start = self.i;
        if self.peek() == Some(0x2d) {
            self.i += 1;
            if !matches!(self.peek(), Some(0x30..=0x39)) {
                return Err(Fail::At("No number after minus sign", self.i));
            }
        }
        if self.peek() == Some(0x30) {
            self.i += 1;
            if matches!(self.peek(), Some(0x30..=0x39)) {
                return Err(Fail::At("Unexpected number", self.i));
            }
        } else {
            self.digits();
        }
        if self.peek() == Some(0x2e) {
            self.i += 1;
            if self.digits() == 0 {
                return Err(Fail::At("Unterminated fractional number", self.i));
            }
        }
        if matches!(self.peek(), Some(0x65 | 0x45)) {
            self.i += 1;
            if matches!(self.peek(), Some(0x2b | 0x2d)) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(Fail::At("Exponent part is missing a number", self.i));
            }
        }
        let text: String = self.s[start..self.i]
            .iter()
            .map(|&c| c as u8 as char)
            .collect();
        Ok(Value::Number(text.parse().unwrap_or(f64::NAN)))
    }

    fn string(&mut self) -> Result<JsString, Fail> {
        self.i += 1;
        let mut out: Vec<u16> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(Fail::At("Unterminated string", self.i));
            };
            match c {
                0x22 => {
                    self.i += 1;
                    return Ok(JsString::from_utf16(&out));
                }
                0x5c => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(Fail::At("Unterminated string", self.i));
                    };
                    let v = match e {
                        0x22 => 0x22,
                        0x5c => 0x5c,
                        0x2f => 0x2f,
                        0x62 => 0x08,
                        0x66 => 0x0c,
                        0x6e => 0x0a,
                        0x72 => 0x0d,
                        0x74 => 0x09,
                        0x75 => {
                            let mut v: u16 = 0;
                            for k in 1..=4 {
                                let d = self
                                    .s
                                    .get(self.i + k)
                                    .and_then(|&h| char::from_u32(u32::from(h)))
                                    .and_then(|h| h.to_digit(16));
                                match d {
                                    Some(d) => v = v * 16 + d as u16,
                                    None if self.i + k >= self.s.len() => {
                                        return Err(Fail::At("Bad Unicode escape", self.i - 1));
                                    }
                                    None => {
                                        return Err(Fail::At("Bad Unicode escape", self.i + k));
                                    }
                                }
                            }
                            self.i += 4;
                            v
                        }
                        _ => return Err(Fail::At("Bad escaped character", self.i)),
                    };
                    out.push(v);
                    self.i += 1;
                }
                0..=0x1f => {
                    return Err(Fail::At("Bad control character in string literal", self.i));
                }
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Fail> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(0x5d) {
            self.i += 1;
            return Ok(Value::array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(0x2c) => self.i += 1,
                Some(0x5d) => {
                    self.i += 1;
                    return Ok(Value::array(items));
                }
                None => return Err(Fail::End),
                Some(_) => return Err(Fail::At("Expected ',' or ']' after array element", self.i)),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Fail> {
        self.i += 1;
        let mut pairs = Vec::new();
        self.ws();
        if self.peek() == Some(0x7d) {
            self.i += 1;
            return Ok(Value::object(pairs));
        }
        let mut first = true;
        loop {
            self.ws();
            if self.peek() != Some(0x22) {
                return Err(Fail::At(
                    if first {
                        "Expected property name or '}'"
                    } else {
                        "Expected double-quoted property name"
                    },
                    self.i,
                ));
            }
            first = false;
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(0x3a) {
                return Err(Fail::At("Expected ':' after property name", self.i));
            }
            self.i += 1;
            let v = self.value(depth + 1)?;
            pairs.push((key, v));
            self.ws();
            match self.peek() {
                Some(0x2c) => self.i += 1,
                Some(0x7d) => {
                    self.i += 1;
                    return Ok(Value::object(pairs));
                }
                None => return Err(Fail::End),
                Some(_) => {
                    return Err(Fail::At("Expected ',' or '}' after property value", self.i));
                }
            }
        }
    }
}

fn token_message(src: &[u16], pos: usize) -> String {
    const CONTEXT: usize = 10;
    let c = src[pos];
    if c == 0x22 {
        return format!("Unexpected string in JSON at position {pos}");
    }
    if matches!(c, 0x2d | 0x30..=0x39) {
        return format!("Unexpected number in JSON at position {pos}");
    }
    let tok = JsString::from_utf16(&src[pos..=pos]).to_string_lossy();
    let text = |a: usize, b: usize| JsString::from_utf16(&src[a..b]).to_string_lossy();
    let len = src.len();
    if len < CONTEXT * 2 + 1 {
        format!(
            "Unexpected token '{tok}', \"{}\" is not valid JSON",
            text(0, len)
        )
    } else if pos < CONTEXT {
        format!(
            "Unexpected token '{tok}', \"{}\"... is not valid JSON",
            text(0, pos + CONTEXT)
        )
    } else if pos < len - CONTEXT {
        format!(
            "Unexpected token '{tok}', ...\"{}\"... is not valid JSON",
            text(pos - CONTEXT, pos + CONTEXT)
        )
    } else {
        format!(
            "Unexpected token '{tok}', ...\"{}\" is not valid JSON",
            text(pos - CONTEXT, len)
        )
    }
}

/// `JSON.parse(s)` (after `ToString`), with V8's `SyntaxError` messages.
pub fn json_parse(s: &Value) -> Result<Value, JsError> {
    let text = crate::ops::to_js_string(s);
    let units = text.units();
    let mut p = Parser { s: &units, i: 0 };
    let result = p.value(0).and_then(|v| {
        p.ws();
        if p.i < units.len() {
            Err(Fail::At(
                "Unexpected non-whitespace character after JSON",
                p.i,
            ))
        } else {
            Ok(v)
        }
    });
    result.map_err(|f| {
        let special = ["undefined", "NaN", "Infinity", "[object Object]"];
        let msg = match f {
            Fail::End => "Unexpected end of JSON input".to_string(),
            Fail::Token(_) if special.iter().any(|w| text.eq_str(w)) => {
                format!("\"{text}\" is not valid JSON")
            }
            Fail::Token(pos) => token_message(&units, pos),
            Fail::At(m, pos) if m.ends_with("after JSON") => format!("{m} at position {pos}"),
            Fail::At(m, pos) => format!("{m} in JSON at position {pos}"),
        };
        JsError::syntax_error(msg)
    })
}
