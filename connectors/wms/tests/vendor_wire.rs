//! The ShipHero and Cin7 profiles' requests against the vendors' published descriptions
//! (`specs/`), and the emulator refusing what the vendors refuse, in their error shapes: the
//! documents and bodies the profiles once sent (`$data: UpdateInventoryInput!`; a stock
//! adjustment without `EffectiveDate` and `UnitCost`) are among the refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use apollo_compiler::ExecutableDocument;
use apollo_compiler::request::coerce_variable_values;
use apollo_compiler::response::JsonMap;
use handled_connector_core::serve;
use handled_wms::Profile;
use handled_wms::emulator::{EmulatorHandle, cin7, emulator_router, sandbox_key, shiphero};
use handled_wms::path::Vars;
use handled_wms::profile::{SHIPHERO_LIST, SHIPHERO_REPLACE};
use serde_json::{Value, json};

/// The write the `shiphero` profile sent before it named ShipHero's input type.
const OLD_SHIPHERO_REPLACE: &str = "mutation Replace($data: UpdateInventoryInput!) { inventory_replace(data: $data) { request_id complexity warehouse_product { sku warehouse_id on_hand } } }";
const WAREHOUSE: &str = "V2FyZWhvdXNlOjE=";
const CIN7_LOCATION: &str = "Main Warehouse";

async fn emulator(profile: &str, location: &str) -> (EmulatorHandle, String) {
    let fixture = json!({"profile": profile, "items": [
        {"sku": "A-1", "quantity": 5, "location": location},
        {"sku": "B-2", "quantity": 7, "location": location}]});
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _task) = serve(router).await.unwrap();
    (handle, url)
}

/// A client from outside the connector (a test talking to the emulator directly).
fn outside_client() -> reqwest::Client {
    #[allow(clippy::disallowed_methods)]
    reqwest::Client::new()
}

async fn graphql(url: &str, query: &str, variables: Value) -> (u16, Value) {
    let resp = outside_client()
        .post(format!("{url}/graphql"))
        .bearer_auth(sandbox_key(&Profile::shiphero()))
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn adjust(url: &str, body: &Value) -> (u16, Value) {
    let key = sandbox_key(&Profile::cin7());
    let (account, app) = key.split_once(':').unwrap();
    let resp = outside_client()
        .post(format!("{url}{}", cin7::ADJUST_PATH))
        .header("api-auth-accountid", account)
        .header("api-auth-applicationkey", app)
        .json(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn quantity(h: &EmulatorHandle, sku: &str, location: &str) -> Value {
    h.state()["inventory"][sku]["locations"][location].clone()
}

/// The body a profile's write sends for this SKU and quantity (the connector's templating).
fn write_body(profile: &Profile, sku: &str, quantity: i64, location: &str) -> Value {
    Vars::default()
        .with("sku", json!(sku))
        .with("quantity", json!(quantity))
        .with("location", json!(location))
        .with("key", json!("run-1:step-1"))
        .with("date", json!("2026-03-01T00:00:00"))
        .body(&profile.write.body)
}

fn valid_variables(doc: &str, variables: &Value) -> Result<(), String> {
    let schema = shiphero::schema()?;
    let doc = ExecutableDocument::parse_and_validate(schema, doc, "doc.graphql")
        .map_err(|e| e.errors.to_string())?;
    let op = doc
        .operations
        .get(None)
        .map_err(|e| e.message().to_string())?;
    let raw: JsonMap = serde_json::from_value(variables.clone()).map_err(|e| e.to_string())?;
    coerce_variable_values(schema, op, &raw)
        .map(|_| ())
        .map_err(|e| e.message().to_string())
}

#[test]
fn shiphero_documents_and_variables_conform_to_shipheros_schema() {
    let profile = Profile::shiphero();
    let write = write_body(&profile, "A-1", 3, WAREHOUSE);
    assert_eq!(write["query"], SHIPHERO_REPLACE);
    valid_variables(SHIPHERO_REPLACE, &write["variables"]).unwrap();
    let list = Vars::default()
        .with("size", json!(100))
        .with("cursor", Value::Null)
        .body(profile.list.body.as_ref().unwrap());
    assert_eq!(list["query"], SHIPHERO_LIST);
    valid_variables(SHIPHERO_LIST, &list["variables"]).unwrap();
    let err = valid_variables(OLD_SHIPHERO_REPLACE, &write["variables"]).unwrap_err();
    assert!(err.contains("UpdateInventoryInput"), "{err}");
}

#[tokio::test]
async fn the_old_shiphero_document_is_refused_and_changes_nothing() {
    let (h, url) = emulator("shiphero", WAREHOUSE).await;
    let variables = write_body(&Profile::shiphero(), "A-1", 9, WAREHOUSE)["variables"].clone();
    let (status, body) = graphql(&url, OLD_SHIPHERO_REPLACE, variables.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("UpdateInventoryInput"), "{message}");
    assert!(
        body["errors"][0]["locations"][0]["line"].is_number(),
        "{body}"
    );
    assert_eq!(quantity(&h, "A-1", WAREHOUSE), 5);
    assert_eq!(
        h.state()["ops"]["updateInventory"],
        json!({"received": 1, "applied": 0})
    );
    // The document the profile sends now is taken.
    let (status, body) = graphql(&url, SHIPHERO_REPLACE, variables).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["inventory_replace"]["warehouse_product"],
        json!({"sku": "A-1", "warehouse_id": WAREHOUSE, "on_hand": 9})
    );
    assert_eq!(quantity(&h, "A-1", WAREHOUSE), 9);
}

#[tokio::test]
async fn shiphero_refuses_what_its_schema_refuses() {
    let (h, url) = emulator("shiphero", WAREHOUSE).await;
    let data = |d: Value| json!({ "data": d });
    let cases = [
        (
            "a required input field missing",
            SHIPHERO_REPLACE,
            data(json!({"sku": "A-1", "quantity": 1})),
            "warehouse_id",
        ),
        (
            "an input field ReplaceInventoryInput lacks",
            SHIPHERO_REPLACE,
            data(json!({"sku": "A-1", "warehouse_id": WAREHOUSE, "quantity": 1, "qty": 1})),
            "qty",
        ),
        (
            "a quantity that is not an Int",
            SHIPHERO_REPLACE,
            data(json!({"sku": "A-1", "warehouse_id": WAREHOUSE, "quantity": "1"})),
            "quantity",
        ),
        (
            "the required variable missing",
            SHIPHERO_REPLACE,
            json!({}),
            "data",
        ),
        (
            "a field UpdateInventoryOutput lacks",
            "mutation($data: ReplaceInventoryInput!) { inventory_replace(data: $data) { warehouse_product { qty } } }",
            data(json!({"sku": "A-1", "warehouse_id": WAREHOUSE, "quantity": 1})),
            "qty",
        ),
        (
            "an argument warehouse_products lacks",
            "{ warehouse_products(location: \"X\") { request_id } }",
            json!({}),
            "location",
        ),
        (
            "a variable of the wrong type for its position",
            "query($first: String) { warehouse_products { data(first: $first) { edges { cursor } } } }",
            json!({"first": "10"}),
            "first",
        ),
        (
            "an object selected without its fields",
            "{ warehouse_products { data } }",
            json!({}),
            "subselection",
        ),
        (
            "not GraphQL",
            "mutation { inventory_replace(",
            json!({}),
            "",
        ),
    ];
    for (what, query, variables, mentions) in cases {
        let (status, body) = graphql(&url, query, variables).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert!(body.get("data").is_none(), "{what}: {body}");
        let messages: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["message"].as_str())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(mentions)),
            "{what}: {messages:?}"
        );
    }
    assert_eq!(quantity(&h, "A-1", WAREHOUSE), 5, "nothing was written");
}

