//! Every answer the emulator gives the connector conforms to Shopify's published schema: the
//! test records each GraphQL request and response on the wire while the connector runs every op
//! (at 2026-04 and, for the compare-quantity path, at 2025-07), and checks each response's
//! `data` against the request's selection set typed by the schema (every selected field present
//! under its response key, no field that was not selected, nulls only where the type allows
//! them, scalars and enums of the right kind), and its `errors` and `extensions.cost` against
//! the shapes Shopify documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use apollo_compiler::ast::Type;
use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use handled_connector_core::record::{Log, record};
use handled_connector_core::{CallInfo, serve};
use handled_contract::{Connector, Env};
use handled_shopify::emulator::{SANDBOX_WEBHOOK_SECRET, emulator_router};
use handled_shopify::{Config, ShopifyConnector};
use serde_json::{Value, json};

fn schema(version: &str) -> Valid<Schema> {
    let path = format!(
        "{}/specs/{version}.schema.graphql",
        env!("CARGO_MANIFEST_DIR")
    );
    let sdl = std::fs::read_to_string(&path).unwrap();
    match Schema::parse_and_validate(&sdl, &path) {
        Ok(s) => s,
        Err(with_errors) => Valid::assume_valid(with_errors.partial),
    }
}

async fn start(version: &str, fixture: Value) -> (ShopifyConnector, Log) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (router, log) = record(router);
    let (url, _task) = serve(router).await.unwrap();
    let env = Env::from_pairs([
        (
            "SHOPIFY_STORE_URL".into(),
            "handled-sandbox.myshopify.com".into(),
        ),
        (
            "SHOPIFY_ACCESS_TOKEN".into(),
            handle.access_token().to_string(),
        ),
        (
            "SHOPIFY_WEBHOOK_SECRET".into(),
            SANDBOX_WEBHOOK_SECRET.into(),
        ),
        ("SHOPIFY_API_VERSION".into(), version.into()),
        ("SHOPIFY_BASE_URL".into(), url),
    ]);
    let connector = ShopifyConnector::new(Config::from_env(&env).unwrap()).unwrap();
    (connector, log)
}

fn fixture() -> Value {
    let mut products = vec![
        json!({"sku": "A-1", "title": "Alpha", "vendor": "Acme", "tags": ["x"], "available": 10, "reserved": 2}),
        json!({"sku": "B-1", "title": "Beta", "vendor": "Bee", "levels": {"24826418": 4, "5": {"available": 6, "reserved": 1}}}),
    ];
    // Enough products for the level queries to take several pages.
    for i in 0..130 {
        products.push(json!({"sku": format!("P-{i:03}"), "title": format!("P {i}"), "vendor": "V", "available": i}));
    }
    json!({
        "locations": [{"id": 24826418, "name": "Primary", "primary": true}, {"id": 5, "name": "Backroom"}],
        "products": products,
    })
}

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.to_string(),
        run_id: "run-7".to_string(),
        attempt: 1,
        maybe_sent: false,
    }
}

/// Checks one response against the request's document; returns what is wrong.
fn check_exchange(schema: &Valid<Schema>, sent: &Value, answer: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(query) = sent["query"].as_str() else {
        return vec!["the request has no query".into()];
    };
    let doc = match ExecutableDocument::parse_and_validate(schema, query, "request.graphql") {
        Ok(doc) => doc,
        Err(e) => return vec![format!("the request is invalid: {}", e.errors)],
    };
    let Some(top) = answer.as_object() else {
        return vec!["the response is not an object".into()];
    };
    for key in top.keys() {
        if !["data", "errors", "extensions"].contains(&key.as_str()) {
            problems.push(format!("unexpected top-level key `{key}`"));
        }
    }
    if let Some(errors) = answer.get("errors") {
        match errors.as_array() {
            Some(list) if !list.is_empty() => {
                for (i, e) in list.iter().enumerate() {
                    if !e["message"].is_string() {
                        problems.push(format!("errors[{i}] has no string `message`"));
                    }
                    if let Some(ext) = e.get("extensions")
                        && !ext.is_object()
                    {
                        problems.push(format!("errors[{i}].extensions is not an object"));
                    }
                }
            }
            _ => problems.push("`errors` must be a non-empty list".into()),
        }
    }
    if let Some(cost) = answer.pointer("/extensions/cost") {
        for field in ["requestedQueryCost", "actualQueryCost"] {
            if !(cost[field].is_number() || cost[field].is_null()) {
                problems.push(format!("extensions.cost.{field} is not a number"));
            }
        }
        for field in ["maximumAvailable", "currentlyAvailable", "restoreRate"] {
            if !cost["throttleStatus"][field].is_number() {
                problems.push(format!(
                    "extensions.cost.throttleStatus.{field} is not a number"
                ));
            }
        }
    }
    match answer.get("data") {
        None | Some(Value::Null) => {
            if answer.get("errors").is_none() {
                problems.push("neither `data` nor `errors`".into());
            }
        }
        Some(data) => {
            let operation = match doc.operations.get(sent["operationName"].as_str()) {
                Ok(op) => op,
                Err(_) => return vec!["no operation to check against".into()],
            };
            check_object(
                schema,
                &doc,
                &operation.selection_set,
                data,
                "data",
                &mut problems,
            );
        }
    }
    problems
}

