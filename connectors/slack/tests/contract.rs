//! Every request the slack connector sends and every answer the emulator gives are checked
//! against Slack's official Web API description (specs/slack_web_openapi_v2.json).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_connector_core::openapi::Document;
use handled_connector_core::record::Exchange;
use handled_slack::emulator::emulator_router;
use handled_slack::{SlackClient, SlackConfig};
use serde_json::{Value, json};

fn spec() -> Document {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/slack_web_openapi_v2.json"
    ))
    .unwrap();
    Document::parse(&text).unwrap()
}

/// Checks a JSON request body against the method's `formData` parameters (Slack documents
/// JSON bodies with the same fields): every field is a known parameter of the right type, and
/// every required one is present.
fn check_request(doc: &Document, path: &str, body: &Value) -> Vec<String> {
    let params = doc.root()["paths"][path]["post"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut problems = Vec::new();
    let obj = body.as_object().cloned().unwrap_or_default();
    for p in params.iter().filter(|p| p["in"] == "formData") {
        let name = p["name"].as_str().unwrap();
        if p["required"] == json!(true) && !obj.contains_key(name) {
            problems.push(format!("missing required {name}"));
        }
    }
    for (k, v) in &obj {
        match params
            .iter()
            .find(|p| p["in"] == "formData" && p["name"] == json!(k))
        {
            None => problems.push(format!("unknown parameter {k}")),
            Some(p) => {
                if let Err(errs) = doc.validate(&json!({"type": p["type"]}), v) {
                    problems.extend(errs);
                }
            }
        }
    }
    problems
}

/// Every header of the request was sent once; `Content-Type` is the one Slack documents for a
/// JSON body and `Authorization` carries one bearer. Every value of each is looked at, so a
/// header sent twice (the second value appended after the first) fails.
fn assert_headers_sent_once(x: &Exchange) {
    assert!(
        x.repeated_headers().is_empty(),
        "headers sent more than once: {:?} in {:?}",
        x.repeated_headers(),
        x.headers
    );
    assert_eq!(
        x.header_values("content-type"),
        ["application/json; charset=utf-8"]
    );
    let auth = x.header_values("authorization");
    assert_eq!(auth.len(), 1, "{auth:?}");
    assert!(auth[0].starts_with("Bearer xoxb-"), "{auth:?}");
}

#[tokio::test]
async fn requests_and_responses_follow_the_spec() {
    let doc = spec();
    let (router, handle) =
        emulator_router(Some(json!({"channels": ["#inventory-alerts", "#ops"]}))).unwrap();
    let (router, log) = handled_connector_core::record::record(router);
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let client =
        SlackClient::new(SlackConfig::new(&format!("{url}/api"), &handle.token())).unwrap();
    client
        .post_message(
            "#inventory-alerts",
            "🚨 Low Stock Alert: Mug (A-1) - Only 2 units remaining",
        )
        .await
        .unwrap();
    client.post_message("#ops", "second").await.unwrap();
    let _ = client.post_message("#missing", "x").await.unwrap_err();
    let bad = SlackClient::new(SlackConfig::new(
        &format!("{url}/api"),
        "xoxb-not-the-token",
    ))
    .unwrap();
    let _ = bad.post_message("#ops", "x").await.unwrap_err();

    let exchanges = log.exchanges();
    assert_eq!(exchanges.len(), 4);
    for x in exchanges {
        assert_eq!(
            (x.method.as_str(), x.path.as_str()),
            ("POST", "/api/chat.postMessage")
        );
        assert_headers_sent_once(&x);
        let request: Value = serde_json::from_slice(&x.request).unwrap();
        let problems = check_request(&doc, "/chat.postMessage", &request);
        assert!(problems.is_empty(), "request {request}: {problems:?}");
        let response: Value = serde_json::from_slice(&x.response).unwrap();
        let schema = doc.response_schema(
            "post",
            "/chat.postMessage",
            if response["ok"] == json!(true) {
                200
            } else {
                500
            },
        );
        let schema = schema.expect("the spec describes the answer").clone();
        if let Err(errs) = doc.validate(&schema, &response) {
            panic!("response {response} does not follow the spec: {errs:?}");
        }
    }
}
