//! Differential tests: every case in `tests/data/cases.json` was evaluated by
//! Node.js (`tests/node/gen.mjs`); the Rust functions must give the same
//! `typeof`, `JSON.stringify` and `String()` of the result, or the same error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use handled_js::*;
use serde_json::Value as Json;

fn data_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cases.json")
}

fn gen_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node/gen.mjs")
}

fn decode_str(j: &Json) -> JsString {
    match j {
        Json::String(s) => JsString::from(s.as_str()),
        Json::Object(o) if o.contains_key("$s") => {
            let units: Vec<u16> = o["$s"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_u64().unwrap() as u16)
                .collect();
            JsString::from_utf16(&units)
        }
        other => panic!("not an encoded string: {other}"),
    }
}

fn decode(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.as_f64().unwrap()),
        Json::String(s) => Value::string(s.as_str()),
        Json::Array(a) => Value::array(a.iter().map(decode).collect()),
        Json::Object(o) => {
            if o.contains_key("$u") {
                Value::Undefined
            } else if let Some(n) = o.get("$n") {
                Value::Number(match n.as_str().unwrap() {
                    "NaN" => f64::NAN,
                    "Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    "-0" => -0.0,
                    other => panic!("bad $n {other}"),
                })
            } else if let Some(d) = o.get("$d") {
                Value::Date(d.as_f64().unwrap_or(f64::NAN))
            } else if o.contains_key("$s") {
                Value::String(decode_str(j))
            } else if let Some(pairs) = o.get("$o") {
                Value::object(
                    pairs
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| (decode_str(&p[0]), decode(&p[1])))
                        .collect(),
                )
            } else {
                panic!("unknown encoding {j}")
            }
        }
    }
}

type Callback = Box<dyn FnMut(&[Value]) -> Result<Value, JsError>>;

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}

/// The callbacks of gen.mjs, written with this crate's operators.
fn callback(name: &str) -> Callback {
    let two = Value::Number(2.0);
    match name {
        "double" => Box::new(move |a| Ok(Value::Number(mul(&arg(a, 0), &two)))),
        "isEven" => Box::new(move |a| {
            Ok(Value::Bool(strict_eq(
                &Value::Number(rem(&arg(a, 0), &two)),
                &Value::Number(0.0),
            )))
        }),
        "gt2" => Box::new(move |a| Ok(Value::Bool(compare(&arg(a, 0), &two, CmpOp::Gt)))),
        "toStr" => Box::new(|a| Ok(Value::String(string_fn(&arg(a, 0))))),
        "identity" => Box::new(|a| Ok(arg(a, 0))),
        "index" => Box::new(|a| Ok(arg(a, 1))),
        "pair" => Box::new(|a| Ok(Value::array(vec![arg(a, 0), arg(a, 0)]))),
        "len" => Box::new(|a| get(&arg(a, 0), "length")),
        "sum" => Box::new(|a| Ok(add(&arg(a, 0), &arg(a, 1)))),
        "accIndex" => Box::new(|a| Ok(add(&arg(a, 0), &arg(a, 2)))),
        "cmpNum" => Box::new(|a| Ok(Value::Number(sub(&arg(a, 0), &arg(a, 1))))),
        "cmpDesc" => Box::new(|a| Ok(Value::Number(sub(&arg(a, 1), &arg(a, 0))))),
        "cmpStr" => Box::new(|a| {
            let (x, y) = (arg(a, 0), arg(a, 1));
            Ok(Value::Number(if compare(&x, &y, CmpOp::Lt) {
                -1.0
            } else if compare(&x, &y, CmpOp::Gt) {
                1.0
            } else {
                0.0
            }))
        }),
        "cmpLen" => Box::new(|a| {
            let lx = get(&Value::String(string_fn(&arg(a, 0))), "length")?;
            let ly = get(&Value::String(string_fn(&arg(a, 1))), "length")?;
            Ok(Value::Number(sub(&lx, &ly)))
        }),
        other => panic!("unknown callback {other}"),
    }
}

fn nums(args: &[Value]) -> Vec<f64> {
    args.iter()
        .map(|v| v.as_f64().expect("number argument"))
        .collect()
}

