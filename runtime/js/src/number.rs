//! Number printing and parsing exactly as V8 does it: `Number::toString`,
//! `toFixed`, `toString(radix)`, `StringToNumber`, `parseInt`, `parseFloat`.

use crate::error::JsError;
use crate::string::{JsString, is_js_whitespace, trim_units};

/// `Number::toString(n)` (radix 10): shortest round-trip digits, `-0` → `"0"`.
pub fn number_to_string(n: f64) -> JsString {
    JsString::from(number_to_std_string(n))
}

/// [`number_to_string`] as a Rust `String`.
pub fn number_to_std_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == n.trunc() && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let mut buf = ryu_js::Buffer::new();
    buf.format_finite(n).to_string()
}

/// `ToIntegerOrInfinity` of a number: NaN → 0, truncation toward zero.
pub fn to_integer_or_infinity(n: f64) -> f64 {
    if n.is_nan() {
        0.0
    } else if n.is_infinite() {
        n
    } else {
        n.trunc() + 0.0
    }
}

/// `ToUint32`.
pub fn to_uint32(n: f64) -> u32 {
    if !n.is_finite() {
        return 0;
    }
    let t = n.trunc();
    let m = t.rem_euclid(4_294_967_296.0);
    m as u32
}

/// `ToInt32`.
pub fn to_int32(n: f64) -> i32 {
    to_uint32(n) as i32
}

/// The exact decimal expansion of a finite non-negative double:
/// (digits, number of those digits after the decimal point).
fn exact_decimal(x: f64) -> (Vec<u8>, usize) {
    let bits = x.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (mant, exp) = if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    };
    // Big number in base 1e9, little endian.
    let mut big: Vec<u64> = vec![mant % 1_000_000_000, mant / 1_000_000_000];
    let mul = |big: &mut Vec<u64>, m: u64| {
        let mut carry = 0u64;
        for limb in big.iter_mut() {
            let v = *limb * m + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            big.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    };
    let scale = if exp >= 0 {
        for _ in 0..exp {
            mul(&mut big, 2);
        }
        0
    } else {
        for _ in 0..(-exp) {
            mul(&mut big, 5);
        }
        (-exp) as usize
    };
    let mut digits = String::new();
    let mut first = true;
    for limb in big.iter().rev() {
        if first {
            if *limb == 0 && big.len() > 1 {
                continue;
            }
            digits.push_str(&limb.to_string());
            first = false;
        } else {
            digits.push_str(&format!("{limb:09}"));
        }
    }
    let mut d: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    // Strip leading zeros but keep at least `scale + 1` digits.
    while d.len() < scale + 1 {
        d.insert(0, 0);
    }
    while d.len() > scale + 1 && d[0] == 0 {
        d.remove(0);
    }
    (d, scale)
}

/// `Number.prototype.toFixed(digits)`, exactly (round half up on the exact value).
pub fn to_fixed(x: f64, digits: &crate::Value) -> Result<JsString, JsError> {
    let f = to_integer_or_infinity(crate::ops::to_number(digits));
    if !(0.0..=100.0).contains(&f) {
        return Err(JsError::range_error(
            "toFixed() digits argument must be between 0 and 100",
        ));
    }
    let f = f as usize;
    if !x.is_finite() {
        return Ok(number_to_string(x));
    }
    if x.abs() >= 1e21 {
        return Ok(number_to_string(x));
    }
    let negative = x < 0.0;
    let (mut d, scale) = exact_decimal(x.abs());
    // Keep `f` fractional digits, rounding half up.
    let keep = d.len() - scale + f;
    if keep < d.len() {
        let round_up = d[keep] >= 5;
        d.truncate(keep);
        if round_up {
            let mut i = keep;
            loop {
                if i == 0 {
                    d.insert(0, 1);
                    break;
                }
                i -= 1;
                if d[i] == 9 {
                    d[i] = 0;
                } else {
                    d[i] += 1;
                    break;
                }
            }
        }
    } else {
        d.resize(keep, 0);
    }
    let int_len = d.len() - f;
    let mut s = String::with_capacity(d.len() + 2);
    if negative {
        s.push('-');
    }
    for &c in &d[..int_len] {
        s.push((b'0' + c) as char);
    }
    if f > 0 {
        s.push('.');
        for &c in &d[int_len..] {
            s.push((b'0' + c) as char);
        }
    }
    Ok(JsString::from(s))
}

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn next_double(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1)
}

