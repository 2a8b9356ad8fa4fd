//! Unit tests of expression parsing: precedence, associativity, the errors JavaScript gives
//! for ambiguous mixes, literals, and `parse_expression` offsets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use handled_parser::{ExprKind, SyntaxErrorKind, parse_expression};

/// The dump without spans, for compact assertions.
fn shape(src: &str) -> String {
    let e = parse_expression(src, 0).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    let dumped = common::expr(&e);
    let mut out = String::new();
    let mut skipping = false;
    for c in dumped.chars() {
        if c == '@' {
            skipping = true;
        } else if skipping && (c.is_ascii_digit() || c == '.') {
        } else {
            skipping = false;
            out.push(c);
        }
    }
    out
}

fn err(src: &str) -> (SyntaxErrorKind, String) {
    let errs = parse_expression(src, 0).expect_err(src);
    (errs[0].kind, errs[0].message.clone())
}

#[test]
fn precedence() {
    assert_eq!(shape("a || b && c"), "(|| a (&& b c))");
    assert_eq!(shape("a && b || c"), "(|| (&& a b) c)");
    assert_eq!(shape("a ?? b ?? c"), "(?? (?? a b) c)");
    assert_eq!(shape("(a || b) ?? c"), "(?? (|| a b) c)");
    assert_eq!(shape("a ? b : c ? d : e"), "(?: a b (?: c d e))");
    assert_eq!(shape("a ? b ? c : d : e"), "(?: a (?: b c d) e)");
    assert_eq!(shape("x => y => z"), "(=> (x) (=> (y) z))");
    assert_eq!(shape("a.b?.c[0]?.(1)"), "(?.call ([] (?. (. a b) c) 0) 1)");
    assert_eq!(shape("2 ** 3 ** 2"), "(** 2 (** 3 2))");
    assert_eq!(shape("(-2) ** 2"), "(** (neg 2) 2)");
    assert_eq!(shape("2 ** -2"), "(** 2 (neg 2))");
    assert_eq!(shape("a + b * c ** d"), "(+ a (* b (** c d)))");
    assert_eq!(shape("a - b - c"), "(- (- a b) c)");
    assert_eq!(shape("a < b === c > d"), "(=== (< a b) (> c d))");
    assert_eq!(shape("!a.b()"), "(! (call (. a b)))");
    assert_eq!(shape("typeof a.b === 'x'"), "(=== (typeof (. a b)) \"x\")");
    assert_eq!(
        shape("new Date().getTime()"),
        "(call (. (new Date) getTime))"
    );
    assert_eq!(shape("new new X()()"), "(new (new X))");
    assert_eq!(shape("a || b ? c : d"), "(?: (|| a b) c d)");
    assert_eq!(shape("a ? x => 1 : y => 2"), "(?: a (=> (x) 1) (=> (y) 2))");
}

#[test]
fn js_errors() {
    assert_eq!(err("-2 ** 2").0, SyntaxErrorKind::Unexpected);
    assert!(err("!a ** 2").1.contains("before `**`"));
    assert!(err("2 ** -2 ** 2").1.contains("before `**`"));
    assert!(err("a ?? b || c").1.contains("cannot mix `??` with `||`"));
    assert!(err("a || b ?? c").1.contains("cannot mix `??` with `||`"));
    assert!(err("a ?? b && c").1.contains("cannot mix"));
    assert!(err("a && b ?? c").1.contains("cannot mix `??` with `&&`"));
    assert_eq!(err("function () {}").0, SyntaxErrorKind::Unsupported);
    assert_eq!(err("a = 1").0, SyntaxErrorKind::Unsupported);
    assert_eq!(err("/ab+c/.test(x)").0, SyntaxErrorKind::Unsupported);
    assert_eq!(err("(a.b) => 1").0, SyntaxErrorKind::Unsupported);
    assert_eq!(err("a b").1, "expected end of expression, found `b`");
    assert_eq!(err("").1, "expected an expression, found end of input");
    assert_eq!(
        err("[1, 2").1,
        "this `[` is never closed: expected `]`, found end of input"
    );
}

#[test]
fn offsets() {
    let e = parse_expression("item.x === 0", 100).unwrap();
    assert_eq!((e.span.start, e.span.end), (100, 112));
    let errs = parse_expression("item.x ===", 100).unwrap_err();
    assert_eq!((errs[0].span.start, errs[0].span.end), (110, 110));
    let errs = parse_expression("'\\uD800'", 7).unwrap_err();
    assert_eq!(
        (errs[0].span.start, errs[0].kind),
        (8, SyntaxErrorKind::BadLiteral)
    );
}

#[test]
fn literals() {
    let num = |s: &str| match parse_expression(s, 0).unwrap().kind {
        ExprKind::Number(n) => n,
        other => panic!("{other:?}"),
    };
    assert_eq!(num("0x1F"), 31.0);
    assert_eq!(num("1_000_000"), 1e6);
    assert_eq!(num(".5e1"), 5.0);
    assert_eq!(num("5."), 5.0);
    assert_eq!(num("0b1111_0000"), 240.0);
    let string = |s: &str| match parse_expression(s, 0).unwrap().kind {
        ExprKind::String(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(string(r"'\u{1F680}\x20\u00e9'"), "🚀 é");
    assert_eq!(string("\"a\\\r\nb\""), "ab");
    match parse_expression("`a${`b${c}`}\\n${d}`", 0).unwrap().kind {
        ExprKind::Template { quasis, exprs } => {
            assert_eq!(quasis, vec!["a", "\n", ""]);
            assert_eq!(exprs.len(), 2);
            assert!(matches!(exprs[0].kind, ExprKind::Template { .. }));
        }
        other => panic!("{other:?}"),
    }
    // A `}` inside a substitution's object literal does not end the substitution.
    assert_eq!(
        shape("`${ {a: 1}.a }`"),
        "(tpl \"\" (. (object (a 1)) a) \"\")"
    );
    assert_eq!(err("1e").0, SyntaxErrorKind::BadLiteral);
    assert_eq!(err("'\\u{D800}'").0, SyntaxErrorKind::BadLiteral);
}
