//! Robustness: deep nesting is a `TooDeep` error (never a stack overflow), long inputs parse
//! without deep recursion, and mutated programs never make the parser panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_parser::{MAX_DEPTH, Parsed, SyntaxErrorKind, parse, parse_expression};

fn in_field(expr: &str) -> String {
    format!("workflow W {{\ntrigger schedule.cron {{\nx: {expr}\n}}\n}}\n")
}

/// Errors are in source order and every span lies inside the source.
fn check_invariants(src: &str, p: &Parsed) {
    let mut last = 0;
    for e in &p.errors {
        assert!(e.span.start <= e.span.end, "{e:?}");
        assert!(
            e.span.end as usize <= src.len(),
            "{e:?} beyond {}",
            src.len()
        );
        assert!(e.span.start >= last, "errors out of order: {:?}", p.errors);
        assert!(!e.message.is_empty());
        last = e.span.start;
    }
}

fn assert_too_deep(src: &str) {
    let p = parse(src);
    check_invariants(src, &p);
    assert!(
        p.errors.iter().any(|e| e.kind == SyntaxErrorKind::TooDeep),
        "{:?}",
        &p.errors[..p.errors.len().min(3)]
    );
    assert!(p.errors.len() <= 3, "too many errors: {:?}", &p.errors[..3]);
}

#[test]
fn deep_nesting_is_an_error() {
    let n = 100_000;
    // `{{` is not an object literal: an error, and no recursion.
    let braces = in_field(&format!("{}{}", "{".repeat(n), "}".repeat(n)));
    assert_eq!(parse(&braces).errors.len(), 1);
    for (open, close) in [
        ("(", ")"),
        ("[", "]"),
        ("{a:", "}"),
        ("f(", ")"),
        ("a[", "]"),
    ] {
        let expr = format!("{}1{}", open.repeat(n), close.repeat(n));
        assert_too_deep(&in_field(&expr));
        // Unclosed too.
        assert_too_deep(&in_field(&open.repeat(n)));
        let errs = parse_expression(&expr, 0).unwrap_err();
        assert_eq!(errs[0].kind, SyntaxErrorKind::TooDeep);
    }
    for prefix in ["!", "- ", "typeof ", "x => ", "a ? b : ", "`${"] {
        assert_too_deep(&in_field(&format!("{}1", prefix.repeat(n))));
    }
    assert_too_deep(&in_field(&format!("x => {{ {} }}", "if (a) ".repeat(n))));
    assert_too_deep(&in_field(&format!(
        "x => {}1{}",
        "{ return x => ".repeat(n),
        "}".repeat(n)
    )));
    // Top-level braces are not a workflow: one error, no recursion.
    let p = parse(&"{".repeat(n));
    assert_eq!(p.errors.len(), 1);
}

#[test]
fn nesting_up_to_the_limit_is_fine() {
    let depth = MAX_DEPTH / 2 - 2;
    let expr = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    assert!(parse_expression(&expr, 0).is_ok());
    let expr = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    assert!(parse_expression(&expr, 0).is_ok());
}

#[test]
fn long_chains_do_not_overflow() {
    let n = 1 << 20;
    for op in ["+", "**", "??", "."] {
        let mut src = String::with_capacity(n * 2);
        src.push('a');
        while src.len() < n {
            src.push_str(op);
            src.push('a');
        }
        let p = parse(&in_field(&src));
        assert!(
            p.errors.iter().any(|e| e.kind == SyntaxErrorKind::TooDeep),
            "{op}"
        );
        assert_eq!(p.errors.len(), 1, "{op}: {:?}", p.errors);
    }
    // A long flat list is not deep.
    let list = format!("[{}1]", "1, ".repeat(200_000));
    assert!(parse_expression(&list, 0).is_ok());
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SOUP: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    ";",
    ".",
    "?.",
    "...",
    "?",
    "=>",
    "=",
    "==",
    "===",
    "!",
    "+",
    "-",
    "*",
    "/",
    "**",
    "%",
    "&&",
    "||",
    "??",
    "<",
    ">=",
    "a",
    "item",
    "workflow",
    "trigger",
    "transform",
    "action",
    "forEach",
    "actions",
    "as",
    "const",
    "let",
    "if",
    "else",
    "return",
    "new",
    "typeof",
    "function",
    "class",
    "var",
    "1",
    "0x",
    "1_",
    ".5",
    "1e",
    "'",
    "\"",
    "`",
    "${",
    "\\",
    "\\u{",
    "\\uD800",
    "//",
    "/*",
    "*/",
    "\n",
    " ",
    "é",
    "😀",
    "#",
    "@",
    "x:",
    "a.b",
];

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut s: Vec<char> = src.chars().collect();
    let edits = 1 + rng.below(6);
    for _ in 0..edits {
        let at = rng.below(s.len() + 1);
        match rng.below(4) {
            0 if !s.is_empty() && at < s.len() => {
                let len = 1 + rng.below(20).min(s.len() - at - 1);
                s.drain(at..at + len);
            }
            1 => {
                let tok = SOUP[rng.below(SOUP.len())];
                for (i, c) in tok.chars().enumerate() {
                    s.insert(at + i, c);
                }
            }
            2 if !s.is_empty() && at < s.len() => {
                s[at] = char::from_u32(rng.below(0x80) as u32).unwrap_or('x');
            }
            _ => {
                // Duplicate a slice somewhere else.
                let from = rng.below(s.len() + 1);
                let len = rng.below(40).min(s.len() - from);
                let piece: Vec<char> = s[from..from + len].to_vec();
                for (i, c) in piece.into_iter().enumerate() {
                    s.insert(at + i, c);
                }
            }
        }
    }
    s.into_iter().collect()
}

fn seeds() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/ok");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn mutated_programs_never_panic() {
    let seeds = seeds();
    for s in &seeds {
        assert!(parse(s).errors.is_empty());
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..4000 {
        let seed = &seeds[i % seeds.len()];
        let src = mutate(&mut rng, seed);
        let p = parse(&src);
        check_invariants(&src, &p);
        // Every slice is also a candidate expression.
        let a = rng.below(src.len() + 1);
        let b = a + rng.below(src.len() - a + 1);
        if let (true, true) = (src.is_char_boundary(a), src.is_char_boundary(b)) {
            let _ = parse_expression(&src[a..b], a);
        }
    }
}

#[test]
fn token_soup_and_random_bytes_never_panic() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    for _ in 0..3000 {
        let n = rng.below(60);
        let mut src = String::new();
        for _ in 0..n {
            src.push_str(SOUP[rng.below(SOUP.len())]);
            if rng.below(3) == 0 {
                src.push(' ');
            }
        }
        let p = parse(&src);
        check_invariants(&src, &p);
        let _ = parse_expression(&src, 3);
        let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let p = parse(&text);
        check_invariants(&text, &p);
        let _ = parse_expression(&text, 0);
    }
}

/// A program of about 10,000 lines, built from the seed programs' shapes.
fn large_program() -> String {
    let seeds = seeds();
    let mut src = String::new();
    let mut lines = 0;
    let mut i = 0;
    while lines < 10_000 {
        let body = &seeds[i % seeds.len()];
        src.push_str(&body.replace("workflow ", &format!("workflow N{i}")));
        lines += body.lines().count();
        i += 1;
    }
    src
}

#[test]
fn large_program_parses() {
    // Not timed: a smoke test that the parser handles big inputs in one linear pass.
    let src = large_program();
    let p = parse(&src);
    assert!(p.errors.is_empty(), "{:?}", p.errors.first());
    assert!(p.file.workflows.len() > 100);
}