fn binary_exponent(x: f64) -> i32 {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32;
    if e == 0 { -1074 } else { e - 1075 }
}

/// `Number.prototype.toString(radix)` for radix 2..=36, as V8 prints it.
pub fn to_radix_string(value: f64, radix: u32) -> String {
    if radix == 10 || !value.is_finite() || value == 0.0 {
        return number_to_std_string(value);
    }
    let r = f64::from(radix);
    let negative = value < 0.0;
    let value = value.abs();
    let mut integer = value.floor();
    let mut fraction = value - integer;
    let mut delta = (0.5 * (next_double(value) - value)).max(next_double(0.0));
    let mut frac: Vec<u8> = Vec::new();
    if fraction >= delta {
        loop {
            fraction *= r;
            delta *= r;
            let digit = fraction as usize;
            frac.push(DIGITS[digit]);
            fraction -= digit as f64;
            if (fraction > 0.5 || (fraction == 0.5 && (digit & 1) == 1)) && fraction + delta > 1.0 {
                // Round up, propagating the carry.
                loop {
                    match frac.pop() {
                        None => {
                            integer += 1.0;
                            break;
                        }
                        Some(c) => {
                            let d = if c > b'9' { c - b'a' + 10 } else { c - b'0' };
                            if u32::from(d) + 1 < radix {
                                frac.push(DIGITS[usize::from(d) + 1]);
                                break;
                            }
                        }
                    }
                }
                break;
            }
            if fraction < delta {
                break;
            }
        }
    }
    let mut int_digits: Vec<u8> = Vec::new();
    while binary_exponent(integer / r) > 0 {
        integer /= r;
        int_digits.push(b'0');
    }
    loop {
        let rem = integer % r;
        int_digits.push(DIGITS[rem as usize]);
        integer = (integer - rem) / r;
        if integer <= 0.0 {
            break;
        }
    }
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    s.extend(int_digits.iter().rev().map(|&b| b as char));
    if !frac.is_empty() {
        s.push('.');
        s.extend(frac.iter().map(|&b| b as char));
    }
    s
}

/// Whether `s` is a StrDecimalLiteral without sign: digits with an optional
/// fraction and exponent.
fn decimal_prefix_len(b: &[u8]) -> usize {
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        let j = i + 1;
        let mut k = j;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        digits += k - j;
        if digits > 0 {
            i = k;
        }
    }
    if digits == 0 {
        return 0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let k0 = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > k0 {
            i = j;
        }
    }
    i
}

fn parse_decimal(text: &str) -> f64 {
    text.parse::<f64>().unwrap_or(f64::NAN)
}

fn parse_radix_digits(digits: &[u8], radix: u32) -> f64 {
    let mut exact: u128 = 0;
    let mut overflow = false;
    let mut approx = 0.0f64;
    for &c in digits {
        let d = (c as char).to_digit(radix).unwrap_or(0);
        if !overflow {
            match exact
                .checked_mul(u128::from(radix))
                .and_then(|v| v.checked_add(u128::from(d)))
            {
                Some(v) => exact = v,
                None => {
                    overflow = true;
                    approx = exact as f64;
                }
            }
        }
        if overflow {
            approx = approx * f64::from(radix) + f64::from(d);
        }
    }
    if overflow { approx } else { exact as f64 }
}

/// V8's approximation for radices that are not powers of two: digits are
/// gathered in 32-bit parts, each folded into a double.
fn parse_radix_parts(digits: &[u8], radix: u32) -> f64 {
    const MAX_MULTIPLIER: u32 = 0xFFFF_FFFF / 36;
    let mut result = 0.0f64;
    let mut i = 0;
    while i < digits.len() {
        let (mut part, mut multiplier) = (0u32, 1u32);
        while i < digits.len() {
            let m = multiplier * radix;
            if m > MAX_MULTIPLIER {
                break;
            }
            part = part * radix + (digits[i] as char).to_digit(radix).unwrap_or(0);
            multiplier = m;
            i += 1;
        }
        result = result * f64::from(multiplier) + f64::from(part);
    }
    result
}

