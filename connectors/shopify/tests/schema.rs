//! Every GraphQL document the connector sends is valid against Shopify's published schema of
//! the version it is sent to (specs/, Shopify's introspection output).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use handled_shopify::queries;

fn schema(file: &str) -> Valid<Schema> {
    let path = format!("{}/specs/{file}", env!("CARGO_MANIFEST_DIR"));
    let sdl = std::fs::read_to_string(&path).unwrap();
    match Schema::parse_and_validate(&sdl, &path) {
        Ok(s) => s,
        // The published schema may trip a strict rule unrelated to our documents; keep what parsed.
        Err(with_errors) => Valid::assume_valid(with_errors.partial),
    }
}

fn check(schema: &Valid<Schema>, docs: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (name, doc) in docs {
        if let Err(e) =
            ExecutableDocument::parse_and_validate(schema, *doc, format!("{name}.graphql"))
        {
            failures.push(format!("{name}:\n{}", e.errors));
        }
    }
    assert!(
        failures.is_empty(),
        "invalid documents:\n{}",
        failures.join("\n")
    );
}

#[test]
fn current_documents_are_valid_against_2026_04() {
    check(&schema("2026-04.schema.graphql"), queries::CURRENT);
}

#[test]
fn legacy_documents_are_valid_against_2025_07() {
    check(&schema("2025-07.schema.graphql"), queries::LEGACY);
}

#[test]
fn the_validator_catches_mistakes() {
    let s = schema("2026-04.schema.graphql");
    let bad = "query { productVariants(first: 1) { nodes { skuu } } }";
    assert!(ExecutableDocument::parse_and_validate(&s, bad, "bad.graphql").is_err());
    let removed = "mutation { inventorySetQuantities(input: {name: \"available\", reason: \"correction\", \
        quantities: [{inventoryItemId: \"1\", locationId: \"2\", quantity: 1, compareQuantity: 0}]}) { userErrors { code } } }";
    assert!(ExecutableDocument::parse_and_validate(&s, removed, "removed.graphql").is_err());
}

/// The input fields the connector puts into its variables exist on each version's input types.
#[test]
fn variable_fields_exist() {
    let input_fields = |s: &Valid<Schema>, ty: &str| -> Vec<String> {
        match s.types.get(ty) {
            Some(apollo_compiler::schema::ExtendedType::InputObject(o)) => {
                o.fields.keys().map(|k| k.to_string()).collect()
            }
            _ => panic!("no input type {ty}"),
        }
    };
    for (file, compare) in [
        ("2026-04.schema.graphql", "changeFromQuantity"),
        ("2025-07.schema.graphql", "compareQuantity"),
    ] {
        let s = schema(file);
        let set = input_fields(&s, "InventorySetQuantitiesInput");
        for f in ["name", "reason", "referenceDocumentUri", "quantities"] {
            assert!(
                set.contains(&f.to_string()),
                "{file}: InventorySetQuantitiesInput.{f}"
            );
        }
        let q = input_fields(&s, "InventoryQuantityInput");
        for f in ["inventoryItemId", "locationId", "quantity", compare] {
            assert!(
                q.contains(&f.to_string()),
                "{file}: InventoryQuantityInput.{f}"
            );
        }
        let p = input_fields(&s, "ProductUpdateInput");
        for f in ["id", "status", "title", "tags"] {
            assert!(p.contains(&f.to_string()), "{file}: ProductUpdateInput.{f}");
        }
    }
    let s = schema("2026-04.schema.graphql");
    assert!(!input_fields(&s, "InventoryQuantityInput").contains(&"compareQuantity".to_string()));
}
