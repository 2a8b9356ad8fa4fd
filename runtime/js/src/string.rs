//! `JsString`: a JavaScript string value.
//!
//! JavaScript strings are sequences of UTF-16 code units and may hold lone
//! surrogates. The common case (valid Unicode) is kept as UTF-8 (`Arc<str>`);
//! only strings holding a lone surrogate are kept as UTF-16 code units. The
//! representation is normalised, so equal strings are always equal values.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A JavaScript string: cheap to clone, compared by UTF-16 code units.
#[derive(Clone)]
pub struct JsString(Repr);

#[derive(Clone)]
enum Repr {
    /// Valid Unicode (never holds a lone surrogate).
    Utf8(Arc<str>),
    /// Holds at least one lone surrogate.
    Utf16(Arc<[u16]>),
}

impl JsString {
    /// The empty string.
    pub fn empty() -> JsString {
        JsString(Repr::Utf8(Arc::from("")))
    }

    /// Builds a string from UTF-16 code units (lone surrogates allowed).
    pub fn from_utf16(units: &[u16]) -> JsString {
        if units.iter().all(|&u| u < 0x80) {
            let s: String = units.iter().map(|&u| u as u8 as char).collect();
            return JsString(Repr::Utf8(Arc::from(s)));
        }
        match String::from_utf16(units) {
            Ok(s) => JsString(Repr::Utf8(Arc::from(s))),
            Err(_) => JsString(Repr::Utf16(Arc::from(units))),
        }
    }

    /// The string as `&str` when it holds no lone surrogate.
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::Utf8(s) => Some(s),
            Repr::Utf16(_) => None,
        }
    }

    /// The string as Rust text, lone surrogates replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        match &self.0 {
            Repr::Utf8(s) => s.to_string(),
            Repr::Utf16(u) => String::from_utf16_lossy(u),
        }
    }

    /// The length in UTF-16 code units (JavaScript's `length`).
    pub fn len_utf16(&self) -> usize {
        match &self.0 {
            Repr::Utf8(s) => {
                if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().map(char::len_utf16).sum()
                }
            }
            Repr::Utf16(u) => u.len(),
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Repr::Utf8(s) => s.is_empty(),
            Repr::Utf16(u) => u.is_empty(),
        }
    }

    /// Whether the string equals the Rust string `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        match &self.0 {
            Repr::Utf8(a) => &**a == s,
            Repr::Utf16(_) => false,
        }
    }

    /// Whether every code unit is ASCII (then code units are bytes).
    pub fn is_ascii(&self) -> bool {
        match &self.0 {
            Repr::Utf8(s) => s.is_ascii(),
            Repr::Utf16(_) => false,
        }
    }

    /// The UTF-16 code units (borrowed when already UTF-16).
    pub fn units(&self) -> Cow<'_, [u16]> {
        match &self.0 {
            Repr::Utf8(s) => Cow::Owned(s.encode_utf16().collect()),
            Repr::Utf16(u) => Cow::Borrowed(u),
        }
    }

    /// The code unit at `index`, if any.
    pub fn unit_at(&self, index: usize) -> Option<u16> {
        match &self.0 {
            Repr::Utf8(s) if s.is_ascii() => s.as_bytes().get(index).map(|&b| u16::from(b)),
            Repr::Utf8(s) => s.encode_utf16().nth(index),
            Repr::Utf16(u) => u.get(index).copied(),
        }
    }

    /// The substring of code units `start..end` (clamped, `start <= end`).
    pub fn slice_units(&self, start: usize, end: usize) -> JsString {
        match &self.0 {
            Repr::Utf8(s) if s.is_ascii() => {
                let end = end.min(s.len());
                let start = start.min(end);
                JsString::from(&s[start..end])
            }
            _ => {
                let u = self.units();
                let end = end.min(u.len());
                let start = start.min(end);
                JsString::from_utf16(&u[start..end])
            }
        }
    }

    /// Concatenation of two strings.
    pub fn concat(&self, other: &JsString) -> JsString {
        match (&self.0, &other.0) {
            (Repr::Utf8(a), Repr::Utf8(b)) => {
                if b.is_empty() {
                    return self.clone();
                }
                if a.is_empty() {
                    return other.clone();
                }
                let mut s = String::with_capacity(a.len() + b.len());
                s.push_str(a);
                s.push_str(b);
                JsString::from(s)
            }
            _ => {
                let mut u = self.units().into_owned();
                u.extend_from_slice(&other.units());
                JsString::from_utf16(&u)
            }
        }
    }

    /// Compares by UTF-16 code units, as JavaScript's `<` does.
    pub fn cmp_utf16(&self, other: &JsString) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Utf8(a), Repr::Utf8(b)) if a.is_ascii() || b.is_ascii() => {
                // ASCII sorts below any other unit, so byte order agrees.
                a.as_bytes().cmp(b.as_bytes())
            }
            (Repr::Utf8(a), Repr::Utf8(b)) => a.encode_utf16().cmp(b.encode_utf16()),
            _ => self.units().iter().cmp(other.units().iter()),
        }
    }
}

