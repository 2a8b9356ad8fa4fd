//! The checker's table of built-ins (`handled_codegen::builtins::BUILTINS`) against their
//! run-time implementation (`handled-js`): every entry is implemented, and every method and
//! function handled-js answers is in the table, so the checker never refuses what works at run
//! time nor accepts what does not. handled-js answers only the names it lists
//! (`methods::METHODS`, `methods::CALLBACK_METHODS`, `FUNCTIONS`); anything else is a
//! `TypeError` there, which its own tests check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_codegen::builtins::{BUILTINS, Builtin, On};
use handled_js::methods::{CALLBACK_METHODS, METHODS, Receiver};
use handled_js::{JsError, JsString, Value};
use std::collections::BTreeSet;

fn receiver(on: On) -> Option<Receiver> {
    Some(match on {
        On::String => Receiver::String,
        On::Array => Receiver::Array,
        On::Number => Receiver::Number,
        On::Date => Receiver::Date,
        On::Boolean => Receiver::Boolean,
        On::Object => Receiver::Object,
        On::Global | On::Static(_) | On::New => return None,
    })
}

fn sample(on: Receiver) -> Value {
    match on {
        Receiver::String => Value::string("a,b"),
        Receiver::Array => Value::array(vec![Value::Number(2.0), Value::Number(1.0)]),
        Receiver::Number => Value::Number(1.5),
        Receiver::Date => handled_js::date_new(&[Value::Number(0.0)], 0.0),
        Receiver::Boolean => Value::Bool(true),
        Receiver::Object => Value::object(vec![(JsString::from("k"), Value::Number(1.0))]),
    }
}

/// Calls the built-in at run time with as many arguments as it reads.
fn call(b: &Builtin) -> Result<Value, JsError> {
    let args = vec![Value::string("1"); usize::from(b.arity.1.min(3))];
    match receiver(b.on) {
        Some(on) if b.takes_callback() => handled_js::call_method_fn(
            &sample(on),
            b.name,
            &mut |_| Ok(Value::Number(0.0)),
            &args[1.min(args.len())..],
        ),
        Some(on) => handled_js::call_method(&sample(on), b.name, &args),
        None => handled_js::call_function(&b.full_name(), &args, 0.0),
    }
}

#[test]
fn every_builtin_of_the_table_is_implemented_at_run_time() {
    for b in BUILTINS {
        let r = call(b);
        assert!(
            !matches!(&r, Err(e) if e.to_string().contains("is not a function")),
            "{} is in the checker's table but handled-js does not implement it: {r:?}",
            b.full_name()
        );
    }
}

#[test]
fn every_builtin_of_the_runtime_is_in_the_table() {
    let table: BTreeSet<(Option<Receiver>, bool, String)> = BUILTINS
        .iter()
        .map(|b| {
            let name = if b.on.is_method() {
                b.name.to_string()
            } else {
                b.full_name()
            };
            (receiver(b.on), b.takes_callback(), name)
        })
        .collect();
    let mut runtime = BTreeSet::new();
    for (on, names) in METHODS {
        runtime.extend(names.iter().map(|n| (Some(*on), false, n.to_string())));
    }
    runtime.extend(
        CALLBACK_METHODS
            .iter()
            .map(|n| (Some(Receiver::Array), true, n.to_string())),
    );
    runtime.extend(
        handled_js::FUNCTIONS
            .iter()
            .map(|n| (None, false, n.to_string())),
    );
    let missing: Vec<_> = runtime.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "handled-js implements built-ins the checker's table lacks (the checker refuses them): {missing:?}"
    );
    let extra: Vec<_> = table.difference(&runtime).collect();
    assert!(
        extra.is_empty(),
        "the checker's table has built-ins handled-js does not list: {extra:?}"
    );
}

#[test]
fn each_builtin_is_in_the_table_once_with_a_doc() {
    let mut seen = BTreeSet::new();
    for b in BUILTINS {
        assert!(
            seen.insert((b.full_name(), b.takes_callback())),
            "{} twice",
            b.full_name()
        );
        assert!(!b.doc.is_empty(), "{} has no doc", b.full_name());
        assert!(b.arity.0 <= b.arity.1, "{}", b.full_name());
    }
}

/// A call of the built-in on a literal of its receiver, as a program would write it.
fn source(b: &Builtin) -> String {
    let mut args: Vec<&str> = Vec::new();
    if let handled_codegen::builtins::Args::Callback(c) = b.args {
        args.push(match c {
            handled_codegen::builtins::Callback::Element => "x => 0",
            handled_codegen::builtins::Callback::Reducer => "(acc, x) => acc",
            handled_codegen::builtins::Callback::Comparator => "(a, b) => 0",
        });
    }
    while args.len() < usize::from(b.arity.0) {
        args.push("\"1\"");
    }
    let args = args.join(", ");
    let recv = match b.on {
        On::String => "\"a,b\"",
        On::Array => "[2, 1]",
        On::Number => "(1.5)",
        On::Date => "new Date(0)",
        On::Boolean => "true",
        On::Object => "({ k: 1 })",
        On::Global | On::Static(_) | On::New => return format!("{}({args})", b.full_name()),
    };
    format!("{recv}.{}({args})", b.name)
}

#[test]
fn the_checker_accepts_every_builtin_of_the_table_and_refuses_others() {
    for b in BUILTINS {
        let src = source(b);
        if let Err(d) = handled_codegen::compile_expression("f", &src) {
            panic!("{src} is refused: {}", d[0].message);
        }
    }
    for src in [
        "\"a\".codePointAt(0)",
        "[1].fill(0)",
        "Math.cbrt(8)",
        "Date.UTC(2026)",
        "true.noSuchMethod()",
    ] {
        assert!(
            handled_codegen::compile_expression("f", src).is_err(),
            "{src} is accepted"
        );
    }
}
