//! Every expression of the corpus, compiled by hs2rs, gives what Node.js gave for the same
//! input (compared by `typeof` and `JSON.stringify`, and by the kind of error thrown), or was
//! refused at compile time with a diagnostic. A second test regenerates the corpus with Node
//! (when Node is installed) and checks that the checked-in file is what the generator produces.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_differential::{Compiled, EXPRESSIONS};
use handled_runtime::Value;
use handled_runtime::js::{json_stringify, type_of};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

fn corpus() -> Vec<serde_json::Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cases.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn compiled_expressions_agree_with_node() {
    let cases = corpus();
    assert!(cases.len() >= 5000, "only {} cases", cases.len());
    let compiled: HashMap<&str, &Compiled> = EXPRESSIONS.iter().map(|(e, c)| (*e, c)).collect();
    let mut mismatches = Vec::new();
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut compared = 0;
    for case in &cases {
        let expr = case["expr"].as_str().unwrap();
        let expect = &case["expect"];
        match compiled.get(expr) {
            Some(Compiled::Function(f)) => {
                compared += 1;
                let input = Value::from_json(&case["input"]);
                let got = match f(&input) {
                    Ok(v) => {
                        let json = match json_stringify(&v, None) {
                            Value::String(s) => serde_json::Value::String(s.to_string_lossy()),
                            _ => serde_json::Value::Null,
                        };
                        serde_json::json!({ "type": type_of(&v), "json": json, "threw": null })
                    }
                    Err(e) => {
                        serde_json::json!({ "type": null, "json": null, "threw": e.kind.name() })
                    }
                };
                if &got != expect {
                    mismatches.push(format!(
                        "{expr}\n  input: {}\n  node:  {expect}\n  ours:  {got}",
                        case["input"]
                    ));
                }
            }
            Some(Compiled::Refused(codes, message)) => {
                assert!(
                    !codes.is_empty(),
                    "{expr} refused without an error code: {message}"
                );
                *refused.entry(codes.join(",")).or_default() += 1;
            }
            None => panic!("{expr} was not compiled: rebuild"),
        }
    }
    let refused_total: usize = refused.values().sum();
    println!("{compared} compared, {refused_total} refused at compile time: {refused:?}");
    assert!(
        refused_total * 10 < cases.len(),
        "too many refused: {refused_total} of {}",
        cases.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ from Node:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn the_corpus_is_what_the_generator_produces() {
    let node = std::process::Command::new("node").arg("--version").output();
    if node.map(|o| !o.status.success()).unwrap_or(true) {
        eprintln!("skipped: node not found");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checked_in = dir.join("data/cases.json");
    let update =
        std::env::var_os("UPDATE_NODE_CASES").is_some() && std::env::var_os("CI").is_none();
    let out = if update {
        checked_in.clone()
    } else {
        tempfile::tempdir().unwrap().keep().join("cases.json")
    };
    let status = std::process::Command::new("node")
        .arg(dir.join("node/gen.mjs"))
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let fresh = std::fs::read_to_string(&out).unwrap();
    let current = std::fs::read_to_string(&checked_in).unwrap();
    assert!(
        fresh == current,
        "data/cases.json is stale: run UPDATE_NODE_CASES=1 cargo test -p handled-differential"
    );
}
