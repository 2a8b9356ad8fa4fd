//! Method calls: `recv.name(args)` for the string, array, date and number
//! methods HandledScript supports.
//!
//! A call of a method that does not exist is a `TypeError`. V8 words it with
//! the callee's source text (`input.foo is not a function`), which this crate
//! cannot know; it uses the receiver's kind instead: `string.foo`, `array.foo`,
//! `object.foo`, `number.foo`, `boolean.foo`, `date.foo`. Callers that know
//! the source text can rewrite the message.

use crate::error::JsError;
use crate::number::{to_fixed, to_integer_or_infinity, to_radix_string, to_uint32};
use crate::ops::{join, same_value_zero, strict_eq, to_js_string, to_number};
use crate::string::{JsString, find_units, rfind_units, trim_units};
use crate::value::Value;

/// The longest string V8 builds (`RangeError: Invalid string length` beyond).
const MAX_STRING_LENGTH: f64 = 536_870_888.0;

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Undefined => "undefined",
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Date(_) => "date",
    }
}

/// What a method is called on, in [`METHODS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Receiver {
    /// A string.
    String,
    /// An array.
    Array,
    /// A number.
    Number,
    /// A date.
    Date,
    /// A boolean.
    Boolean,
    /// An object.
    Object,
}

impl Receiver {
    /// The receiver kind of a value (`None` for `undefined` and `null`, which have no methods).
    pub fn of(v: &Value) -> Option<Receiver> {
        Some(match v {
            Value::Undefined | Value::Null => return None,
            Value::Bool(_) => Receiver::Boolean,
            Value::Number(_) => Receiver::Number,
            Value::String(_) => Receiver::String,
            Value::Array(_) => Receiver::Array,
            Value::Object(_) => Receiver::Object,
            Value::Date(_) => Receiver::Date,
        })
    }
}

/// Every method [`call_method`] answers, by receiver: any other name is a `TypeError` (`… is
/// not a function`), so this list is exactly what works at run time. The checker's table of
/// built-ins (handled-codegen) is tested against it.
pub const METHODS: &[(Receiver, &[&str])] = &[
    (
        Receiver::String,
        &[
            "includes",
            "indexOf",
            "startsWith",
            "endsWith",
            "lastIndexOf",
            "slice",
            "substring",
            "at",
            "charAt",
            "charCodeAt",
            "split",
            "trim",
            "trimStart",
            "trimEnd",
            "toLowerCase",
            "toUpperCase",
            "padStart",
            "padEnd",
            "repeat",
            "replace",
            "replaceAll",
            "concat",
            "toString",
            "valueOf",
        ],
    ),
    (
        Receiver::Array,
        &[
            "includes",
            "indexOf",
            "lastIndexOf",
            "join",
            "toString",
            "slice",
            "concat",
            "flat",
            "reverse",
            "toReversed",
            "sort",
            "toSorted",
            "at",
            "valueOf",
        ],
    ),
    (Receiver::Number, &["toFixed", "toString", "valueOf"]),
    (
        Receiver::Date,
        &["toISOString", "toJSON", "getTime", "valueOf", "toString"],
    ),
    (Receiver::Boolean, &["toString", "valueOf"]),
    (Receiver::Object, &["toString", "valueOf"]),
];

/// Every method [`call_method_fn`] answers (arrays only, with a callback): any other name is a
/// `TypeError`.
pub const CALLBACK_METHODS: &[&str] = &[
    "map",
    "filter",
    "forEach",
    "flatMap",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "some",
    "every",
    "reduce",
    "reduceRight",
    "sort",
    "toSorted",
];

/// Whether [`call_method`] answers `name` on this kind of receiver.
pub fn has_method(on: Receiver, name: &str) -> bool {
    METHODS
        .iter()
        .any(|(r, names)| *r == on && names.contains(&name))
}

fn not_a_function(recv: &Value, name: &str) -> JsError {
    JsError::not_a_function(&format!("{}.{name}", kind_name(recv)))
}

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Undefined)
}

/// A relative index argument (negative counts from the end), clamped to `0..=len`.
fn relative(v: &Value, len: usize, default: usize) -> usize {
    if v.is_undefined() {
        return default;
    }
    let n = to_integer_or_infinity(to_number(v));
    let len_f = len as f64;
    let r = if n < 0.0 {
        (len_f + n).max(0.0)
    } else {
        n.min(len_f)
    };
    r as usize
}

