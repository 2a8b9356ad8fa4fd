//! Data-driven golden tests: every `test_data/ok/*.hs` must parse without errors and dump to
//! its `.expected` tree; every `test_data/err/*.hs` must report the errors in its `.expected`.
//! `UPDATE_EXPECT=1` rewrites the expected files; a missing one is written on the first run
//! unless `CI` is set.
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
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let ci = std::env::var_os("CI").is_some();
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
        match fs::read_to_string(&expected_path) {
            _ if update => fs::write(&expected_path, &actual).unwrap(),
            Ok(expected) => {
                if expected != actual {
                    failures.push(format!(
                        "{name}: output differs (UPDATE_EXPECT=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}"
                    ));
                }
            }
            Err(_) if ci => failures.push(format!("{name}: missing {}", expected_path.display())),
            Err(_) => fs::write(&expected_path, &actual).unwrap(),
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