#[tokio::test]
async fn shiphero_field_errors_have_shipheros_shape() {
    let (_h, url) = emulator("shiphero", WAREHOUSE).await;
    let variables = write_body(&Profile::shiphero(), "NOPE", 1, WAREHOUSE)["variables"].clone();
    let (status, body) = graphql(&url, SHIPHERO_REPLACE, variables).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!({"inventory_replace": null}));
    let error = &body["errors"][0];
    assert_eq!(error["operation"], "inventory_replace", "{body}");
    assert_eq!(error["field"], "inventory_replace", "{body}");
    assert_eq!(error["code"], 5, "{body}");
    assert!(error["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(error["message"].as_str().unwrap().contains("NOPE"));
    let (status, body) = graphql(
        &url,
        "{ warehouse_products { data(first: 101) { edges { cursor } } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["warehouse_products"]["data"], Value::Null);
    assert_eq!(body["errors"][0]["field"], "data", "{body}");
    assert_eq!(body["errors"][0]["code"], 22, "{body}");
}

#[tokio::test]
async fn shiphero_answers_what_was_selected_and_filters() {
    let (_h, url) = emulator("shiphero", WAREHOUSE).await;
    let query = "query($sku: String) { warehouse_products(sku: $sku) { __typename data(first: 1) { pageInfo { hasNextPage endCursor } edges { node { sku available } } } } }";
    let (status, body) = graphql(&url, query, json!({"sku": "B-2"})).await;
    assert_eq!(status, 200, "{body}");
    let result = &body["data"]["warehouse_products"];
    assert_eq!(result["__typename"], "WarehouseProductsQueryResult");
    assert_eq!(
        result["data"]["edges"],
        json!([{"node": {"sku": "B-2", "available": 7}}])
    );
    assert_eq!(result["data"]["pageInfo"]["hasNextPage"], false);
    // Cursors are ShipHero's: base64 of `arrayconnection:<index>`.
    assert_eq!(
        result["data"]["pageInfo"]["endCursor"],
        "YXJyYXljb25uZWN0aW9uOjA="
    );
}

#[test]
fn cin7_write_body_conforms_to_the_documented_stock_adjustment() {
    let body = write_body(&Profile::cin7(), "A-1", 3, CIN7_LOCATION);
    cin7::conforms(&body).unwrap();
    assert_eq!(body["Status"], "COMPLETED");
    assert_eq!(body["Lines"][0]["Quantity"], 3);
}

#[tokio::test]
async fn the_old_cin7_body_is_refused_and_changes_nothing() {
    let (h, url) = emulator("cin7", CIN7_LOCATION).await;
    let old = json!({"Status": "COMPLETED", "Reference": "run-1:step-1", "Lines": [
        {"SKU": "A-1", "Location": CIN7_LOCATION, "Quantity": 9}]});
    let (status, body) = adjust(&url, &old).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!([
            {"ErrorCode": 400, "Exception": "Required attribute 'EffectiveDate' not provided."},
            {"ErrorCode": 400, "Exception": "Required attribute 'UnitCost' not provided."}
        ])
    );
    assert_eq!(quantity(&h, "A-1", CIN7_LOCATION), 5);
    // The body the profile sends now is taken.
    let (status, body) = adjust(&url, &write_body(&Profile::cin7(), "A-1", 9, CIN7_LOCATION)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(quantity(&h, "A-1", CIN7_LOCATION), 9);
    assert_eq!(body["ExistingStockLines"][0]["QuantityOnHand"], 5);
    assert_eq!(body["ExistingStockLines"][0]["Adjustment"], 9);
}

#[tokio::test]
async fn cin7_refuses_what_its_model_refuses() {
    let (h, url) = emulator("cin7", CIN7_LOCATION).await;
    let good = write_body(&Profile::cin7(), "A-1", 1, CIN7_LOCATION);
    let with = |path: &str, value: Value| {
        let mut body = good.clone();
        *body.pointer_mut(path).unwrap() = value;
        body
    };
    let without = |field: &str| {
        let mut body = good.clone();
        body["Lines"][0].as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        (
            with("/Status", json!("DONE")),
            "Attribute 'Status' is invalid.",
        ),
        (
            with("/EffectiveDate", json!("soon")),
            "Attribute 'EffectiveDate' is invalid.",
        ),
        (
            with("/Lines/0/Quantity", json!("1")),
            "Attribute 'Quantity' is invalid.",
        ),
        (
            with("/Lines/0/SKU", json!("S".repeat(51))),
            "Attribute 'SKU' length can't be more than 50 characters.",
        ),
        (
            without("SKU"),
            "Required attribute 'ProductID' or 'SKU' not provided.",
        ),
        (
            without("Location"),
            "Required attribute 'LocationID' or 'Location' not provided.",
        ),
        (
            with("/Lines/0/SKU", json!("NOPE")),
            "Product not found: NOPE",
        ),
        (
            json!({"EffectiveDate": "2026-03-01", "Status": "DRAFT"}),
            "Required attribute 'Lines' not provided.",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = adjust(&url, &body).await;
        assert_eq!(status, 400, "{expected}: {answer}");
        assert_eq!(
            answer,
            json!([{"ErrorCode": 400, "Exception": expected}]),
            "{body}"
        );
    }
    assert_eq!(quantity(&h, "A-1", CIN7_LOCATION), 5, "nothing was written");
}

#[tokio::test]
async fn cin7_lines_by_ids_drafts_and_the_documented_answer() {
    let (h, url) = emulator("cin7", CIN7_LOCATION).await;
    let spec = cin7::spec().unwrap();
    let answer_schema = spec
        .response_schema("POST", cin7::ADJUST_PATH, 200)
        .unwrap();
    let by_ids = json!({"EffectiveDate": "2026-03-01T00:00:00", "Status": "DRAFT", "Lines": [
        {"ProductID": cin7::product_id("B-2"), "LocationID": cin7::location_id(CIN7_LOCATION),
         "Quantity": 2, "UnitCost": 1.5}]});
    let (status, answer) = adjust(&url, &by_ids).await;
    assert_eq!(status, 200, "{answer}");
    spec.validate(answer_schema, &answer).unwrap();
    assert_eq!(answer["Status"], "DRAFT");
    assert_eq!(
        quantity(&h, "B-2", CIN7_LOCATION),
        7,
        "a draft changes nothing"
    );

    let mut completed = by_ids.clone();
    completed["Status"] = json!("COMPLETED");
    completed["Lines"][0]["LocationID"] = Value::Null;
    completed["Lines"][0]["Location"] = json!("Overflow");
    let (status, answer) = adjust(&url, &completed).await;
    assert_eq!(status, 200, "{answer}");
    spec.validate(answer_schema, &answer).unwrap();
    assert_eq!(answer["NewStockLines"][0]["Location"], "Overflow");
    assert_eq!(answer["NewStockLines"][0]["UnitCost"], 1.5);
    assert_eq!(quantity(&h, "B-2", "Overflow"), 2);
    assert_eq!(quantity(&h, "B-2", CIN7_LOCATION), 7);
}