/// An absolute position argument clamped to `0..=len` (NaN and undefined → 0).
fn clamp_pos(v: &Value, len: usize) -> usize {
    let n = to_integer_or_infinity(to_number(v));
    n.clamp(0.0, len as f64) as usize
}

fn str_value(units: &[u16]) -> Value {
    Value::String(JsString::from_utf16(units))
}

/// `recv.name(...args)` for the methods without a callback.
pub fn call_method(recv: &Value, name: &str, args: &[Value]) -> Result<Value, JsError> {
    if let Some(on) = Receiver::of(recv)
        && !has_method(on, name)
    {
        return Err(not_a_function(recv, name));
    }
    match recv {
        Value::Undefined | Value::Null => Err(JsError::cannot_read(kind_name(recv), name)),
        Value::String(s) => string_method(recv, s, name, args),
        Value::Array(a) => array_method(recv, a, name, args),
        Value::Number(n) => match name {
            "toFixed" => Ok(Value::String(to_fixed(*n, arg(args, 0))?)),
            "toString" => {
                let r = arg(args, 0);
                let radix = if r.is_undefined() {
                    10.0
                } else {
                    to_integer_or_infinity(to_number(r))
                };
                if !(2.0..=36.0).contains(&radix) {
                    return Err(JsError::range_error(
                        "toString() radix argument must be between 2 and 36",
                    ));
                }
                Ok(Value::string(to_radix_string(*n, radix as u32)))
            }
            "valueOf" => Ok(recv.clone()),
            _ => Err(not_a_function(recv, name)),
        },
        Value::Date(t) => match name {
            "toISOString" => crate::date::to_iso_string(*t)
                .map(Value::string)
                .ok_or_else(|| JsError::range_error("Invalid time value")),
            "toJSON" => Ok(crate::date::to_iso_string(*t).map_or(Value::Null, Value::string)),
            "getTime" | "valueOf" => Ok(Value::Number(*t)),
            "toString" => Ok(Value::String(to_js_string(recv))),
            _ => Err(not_a_function(recv, name)),
        },
        Value::Bool(_) | Value::Object(_) => match name {
            "toString" => Ok(Value::String(to_js_string(recv))),
            "valueOf" => Ok(recv.clone()),
            _ => Err(not_a_function(recv, name)),
        },
    }
}

