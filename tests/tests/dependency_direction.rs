//! Dependencies between the workspace's crates point one way (STYLE.md, ARCHITECTURE.md):
//! this test reads `cargo metadata --no-deps` (the workspace's own manifests: nothing to
//! download) and checks every normal dependency of ours against the table, and that no
//! front-end crate pulls in tokio, axum or sqlx, and no runtime or connector crate pulls in syn.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

fn allowed(krate: &str) -> Option<&'static [&'static str]> {
    const CONNECTOR: &[&str] = &[
        "handled-connector-core",
        "handled-runtime",
        "handled-catalog",
        "handled-js",
    ];
    Some(match krate {
        "handled-parser" | "handled-catalog" | "handled-js" | "handled-alloc" => &[],
        "handled-codegen" => &["handled-parser", "handled-catalog"],
        "hs2rs" | "handled-macros" => &["handled-codegen", "handled-parser", "handled-catalog"],
        "handled-runtime" => &["handled-catalog", "handled-js", "handled-alloc"],
        "handled-connector-core" => &["handled-runtime", "handled-catalog", "handled-js"],
        "handled-shopify" | "handled-amazon" | "handled-ebay" | "handled-wms" | "handled-slack"
        | "handled-email" | "handled-analytics" | "handled-supplier" => CONNECTOR,
        "handled-generated" | "handled-macro-demo" | "handled-differential" => &[
            "handled-runtime",
            "handled-js",
            "handled-catalog",
            "handled-connector-core",
            "handled-shopify",
            "handled-amazon",
            "handled-ebay",
            "handled-wms",
            "handled-slack",
            "handled-email",
            "handled-analytics",
            "handled-supplier",
            "handled-macros",
        ],
        "handled-tests" => &[],
        "handled-sandbox" => &[
            "handled-alloc",
            "handled-runtime",
            "handled-js",
            "handled-catalog",
            "handled-connector-core",
            "handled-shopify",
            "handled-amazon",
            "handled-ebay",
            "handled-wms",
            "handled-slack",
            "handled-email",
            "handled-analytics",
            "handled-supplier",
        ],
        "handled-bench" => &[
            "handled-alloc",
            "handled-runtime",
            "handled-js",
            "handled-catalog",
            "handled-connector-core",
            "handled-shopify",
            "handled-amazon",
            "handled-ebay",
            "handled-wms",
            "handled-analytics",
        ],
        _ => return None,
    })
}

#[test]
fn workspace_dependencies_point_one_way() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: BTreeSet<String> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    let mut problems = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for p in meta["packages"].as_array().unwrap() {
        names.insert(
            p["id"].as_str().unwrap().to_string(),
            p["name"].as_str().unwrap().to_string(),
        );
    }
    let ours: BTreeSet<String> = members
        .iter()
        .filter_map(|id| names.get(id).cloned())
        .collect();
    for p in meta["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        if !ours.contains(name) {
            continue;
        }
        let Some(allow) = allowed(name) else {
            problems.push(format!("{name} is not in the dependency table"));
            continue;
        };
        for dep in p["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            let normal = dep["kind"].is_null();
            if normal && ours.contains(dep_name) && !allow.contains(&dep_name) {
                problems.push(format!("{name} must not depend on {dep_name}"));
            }
            let front_end = matches!(
                name,
                "handled-parser" | "handled-codegen" | "hs2rs" | "handled-macros"
            );
            if normal && front_end && matches!(dep_name, "tokio" | "axum" | "sqlx") {
                problems.push(format!("{name} must not depend on {dep_name}"));
            }
            let back_end = name == "handled-runtime"
                || name == "handled-js"
                || name.starts_with("handled-connector")
                || allowed(name) == allowed("handled-shopify");
            if normal && back_end && dep_name == "syn" {
                problems.push(format!("{name} must not depend on syn"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
