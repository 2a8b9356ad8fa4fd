//! ARCHITECTURE.md's "Adding a connector" checklist, checked for every connector of the
//! catalog: a connector that misses a part fails here, naming the part.
//!
//! The catalog (`handled_contract::catalog::CONNECTORS`) is the one source of truth; everything else is
//! checked against it: the crate's files and modules, its package name and place in the tree,
//! its factory in `handled_sandbox::factories()`, its op table (the catalog's ops, each
//! conforming to the catalog's shapes), and the environment it refuses to start without.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use handled_contract::Env;
use handled_contract::catalog::{CONNECTORS, ConnectorDef, TRIGGERS};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn has_trigger(def: &ConnectorDef) -> bool {
    TRIGGERS.iter().any(|t| t.connector == def.name)
}

/// The modules every connector crate has, and `webhook` iff the catalog gives it a trigger.
fn parts(def: &ConnectorDef) -> Vec<&'static str> {
    let mut parts = vec!["config", "api", "types", "ops", "factory", "emulator"];
    if has_trigger(def) {
        parts.push("webhook");
    }
    parts
}

/// Everything wrong with one connector crate's files, as messages.
fn crate_problems(def: &ConnectorDef) -> Vec<String> {
    let dir = workspace().join(def.crate_dir());
    let mut problems = Vec::new();
    let src = dir.join("src");
    let lib = match read(&src.join("lib.rs")) {
        Ok(lib) => lib,
        Err(e) => return vec![e],
    };
    for part in parts(def) {
        let file = src.join(format!("{part}.rs"));
        let module = src.join(part).join("mod.rs");
        if !file.exists() && !module.exists() {
            problems.push(format!(
                "{}: no src/{part}.rs (or src/{part}/mod.rs)",
                def.name
            ));
        }
        if !lib.contains(&format!("pub mod {part};")) {
            problems.push(format!(
                "{}: lib.rs does not declare `pub mod {part};`",
                def.name
            ));
        }
    }
    if !has_trigger(def) && src.join("webhook.rs").exists() {
        problems.push(format!(
            "{}: src/webhook.rs exists but the catalog gives the connector no trigger",
            def.name
        ));
    }
    if !lib.contains(&format!("pub const NAME: &str = \"{}\";", def.name)) {
        problems.push(format!(
            "{}: lib.rs lacks `pub const NAME: &str = \"{}\";`",
            def.name, def.name
        ));
    }
    if !lib.contains("pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory>") {
        problems.push(format!(
            "{}: lib.rs lacks `pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory>`",
            def.name
        ));
    }
    match read(&src.join("ops.rs")) {
        Ok(ops) if !ops.contains("pub static OPS: OpTable<") => problems.push(format!(
            "{}: ops.rs lacks the op table `pub static OPS: OpTable<…>`",
            def.name
        )),
        Ok(_) => {}
        Err(e) => problems.push(e),
    }
    let paced = def.env.iter().any(|v| v.name.ends_with("_RATE_LIMIT"));
    if paced {
        match read(&src.join("config.rs")) {
            Ok(config) if !config.contains("pub const RATE_LIMIT: PaceVar") => problems.push(format!(
                "{}: the catalog lists a *_RATE_LIMIT variable but config.rs lacks `pub const RATE_LIMIT: PaceVar`",
                def.name
            )),
            Ok(_) => {}
            Err(e) => problems.push(e),
        }
    }
    match read(&dir.join("Cargo.toml")) {
        Ok(manifest) => {
            if !manifest.contains(&format!("name = \"{}\"", def.package_name())) {
                problems.push(format!(
                    "{}: {}/Cargo.toml is not the package {}",
                    def.name,
                    def.crate_dir(),
                    def.package_name()
                ));
            }
        }
        Err(e) => problems.push(e),
    }
    problems
}

#[test]
fn every_connector_crate_has_every_part() {
    let problems: Vec<String> = CONNECTORS.iter().flat_map(crate_problems).collect();
    assert!(
        problems.is_empty(),
        "connector checklist:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_factories_are_the_catalogs_connectors_in_order() {
    let factories = handled_sandbox::factories();
    let built: Vec<&str> = factories.iter().map(|f| f.name()).collect();
    let catalog: Vec<&str> = CONNECTORS.iter().map(|c| c.name).collect();
    assert_eq!(
        built, catalog,
        "handled_sandbox::factories() must list the catalog's connectors in its order"
    );
    let manifest = read(&workspace().join("connectors/sandbox/Cargo.toml")).unwrap_or_default();
    for def in CONNECTORS {
        assert!(
            manifest.contains(&format!("{}.workspace = true", def.package_name())),
            "connectors/sandbox/Cargo.toml does not depend on {}",
            def.package_name()
        );
    }
}

#[test]
fn every_op_table_is_the_catalogs_ops_and_conforms() {
    let mut problems = Vec::new();
    for factory in handled_sandbox::factories() {
        let name = factory.name();
        let Some(ops) = factory.ops() else {
            problems.push(format!("{name}: ConnectorFactory::ops() gives no op table"));
            continue;
        };
        if ops.connector() != name {
            problems.push(format!(
                "{name}: its op table says it belongs to {}",
                ops.connector()
            ));
        }
        let table: BTreeSet<&str> = ops.names().into_iter().collect();
        let catalog: BTreeSet<&str> = handled_contract::catalog::ops_of(name)
            .map(|o| o.name)
            .collect();
        if table != catalog {
            problems.push(format!(
                "{name}: the op table has {table:?}, the catalog {catalog:?}"
            ));
        }
        if let Err(errors) = ops.conformance() {
            problems.extend(errors.into_iter().map(|e| format!("{name}: {e}")));
        }
    }
    assert!(problems.is_empty(), "op tables:\n{}", problems.join("\n"));
}

#[test]
fn every_factory_names_each_required_variable_it_lacks() {
    let empty = Env::from_pairs(Vec::new());
    let mut problems = Vec::new();
    for factory in handled_sandbox::factories() {
        let def = handled_contract::catalog::connector(factory.name());
        let Some(def) = def else {
            problems.push(format!("{}: not in the catalog", factory.name()));
            continue;
        };
        let required: Vec<&str> = def
            .env
            .iter()
            .filter(|v| v.required)
            .map(|v| v.name)
            .collect();
        match factory.from_env(&empty) {
            Ok(_) if required.is_empty() => {}
            Ok(_) => problems.push(format!(
                "{}: started with an empty environment although the catalog requires {required:?}",
                def.name
            )),
            Err(errors) => {
                let text = errors.join("\n");
                for var in &required {
                    if !text.contains(var) {
                        problems.push(format!(
                            "{}: with an empty environment, the errors do not name {var}: {text}",
                            def.name
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "environments:\n{}",
        problems.join("\n")
    );
}