fn string_method(recv: &Value, s: &JsString, name: &str, args: &[Value]) -> Result<Value, JsError> {
    let a0 = arg(args, 0);
    let a1 = arg(args, 1);
    let u = s.units();
    let len = u.len();
    Ok(match name {
        "includes" | "indexOf" | "startsWith" | "endsWith" | "lastIndexOf" => {
            let needle = to_js_string(a0).units().into_owned();
            match name {
                "includes" => Value::Bool(find_units(&u, &needle, clamp_pos(a1, len)).is_some()),
                "indexOf" => Value::Number(
                    find_units(&u, &needle, clamp_pos(a1, len)).map_or(-1.0, |i| i as f64),
                ),
                "startsWith" => {
                    let p = clamp_pos(a1, len);
                    Value::Bool(u[p..].starts_with(&needle))
                }
                "endsWith" => {
                    let e = if a1.is_undefined() {
                        len
                    } else {
                        clamp_pos(a1, len)
                    };
                    Value::Bool(u[..e].ends_with(&needle))
                }
                _ => {
                    let n = to_number(a1);
                    let p = if n.is_nan() {
                        f64::INFINITY
                    } else {
                        to_integer_or_infinity(n)
                    };
                    let p = p.clamp(0.0, len as f64) as usize;
                    Value::Number(rfind_units(&u, &needle, p).map_or(-1.0, |i| i as f64))
                }
            }
        }
        "slice" => {
            let a = relative(a0, len, 0);
            let b = relative(a1, len, len);
            if a >= b {
                Value::string("")
            } else {
                str_value(&u[a..b])
            }
        }
        "substring" => {
            let a = clamp_pos(a0, len);
            let b = if a1.is_undefined() {
                len
            } else {
                clamp_pos(a1, len)
            };
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            str_value(&u[a..b])
        }
        "at" => {
            let n = to_integer_or_infinity(to_number(a0));
            let k = if n < 0.0 { len as f64 + n } else { n };
            if k < 0.0 || k >= len as f64 {
                Value::Undefined
            } else {
                let k = k as usize;
                str_value(&u[k..=k])
            }
        }
        "charAt" => {
            let n = to_integer_or_infinity(to_number(a0));
            if n < 0.0 || n >= len as f64 {
                Value::string("")
            } else {
                let k = n as usize;
                str_value(&u[k..=k])
            }
        }
        "charCodeAt" => {
            let n = to_integer_or_infinity(to_number(a0));
            if n < 0.0 || n >= len as f64 {
                Value::Number(f64::NAN)
            } else {
                Value::Number(f64::from(u[n as usize]))
            }
        }
        "split" => split(s, &u, a0, a1),
        "trim" => str_value(trim_units(&u, true, true)),
        "trimStart" => str_value(trim_units(&u, true, false)),
        "trimEnd" => str_value(trim_units(&u, false, true)),
        "toLowerCase" | "toUpperCase" => Value::String(change_case(s, name == "toUpperCase")),
        "padStart" | "padEnd" => {
            let max = to_integer_or_infinity(to_number(a0));
            let fill = if a1.is_undefined() {
                vec![0x20]
            } else {
                to_js_string(a1).units().into_owned()
            };
            if max <= len as f64 || fill.is_empty() {
                return Ok(recv.clone());
            }
            if max > MAX_STRING_LENGTH {
                return Err(JsError::range_error("Invalid string length"));
            }
            let pad_len = max as usize - len;
            let pad: Vec<u16> = fill.iter().copied().cycle().take(pad_len).collect();
            let mut out = Vec::with_capacity(max as usize);
            if name == "padStart" {
                out.extend_from_slice(&pad);
                out.extend_from_slice(&u);
            } else {
                out.extend_from_slice(&u);
                out.extend_from_slice(&pad);
            }
            str_value(&out)
        }
        "repeat" => {
            let n = to_integer_or_infinity(to_number(a0));
            if n < 0.0 || n.is_infinite() {
                return Err(JsError::range_error(format!(
                    "Invalid count value: {}",
                    crate::number::number_to_std_string(n)
                )));
            }
            if len == 0 || n == 0.0 {
                return Ok(Value::string(""));
            }
            if len as f64 * n > MAX_STRING_LENGTH {
                return Err(JsError::range_error("Invalid string length"));
            }
            match s.as_str() {
                Some(text) => Value::string(text.repeat(n as usize)),
                None => str_value(&u.repeat(n as usize)),
            }
        }
        "replace" | "replaceAll" => {
            let pat = to_js_string(a0).units().into_owned();
            let rep = to_js_string(a1).units().into_owned();
            replace(&u, &pat, name == "replaceAll", &mut |matched, pos| {
                Ok(substitute(&u, &pat, matched, pos, &rep))
            })?
        }
        "concat" => {
            let mut out = s.clone();
            for a in args {
                out = out.concat(&to_js_string(a));
            }
            Value::String(out)
        }
        "toString" | "valueOf" => recv.clone(),
        _ => return Err(not_a_function(recv, name)),
    })
}

/// Replaces the first (or every) occurrence of `pat` in `u`; `replacement`
/// gets the match position and returns the replacement code units.
fn replace(
    u: &[u16],
    pat: &[u16],
    all: bool,
    replacement: &mut dyn FnMut(usize, usize) -> Result<Vec<u16>, JsError>,
) -> Result<Value, JsError> {
    let mut positions = Vec::new();
    let mut from = 0;
    while let Some(p) = find_units(u, pat, from) {
        positions.push(p);
        if !all {
            break;
        }
        from = p + pat.len().max(1);
        if from > u.len() {
            break;
        }
    }
    if positions.is_empty() {
        return Ok(str_value(u));
    }
    let mut out = Vec::with_capacity(u.len());
    let mut end = 0;
    for p in positions {
        out.extend_from_slice(&u[end..p]);
        out.extend(replacement(p, p)?);
        end = p + pat.len();
    }
    out.extend_from_slice(&u[end..]);
    Ok(str_value(&out))
}