/// Calls the handled-js function named `name`.
fn dispatch(name: &str, args: &[Value]) -> Result<Value, JsError> {
    let a = arg(args, 0);
    let b = arg(args, 1);
    let n = |v: f64| Ok(Value::Number(v));
    let bo = |v: bool| Ok(Value::Bool(v));
    let x = a.as_f64().unwrap_or(f64::NAN);
    let y = b.as_f64().unwrap_or(f64::NAN);
    match name {
        "add" => Ok(add(&a, &b)),
        "sub" => n(sub(&a, &b)),
        "mul" => n(mul(&a, &b)),
        "div" => n(div(&a, &b)),
        "rem" => n(rem(&a, &b)),
        "pow" => n(pow(&a, &b)),
        "num_rem" => n(num_rem(x, y)),
        "num_pow" => n(num_pow(x, y)),
        "strict_eq" => bo(strict_eq(&a, &b)),
        "loose_eq" => bo(loose_eq(&a, &b)),
        "compare" => {
            let op = match arg(args, 2).as_js_string().unwrap().as_str().unwrap() {
                "Lt" => CmpOp::Lt,
                "Le" => CmpOp::Le,
                "Gt" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            bo(compare(&a, &b, op))
        }
        "neg" => n(neg(&a)),
        "plus" => n(plus(&a)),
        "not" => bo(not(&a)),
        "truthy" => bo(truthy(&a)),
        "nullish" => bo(nullish(&a)),
        "type_of" => Ok(Value::string(type_of(&a))),
        "to_number" => n(to_number(&a)),
        "to_js_string" => Ok(Value::String(to_js_string(&a))),
        "number_to_string" => Ok(Value::String(number_to_string(x))),
        "get" => get(&a, &b.as_js_string().unwrap().to_string_lossy()),
        "get_index" => get_index(&a, &b),
        "call_method" => {
            let name = b.as_js_string().unwrap().to_string_lossy();
            call_method(&a, &name, &args[2..])
        }
        "call_method_fn" => {
            let name = b.as_js_string().unwrap().to_string_lossy();
            let cb = arg(args, 2).as_js_string().unwrap().to_string_lossy();
            let mut f = callback(&cb);
            call_method_fn(&a, &name, &mut *f, &args[3..])
        }
        "math_max" => n(math_max(&nums(args))),
        "math_min" => n(math_min(&nums(args))),
        "math_round" => n(math_round(x)),
        "math_sign" => n(math_sign(x)),
        "math_trunc" => n(math_trunc(x)),
        "math_floor" => n(math_floor(x)),
        "math_ceil" => n(math_ceil(x)),
        "math_abs" => n(math_abs(x)),
        "math_pow" => n(math_pow(x, y)),
        "math_sqrt" => n(math_sqrt(x)),
        "number_fn" => n(number_fn(&a)),
        "string_fn" => Ok(Value::String(string_fn(&a))),
        "boolean_fn" => bo(boolean_fn(&a)),
        "parse_int" => n(parse_int(&a, &b)),
        "parse_float" => n(parse_float(&a)),
        "is_nan" => bo(is_nan(&a)),
        "is_finite" => bo(is_finite(&a)),
        "number_is_nan" => bo(number_is_nan(&a)),
        "number_is_integer" => bo(number_is_integer(&a)),
        "number_is_finite" => bo(number_is_finite(&a)),
        "number_is_safe_integer" => bo(number_is_safe_integer(&a)),
        "array_is_array" => bo(array_is_array(&a)),
        "object_keys" => object_keys(&a),
        "object_values" => object_values(&a),
        "object_entries" => object_entries(&a),
        "json_stringify" => Ok(json_stringify(&a, Some(&b))),
        "json_parse" => json_parse(&a),
        "date_new" => Ok(date_new(args, 0.0)),
        "date_parse" => n(date_parse(&a)),
        "template" => Ok(template(args)),
        "object" => Ok(Value::object(
            args.chunks(2)
                .map(|kv| (to_property_key(&kv[0]), kv[1].clone()))
                .collect(),
        )),
        other => panic!("no dispatch for {other}"),
    }
}

/// Runs every case; returns (count, mismatch descriptions).
fn run_cases(text: &str) -> (usize, Vec<String>) {
    let cases: Vec<Json> = serde_json::from_str(text).expect("cases.json parses");
    let mut bad = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case["fn"].as_str().unwrap();
        let args: Vec<Value> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(decode)
            .collect();
        let expect = &case["expect"];
        let got = dispatch(name, &args);
        let mut problems = Vec::new();
        match (&got, expect["threw"].is_null()) {
            (Err(e), false) => {
                let want = decode_str(&expect["threw"]).to_string_lossy();
                if e.to_string() != want {
                    problems.push(format!("threw {e}, want {want}"));
                }
            }
            (Err(e), true) => problems.push(format!("threw {e}, want a result")),
            (Ok(v), false) => problems.push(format!(
                "returned {v:?}, want throw {}",
                decode_str(&expect["threw"]).to_string_lossy()
            )),
            (Ok(v), true) => {
                let ty = type_of(v);
                if ty != expect["type"].as_str().unwrap() {
                    problems.push(format!("typeof {ty}, want {}", expect["type"]));
                }
                let json = match json_stringify(v, None) {
                    Value::String(s) => Some(s.to_string_lossy()),
                    _ => None,
                };
                let want_json = expect["json"].as_str().map(str::to_string);
                if json != want_json {
                    problems.push(format!("JSON {json:?}, want {want_json:?}"));
                }
                let s = to_js_string(v);
                let want_s = decode_str(&expect["str"]);
                if s != want_s {
                    problems.push(format!("String {s:?}, want {want_s:?}"));
                }
                // serde serialization must equal JSON.stringify where it can
                // (lone surrogates are replaced by serde).
                if let Some(w) = &want_json
                    && !w.contains("\\ud")
                    && !v.is_undefined()
                {
                    let ser = serde_json::to_string(v).unwrap();
                    if &ser != w {
                        problems.push(format!("serde {ser}, want {w}"));
                    }
                }
            }
        }
        if !problems.is_empty() {
            bad.push(format!(
                "case {i}: {name}({}) : {}",
                serde_json::to_string(&case["args"]).unwrap(),
                problems.join("; ")
            ));
        }
    }
    (cases.len(), bad)
}

