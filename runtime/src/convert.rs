//! Conversions at typed boundaries: a JavaScript value becomes a connector parameter, and a
//! connector result becomes a JavaScript value. A value that does not convert fails the run
//! with an error that names the parameter and the `.hs` position of the expression.

use crate::context::StepError;
use crate::workflow::Location;
use handled_js::{JsString, Value};

/// Largest integer a JavaScript number holds exactly (2^53 − 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn describe(v: &Value) -> String {
    match v {
        Value::Undefined => "undefined".to_string(),
        Value::Null => "null".to_string(),
        Value::String(s) => format!("the string {:?}", s.to_string_lossy()),
        Value::Number(n) => format!("the number {}", handled_js::number_to_string(*n)),
        other => format!("a value of type {}", handled_js::type_of(other)),
    }
}

fn bad(param: &str, expected: &str, v: &Value, at: Location) -> StepError {
    StepError::conversion(
        format!("parameter `{param}` needs {expected}, got {}", describe(v)),
        at,
    )
}

/// An integer parameter (a quantity): a finite number with no fraction, within ±2^53.
pub fn integer(v: &Value, param: &str, at: Location) -> Result<i64, StepError> {
    match v {
        Value::Number(n) => integer_f64(*n, param, at),
        _ => Err(bad(param, "an integer", v, at)),
    }
}

/// An integer parameter from a number the checker already knows is a number.
pub fn integer_f64(n: f64, param: &str, at: Location) -> Result<i64, StepError> {
    if !n.is_finite() || n.fract() != 0.0 || n.abs() > MAX_SAFE {
        return Err(bad(param, "an integer", &Value::Number(n), at));
    }
    Ok(n as i64)
}

/// A number parameter.
pub fn number(v: &Value, param: &str, at: Location) -> Result<f64, StepError> {
    match v {
        Value::Number(n) => Ok(*n),
        _ => Err(bad(param, "a number", v, at)),
    }
}

/// A string parameter. Numbers are accepted and printed as JavaScript prints them (ids from
/// webhooks are often numbers); anything else is refused.
pub fn string(v: &Value, param: &str, at: Location) -> Result<String, StepError> {
    match v {
        Value::String(s) => Ok(s.to_string_lossy()),
        Value::Number(n) if n.is_finite() => Ok(handled_js::number_to_string(*n).to_string_lossy()),
        _ => Err(bad(param, "a string", v, at)),
    }
}

/// A string parameter restricted to a fixed set of values.
pub fn one_of(v: &Value, allowed: &[&str], param: &str, at: Location) -> Result<String, StepError> {
    let s = string(v, param, at)?;
    if allowed.contains(&s.as_str()) {
        return Ok(s);
    }
    Err(StepError::conversion(
        format!(
            "parameter `{param}` must be one of {}, got {s:?}",
            allowed.join(", ")
        ),
        at,
    ))
}

/// A boolean parameter (only `true` or `false`; JavaScript truthiness is not applied, so that
/// the string `"false"` is not silently `true`).
pub fn boolean(v: &Value, param: &str, at: Location) -> Result<bool, StepError> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(bad(param, "true or false", v, at)),
    }
}

/// A JSON parameter: the value as `JSON.parse(JSON.stringify(v))` would give it.
pub fn json(v: &Value) -> serde_json::Value {
    v.to_json()
}

/// A list parameter, converting each element.
pub fn list<T>(
    v: &Value,
    param: &str,
    at: Location,
    mut each: impl FnMut(&Value, &str, Location) -> Result<T, StepError>,
) -> Result<Vec<T>, StepError> {
    match v {
        Value::Array(items) => items.iter().map(|item| each(item, param, at)).collect(),
        _ => Err(bad(param, "a list", v, at)),
    }
}

/// An optional parameter: `undefined` and `null` mean "not given".
pub fn optional<T>(
    v: &Value,
    param: &str,
    at: Location,
    convert: impl FnOnce(&Value, &str, Location) -> Result<T, StepError>,
) -> Result<Option<T>, StepError> {
    match v {
        Value::Undefined | Value::Null => Ok(None),
        other => convert(other, param, at).map(Some),
    }
}

/// A typed result field as a JavaScript value.
pub fn to_value<T: serde::Serialize>(v: &T) -> Value {
    Value::from_serialize(v)
}

/// A string result field as a JavaScript value.
pub fn str_value(s: &str) -> Value {
    Value::String(JsString::from(s))
}

/// A JSON parameter, in the converter signature (never fails).
pub fn json_param(v: &Value, _param: &str, _at: Location) -> Result<serde_json::Value, StepError> {
    Ok(v.to_json())
}

/// An object parameter given as a value (not an object literal): its JSON must match the
/// parameter's declared shape.
pub fn object<T: serde::de::DeserializeOwned>(
    v: &Value,
    param: &str,
    at: Location,
) -> Result<T, StepError> {
    let json = v.to_json();
    serde_json::from_value(json).map_err(|e| {
        StepError::conversion(
            format!("parameter `{param}` does not have the expected shape: {e}"),
            at,
        )
    })
}
