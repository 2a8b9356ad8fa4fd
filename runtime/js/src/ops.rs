//! Operators and conversions: what `+`, `==`, `<`, `!`, `typeof`, `a.b` and
//! `a[i]` mean in JavaScript.

use std::cmp::Ordering;

pub use crate::methods::{call_method, call_method_fn};

use crate::error::JsError;
use crate::number::{number_to_std_string, number_to_string, string_to_number};
use crate::string::JsString;
use crate::value::{Object, Value, array_index};

/// A relational operator for [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// `ToBoolean`: what `if (v)` sees.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Undefined | Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => !(n.is_nan() || *n == 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) | Value::Date(_) => true,
    }
}

/// `!v`.
pub fn not(v: &Value) -> bool {
    !truthy(v)
}

/// Whether `v` is `null` or `undefined` (what `??` and `?.` test).
pub fn nullish(v: &Value) -> bool {
    v.is_nullish()
}

/// The preferred type for [`to_primitive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// No preference (`+`, `==`): dates become strings.
    Default,
    /// Number preferred (`-`, `<`, `Number(x)`).
    Number,
    /// String preferred (`String(x)`, templates).
    String,
}

/// `ToPrimitive`: arrays join, objects are `"[object Object]"`, dates give
/// their string (default and string hints) or time value (number hint).
pub fn to_primitive(v: &Value, hint: Hint) -> Value {
    match v {
        Value::Array(_) | Value::Object(_) => Value::String(to_js_string(v)),
        Value::Date(t) => match hint {
            Hint::Number => Value::Number(*t),
            _ => Value::string(crate::date::to_date_string(*t)),
        },
        _ => v.clone(),
    }
}

/// `ToNumber`.
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Undefined => f64::NAN,
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::String(s) => string_to_number(s),
        Value::Date(t) => *t,
        Value::Array(_) | Value::Object(_) => to_number(&to_primitive(v, Hint::Number)),
    }
}

/// `ToString`, as `String(x)` and template literals apply it.
pub fn to_js_string(v: &Value) -> JsString {
    match v {
        Value::Undefined => JsString::from("undefined"),
        Value::Null => JsString::from("null"),
        Value::Bool(b) => JsString::from(if *b { "true" } else { "false" }),
        Value::Number(n) => number_to_string(*n),
        Value::String(s) => s.clone(),
        Value::Array(a) => join(a, &JsString::from(",")),
        Value::Object(_) => JsString::from("[object Object]"),
        Value::Date(t) => JsString::from(crate::date::to_date_string(*t)),
    }
}

/// `Array.prototype.join`: `null` and `undefined` elements are empty.
pub fn join(items: &[Value], sep: &JsString) -> JsString {
    if let Some(sep_str) = sep.as_str() {
        let mut out = String::new();
        let mut utf16: Option<Vec<u16>> = None;
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                match &mut utf16 {
                    Some(u) => u.extend(sep_str.encode_utf16()),
                    None => out.push_str(sep_str),
                }
            }
            if v.is_nullish() {
                continue;
            }
            let s = to_js_string(v);
            match (&mut utf16, s.as_str()) {
                (None, Some(text)) => out.push_str(text),
                (None, None) => {
                    let mut u: Vec<u16> = out.encode_utf16().collect();
                    u.extend_from_slice(&s.units());
                    utf16 = Some(u);
                }
                (Some(u), _) => u.extend_from_slice(&s.units()),
            }
        }
        return match utf16 {
            Some(u) => JsString::from_utf16(&u),
            None => JsString::from(out),
        };
    }
    let mut u: Vec<u16> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            u.extend_from_slice(&sep.units());
        }
        if !v.is_nullish() {
            u.extend_from_slice(&to_js_string(v).units());
        }
    }
    JsString::from_utf16(&u)
}

/// `typeof v`.
pub fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Undefined => "undefined",
        Value::Null | Value::Array(_) | Value::Object(_) | Value::Date(_) => "object",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
    }
}

/// `a + b`: string concatenation if either primitive is a string, else numeric addition.
pub fn add(a: &Value, b: &Value) -> Value {
    if let (Value::Number(x), Value::Number(y)) = (a, b) {
        return Value::Number(x + y);
    }
    let pa = to_primitive(a, Hint::Default);
    let pb = to_primitive(b, Hint::Default);
    if matches!(pa, Value::String(_)) || matches!(pb, Value::String(_)) {
        Value::String(to_js_string(&pa).concat(&to_js_string(&pb)))
    } else {
        Value::Number(to_number(&pa) + to_number(&pb))
    }
}