/// `GetSubstitution` for a string pattern (no capture groups).
fn substitute(u: &[u16], pat: &[u16], _m: usize, pos: usize, rep: &[u16]) -> Vec<u16> {
    let dollar = u16::from(b'$');
    if !rep.contains(&dollar) {
        return rep.to_vec();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < rep.len() {
        let c = rep[i];
        if c == dollar && i + 1 < rep.len() {
            let n = rep[i + 1];
            if n == dollar {
                out.push(dollar);
                i += 2;
                continue;
            } else if n == u16::from(b'&') {
                out.extend_from_slice(pat);
                i += 2;
                continue;
            } else if n == u16::from(b'`') {
                out.extend_from_slice(&u[..pos]);
                i += 2;
                continue;
            } else if n == u16::from(b'\'') {
                out.extend_from_slice(&u[(pos + pat.len()).min(u.len())..]);
                i += 2;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn split(s: &JsString, u: &[u16], sep: &Value, limit: &Value) -> Value {
    let lim = if limit.is_undefined() {
        u32::MAX
    } else {
        to_uint32(to_number(limit))
    } as usize;
    if lim == 0 {
        return Value::array(Vec::new());
    }
    if sep.is_undefined() {
        return Value::array(vec![Value::String(s.clone())]);
    }
    let r = to_js_string(sep).units().into_owned();
    if r.is_empty() {
        return Value::array(
            u.iter()
                .take(lim)
                .map(|c| str_value(std::slice::from_ref(c)))
                .collect(),
        );
    }
    if u.is_empty() {
        return Value::array(vec![Value::String(s.clone())]);
    }
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(p) = find_units(u, &r, start) {
        out.push(str_value(&u[start..p]));
        if out.len() >= lim {
            return Value::array(out);
        }
        start = p + r.len();
    }
    out.push(str_value(&u[start..]));
    Value::array(out)
}

fn change_case(s: &JsString, upper: bool) -> JsString {
    let conv = |t: &str| {
        if upper {
            t.to_uppercase()
        } else {
            t.to_lowercase()
        }
    };
    if let Some(text) = s.as_str() {
        return JsString::from(conv(text));
    }
    // Convert the valid runs; keep lone surrogates as they are.
    let u = s.units();
    let mut out: Vec<u16> = Vec::with_capacity(u.len());
    let mut run: Vec<u16> = Vec::new();
    for r in char::decode_utf16(u.iter().copied()) {
        match r {
            Ok(c) => {
                let mut b = [0u16; 2];
                run.extend_from_slice(c.encode_utf16(&mut b));
            }
            Err(e) => {
                out.extend(conv(&String::from_utf16_lossy(&run)).encode_utf16());
                run.clear();
                out.push(e.unpaired_surrogate());
            }
        }
    }
    out.extend(conv(&String::from_utf16_lossy(&run)).encode_utf16());
    JsString::from_utf16(&out)
}

fn flatten_into(out: &mut Vec<Value>, items: &[Value], depth: f64) {
    for v in items {
        match v {
            Value::Array(inner) if depth >= 1.0 => flatten_into(out, inner, depth - 1.0),
            v => out.push(v.clone()),
        }
    }
}

/// The default sort order: `undefined` last, the rest by `ToString` in
/// UTF-16 order; stable.
fn default_sort(items: &[Value]) -> Vec<Value> {
    let mut keyed: Vec<(JsString, Value)> = Vec::with_capacity(items.len());
    let mut undefined = 0;
    for v in items {
        if v.is_undefined() {
            undefined += 1;
        } else {
            keyed.push((to_js_string(v), v.clone()));
        }
    }
    // A consistent comparison: any stable sort gives V8's order.
    keyed.sort_by(|a, b| a.0.cmp_utf16(&b.0));
    let mut out: Vec<Value> = keyed.into_iter().map(|(_, v)| v).collect();
    out.extend(std::iter::repeat_n(Value::Undefined, undefined));
    out
}

fn array_method(
    recv: &Value,
    a: &crate::value::Array,
    name: &str,
    args: &[Value],
) -> Result<Value, JsError> {
    let a0 = arg(args, 0);
    let a1 = arg(args, 1);
    let len = a.len();
    Ok(match name {
        "includes" => {
            let from = relative(a1, len, 0);
            Value::Bool(a[from..].iter().any(|v| same_value_zero(v, a0)))
        }
        "indexOf" => {
            let from = relative(a1, len, 0);
            Value::Number(
                a[from..]
                    .iter()
                    .position(|v| strict_eq(v, a0))
                    .map_or(-1.0, |i| (i + from) as f64),
            )
        }
        "lastIndexOf" => {
            if len == 0 {
                return Ok(Value::Number(-1.0));
            }
            let from = if args.len() > 1 {
                let n = to_integer_or_infinity(to_number(a1));
                if n < 0.0 {
                    len as f64 + n
                } else {
                    n.min(len as f64 - 1.0)
                }
            } else {
                len as f64 - 1.0
            };
            if from < 0.0 {
                return Ok(Value::Number(-1.0));
            }
            let from = from as usize;
            Value::Number(
                a[..=from]
                    .iter()
                    .rposition(|v| strict_eq(v, a0))
                    .map_or(-1.0, |i| i as f64),
            )
        }
        "join" => {
            let sep = if a0.is_undefined() {
                JsString::from(",")
            } else {
                to_js_string(a0)
            };
            Value::String(join(a, &sep))
        }
        "toString" => Value::String(join(a, &JsString::from(","))),
        "slice" => {
            let s = relative(a0, len, 0);
            let e = relative(a1, len, len);
            Value::array(if s < e { a[s..e].to_vec() } else { Vec::new() })
        }
        "concat" => {
            let mut out = a.to_vec();
            for x in args {
                match x {
                    Value::Array(inner) => out.extend(inner.iter().cloned()),
                    v => out.push(v.clone()),
                }
            }
            Value::array(out)
        }
        "flat" => {
            let depth = if a0.is_undefined() {
                1.0
            } else {
                to_integer_or_infinity(to_number(a0))
            };
            let mut out = Vec::with_capacity(len);
            flatten_into(&mut out, a, depth);
            Value::array(out)
        }
        "reverse" | "toReversed" => Value::array(a.iter().rev().cloned().collect()),
        "sort" | "toSorted" if a0.is_undefined() => Value::array(default_sort(a)),
        "at" => {
            let n = to_integer_or_infinity(to_number(a0));
            let k = if n < 0.0 { len as f64 + n } else { n };
            if k < 0.0 || k >= len as f64 {
                Value::Undefined
            } else {
                a[k as usize].clone()
            }
        }
        "valueOf" => recv.clone(),
        _ => return Err(not_a_function(recv, name)),
    })
}

/// Sorts as V8's TimSort does: runs found (descending ones reversed) and
/// extended to the minimum run length by binary insertion, then merged
/// stably. For arrays shorter than 64 elements the comparator sees exactly
/// V8's calls, so even inconsistent comparators give V8's order; longer
/// arrays give V8's order whenever the comparator is consistent.
/// `cmp(a, b)` returns the comparator's number (NaN counts as 0).
fn timsort(
    items: &mut [Value],
    cmp: &mut dyn FnMut(&Value, &Value) -> Result<f64, JsError>,
) -> Result<(), JsError> {
    let n = items.len();
    if n < 2 {
        return Ok(());
    }
    let min_run = {
        let (mut m, mut r) = (n, 0);
        while m >= 64 {
            r |= m & 1;
            m >>= 1;
        }
        m + r
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut low = 0;
    while low < n {
        let remaining = n - low;
        // Count the run starting at `low`.
        let mut run = 1;
        if remaining > 1 {
            run = 2;
            let descending = cmp(&items[low + 1], &items[low])? < 0.0;
            let mut k = low + 2;
            while k < n {
                let order = cmp(&items[k], &items[k - 1])?;
                if (descending && order >= 0.0) || (!descending && order < 0.0) {
                    break;
                }
                run += 1;
                k += 1;
            }
            if descending {
                items[low..low + run].reverse();
            }
        }
        if run < min_run {
            let forced = min_run.min(remaining);
            binary_insertion(&mut items[low..low + forced], run, cmp)?;
            run = forced;
        }
        runs.push((low, low + run));
        low += run;
    }
    while runs.len() > 1 {
        let mut merged = Vec::with_capacity(runs.len().div_ceil(2));
        for pair in runs.chunks(2) {
            if let [(a, mid), (_, b)] = *pair {
                merge(items, a, mid, b, cmp)?;
                merged.push((a, b));
            } else {
                merged.push(pair[0]);
            }
        }
        runs = merged;
    }
    Ok(())
}

fn binary_insertion(
    items: &mut [Value],
    sorted: usize,
    cmp: &mut dyn FnMut(&Value, &Value) -> Result<f64, JsError>,
) -> Result<(), JsError> {
    for start in sorted.max(1)..items.len() {
        let pivot = items[start].clone();
        let (mut left, mut right) = (0, start);
        while left < right {
            let mid = left + ((right - left) >> 1);
            if cmp(&pivot, &items[mid])? < 0.0 {
                right = mid;
            } else {
                left = mid + 1;
            }
        }
        items[left..=start].rotate_right(1);
    }
    Ok(())
}

fn merge(
    items: &mut [Value],
    a: usize,
    mid: usize,
    b: usize,
    cmp: &mut dyn FnMut(&Value, &Value) -> Result<f64, JsError>,
) -> Result<(), JsError> {
    let left: Vec<Value> = items[a..mid].to_vec();
    let right: Vec<Value> = items[mid..b].to_vec();
    let (mut i, mut j, mut k) = (0, 0, a);
    while i < left.len() && j < right.len() {
        if cmp(&right[j], &left[i])? < 0.0 {
            items[k] = right[j].clone();
            j += 1;
        } else {
            items[k] = left[i].clone();
            i += 1;
        }
        k += 1;
    }
    for v in left[i..].iter().chain(right[j..].iter()) {
        items[k] = v.clone();
        k += 1;
    }
    Ok(())
}

/// `recv.name(f, ...rest)` for the array methods that take a callback.
///
/// `f` receives `[element, index, array]` (`reduce`/`reduceRight`:
/// `[accumulator, element, index, array]`; `sort`: `[a, b]`). `rest` holds
/// the further arguments (the initial value of `reduce`).
pub fn call_method_fn(
    recv: &Value,
    name: &str,
    f: &mut dyn FnMut(&[Value]) -> Result<Value, JsError>,
    rest: &[Value],
) -> Result<Value, JsError> {
    let a = match recv {
        Value::Array(a) => a,
        Value::Undefined | Value::Null => return Err(JsError::cannot_read(kind_name(recv), name)),
        _ => return Err(not_a_function(recv, name)),
    };
    if !CALLBACK_METHODS.contains(&name) {
        return Err(not_a_function(recv, name));
    }
    let call = |f: &mut dyn FnMut(&[Value]) -> Result<Value, JsError>, i: usize| {
        f(&[a[i].clone(), Value::Number(i as f64), recv.clone()])
    };
    Ok(match name {
        "map" => {
            let mut out = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                out.push(call(f, i)?);
            }
            Value::array(out)
        }
        "filter" => {
            let mut out = Vec::new();
            for i in 0..a.len() {
                if crate::ops::truthy(&call(f, i)?) {
                    out.push(a[i].clone());
                }
            }
            Value::array(out)
        }
        "forEach" => {
            for i in 0..a.len() {
                call(f, i)?;
            }
            Value::Undefined
        }
        "flatMap" => {
            let mut out = Vec::with_capacity(a.len());
            for i in 0..a.len() {
                match call(f, i)? {
                    Value::Array(inner) => out.extend(inner.iter().cloned()),
                    v => out.push(v),
                }
            }
            Value::array(out)
        }
        "find" | "findIndex" | "findLast" | "findLastIndex" => {
            let last = name.starts_with("findLast");
            let mut found = None;
            for k in 0..a.len() {
                let i = if last { a.len() - 1 - k } else { k };
                if crate::ops::truthy(&call(f, i)?) {
                    found = Some(i);
                    break;
                }
            }
            if name.ends_with("Index") {
                Value::Number(found.map_or(-1.0, |i| i as f64))
            } else {
                found.map_or(Value::Undefined, |i| a[i].clone())
            }
        }
        "some" => {
            for i in 0..a.len() {
                if crate::ops::truthy(&call(f, i)?) {
                    return Ok(Value::Bool(true));
                }
            }
            Value::Bool(false)
        }
        "every" => {
            for i in 0..a.len() {
                if !crate::ops::truthy(&call(f, i)?) {
                    return Ok(Value::Bool(false));
                }
            }
            Value::Bool(true)
        }
        "reduce" | "reduceRight" => {
            let order: Vec<usize> = if name == "reduce" {
                (0..a.len()).collect()
            } else {
                (0..a.len()).rev().collect()
            };
            let mut it = order.into_iter();
            let mut acc = match rest.first() {
                Some(init) => init.clone(),
                None => match it.next() {
                    Some(i) => a[i].clone(),
                    None => {
                        return Err(JsError::type_error(
                            "Reduce of empty array with no initial value",
                        ));
                    }
                },
            };
            for i in it {
                acc = f(&[acc, a[i].clone(), Value::Number(i as f64), recv.clone()])?;
            }
            acc
        }
        "sort" | "toSorted" => {
            let mut items: Vec<Value> = a.iter().filter(|v| !v.is_undefined()).cloned().collect();
            let undefined = a.len() - items.len();
            timsort(&mut items, &mut |x, y| {
                let r = to_number(&f(&[x.clone(), y.clone()])?);
                Ok(if r.is_nan() { 0.0 } else { r })
            })?;
            items.extend(std::iter::repeat_n(Value::Undefined, undefined));
            Value::array(items)
        }
        _ => return Err(not_a_function(recv, name)),
    })
}