fn check_object(
    schema: &Schema,
    doc: &ExecutableDocument,
    set: &SelectionSet,
    value: &Value,
    path: &str,
    problems: &mut Vec<String>,
) {
    let Some(object) = value.as_object() else {
        problems.push(format!("{path}: expected an object of type {}", set.ty));
        return;
    };
    let typename = object.get("__typename").and_then(Value::as_str);
    let mut selected = Vec::new();
    collect_fields(
        doc,
        set,
        typename,
        &mut selected,
        &mut |key, ty, sub, required| match object.get(key) {
            Some(v) => check_value(schema, doc, ty, sub, v, &format!("{path}.{key}"), problems),
            None if required => {
                problems.push(format!("{path}: the selected field `{key}` is missing"))
            }
            None => {}
        },
    );
    for key in object.keys() {
        if !selected.iter().any(|s| s == key) {
            problems.push(format!("{path}: `{key}` was not selected"));
        }
    }
}

/// Walks a selection set (with its fragments) and calls `visit(response_key, type, selection
/// set, required)` for every field; a field under a fragment whose type may not apply is not
/// required.
fn collect_fields(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    typename: Option<&str>,
    selected: &mut Vec<String>,
    visit: &mut dyn FnMut(&str, &Type, &SelectionSet, bool),
) {
    collect_inner(doc, set, typename, true, selected, visit);
}

fn collect_inner(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    typename: Option<&str>,
    required: bool,
    selected: &mut Vec<String>,
    visit: &mut dyn FnMut(&str, &Type, &SelectionSet, bool),
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(f) => {
                let key = f.response_key().as_str();
                selected.push(key.to_string());
                visit(key, f.ty(), &f.selection_set, required);
            }
            Selection::InlineFragment(frag) => {
                let applies = match &frag.type_condition {
                    None => true,
                    Some(t) => t == &set.ty || typename == Some(t.as_str()),
                };
                collect_inner(
                    doc,
                    &frag.selection_set,
                    typename,
                    required && applies,
                    selected,
                    visit,
                );
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.fragment_name) {
                    let ty = &fragment.selection_set.ty;
                    let applies = ty == &set.ty || typename == Some(ty.as_str());
                    collect_inner(
                        doc,
                        &fragment.selection_set,
                        typename,
                        required && applies,
                        selected,
                        visit,
                    );
                }
            }
        }
    }
}

fn check_value(
    schema: &Schema,
    doc: &ExecutableDocument,
    ty: &Type,
    sub: &SelectionSet,
    value: &Value,
    path: &str,
    problems: &mut Vec<String>,
) {
    match ty {
        Type::Named(_) | Type::List(_) if value.is_null() => {}
        Type::NonNullNamed(_) | Type::NonNullList(_) if value.is_null() => {
            problems.push(format!("{path}: null where the schema says {ty}"));
        }
        Type::List(inner) | Type::NonNullList(inner) => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_value(
                        schema,
                        doc,
                        inner,
                        sub,
                        item,
                        &format!("{path}[{i}]"),
                        problems,
                    );
                }
            }
            None => problems.push(format!("{path}: expected a list ({ty})")),
        },
        Type::Named(name) | Type::NonNullNamed(name) => match schema.types.get(name) {
            Some(ExtendedType::Scalar(_)) => {
                let ok = match name.as_str() {
                    "Int" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                    "Float" => value.is_number(),
                    "Boolean" => value.is_boolean(),
                    "String" | "ID" => value.is_string(),
                    // Custom scalars (DateTime, URL, UnsignedInt64, Decimal, Money, JSON…):
                    // Shopify serialises them as strings, numbers or JSON.
                    "JSON" => true,
                    "UnsignedInt64" | "Decimal" | "Money" | "DateTime" | "Date" | "URL"
                    | "HTML" | "FormattedString" | "ARN" | "Color" | "StorefrontID"
                    | "UtcOffset" | "BigInt" => value.is_string(),
                    _ => !value.is_object() && !value.is_array(),
                };
                if !ok {
                    problems.push(format!("{path}: {value} is not a {name}"));
                }
            }
            Some(ExtendedType::Enum(e)) => match value.as_str() {
                Some(v) if e.values.keys().any(|k| k.as_str() == v) => {}
                _ => problems.push(format!("{path}: {value} is not a value of enum {name}")),
            },
            Some(_) => check_object(schema, doc, sub, value, path, problems),
            None => problems.push(format!("{path}: unknown type {name}")),
        },
    }
}

