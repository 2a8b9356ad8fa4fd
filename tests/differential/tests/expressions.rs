//! The differential test: every case of `data/cases.json` (an expression, a JSON input and what
//! Node.js answered) is run through the expression as compiled by the code generator, and the
//! answer must match Node's by `typeof`, by `JSON.stringify` and by the kind of error thrown.
//! Mismatches listed in `data/known_mismatches.txt` are tolerated, and must stay mismatches (the
//! list only shrinks). Rejected expressions must carry a diagnostic code and stay under 10%.
//! A second test checks that `node/gen.mjs` still produces the checked-in corpus byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_differential::{CASES, REJECTED};
use handled_runtime::Value;
use handled_runtime::js::{json_stringify, type_of};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir().join("data/cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `data/known_mismatches.txt`: one expression per line, a tab, then the reason. Lines that are
/// empty or start with `#` are comments.
fn known_mismatches() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir().join("data/known_mismatches.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('\t') {
            Some((e, why)) => (e.to_string(), why.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[test]
fn compiled_expressions_agree_with_node() {
    let cases = corpus();
    let distinct: BTreeSet<&str> = cases.iter().filter_map(|c| c["expr"].as_str()).collect();
    assert!(
        distinct.len() >= 5000,
        "only {} distinct expressions",
        distinct.len()
    );
    assert_eq!(CASES.len(), cases.len(), "the build is stale: rebuild");
    let rejected: HashMap<&str, _> = REJECTED.iter().map(|r| (r.expr, r.errors)).collect();
    let known = known_mismatches();

    let mut mismatches = Vec::new();
    let mut known_seen: BTreeSet<&str> = BTreeSet::new();
    let mut known_failing: BTreeSet<&str> = BTreeSet::new();
    let mut rejected_by_code: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rejected_cases = 0;
    let mut compared = 0;
    for (&(i, compiled), case) in CASES.iter().zip(&cases) {
        let expr = case["expr"].as_str().unwrap();
        let expect = &case["expect"];
        if known.contains_key(expr) {
            known_seen.insert(expr);
        }
        let Some(f) = compiled else {
            let errors = rejected.get(expr).copied().unwrap_or_default();
            assert!(
                !errors.is_empty() && errors.iter().all(|(code, _)| !code.is_empty()),
                "case {i}: {expr} was rejected without a diagnostic code"
            );
            rejected_cases += 1;
            for (code, _) in errors {
                *rejected_by_code.entry(code).or_default() += 1;
            }
            continue;
        };
        compared += 1;
        let input = Value::from_json(&case["input"]);
        let (got, detail) = match f(&input) {
            Ok(v) => {
                let json = match json_stringify(&v, None) {
                    Value::String(s) => serde_json::Value::String(s.to_string_lossy()),
                    _ => serde_json::Value::Null,
                };
                let got = serde_json::json!({ "type": type_of(&v), "json": json, "threw": null });
                (got, String::new())
            }
            Err(e) => (
                serde_json::json!({ "type": null, "json": null, "threw": e.kind.name() }),
                format!(" ({})", e.message),
            ),
        };
        if &got != expect {
            if known.contains_key(expr) {
                known_failing.insert(expr);
            } else {
                mismatches.push(format!(
                    "case {i}: {expr}\n  input: {}\n  node:  {expect}\n  ours:  {got}{detail}",
                    case["input"]
                ));
            }
        }
    }

    println!(
        "{} cases: {compared} compared, {rejected_cases} rejected (by code: {rejected_by_code:?}), {} distinct expressions rejected, {} known mismatches",
        cases.len(),
        REJECTED.len(),
        known_failing.len()
    );
    for r in REJECTED {
        println!("rejected: {}  -- {:?}", r.expr, r.errors);
    }
    let mut problems = Vec::new();
    if rejected_cases * 10 >= cases.len() {
        problems.push(format!(
            "too many rejected: {rejected_cases} of {} cases",
            cases.len()
        ));
    }
    for e in known.keys() {
        if !known_seen.contains(e.as_str()) {
            problems.push(format!(
                "known_mismatches.txt lists an expression that is not in the corpus: {e}"
            ));
        } else if !known_failing.contains(e.as_str()) {
            problems.push(format!(
                "known_mismatches.txt lists an expression that now agrees with Node (remove it): {e}"
            ));
        }
    }
    if !mismatches.is_empty() {
        problems.push(format!(
            "{} of {compared} compared cases differ from Node ({} known mismatches tolerated):\n{}",
            mismatches.len(),
            known_failing.len(),
            mismatches.join("\n")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_corpus_is_what_the_generator_produces() {
    let found = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!("skipped: node not found");
        return;
    }
    let checked_in = dir().join("data/cases.json");
    let generate = |out: &Path| {
        let status = std::process::Command::new("node")
            .arg(dir().join("node/gen.mjs"))
            .arg(out)
            .status()
            .unwrap();
        assert!(status.success(), "node/gen.mjs failed");
    };
    if update_node_cases() {
        generate(&checked_in);
        println!("rewrote {}", checked_in.display());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let fresh_path = tmp.path().join("cases.json");
    generate(&fresh_path);
    let fresh = std::fs::read(&fresh_path).unwrap();
    let current = std::fs::read(&checked_in).unwrap();
    assert!(
        fresh == current,
        "data/cases.json is not what node/gen.mjs produces: run UPDATE_NODE_CASES=1 cargo test -p handled-differential --test expressions"
    );
}

/// Whether `UPDATE_NODE_CASES=1` asks for `data/cases.json` to be generated again.
#[allow(clippy::disallowed_methods)] // the test's one switch, read where it is used
fn update_node_cases() -> bool {
    std::env::var_os("UPDATE_NODE_CASES").is_some_and(|v| v == "1")
}