/// `a - b`.
pub fn sub(a: &Value, b: &Value) -> f64 {
    to_number(a) - to_number(b)
}

/// `a * b`.
pub fn mul(a: &Value, b: &Value) -> f64 {
    to_number(a) * to_number(b)
}

/// `a / b`.
pub fn div(a: &Value, b: &Value) -> f64 {
    to_number(a) / to_number(b)
}

/// `a % b`.
pub fn rem(a: &Value, b: &Value) -> f64 {
    num_rem(to_number(a), to_number(b))
}

/// `a ** b`.
pub fn pow(a: &Value, b: &Value) -> f64 {
    num_pow(to_number(a), to_number(b))
}

/// `%` on numbers: the sign of the dividend, `x % 0` is NaN, `x % ±Infinity` is `x`.
pub fn num_rem(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a.is_infinite() || b == 0.0 {
        return f64::NAN;
    }
    if b.is_infinite() || a == 0.0 {
        return a;
    }
    let r = a % b;
    if r == 0.0 { 0.0f64.copysign(a) } else { r }
}

/// `**` on numbers: `x ** NaN` is NaN, `(±1) ** ±Infinity` is NaN, `NaN ** 0` is 1.
pub fn num_pow(a: f64, b: f64) -> f64 {
    if b.is_nan() {
        return f64::NAN;
    }
    if b == 0.0 {
        return 1.0;
    }
    if (a == 1.0 || a == -1.0) && b.is_infinite() {
        return f64::NAN;
    }
    // V8 computes `**` with its copy of fdlibm's pow, whose last bit differs
    // from the platform's pow and from libm's (FreeBSD's revision).
    crate::pow::pow(a, b)
}

/// Unary `-v`.
pub fn neg(v: &Value) -> f64 {
    -to_number(v)
}

/// Unary `+v`.
pub fn plus(v: &Value) -> f64 {
    to_number(v)
}

/// `a === b`: arrays and objects by identity; two dates are never identical
/// (each `Date` is its own object; a `Value::Date` carries no identity).
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => Object::ptr_eq(x, y),
        _ => false,
    }
}

/// `SameValueZero` (what `includes` uses): like `===` but NaN equals NaN.
pub fn same_value_zero(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => strict_eq(a, b),
    }
}

fn is_object(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::Object(_) | Value::Date(_))
}

/// `a == b`: the full abstract equality algorithm.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined | Value::Null, Value::Undefined | Value::Null) => true,
        (Value::Undefined | Value::Null, _) | (_, Value::Undefined | Value::Null) => false,
        (Value::Number(x), Value::String(s)) => *x == string_to_number(s),
        (Value::String(s), Value::Number(y)) => string_to_number(s) == *y,
        (Value::Bool(x), _) => loose_eq(&Value::Number(f64::from(u8::from(*x))), b),
        (_, Value::Bool(y)) => loose_eq(a, &Value::Number(f64::from(u8::from(*y)))),
        _ if is_object(a) && is_object(b) => strict_eq(a, b),
        _ if is_object(a) => loose_eq(&to_primitive(a, Hint::Default), b),
        _ if is_object(b) => loose_eq(a, &to_primitive(b, Hint::Default)),
        _ => strict_eq(a, b),
    }
}

/// `a < b`, `a <= b`, `a > b`, `a >= b`: strings compare by UTF-16 code
/// units, everything else as numbers; any NaN gives `false`.
pub fn compare(a: &Value, b: &Value, op: CmpOp) -> bool {
    if let (Value::Number(x), Value::Number(y)) = (a, b) {
        return cmp_numbers(*x, *y, op);
    }
    let pa = to_primitive(a, Hint::Number);
    let pb = to_primitive(b, Hint::Number);
    if let (Value::String(x), Value::String(y)) = (&pa, &pb) {
        let o = x.cmp_utf16(y);
        return match op {
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
        };
    }
    cmp_numbers(to_number(&pa), to_number(&pb), op)
}