/// `StringToNumber`: what `Number("...")` gives.
pub fn string_to_number(s: &JsString) -> f64 {
    let units = s.units();
    let t = trim_units(&units, true, true);
    if t.is_empty() {
        return 0.0;
    }
    if t.iter().any(|&u| u >= 0x80) {
        return f64::NAN;
    }
    let b: Vec<u8> = t.iter().map(|&u| u as u8).collect();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            let digits = &b[2..];
            if digits.iter().all(|&c| (c as char).is_digit(radix)) {
                return parse_radix_digits(digits, radix);
            }
            return f64::NAN;
        }
    }
    let (neg, rest) = match b[0] {
        b'+' => (false, &b[1..]),
        b'-' => (true, &b[1..]),
        _ => (false, &b[..]),
    };
    let v = if rest == b"Infinity" {
        f64::INFINITY
    } else if !rest.is_empty() && decimal_prefix_len(rest) == rest.len() {
        parse_decimal(std::str::from_utf8(rest).unwrap_or("x"))
    } else {
        return f64::NAN;
    };
    if neg { -v } else { v }
}

/// Global `parseFloat` on an already converted string.
pub fn parse_float_str(s: &JsString) -> f64 {
    let units = s.units();
    let t = trim_units(&units, true, false);
    let b: Vec<u8> = t
        .iter()
        .take_while(|&&u| u < 0x80)
        .map(|&u| u as u8)
        .collect();
    let (neg, rest) = match b.first() {
        Some(b'+') => (false, &b[1..]),
        Some(b'-') => (true, &b[1..]),
        _ => (false, &b[..]),
    };
    let v = if rest.starts_with(b"Infinity") {
        f64::INFINITY
    } else {
        let n = decimal_prefix_len(rest);
        if n == 0 {
            return f64::NAN;
        }
        parse_decimal(std::str::from_utf8(&rest[..n]).unwrap_or("x"))
    };
    if neg { -v } else { v }
}

/// Global `parseInt` on an already converted string and radix number.
pub fn parse_int_str(s: &JsString, radix: f64) -> f64 {
    let units = s.units();
    let mut t = trim_units(&units, true, false);
    let mut neg = false;
    if let Some(&c) = t.first()
        && (c == u16::from(b'-') || c == u16::from(b'+'))
    {
        neg = c == u16::from(b'-');
        t = &t[1..];
    }
    let mut r = to_int32(radix);
    let mut strip_prefix = true;
    if r != 0 {
        if !(2..=36).contains(&r) {
            return f64::NAN;
        }
        if r != 16 {
            strip_prefix = false;
        }
    } else {
        r = 10;
    }
    if strip_prefix
        && t.len() >= 2
        && t[0] == u16::from(b'0')
        && (t[1] == u16::from(b'x') || t[1] == u16::from(b'X'))
    {
        t = &t[2..];
        r = 16;
    }
    let radix = r as u32;
    let end = t
        .iter()
        .position(|&u| u >= 0x80 || !(u as u8 as char).is_digit(radix))
        .unwrap_or(t.len());
    if end == 0 {
        return f64::NAN;
    }
    let digits: Vec<u8> = t[..end].iter().map(|&u| u as u8).collect();
    let v = if radix == 10 {
        parse_decimal(std::str::from_utf8(&digits).unwrap_or("x"))
    } else if radix.is_power_of_two() {
        parse_radix_digits(&digits, radix)
    } else {
        parse_radix_parts(&digits, radix)
    };
    if neg { -v } else { v }
}

/// Whether a code unit is JavaScript white space (re-exported for callers).
pub fn is_whitespace_unit(u: u16) -> bool {
    is_js_whitespace(u)
}
