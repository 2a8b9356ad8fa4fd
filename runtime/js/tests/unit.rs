//! Unit tests for the JavaScript traps handled-js must reproduce.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_js::*;

fn s(v: &str) -> Value {
    Value::string(v)
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn str_of(v: &Value) -> String {
    to_js_string(v).to_string_lossy()
}

#[test]
fn math_round_halves() {
    assert_eq!(math_round(2.5), 3.0);
    assert_eq!(math_round(-2.5), -2.0);
    assert_eq!(math_round(0.5), 1.0);
    assert_eq!(math_round(0.49999999999999994), 0.0);
    let r = math_round(-0.4);
    assert!(r == 0.0 && r.is_sign_negative());
    assert!(math_round(-0.0).is_sign_negative());
    assert_eq!(math_round(4503599627370495.5), 4503599627370496.0);
    assert!(math_round(f64::NAN).is_nan());
}

#[test]
fn number_printing() {
    let p = |x: f64| number_to_string(x).to_string_lossy();
    assert_eq!(p(1e21), "1e+21");
    assert_eq!(p(1e20), "100000000000000000000");
    assert_eq!(p(1e-7), "1e-7");
    assert_eq!(p(1e-6), "0.000001");
    assert_eq!(p(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(p(5e-324), "5e-324");
    assert_eq!(p(-0.0), "0");
    assert_eq!(p(f64::NAN), "NaN");
    assert_eq!(p(f64::NEG_INFINITY), "-Infinity");
    assert_eq!(p(123456789012345680000.0), "123456789012345680000");
    assert_eq!(p(2f64.powi(53) + 2.0), "9007199254740994");
}

#[test]
fn to_fixed_like_v8() {
    let f = |x: f64, d: f64| to_fixed(x, &n(d)).unwrap().to_string_lossy();
    assert_eq!(f(1.005, 2.0), "1.00");
    assert_eq!(f(1.45, 1.0), "1.4");
    assert_eq!(f(2.5, 0.0), "3");
    assert_eq!(f(-2.5, 0.0), "-3");
    assert_eq!(f(-0.0001, 2.0), "-0.00");
    assert_eq!(f(1e21, 2.0), "1e+21");
    assert_eq!(f(123.456, 10.0), "123.4560000000");
    assert_eq!(
        to_fixed(1.0, &n(101.0)).unwrap_err().kind,
        JsErrorKind::RangeError
    );
}

#[test]
fn utf16_lengths_and_lone_surrogates() {
    let smile = JsString::from("😀");
    assert_eq!(smile.len_utf16(), 2);
    assert_eq!(get(&s("a😀b"), "length").unwrap(), n(4.0));
    let half = call_method(&s("😀"), "slice", &[n(0.0), n(1.0)]).unwrap();
    let half = half.as_js_string().unwrap().clone();
    assert_eq!(half.len_utf16(), 1);
    assert!(half.as_str().is_none());
    assert_eq!(half.to_string(), "\u{fffd}");
    // Joining the halves again gives the normal UTF-8 representation.
    let other = call_method(&s("😀"), "slice", &[n(1.0)]).unwrap();
    let whole = add(&Value::String(half.clone()), &other);
    assert_eq!(whole, s("😀"));
    assert_eq!(json_stringify(&Value::String(half), None), s("\"\\ud83d\""));
}

#[test]
fn default_sort_is_by_string() {
    let arr = Value::array(vec![n(10.0), n(9.0), n(1.0), Value::Undefined, n(100.0)]);
    let sorted = call_method(&arr, "sort", &[]).unwrap();
    assert_eq!(json_stringify(&sorted, None), s("[1,10,100,9,null]"));
    // The receiver is not mutated.
    assert_eq!(json_stringify(&arr, None), s("[10,9,1,null,100]"));
}

#[test]
fn sort_with_comparator_is_stable() {
    let arr = Value::array(vec![s("bb"), s("a"), s("cc"), s("d")]);
    let mut by_len = |a: &[Value]| {
        Ok(Value::Number(sub(
            &get(&a[0], "length")?,
            &get(&a[1], "length")?,
        )))
    };
    let sorted = call_method_fn(&arr, "sort", &mut by_len, &[]).unwrap();
    assert_eq!(str_of(&sorted), "a,d,bb,cc");
}

#[test]
fn object_key_order() {
    let o = Value::object(vec![
        (JsString::from("b"), n(1.0)),
        (JsString::from("2"), n(2.0)),
        (JsString::from("a"), n(3.0)),
        (JsString::from("1"), n(4.0)),
        (JsString::from("01"), n(5.0)),
        (JsString::from("b"), n(6.0)),
    ]);
    assert_eq!(
        json_stringify(&o, None),
        s(r#"{"1":4,"2":2,"b":6,"a":3,"01":5}"#)
    );
    assert_eq!(get(&o, "b").unwrap(), n(6.0));
    assert_eq!(get_index(&o, &n(1.0)).unwrap(), n(4.0));
    assert_eq!(get(&o, "zz").unwrap(), Value::Undefined);
}

#[test]
fn big_object_lookup() {
    let pairs: Vec<(JsString, Value)> = (0..50)
        .map(|i| (JsString::from(format!("k{i}")), n(f64::from(i))))
        .collect();
    let o = Object::from_pairs(pairs);
    assert_eq!(o.get("k42"), Some(&n(42.0)));
    assert_eq!(o.get("k50"), None);
}

#[test]
fn coercion_traps() {
    assert_eq!(add(&s("5"), &n(1.0)), s("51"));
    assert_eq!(sub(&s("5"), &n(1.0)), 4.0);
    assert_eq!(
        add(&Value::array(vec![]), &Value::object(vec![])),
        s("[object Object]")
    );
    assert_eq!(add(&Value::array(vec![]), &Value::array(vec![])), s(""));
    assert!(compare(&Value::Null, &n(0.0), CmpOp::Ge));
    assert!(!compare(&Value::Null, &n(0.0), CmpOp::Gt));
    assert!(!loose_eq(&Value::Null, &n(0.0)));
    assert!(loose_eq(&Value::Undefined, &Value::Null));
    assert!(!strict_eq(&Value::Undefined, &Value::Null));
    assert!(!strict_eq(&n(f64::NAN), &n(f64::NAN)));
    assert!(strict_eq(&n(0.0), &n(-0.0)));
    assert!(loose_eq(&s(" 12 "), &n(12.0)));
    assert!(truthy(&s("false")));
    assert!(!truthy(&s("")));
    assert_eq!(type_of(&Value::Null), "object");
    assert!(compare(&s("10"), &s("9"), CmpOp::Lt));
    assert!(!compare(&Value::Undefined, &n(0.0), CmpOp::Le));
}

#[test]
fn includes_uses_same_value_zero() {
    let arr = Value::array(vec![n(f64::NAN), n(-0.0)]);
    assert_eq!(
        call_method(&arr, "includes", &[n(f64::NAN)]).unwrap(),
        Value::Bool(true)
    );
    assert_eq!(
        call_method(&arr, "indexOf", &[n(f64::NAN)]).unwrap(),
        n(-1.0)
    );
    assert_eq!(
        call_method(&arr, "includes", &[n(0.0)]).unwrap(),
        Value::Bool(true)
    );
}

#[test]
fn string_to_number() {
    let num = |x: &str| to_number(&s(x));
    assert_eq!(num(" 12 "), 12.0);
    assert_eq!(num("0x1f"), 31.0);
    assert_eq!(num("0b1"), 1.0);
    assert_eq!(num("0o7"), 7.0);
    assert_eq!(num(""), 0.0);
    assert_eq!(num("\u{a0}\u{feff}5\n"), 5.0);
    assert_eq!(num("1e3"), 1000.0);
    assert_eq!(num(".5"), 0.5);
    assert_eq!(num("5."), 5.0);
    assert_eq!(num("-Infinity"), f64::NEG_INFINITY);
    assert!(num("1_000").is_nan());
    assert!(num("infinity").is_nan());
    assert!(num("-0x10").is_nan());
    assert_eq!(to_number(&Value::array(vec![n(5.0)])), 5.0);
    assert_eq!(parse_int(&s("0x1F"), &Value::Undefined), 31.0);
    assert_eq!(parse_float(&s("2.75abc")), 2.75);
}

#[test]
fn errors_read_like_v8() {
    let e = get(&Value::Undefined, "x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "TypeError: Cannot read properties of undefined (reading 'x')"
    );
    let e = get_index(&Value::Null, &n(0.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "TypeError: Cannot read properties of null (reading '0')"
    );
    let e = call_method(&s("abc"), "map", &[]).unwrap_err();
    assert_eq!(e.to_string(), "TypeError: string.map is not a function");
    let e = object_keys(&Value::Null).unwrap_err();
    assert_eq!(e.message, "Cannot convert undefined or null to object");
    let e = call_method(&Value::Date(f64::NAN), "toISOString", &[]).unwrap_err();
    assert_eq!(e.to_string(), "RangeError: Invalid time value");
    let e = call_method(&s("a"), "repeat", &[n(-1.0)]).unwrap_err();
    assert_eq!(e.to_string(), "RangeError: Invalid count value: -1");
    let mut f = |a: &[Value]| Ok(add(&a[0], &a[1]));
    let e = call_method_fn(&Value::array(vec![]), "reduce", &mut f, &[]).unwrap_err();
    assert_eq!(e.message, "Reduce of empty array with no initial value");
    let e = e.at(3, 7).at(9, 9);
    assert_eq!((e.line, e.column), (3, 7));
}

#[test]
fn dates() {
    let d = date_new(&[s("2026-11-28T10:00:00Z")], 0.0);
    assert_eq!(d, Value::Date(1_795_860_000_000.0));
    assert_eq!(
        str_of(&d),
        "Sat Nov 28 2026 10:00:00 GMT+0000 (Coordinated Universal Time)"
    );
    assert_eq!(
        call_method(&d, "toISOString", &[]).unwrap(),
        s("2026-11-28T10:00:00.000Z")
    );
    assert_eq!(date_parse(&s("2026-11-28")), 1_795_824_000_000.0);
    assert_eq!(date_new(&[], 42.0), Value::Date(42.0));
    assert_eq!(add(&d, &n(1.0)).as_js_string().unwrap().len_utf16(), 63);
    assert_eq!(sub(&d, &n(1.0)), 1_795_859_999_999.0);
}

#[test]
fn json_round_trips() {
    let v: Value = serde_json::from_str(r#"{"b":1,"a":[1,2.5,null,"x"],"1":true}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        r#"{"1":true,"b":1,"a":[1,2.5,null,"x"]}"#
    );
    let big = Value::from_json(&serde_json::json!(9007199254740993u64));
    assert_eq!(big, n(9007199254740992.0));
    let with_undef = Value::object(vec![
        (JsString::from("u"), Value::Undefined),
        (JsString::from("n"), n(f64::NAN)),
        (JsString::from("z"), n(-0.0)),
        (JsString::from("e"), n(1e21)),
        (JsString::from("a"), Value::array(vec![Value::Undefined])),
    ]);
    let text = r#"{"n":null,"z":0,"e":1e+21,"a":[null]}"#;
    assert_eq!(serde_json::to_string(&with_undef).unwrap(), text);
    assert_eq!(json_stringify(&with_undef, None), s(text));
    let want: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(with_undef.to_json(), want);
    assert_eq!(
        json_stringify(
            &Value::array(vec![n(1.0), Value::object(vec![])]),
            Some(&n(2.0))
        ),
        s("[\n  1,\n  {}\n]")
    );
    let parsed = json_parse(&s(r#"{"a":1,"a":2}"#)).unwrap();
    assert_eq!(get(&parsed, "a").unwrap(), n(2.0));
    let e = json_parse(&s("{a")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "SyntaxError: Expected property name or '}' in JSON at position 1"
    );
}

#[test]
fn number_serde_fields() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct T {
        #[serde(with = "handled_js::number_serde")]
        x: f64,
    }
    assert_eq!(
        serde_json::to_string(&T { x: f64::NAN }).unwrap(),
        r#"{"x":null}"#
    );
    assert_eq!(serde_json::to_string(&T { x: 3.0 }).unwrap(), r#"{"x":3}"#);
    let t: T = serde_json::from_str(r#"{"x":null}"#).unwrap();
    assert!(t.x.is_nan());
}

#[test]
fn values_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Value>();
    check::<JsString>();
    check::<JsError>();
}

#[test]
fn spreads() {
    let arr = spread_array(&s("a😀")).unwrap();
    assert_eq!(arr.len(), 2);
    let e = spread_array(&Value::Undefined).unwrap_err();
    assert_eq!(e.message, "undefined is not iterable");
    let pairs = spread_object_pairs(&Value::array(vec![n(7.0)]));
    assert_eq!(pairs, vec![(JsString::from("0"), n(7.0))]);
    assert_eq!(
        template(&[s("qty="), n(3.0), s(" "), Value::object(vec![])]),
        s("qty=3 [object Object]")
    );
}

/// A value of each receiver kind, for calling every listed method.
fn sample(on: methods::Receiver) -> Value {
    match on {
        methods::Receiver::String => s("a,b"),
        methods::Receiver::Array => Value::array(vec![n(2.0), n(1.0)]),
        methods::Receiver::Number => n(1.5),
        methods::Receiver::Date => date_new(&[n(0.0)], 0.0),
        methods::Receiver::Boolean => Value::Bool(true),
        methods::Receiver::Object => Value::object(vec![(JsString::from("k"), n(1.0))]),
    }
}

fn is_not_a_function(r: &Result<Value, JsError>) -> bool {
    matches!(r, Err(e) if e.to_string().contains("is not a function"))
}

#[test]
fn every_listed_method_and_function_is_implemented_and_nothing_else() {
    for (on, names) in methods::METHODS {
        let recv = sample(*on);
        for name in *names {
            let r = call_method(&recv, name, &[]);
            assert!(!is_not_a_function(&r), "{on:?}.{name}: {r:?}");
        }
        assert!(is_not_a_function(&call_method(&recv, "noSuchMethod", &[])));
        assert_eq!(methods::Receiver::of(&recv), Some(*on));
    }
    let list = sample(methods::Receiver::Array);
    for name in methods::CALLBACK_METHODS {
        let r = call_method_fn(&list, name, &mut |_| Ok(n(0.0)), &[n(0.0)]);
        assert!(!is_not_a_function(&r), "{name}: {r:?}");
    }
    assert!(is_not_a_function(&call_method_fn(
        &list,
        "noSuchMethod",
        &mut |_| Ok(n(0.0)),
        &[]
    )));
    for name in FUNCTIONS {
        let r = call_function(name, &[s("1")], 0.0);
        assert!(!is_not_a_function(&r), "{name}: {r:?}");
    }
    assert!(is_not_a_function(&call_function("Math.cbrt", &[], 0.0)));
    assert_eq!(
        str_of(&call_function("Math.max", &[n(1.0), s("3")], 0.0).unwrap()),
        "3"
    );
}
