//! `generated/` holds hs2rs's output for every program in `examples/`. This test transpiles
//! each example again and fails on any difference, so the checked-in code (which the workspace
//! compiles with warnings denied) is always what hs2rs produces today.
//!
//! `UPDATE_GENERATED=1` rewrites the files (never under CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn generated_code_matches_the_examples() {
    let root = root();
    let env = handled_contract::Env::from_process();
    let update = env.get("UPDATE_GENERATED").is_some() && env.get("CI").is_none();
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
        let current = std::fs::read_to_string(&target).unwrap_or_default();
        if current != rust {
            if update {
                std::fs::write(&target, &rust).unwrap();
            } else {
                stale.push(target.display().to_string());
            }
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
        "out of date (run `UPDATE_GENERATED=1 cargo test -p handled-tests`):\n{}",
        stale.join("\n")
    );
}
