//! `generated/` holds hs2rs's output for every program in `examples/`. This test transpiles
//! each example again and fails on any difference, so the checked-in code (which the workspace
//! compiles with warnings denied) is always what hs2rs produces today.
//!
//! `UPDATE_EXPECT=1` rewrites the files, never under CI (`handled_expect`, as for every golden
//! file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn generated_code_matches_the_examples() {
    let root = root();
    let mode = handled_expect::Mode::from_env();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hs"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 5);
    let mut stale = Vec::new();
    let mut modules = Vec::new();
    for path in &examples {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let name = format!("examples/{stem}.hs");
        let text = std::fs::read_to_string(path).unwrap();
        let out = handled_codegen::compile(
            &[handled_codegen::SourceFile::new(name.clone(), text)],
            &Default::default(),
        );
        assert!(!out.has_errors(), "{name} does not compile");
        let rust = out.rust().unwrap();
        let target = root.join("generated/src").join(format!("{stem}.rs"));
        if let Err(e) = mode.check(&target, &rust) {
            stale.push(e);
        }
        modules.push(stem);
    }
    // Every generated file belongs to an example, and lib.rs declares each of them.
    let lib = std::fs::read_to_string(root.join("generated/src/lib.rs")).unwrap();
    for m in &modules {
        assert!(
            lib.contains(&format!("pub mod {m};")),
            "generated/src/lib.rs does not declare `{m}`"
        );
    }
    for entry in std::fs::read_dir(root.join("generated/src")).unwrap() {
        let p = entry.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        if stem != "lib" && !modules.contains(&stem) {
            stale.push(format!("{} has no example", p.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "out of date (run `UPDATE_EXPECT=1 cargo test -p handled-tests --test generated_up_to_date`):\n{}",
        stale.join("\n")
    );
}
