//! Dependencies between the workspace's crates point one way (STYLE.md, ARCHITECTURE.md).
//!
//! The test reads `cargo metadata` (offline: what `Cargo.lock` pins, nothing downloaded) and
//! checks every normal dependency of ours against a table of roles, where the connector crates
//! are the ones the catalog names (`handled_catalog::CONNECTORS`), so that a new connector is
//! held to the same rules without editing this file. It also checks what crates pull in
//! transitively: no front-end crate reaches tokio, axum or sqlx, and no connector crate, nor the contract, reaches the engine or a database
//! (compiling a connector compiles neither SQLite nor the PostgreSQL client). Only the front end
//! depends on syn itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

/// What a crate of ours is, for the dependency rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Depends on nothing of ours: parser, catalog, handled-js, handled-alloc, handled-expect.
    Leaf,
    /// The connector contract: the catalog only.
    Contract,
    /// The checker and generator.
    Codegen,
    /// hs2rs and the macro crate.
    FrontEnd,
    /// The engine.
    Runtime,
    /// HTTP, limiters and emulator plumbing shared by the connectors.
    ConnectorCore,
    /// One channel's crate (named by the catalog).
    Connector,
    /// Every emulator on one port.
    Sandbox,
    /// Compiled workflows and what runs them: generated/, the macro demo, the differential
    /// corpus, the bench.
    Program,
    /// The outside-in tests: no normal dependencies at all.
    Tests,
}

fn connector_crates() -> BTreeSet<String> {
    handled_catalog::CONNECTORS
        .iter()
        .map(|c| c.crate_name.replace('_', "-"))
        .collect()
}

fn role(krate: &str) -> Option<Role> {
    if connector_crates().contains(krate) {
        return Some(Role::Connector);
    }
    Some(match krate {
        "handled-parser" | "handled-catalog" | "handled-js" | "handled-alloc"
        | "handled-expect" => Role::Leaf,
        "handled-contract" => Role::Contract,
        "handled-codegen" => Role::Codegen,
        "hs2rs" | "handled-macros" => Role::FrontEnd,
        "handled-runtime" => Role::Runtime,
        "handled-connector-core" => Role::ConnectorCore,
        "handled-sandbox" => Role::Sandbox,
        "handled-generated" | "handled-macro-demo" | "handled-differential" | "handled-bench" => {
            Role::Program
        }
        "handled-tests" => Role::Tests,
        _ => return None,
    })
}

/// Whether a crate of role `from` may depend (normally) on crate `to` of ours.
fn may_depend(from: Role, to: &str) -> bool {
    let Some(to_role) = role(to) else {
        return false;
    };
    match from {
        Role::Leaf | Role::Tests => false,
        Role::Contract => to == "handled-catalog",
        Role::Codegen => matches!(
            to,
            "handled-parser" | "handled-catalog" | "handled-contract"
        ),
        Role::FrontEnd => matches!(to_role, Role::Codegen) || may_depend(Role::Codegen, to),
        Role::Runtime => matches!(
            to,
            "handled-catalog" | "handled-contract" | "handled-js" | "handled-alloc"
        ),
        Role::ConnectorCore => matches!(to, "handled-catalog" | "handled-contract"),
        Role::Connector => matches!(
            to,
            "handled-catalog" | "handled-contract" | "handled-connector-core"
        ),
        Role::Sandbox => {
            to_role == Role::Connector
                || matches!(
                    to,
                    "handled-catalog"
                        | "handled-contract"
                        | "handled-connector-core"
                        | "handled-alloc"
                )
        }
        Role::Program => {
            matches!(to_role, Role::Connector | Role::Runtime | Role::Leaf)
                || matches!(
                    to,
                    "handled-contract" | "handled-connector-core" | "handled-macros"
                )
        }
    }
}