impl Default for JsString {
    fn default() -> Self {
        JsString::empty()
    }
}

impl From<&str> for JsString {
    fn from(s: &str) -> Self {
        JsString(Repr::Utf8(Arc::from(s)))
    }
}

impl From<String> for JsString {
    fn from(s: String) -> Self {
        JsString(Repr::Utf8(Arc::from(s)))
    }
}

impl From<&String> for JsString {
    fn from(s: &String) -> Self {
        JsString::from(s.as_str())
    }
}

impl From<char> for JsString {
    fn from(c: char) -> Self {
        JsString::from(c.to_string())
    }
}

impl fmt::Display for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Utf8(s) => f.write_str(s),
            Repr::Utf16(u) => f.write_str(&String::from_utf16_lossy(u)),
        }
    }
}

impl fmt::Debug for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Utf8(s) => fmt::Debug::fmt(&**s, f),
            Repr::Utf16(u) => write!(f, "utf16{u:?}"),
        }
    }
}

impl PartialEq for JsString {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Utf8(a), Repr::Utf8(b)) => a == b,
            (Repr::Utf16(a), Repr::Utf16(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for JsString {}

impl PartialOrd for JsString {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JsString {
    /// UTF-16 code unit order, as JavaScript compares strings.
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_utf16(other)
    }
}

impl Hash for JsString {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            // Hashes exactly as `str` does, so lookups by `&str` work.
            Repr::Utf8(s) => (**s).hash(state),
            Repr::Utf16(u) => {
                state.write_u8(0xfe);
                u.hash(state);
            }
        }
    }
}

/// Whether `c` is JavaScript white space or a line terminator (what `trim` removes).
pub fn is_js_whitespace(c: u16) -> bool {
    matches!(
        c,
        0x09 | 0x0a | 0x0b | 0x0c | 0x0d | 0x20 | 0xa0 | 0x1680 | 0x2000
            ..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000 | 0xfeff
    )
}

/// Trims JavaScript white space from the start and/or end of `units`.
pub(crate) fn trim_units(units: &[u16], start: bool, end: bool) -> &[u16] {
    let mut a = 0;
    let mut b = units.len();
    if start {
        while a < b && is_js_whitespace(units[a]) {
            a += 1;
        }
    }
    if end {
        while b > a && is_js_whitespace(units[b - 1]) {
            b -= 1;
        }
    }
    &units[a..b]
}

/// Finds `needle` in `hay` at or after `from`.
pub(crate) fn find_units(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    let last = hay.len() - needle.len();
    (from..=last).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// Finds the last `needle` in `hay` starting at or before `from`.
pub(crate) fn rfind_units(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    let last = (hay.len() - needle.len()).min(from);
    (0..=last)
        .rev()
        .find(|&i| &hay[i..i + needle.len()] == needle)
}
