//! The diagnostic corpora, run through the real `hs2rs` binary: every file in `must-fail/` is
//! refused with the diagnostics in its `.stderr` golden file, and with exactly the codes its
//! first line (`// expect: E0104 E0105`) names, every file in `warn/` compiles
//! with the warnings in its golden file, and every example program checks cleanly.
//!
//! Golden files go through `handled_expect`: written on first run (not under CI) and rewritten
//! with `UPDATE_EXPECT=1` (never under CI); a golden file without its program fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_expect::expect_file;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn hs2rs() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hs2rs"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn programs(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hs"))
        .collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .display()
        .to_string()
}

fn orphans(dir: &str, ext: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext) && !p.with_extension("hs").exists())
        .map(|p| p.display().to_string())
        .collect()
}

fn codes_in(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("error[")
                .or_else(|| l.strip_prefix("warning["))
        })
        .filter_map(|l| l.split(']').next())
        .map(str::to_string)
        .collect()
}

/// The codes of a must-fail program's first line, `// expect: E0104 E0105`, in order.
fn expected_codes(source: &str) -> Option<Vec<String>> {
    let line = source.lines().next()?.strip_prefix("// expect:")?;
    Some(line.split_whitespace().map(str::to_string).collect())
}

/// Every diagnostic code of a rendering, in order, once per diagnostic.
fn codes_in_order(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("error[")
                .or_else(|| l.strip_prefix("warning["))
        })
        .filter_map(|l| l.split(']').next())
        .map(str::to_string)
        .collect()
}

/// One mistake, one diagnostic: each must-fail program names on its first line every
/// diagnostic it yields, so that a follow-on diagnostic (one about a placeholder the parser's
/// recovery made, or about what an earlier error already reported) fails here even when its
/// golden file is rewritten.
#[test]
fn must_fail_programs_yield_exactly_their_expected_diagnostics() {
    let mut failures = Vec::new();
    for file in programs("tests/must-fail") {
        let source = std::fs::read(&file).unwrap();
        let Some(expected) = expected_codes(&String::from_utf8_lossy(&source)) else {
            failures.push(format!(
                "{}: no `// expect: CODE…` first line",
                file.display()
            ));
            continue;
        };
        let out = hs2rs().args(["check", &relative(&file)]).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let found = codes_in_order(&stderr);
        if found != expected {
            failures.push(format!(
                "{}: expected {expected:?}, got {found:?}\n{stderr}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn must_fail_corpus_is_refused_with_its_diagnostics() {
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let files = programs("tests/must-fail");
    assert!(
        files.len() >= 40,
        "the must-fail corpus has {} programs",
        files.len()
    );
    for file in &files {
        let out = hs2rs().args(["check", &relative(file)]).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        if out.status.code() != Some(1) {
            failures.push(format!(
                "{}: exit {:?}, expected 1\n{stderr}",
                file.display(),
                out.status.code()
            ));
            continue;
        }
        if !stderr.contains("error[") {
            failures.push(format!("{}: no error diagnostic", file.display()));
        }
        covered.extend(codes_in(&stderr));
        if let Err(e) = expect_file(&file.with_extension("stderr"), &stderr) {
            failures.push(e);
        }
    }
    failures.extend(
        orphans("tests/must-fail", "stderr")
            .into_iter()
            .map(|o| format!("orphan golden file {o}")),
    );
    // Every error code of the registry is exercised by at least one program.
    for info in handled_codegen::codes::CODES
        .iter()
        .filter(|c| c.code.starts_with('E'))
    {
        if !covered.contains(info.code) {
            failures.push(format!("no must-fail program produces {}", info.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn warning_corpus_compiles_with_its_warnings() {
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for file in programs("tests/warn") {
        let out = hs2rs().args(["check", &relative(&file)]).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        if out.status.code() != Some(0) {
            failures.push(format!(
                "{}: exit {:?}, expected 0\n{stderr}",
                file.display(),
                out.status.code()
            ));
        }
        covered.extend(codes_in(&stderr));
        if let Err(e) = expect_file(&file.with_extension("stderr"), &stderr) {
            failures.push(e);
        }
    }
    for info in handled_codegen::codes::CODES
        .iter()
        .filter(|c| c.code.starts_with('W'))
    {
        if !covered.contains(info.code) {
            failures.push(format!("no warn program produces {}", info.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn undefined_names_get_one_diagnostic_each_at_their_position() {
    let out = hs2rs()
        .args([
            "check",
            "--format",
            "json",
            "tests/must-fail/best_practice_monitoring_undefined_names.hs",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let found: Vec<(String, u64, u64)> = stderr
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["primary"]["line"].as_u64().unwrap(),
                d["primary"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("E0104".to_string(), 15, 11),
            ("E0104".to_string(), 15, 25),
            ("E0105".to_string(), 16, 25),
            ("E0104".to_string(), 17, 14),
        ]
    );
}

#[test]
fn the_shared_must_fail_corpus_is_refused_when_present() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/must-fail");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} not present", dir.display());
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "hs") {
            let out = hs2rs().args(["check"]).arg(&path).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{} was not refused",
                path.display()
            );
        }
    }
}

#[test]
fn example_and_seed_programs_check_cleanly() {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")];
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/seed");
    if shared.exists() {
        dirs.push(shared);
    }
    let mut checked = 0;
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "hs") {
                let out = hs2rs().args(["check"]).arg(&path).output().unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(0), "{}:\n{stderr}", path.display());
                assert!(!stderr.contains("error["), "{}:\n{stderr}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 5);
}

#[test]
fn every_code_is_explained() {
    for info in handled_codegen::codes::CODES {
        let out = hs2rs().args(["explain", info.code]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with(info.code), "{text}");
        assert!(text.len() > 80, "{}: explanation too short", info.code);
    }
    let out = hs2rs().args(["explain", "E9999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let out = hs2rs().args(["check", "no/such/file.hs"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no/such/file.hs"));
    let out = hs2rs()
        .args(["check", "--format", "yaml", "x.hs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn transpiling_is_deterministic() {
    let example = "../../examples/pattern2_multichannel_distribution.hs";
    let a = hs2rs().arg(example).output().unwrap();
    let b = hs2rs().arg(example).output().unwrap();
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
}
