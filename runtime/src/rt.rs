//! Small helpers that generated code calls for JavaScript constructs that are not single
//! operations: literals with spreads, arguments of callbacks, list items, step results.

use crate::connector::Env;
use handled_js::{JsError, JsString, Object, Value};

/// One piece of an array or object literal.
#[derive(Clone, Debug)]
pub enum Part {
    /// An element of an array literal.
    Item(Value),
    /// `...value`.
    Spread(Value),
    /// `key: value` of an object literal.
    Prop(JsString, Value),
}

/// One argument of `Math.max`/`Math.min`.
#[derive(Clone, Debug)]
pub enum NumPart {
    /// A number.
    One(f64),
    /// `...list`: each element through ToNumber.
    Spread(Value),
}

/// JavaScript truthiness of a number: `0`, `-0` and `NaN` are falsy.
pub fn truthy_num(n: f64) -> bool {
    n != 0.0 && !n.is_nan()
}

/// An array literal without spreads.
pub fn array(items: Vec<Value>) -> Value {
    Value::array(items)
}

/// The elements a spread `...v` produces in an array or argument list: an array's elements, a
/// string's code points; anything else is not iterable.
fn iterate(v: &Value) -> Result<Vec<Value>, JsError> {
    match v {
        Value::Array(items) => Ok(items.iter().cloned().collect()),
        Value::String(s) => {
            let text = s.to_string_lossy();
            if s.as_str().is_some() {
                return Ok(text
                    .chars()
                    .map(|c| Value::string(c.to_string().as_str()))
                    .collect());
            }
            // Lone surrogates: iterate code units, pairing valid surrogate pairs.
            let units = s.units();
            let mut out = Vec::new();
            let mut i = 0;
            while i < units.len() {
                let u = units[i];
                let pair = (0xD800..0xDC00).contains(&u)
                    && units
                        .get(i + 1)
                        .is_some_and(|n| (0xDC00..0xE000).contains(n));
                let len = if pair { 2 } else { 1 };
                out.push(Value::String(JsString::from_utf16(&units[i..i + len])));
                i += len;
            }
            Ok(out)
        }
        other => Err(JsError::type_error(format!(
            "{} is not iterable",
            describe(other)
        ))),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Undefined => "undefined".into(),
        Value::Null => "null".into(),
        Value::Number(n) => handled_js::number_to_string(*n).to_string_lossy(),
        Value::Bool(b) => b.to_string(),
        Value::Object(_) => "object".into(),
        _ => handled_js::type_of(v).into(),
    }
}

/// An array literal with spreads.
pub fn array_spread(parts: Vec<Part>) -> Result<Value, JsError> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Part::Item(v) | Part::Prop(_, v) => out.push(v),
            Part::Spread(v) => out.extend(iterate(&v)?),
        }
    }
    Ok(Value::array(out))
}

/// An object literal: properties in order, later keys overwriting earlier ones in place, and
/// spreads copying own enumerable properties (`null`/`undefined`/numbers add nothing).
pub fn object(parts: Vec<Part>) -> Value {
    let mut obj = Object::new();
    for part in parts {
        match part {
            Part::Prop(k, v) => obj.insert(k, v),
            Part::Item(_) => {}
            Part::Spread(Value::Object(src)) => {
                for (k, v) in src.iter() {
                    obj.insert(k.clone(), v.clone());
                }
            }
            Part::Spread(Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    obj.insert(JsString::from(i.to_string().as_str()), v.clone());
                }
            }
            Part::Spread(Value::String(s)) => {
                let units = s.units();
                for (i, u) in units.iter().enumerate() {
                    obj.insert(
                        JsString::from(i.to_string().as_str()),
                        Value::String(JsString::from_utf16(&[*u])),
                    );
                }
            }
            Part::Spread(_) => {}
        }
    }
    Value::Object(obj)
}

/// The numbers of `Math.max(...)`/`Math.min(...)` arguments with spreads.
pub fn spread_numbers(parts: Vec<NumPart>) -> Result<Vec<f64>, JsError> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            NumPart::One(n) => out.push(n),
            NumPart::Spread(v) => out.extend(iterate(&v)?.iter().map(handled_js::to_number)),
        }
    }
    Ok(out)
}

/// The `i`th argument a callback received (`undefined` when fewer were passed).
pub fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}

/// A forEach's list: its elements, or a TypeError when it is not an array.
pub fn list_items(v: Value) -> Result<Vec<Value>, JsError> {
    match v {
        Value::Array(items) => Ok(items.iter().cloned().collect()),
        other => Err(JsError::type_error(format!(
            "forEach needs a list, got {}",
            describe(&other)
        ))),
    }
}

/// An environment variable as a JavaScript value (a string, or `undefined` when unset).
pub fn env_value(env: &Env, name: &str) -> Value {
    match env.get(name) {
        Some(v) => Value::from(v),
        None => Value::Undefined,
    }
}

/// The result of an action as JavaScript sees it (`undefined` when the action was skipped).
pub fn result_value<T: serde::Serialize>(result: &Option<T>) -> Value {
    match result {
        Some(r) => Value::from_serialize(r),
        None => Value::Undefined,
    }
}

/// `undefined`, for `#[serde(default = …)]` on `Value` fields of generated structs.
pub fn undefined() -> Value {
    Value::Undefined
}

/// Whether a value is `undefined`, for `#[serde(skip_serializing_if = …)]` (JSON.stringify
/// leaves such properties out).
pub fn is_undefined(v: &Value) -> bool {
    v.is_undefined()
}

/// Milliseconds since the epoch, for `new Date()` outside a run (trigger configuration).
pub fn now_ms() -> f64 {
    crate::clock::wall_now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

/// Runs one event of `workflow` to the end in the foreground, as `PROG exec` does, with a typed
/// payload: what the `exec` function of every generated workflow module calls.
pub async fn exec<P: serde::Serialize>(
    runtime: &crate::Runtime,
    workflow: &str,
    payload: &P,
) -> Result<crate::ExecOutcome, crate::RuntimeError> {
    let json = serde_json::to_value(payload).map_err(|e| {
        crate::RuntimeError::Usage(format!(
            "the payload of {workflow} cannot be serialized: {e}"
        ))
    })?;
    runtime.exec(workflow, Some(json)).await
}