/// Calls an op as the engine would as far as throttling goes: a Throttled answer is tried again
/// after its `Retry-After` (a burst of large queries here empties the emulator's bucket).
async fn call(
    c: &ShopifyConnector,
    op: &str,
    params: Value,
    info: &CallInfo,
) -> Result<Value, handled_contract::CallError> {
    let mut tries = 0;
    loop {
        match c.call(op, params.clone(), info).await {
            Err(e) if e.class == handled_contract::ErrorClass::Throttled && tries < 5 => {
                tries += 1;
                tokio::time::sleep(e.retry_after.unwrap_or(std::time::Duration::from_secs(1)))
                    .await;
            }
            other => return other,
        }
    }
}

/// Runs every op through the recorder and checks every exchange.
async fn exercise(version: &str) -> (usize, Vec<String>) {
    let (c, log) = start(version, fixture()).await;
    let ok = |r: Result<Value, handled_contract::CallError>, what: &str| {
        r.unwrap_or_else(|e| panic!("{what}: {}", e.message))
    };
    let p = ok(
        call(&c, "findProduct", json!({"sku": "B-1"}), &info("f")).await,
        "findProduct",
    );
    ok(
        call(
            &c,
            "updateInventory",
            json!({"sku": "A-1", "quantity": 7}),
            &info("u1"),
        )
        .await,
        "updateInventory",
    );
    // The same idempotency key again: a replay.
    ok(
        call(
            &c,
            "updateInventory",
            json!({"sku": "A-1", "quantity": 7}),
            &info("u1"),
        )
        .await,
        "updateInventory replay",
    );
    ok(
        call(&c,
            "updateInventory",
            json!({"productId": p["productId"], "variantId": p["variantId"], "quantity": 9, "location": "5"}),
            &info("u2"),
        )
        .await,
        "updateInventory by id",
    );
    ok(
        call(&c, "getInventoryLevels", json!({}), &info("l")).await,
        "getInventoryLevels",
    );
    ok(
        call(&c, "getAllInventory", json!({}), &info("a")).await,
        "getAllInventory",
    );
    ok(
        call(
            &c,
            "updateProduct",
            json!({"productSku": "A-1", "data": {"published": false, "tags": "low-stock"}}),
            &info("p"),
        )
        .await,
        "updateProduct",
    );
    // Answers that carry errors: an unknown SKU, a location that does not stock the item, an
    // invalid status.
    let _ = c
        .call("findProduct", json!({"sku": "NOPE"}), &info("e1"))
        .await;
    let _ = c
        .call(
            "updateInventory",
            json!({"sku": "P-001", "quantity": 1, "location": "5"}),
            &info("e2"),
        )
        .await;
    let _ = c
        .call(
            "updateProduct",
            json!({"productSku": "A-1", "data": {"status": "GONE"}}),
            &info("e3"),
        )
        .await;

    let schema = schema(version);
    let exchanges: Vec<(String, Value, Value)> = log
        .exchanges()
        .into_iter()
        .filter(|e| e.path.ends_with("/graphql.json"))
        .map(|e| {
            let sent = serde_json::from_slice(&e.request).unwrap_or(Value::Null);
            let answer = serde_json::from_slice(&e.response)
                .unwrap_or_else(|err| panic!("{}: the emulator answered non-JSON ({err})", e.path));
            (e.path, sent, answer)
        })
        .collect();
    let mut problems = Vec::new();
    for (path, sent, answer) in &exchanges {
        for p in check_exchange(&schema, sent, answer) {
            problems.push(format!(
                "{path} {}: {p}\n  response: {answer}",
                sent["query"]
                    .as_str()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            ));
        }
    }
    (exchanges.len(), problems)
}

#[tokio::test]
async fn every_response_at_2026_04_matches_the_schema() {
    let (count, problems) = exercise("2026-04").await;
    println!("{count} exchanges checked");
    assert!(count >= 10, "only {count} exchanges were recorded");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn every_response_at_2025_07_matches_the_schema() {
    let (count, problems) = exercise("2025-07").await;
    assert!(count >= 10, "only {count} exchanges were recorded");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_catches_wrong_answers() {
    let schema = schema("2026-04");
    let sent = json!({"query": "query { shop { name id } }"});
    assert!(
        check_exchange(
            &schema,
            &sent,
            &json!({"data": {"shop": {"name": "x", "id": "gid://shopify/Shop/1"}}})
        )
        .is_empty()
    );
    // Missing field, wrong scalar, unselected field, null for a non-null field.
    let wrong = [
        json!({"data": {"shop": {"name": "x"}}}),
        json!({"data": {"shop": {"name": 5, "id": "gid://shopify/Shop/1"}}}),
        json!({"data": {"shop": {"name": "x", "id": "i", "email": "e"}}}),
        json!({"data": {"shop": {"name": null, "id": "i"}}}),
        json!({"data": {"shop": null}}),
        json!({"errors": []}),
        json!({"data": {"shop": {"name": "x", "id": "i"}}, "extensions": {"cost": {"requestedQueryCost": 1, "actualQueryCost": 1, "throttleStatus": {}}}}),
    ];
    for answer in wrong {
        assert!(
            !check_exchange(&schema, &sent, &answer).is_empty(),
            "not caught: {answer}"
        );
    }
}