#[test]
fn node_cases_match() {
    // HANDLED_JS_CASES points at another generated file (e.g. another GEN_SEED).
    let path = env("HANDLED_JS_CASES").map_or_else(data_path, PathBuf::from);
    let text = std::fs::read_to_string(path).expect("read cases.json");
    let (count, bad) = run_cases(&text);
    for b in &bad {
        println!("{b}");
    }
    println!("{} of {count} Node.js cases match", count - bad.len());
    assert!(count >= 3000, "only {count} cases");
    assert!(
        bad.is_empty(),
        "{} of {count} cases differ from Node.js",
        bad.len()
    );
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn checked_in_cases_are_current() {
    if !node_available() {
        println!("note: `node` is not on PATH; not checking tests/data/cases.json");
        return;
    }
    let update = env("UPDATE_NODE_CASES").is_some_and(|v| v == "1");
    let out = if update {
        data_path()
    } else {
        std::env::temp_dir().join(format!("handled-js-cases-{}.json", std::process::id()))
    };
    let status = Command::new("node")
        .arg(gen_script())
        .arg(&out)
        .env("TZ", "UTC")
        .status()
        .expect("run node");
    assert!(status.success(), "gen.mjs failed");
    if update {
        return;
    }
    let fresh = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let checked_in = std::fs::read_to_string(data_path()).unwrap();
    assert!(
        fresh == checked_in,
        "tests/data/cases.json is stale; rerun with UPDATE_NODE_CASES=1"
    );
}

/// A variable of the test's environment (`HANDLED_JS_CASES`, `UPDATE_NODE_CASES`).
#[allow(clippy::disallowed_methods)] // handled-js depends on nothing of ours, so not on handled_contract::Env
fn env(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name)
}