fn cmp_numbers(x: f64, y: f64, op: CmpOp) -> bool {
    match op {
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

/// `ToPropertyKey`: numbers in canonical form (`1.0` → `"1"`, `-0` → `"0"`).
pub fn to_property_key(v: &Value) -> JsString {
    match v {
        Value::String(s) => s.clone(),
        v => to_js_string(v),
    }
}

fn describe_nullish(v: &Value) -> &'static str {
    if matches!(v, Value::Null) {
        "null"
    } else {
        "undefined"
    }
}

fn index_of_key(key: &str) -> Option<usize> {
    array_index(key).map(|i| i as usize)
}

/// `obj.key`: `length` and indices of strings and arrays, properties of
/// objects; a missing property is `undefined`; reading from `null` or
/// `undefined` is a `TypeError`. Methods are not values: `"s".trim` is `undefined`.
pub fn get(obj: &Value, key: &str) -> Result<Value, JsError> {
    match obj {
        Value::Undefined | Value::Null => Err(JsError::cannot_read(describe_nullish(obj), key)),
        Value::Object(o) => Ok(o.get(key).cloned().unwrap_or(Value::Undefined)),
        Value::Array(a) => {
            if key == "length" {
                return Ok(Value::Number(a.len() as f64));
            }
            Ok(index_of_key(key)
                .and_then(|i| a.get(i))
                .cloned()
                .unwrap_or(Value::Undefined))
        }
        Value::String(s) => {
            if key == "length" {
                return Ok(Value::Number(s.len_utf16() as f64));
            }
            Ok(match index_of_key(key) {
                Some(i) if i < s.len_utf16() => Value::String(s.slice_units(i, i + 1)),
                _ => Value::Undefined,
            })
        }
        Value::Bool(_) | Value::Number(_) | Value::Date(_) => Ok(Value::Undefined),
    }
}

/// `obj[key]`, with `ToPropertyKey` on `key`.
pub fn get_index(obj: &Value, key: &Value) -> Result<Value, JsError> {
    if let (Value::Array(a), Value::Number(n)) = (obj, key)
        && *n >= 0.0
        && n.fract() == 0.0
        && *n < a.len() as f64
    {
        return Ok(a[*n as usize].clone());
    }
    if obj.is_nullish() {
        let k = match key {
            Value::Number(n) => number_to_std_string(*n),
            k => to_property_key(k).to_string_lossy(),
        };
        return Err(JsError::cannot_read(describe_nullish(obj), &k));
    }
    let k = to_property_key(key);
    match (obj, k.as_str()) {
        (_, Some(s)) => get(obj, s),
        (Value::Object(o), None) => Ok(o.get_js(&k).cloned().unwrap_or(Value::Undefined)),
        _ => Ok(Value::Undefined),
    }
}

/// The elements `...v` spreads into an array literal: arrays' elements,
/// strings' code points; anything else is a `TypeError` (not iterable).
pub fn spread_array(v: &Value) -> Result<Vec<Value>, JsError> {
    match v {
        Value::Array(a) => Ok(a.to_vec()),
        Value::String(s) => Ok(code_points(s)),
        Value::Object(_) => Err(JsError::type_error("object is not iterable")),
        Value::Undefined | Value::Null => Err(JsError::type_error(format!(
            "{} is not iterable",
            describe_nullish(v)
        ))),
        other => Err(JsError::type_error(format!(
            "{} is not iterable",
            to_js_string(other).to_string_lossy()
        ))),
    }
}

/// The string's code points as one-character strings (lone surrogates alone).
pub fn code_points(s: &JsString) -> Vec<Value> {
    if let Some(text) = s.as_str() {
        return text
            .chars()
            .map(|c| Value::String(JsString::from(c)))
            .collect();
    }
    let u = s.units();
    let mut out = Vec::new();
    let mut i = 0;
    while i < u.len() {
        let n = if (0xd800..0xdc00).contains(&u[i])
            && i + 1 < u.len()
            && (0xdc00..0xe000).contains(&u[i + 1])
        {
            2
        } else {
            1
        };
        out.push(Value::String(JsString::from_utf16(&u[i..i + n])));
        i += n;
    }
    out
}

/// The properties `{...v}` copies into an object literal: an object's
/// properties, an array's or string's indices; nothing for other values.
pub fn spread_object_pairs(v: &Value) -> Vec<(JsString, Value)> {
    match v {
        Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (JsString::from(i.to_string()), v.clone()))
            .collect(),
        Value::String(s) => (0..s.len_utf16())
            .map(|i| {
                (
                    JsString::from(i.to_string()),
                    Value::String(s.slice_units(i, i + 1)),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}
