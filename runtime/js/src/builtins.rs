//! Global functions and namespaces: `Math`, `Number`, `String`, `Boolean`,
//! `parseInt`, `parseFloat`, `isNaN`, `Array.isArray`, `Object.*`, `JSON.*`,
//! `Date`, and template literals; [`FUNCTIONS`] lists them by their JavaScript names and
//! [`call_function`] calls one by name.

use crate::error::JsError;
use crate::number::{parse_float_str, parse_int_str};
use crate::ops::{Hint, to_js_string, to_number, to_primitive, truthy};
use crate::string::JsString;
use crate::value::Value;

pub use crate::json::{json_parse, json_stringify};

/// `Math.max(...args)`: `-Infinity` for none, NaN if any is NaN, `+0` above `-0`.
pub fn math_max(args: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for &x in args {
        if x.is_nan() {
            return f64::NAN;
        }
        if x > m || (x == 0.0 && m == 0.0 && m.is_sign_negative()) {
            m = x;
        }
    }
    m
}

/// `Math.min(...args)`: `Infinity` for none, NaN if any is NaN, `-0` below `+0`.
pub fn math_min(args: &[f64]) -> f64 {
    let mut m = f64::INFINITY;
    for &x in args {
        if x.is_nan() {
            return f64::NAN;
        }
        if x < m || (x == 0.0 && m == 0.0 && x.is_sign_negative()) {
            m = x;
        }
    }
    m
}

/// `Math.round`: halves toward +Infinity, `-0` kept (`Math.round(-0.4)` is `-0`).
pub fn math_round(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let f = x.floor();
    let r = if x - f >= 0.5 { f + 1.0 } else { f };
    if r == 0.0 && x < 0.0 { -0.0 } else { r }
}

/// `Math.sign`.
pub fn math_sign(x: f64) -> f64 {
    if x.is_nan() || x == 0.0 {
        x
    } else if x > 0.0 {
        1.0
    } else {
        -1.0
    }
}

/// `Math.trunc`.
pub fn math_trunc(x: f64) -> f64 {
    x.trunc()
}

/// `Math.floor`.
pub fn math_floor(x: f64) -> f64 {
    x.floor()
}

/// `Math.ceil`.
pub fn math_ceil(x: f64) -> f64 {
    x.ceil()
}

/// `Math.abs`.
pub fn math_abs(x: f64) -> f64 {
    x.abs()
}

/// `Math.pow` (the same as `**`).
pub fn math_pow(x: f64, y: f64) -> f64 {
    crate::ops::num_pow(x, y)
}

/// `Math.sqrt`.
pub fn math_sqrt(x: f64) -> f64 {
    x.sqrt()
}

/// `Number(x)`.
pub fn number_fn(v: &Value) -> f64 {
    to_number(v)
}

/// `String(x)`.
pub fn string_fn(v: &Value) -> JsString {
    to_js_string(v)
}

/// `Boolean(x)`.
pub fn boolean_fn(v: &Value) -> bool {
    truthy(v)
}

/// Global `parseInt(s, radix)`; pass `Value::Undefined` for no radix.
pub fn parse_int(s: &Value, radix: &Value) -> f64 {
    let text = to_js_string(s);
    parse_int_str(&text, to_number(radix))
}

/// Global `parseFloat(s)`.
pub fn parse_float(s: &Value) -> f64 {
    parse_float_str(&to_js_string(s))
}

/// Global `isNaN(v)` (coerces with `ToNumber`).
pub fn is_nan(v: &Value) -> bool {
    to_number(v).is_nan()
}

/// Global `isFinite(v)` (coerces with `ToNumber`).
pub fn is_finite(v: &Value) -> bool {
    to_number(v).is_finite()
}

/// `Number.isNaN(v)` (no coercion).
pub fn number_is_nan(v: &Value) -> bool {
    matches!(v, Value::Number(n) if n.is_nan())
}

