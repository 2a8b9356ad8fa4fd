//! Shopify's published schemas (`specs/`, Shopify's introspection output) as the emulator's
//! referee: every document sent to a version we hold the schema of is validated against it as
//! Shopify validates it (unknown fields and arguments, wrong variable types, removed inputs),
//! its variables are coerced to the declared types, and the deprecated fields it selects are
//! warned about in the emulator's log and counted in its state (`deprecatedFields`).
//!
//! The schemas are read from the crate's `specs/` directory, once per process, on a thread
//! started with the first emulator; a program run where the sources are not (a binary copied to
//! another machine) serves unvalidated, and says so once. Versions without a schema there are
//! served unvalidated too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use handled_contract::lock;
use serde_json::{Map, Value as Json};

/// The versions whose schema `specs/` holds.
const HELD: &[&str] = &["2025-07", "2026-04"];

/// How many validated documents are kept (the cache starts over when full).
const CACHE_SIZE: usize = 256;

/// One schema per held version: `None` when its file cannot be read or parsed.
fn schemas() -> &'static HashMap<&'static str, OnceLock<Option<Valid<Schema>>>> {
    static SCHEMAS: OnceLock<HashMap<&'static str, OnceLock<Option<Valid<Schema>>>>> =
        OnceLock::new();
    SCHEMAS.get_or_init(|| HELD.iter().map(|v| (*v, OnceLock::new())).collect())
}

/// Parses the held schemas on a thread of their own, so that the first request rarely waits.
pub(super) fn warm() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let _ = std::thread::Builder::new()
            .name("shopify-schemas".to_string())
            .spawn(|| {
                for version in HELD {
                    let _ = schema(version);
                }
            });
    });
}

/// The schema of `version`, if `specs/` holds it.
fn schema(version: &str) -> Option<&'static Valid<Schema>> {
    let cell = schemas().get(version)?;
    cell.get_or_init(|| load(version)).as_ref()
}

fn load(version: &str) -> Option<Valid<Schema>> {
    let path = format!(
        "{}/specs/{version}.schema.graphql",
        env!("CARGO_MANIFEST_DIR")
    );
    let sdl = match std::fs::read_to_string(&path) {
        Ok(sdl) => sdl,
        Err(e) => {
            tracing::warn!(%path, error = %e, "Shopify emulator: no schema, documents of {version} are not validated");
            return None;
        }
    };
    Some(match Schema::parse_and_validate(sdl, &path) {
        Ok(schema) => schema,
        // The published schema trips a strict rule unrelated to the documents: keep what parsed.
        Err(with_errors) => Valid::assume_valid(with_errors.partial),
    })
}

/// A document validated against its version's schema, with the deprecated fields it selects
/// (`Type.field`).
pub(super) struct Checked {
    document: Valid<ExecutableDocument>,
    schema: &'static Valid<Schema>,
    /// The deprecated fields the document selects, with Shopify's reason.
    pub deprecated: Vec<(String, String)>,
}

impl Checked {
    /// The request's variables coerced to the operation's declared types: `Err` is Shopify's
    /// message for a variable missing or of the wrong type.
    pub fn variables(
        &self,
        operation: Option<&str>,
        vars: &Map<String, Json>,
    ) -> Result<(), String> {
        let op = self
            .document
            .operations
            .get(operation)
            .map_err(|e| e.message().to_string())?;
        let values: apollo_compiler::response::JsonMap = vars
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.clone().into()))
            .collect();
        apollo_compiler::request::coerce_variable_values(self.schema, op, &values)
            .map(|_| ())
            .map_err(|e| e.message().to_string())
    }
}

/// A document checked: the validation errors' message when it is invalid.
type Outcome = Arc<Result<Checked, String>>;

/// Validated documents by version and text.
#[derive(Default)]
pub(super) struct Cache {
    checked: Mutex<HashMap<(String, String), Outcome>>,
}

impl Cache {
    /// `query` checked against `version`'s schema (`None`: no schema for it); `Err` holds
    /// the validation errors' message.
    pub fn check(&self, version: &str, query: &str) -> Option<Outcome> {
        let key = (version.to_string(), query.to_string());
        if let Some(found) = lock(&self.checked).get(&key) {
            return Some(found.clone());
        }
        let schema = schema(version)?;
        let checked = Arc::new(validate(schema, query));
        let mut cache = lock(&self.checked);
        if cache.len() >= CACHE_SIZE {
            cache.clear();
        }
        cache.insert(key, checked.clone());
        Some(checked)
    }
}

fn validate(schema: &'static Valid<Schema>, query: &str) -> Result<Checked, String> {
    let document = ExecutableDocument::parse_and_validate(schema, query, "query.graphql").map_err(
        |with_errors| {
            with_errors
                .errors
                .iter()
                .map(|e| e.error.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        },
    )?;
    let mut deprecated = Vec::new();
    for op in document.operations.iter() {
        deprecated_in(&op.selection_set, &mut deprecated);
    }
    for fragment in document.fragments.values() {
        deprecated_in(&fragment.selection_set, &mut deprecated);
    }
    deprecated.sort();
    deprecated.dedup();
    Ok(Checked {
        document,
        schema,
        deprecated,
    })
}

/// Every deprecated field `set` selects, as `Type.field` with the reason.
fn deprecated_in(set: &SelectionSet, out: &mut Vec<(String, String)>) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                if let Some(directive) = field.definition.directives.get("deprecated") {
                    let reason = directive
                        .specified_argument_by_name("reason")
                        .and_then(|r| r.as_str().map(str::to_string))
                        .unwrap_or_default();
                    out.push((format!("{}.{}", set.ty, field.name), reason));
                }
                deprecated_in(&field.selection_set, out);
            }
            Selection::InlineFragment(inline) => deprecated_in(&inline.selection_set, out),
            Selection::FragmentSpread(_) => {}
        }
    }
}
