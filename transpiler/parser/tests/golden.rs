//! Data-driven golden tests: every `test_data/ok/*.hs` must parse without errors and dump to
//! its `.expected` tree; every `test_data/err/*.hs` must report the errors in its `.expected`.
//! Expected files go through `handled_expect`: `UPDATE_EXPECT=1` rewrites them and a missing
//! one is written on the first run, never under `CI`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn run(kind: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(kind);
    let mode = handled_expect::Mode::from_env();
    let mut failures = Vec::new();
    let inputs = files(&dir, "hs");
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    for input in &inputs {
        let src = fs::read_to_string(input).unwrap();
        let parsed = handled_parser::parse(&src);
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let actual = if kind == "ok" {
            if !parsed.errors.is_empty() {
                failures.push(format!(
                    "{name}: unexpected errors:\n{}",
                    common::dump_errors(&parsed.errors)
                ));
                continue;
            }
            common::dump_file(&parsed.file)
        } else {
            if parsed.errors.is_empty() {
                failures.push(format!("{name}: expected errors, got none"));
                continue;
            }
            common::dump_errors(&parsed.errors)
        };
        let expected_path = input.with_extension("expected");
        if let Err(e) = mode.check(&expected_path, &actual) {
            failures.push(format!("{name}: {e}"));
        }
    }
    for expected in files(&dir, "expected") {
        if !expected.with_extension("hs").exists() {
            failures.push(format!(
                "{}: expected file without input",
                expected.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn ok_cases() {
    run("ok");
}

#[test]
fn err_cases() {
    run("err");
}