/// What no crate of this role may reach, directly or not, with the reason.
fn forbidden_below(role: Role) -> &'static [(&'static str, &'static str)] {
    const NO_ENGINE: &[(&str, &str)] = &[
        ("handled-runtime", "a connector does not compile the engine"),
        ("rusqlite", "a connector does not compile SQLite"),
        ("libsqlite3-sys", "a connector does not compile SQLite"),
        (
            "tokio-postgres",
            "a connector does not compile the PostgreSQL client",
        ),
    ];
    match role {
        Role::Codegen | Role::FrontEnd => &[
            ("tokio", "the front end has no async runtime"),
            ("axum", "the front end serves nothing"),
            ("sqlx", "the front end stores nothing"),
        ],
        Role::Contract | Role::ConnectorCore | Role::Connector | Role::Sandbox => NO_ENGINE,
        Role::Runtime | Role::Leaf | Role::Program | Role::Tests => &[],
    }
}

/// The platform the tests are built for (cargo metadata's `--filter-platform`).
const HOST: &str = env!("HANDLED_TEST_HOST");

fn metadata(no_deps: bool) -> serde_json::Value {
    #[allow(clippy::disallowed_methods)] // the cargo that runs the test, as cargo sets it
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec!["metadata", "--format-version", "1", "--offline", "--locked"];
    if no_deps {
        args.push("--no-deps");
    } else {
        // Only what this machine builds: the other platforms' crates are not downloaded.
        args.extend(["--filter-platform", HOST]);
    }
    let out = std::process::Command::new(cargo)
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The workspace's own crates by name, with their normal dependencies' names.
fn ours(meta: &serde_json::Value) -> BTreeMap<String, Vec<String>> {
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| members.contains(p["id"].as_str().unwrap()))
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (p["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

#[test]
fn workspace_dependencies_point_one_way() {
    let meta = metadata(true);
    let ours = ours(&meta);
    let mut problems = Vec::new();
    for connector in connector_crates() {
        if !ours.contains_key(&connector) {
            problems.push(format!(
                "the catalog names {connector}, which is not a workspace member"
            ));
        }
    }
    for (name, deps) in &ours {
        let Some(from) = role(name) else {
            problems.push(format!("{name} has no role in this test's table"));
            continue;
        };
        for dep in deps.iter().filter(|d| ours.contains_key(*d)) {
            if !may_depend(from, dep) {
                problems.push(format!("{name} ({from:?}) must not depend on {dep}"));
            }
        }
        // Generating Rust is the front end's job (serde's derive pulling syn in is not).
        let back_end = !matches!(from, Role::Codegen | Role::FrontEnd | Role::Tests)
            && name != "handled-parser";
        if back_end && deps.iter().any(|d| d == "syn") {
            problems.push(format!("{name} must not depend on syn"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn connectors_compile_neither_the_engine_nor_a_database() {
    let meta = metadata(false);
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    // Each package's normal dependencies (for the host or the target: build scripts and proc
    // macros count, since compiling them is compiling the crate).
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null() || k["kind"] == "build")
            })
            .map(|d| d["pkg"].as_str().unwrap())
            .collect();
        graph.insert(node["id"].as_str().unwrap(), deps);
    }
    let ours = ours(&meta);
    let mut problems = BTreeSet::new();
    let mut checked = 0;
    for (id, name) in &names {
        let Some(role) = ours.contains_key(*name).then(|| role(name)).flatten() else {
            continue;
        };
        let forbidden = forbidden_below(role);
        if forbidden.is_empty() {
            continue;
        }
        checked += 1;
        let mut seen = BTreeSet::new();
        let mut stack = vec![*id];
        while let Some(at) = stack.pop() {
            for dep in graph.get(at).into_iter().flatten() {
                if seen.insert(*dep) {
                    stack.push(dep);
                }
            }
        }
        for dep in seen.iter().filter_map(|id| names.get(id)) {
            if let Some((_, why)) = forbidden.iter().find(|(f, _)| f == dep) {
                problems.insert(format!("{name} reaches {dep}: {why}"));
            }
        }
    }
    assert!(checked >= 12, "only {checked} crates were checked");
    let problems: Vec<String> = problems.into_iter().collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