/// `Number.isFinite(v)` (no coercion).
pub fn number_is_finite(v: &Value) -> bool {
    matches!(v, Value::Number(n) if n.is_finite())
}

/// `Number.isInteger(v)` (no coercion).
pub fn number_is_integer(v: &Value) -> bool {
    matches!(v, Value::Number(n) if n.is_finite() && n.trunc() == *n)
}

/// `Number.isSafeInteger(v)` (no coercion).
pub fn number_is_safe_integer(v: &Value) -> bool {
    matches!(v, Value::Number(n) if n.is_finite() && n.trunc() == *n && n.abs() <= 9_007_199_254_740_991.0)
}

/// `Array.isArray(v)`.
pub fn array_is_array(v: &Value) -> bool {
    matches!(v, Value::Array(_))
}

fn own_entries(v: &Value) -> Result<Vec<(JsString, Value)>, JsError> {
    match v {
        Value::Undefined | Value::Null => Err(JsError::type_error(
            "Cannot convert undefined or null to object",
        )),
        Value::Object(o) => Ok(o.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Value::Array(_) | Value::String(_) => Ok(crate::ops::spread_object_pairs(v)),
        Value::Bool(_) | Value::Number(_) | Value::Date(_) => Ok(Vec::new()),
    }
}

/// `Object.keys(v)`.
pub fn object_keys(v: &Value) -> Result<Value, JsError> {
    Ok(Value::array(
        own_entries(v)?
            .into_iter()
            .map(|(k, _)| Value::String(k))
            .collect(),
    ))
}

/// `Object.values(v)`.
pub fn object_values(v: &Value) -> Result<Value, JsError> {
    Ok(Value::array(
        own_entries(v)?.into_iter().map(|(_, v)| v).collect(),
    ))
}

/// `Object.entries(v)`.
pub fn object_entries(v: &Value) -> Result<Value, JsError> {
    Ok(Value::array(
        own_entries(v)?
            .into_iter()
            .map(|(k, v)| Value::array(vec![Value::String(k), v]))
            .collect(),
    ))
}

/// `new Date(...args)`; `now_ms` is the current time for `new Date()`.
pub fn date_new(args: &[Value], now_ms: f64) -> Value {
    let t = match args {
        [] => now_ms,
        [Value::Date(t)] => *t,
        [v] => match to_primitive(v, Hint::Default) {
            Value::String(s) => crate::date::parse(&s.to_string_lossy()),
            p => to_number(&p),
        },
        _ => {
            let n = |i: usize, d: f64| args.get(i).map_or(d, to_number);
            let mut y = n(0, f64::NAN);
            if y.is_finite() {
                let yi = y.trunc();
                if (0.0..=99.0).contains(&yi) {
                    y = 1900.0 + yi;
                }
            }
            crate::date::make_date(
                y,
                n(1, 0.0),
                n(2, 1.0),
                n(3, 0.0),
                n(4, 0.0),
                n(5, 0.0),
                n(6, 0.0),
            )
        }
    };
    Value::Date(crate::date::time_clip(t))
}

/// `Date.parse(s)` (after `ToString`).
pub fn date_parse(s: &Value) -> f64 {
    crate::date::parse(&to_js_string(s).to_string_lossy())
}

/// `Date.now()`: the run's clock, passed in.
pub fn date_now(now_ms: f64) -> f64 {
    now_ms
}

/// A template literal: the concatenation of `ToString` of each part.
pub fn template(parts: &[Value]) -> Value {
    let mut out = String::new();
    let mut lossless = true;
    let strings: Vec<JsString> = parts.iter().map(to_js_string).collect();
    for s in &strings {
        match s.as_str() {
            Some(t) => out.push_str(t),
            None => lossless = false,
        }
    }
    if lossless {
        return Value::string(out);
    }
    let mut u: Vec<u16> = Vec::new();
    for s in &strings {
        u.extend_from_slice(&s.units());
    }
    Value::String(JsString::from_utf16(&u))
}

/// Every built-in function, by its JavaScript spelling: what [`call_function`] answers, and
/// what compiled expressions call (each through the Rust function named beside it in
/// [`call_function`]). The checker's table of built-ins (handled-codegen) is tested against it.
pub const FUNCTIONS: &[&str] = &[
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    "Number",
    "String",
    "Boolean",
    "Math.max",
    "Math.min",
    "Math.floor",
    "Math.ceil",
    "Math.round",
    "Math.trunc",
    "Math.abs",
    "Math.sign",
    "Math.pow",
    "Math.sqrt",
    "Number.isInteger",
    "Number.isFinite",
    "Number.isNaN",
    "Number.isSafeInteger",
    "Number.parseFloat",
    "Number.parseInt",
    "Object.keys",
    "Object.values",
    "Object.entries",
    "Array.isArray",
    "JSON.stringify",
    "JSON.parse",
    "Date.now",
    "Date.parse",
    "new Date",
];

/// Calls the built-in function spelled `name` in JavaScript (`"Math.max"`, `"parseInt"`,
/// `"new Date"`) with `args`, for callers that hold the name rather than the Rust function;
/// `now_ms` is the clock of `Date.now()` and `new Date()`. A name not in [`FUNCTIONS`] is a
/// `TypeError`, as calling a missing function is in JavaScript.
pub fn call_function(name: &str, args: &[Value], now_ms: f64) -> Result<Value, JsError> {
    if !FUNCTIONS.contains(&name) {
        return Err(JsError::not_a_function(name));
    }
    let undefined = Value::Undefined;
    let a0 = args.first().unwrap_or(&undefined);
    let a1 = args.get(1).unwrap_or(&undefined);
    let x = to_number(a0);
    let numbers = || args.iter().map(to_number).collect::<Vec<f64>>();
    let number = |n: f64| Ok(Value::Number(n));
    let boolean = |b: bool| Ok(Value::Bool(b));
    match name {
        "parseInt" | "Number.parseInt" => number(parse_int(a0, a1)),
        "parseFloat" | "Number.parseFloat" => number(parse_float(a0)),
        "isNaN" => boolean(is_nan(a0)),
        "isFinite" => boolean(is_finite(a0)),
        "Number" if args.is_empty() => number(0.0),
        "Number" => number(number_fn(a0)),
        "String" if args.is_empty() => Ok(Value::string(String::new())),
        "String" => Ok(Value::String(string_fn(a0))),
        "Boolean" => boolean(boolean_fn(a0)),
        "Math.max" => number(math_max(&numbers())),
        "Math.min" => number(math_min(&numbers())),
        "Math.floor" => number(math_floor(x)),
        "Math.ceil" => number(math_ceil(x)),
        "Math.round" => number(math_round(x)),
        "Math.trunc" => number(math_trunc(x)),
        "Math.abs" => number(math_abs(x)),
        "Math.sign" => number(math_sign(x)),
        "Math.pow" => number(math_pow(x, to_number(a1))),
        "Math.sqrt" => number(math_sqrt(x)),
        "Number.isInteger" => boolean(number_is_integer(a0)),
        "Number.isFinite" => boolean(number_is_finite(a0)),
        "Number.isNaN" => boolean(number_is_nan(a0)),
        "Number.isSafeInteger" => boolean(number_is_safe_integer(a0)),
        "Object.keys" => object_keys(a0),
        "Object.values" => object_values(a0),
        "Object.entries" => object_entries(a0),
        "Array.isArray" => boolean(array_is_array(a0)),
        "JSON.stringify" => Ok(json_stringify(a0, args.get(2))),
        "JSON.parse" => json_parse(a0),
        "Date.now" => number(date_now(now_ms)),
        "Date.parse" => number(date_parse(a0)),
        "new Date" => Ok(date_new(args, now_ms)),
        _ => Err(JsError::not_a_function(name)),
    }
}
