//! The HTTP client against a real loopback server with injected faults: every error class.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use handled_connector_core::emulator::{Faults, serve, with_faults};
use handled_connector_core::{ErrorClass, HttpClient};
use serde_json::{Value, json};

async fn server() -> String {
    let router = Router::new()
        .route("/ok", get(|| async { axum::Json(json!({"ok": true})) }))
        .route(
            "/denied",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    "{\"errors\":\"[API] Invalid API key\"}",
                )
            }),
        )
        .route(
            "/bad",
            get(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"message": "sku shpat_secret1 is bad"})),
                )
            }),
        );
    let faults = Faults::new();
    let (url, _task) = serve(with_faults(router, faults)).await.unwrap();
    url
}

#[tokio::test]
async fn classifies_every_outcome() {
    let url = server().await;
    let http =
        HttpClient::with_timeouts("test", Duration::from_secs(2), Duration::from_millis(500))
            .unwrap()
            .with_secrets(["shpat_secret1".to_string()]);

    let v: Value = http.send_json(http.get(format!("{url}/ok"))).await.unwrap();
    assert_eq!(v, json!({"ok": true}));

    let e = http
        .send(http.get(format!("{url}/denied")))
        .await
        .unwrap_err();
    assert_eq!((e.class, e.status), (ErrorClass::Auth, Some(401)));
    assert!(e.message.contains("Invalid API key"), "{}", e.message);

    let e = http.send(http.get(format!("{url}/bad"))).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(
        !e.message.contains("shpat_secret1") && e.message.contains("[redacted]"),
        "{}",
        e.message
    );

    let faults = |body: Value| http.post(format!("{url}/_faults")).json(&body);
    http.send(faults(json!({"status": 429, "count": 1, "retryAfter": 2})))
        .await
        .unwrap();
    let e = http.send(http.get(format!("{url}/ok"))).await.unwrap_err();
    assert_eq!(
        (e.class, e.retry_after),
        (ErrorClass::Throttled, Some(Duration::from_secs(2)))
    );

    http.send(faults(json!([{"status": 503, "count": 1}, {"drop": 1}])))
        .await
        .unwrap();
    let e = http.send(http.get(format!("{url}/ok"))).await.unwrap_err();
    assert_eq!((e.class, e.status), (ErrorClass::Retryable, Some(503)));
    let e = http.send(http.get(format!("{url}/ok"))).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable, "{}", e.message);

    http.send(faults(json!({"latencyMs": 800, "count": 1})))
        .await
        .unwrap();
    let e = http.send(http.get(format!("{url}/ok"))).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
    assert!(e.message.contains("timed out"), "{}", e.message);

    let state: Value = http
        .send_json(http.get(format!("{url}/_faults")))
        .await
        .unwrap();
    assert_eq!(state["faults"], json!([]));
    assert!(http.send(http.get(format!("{url}/ok"))).await.is_ok());

    // Nothing listens on port 9 of loopback.
    let e = http
        .send(http.get("http://127.0.0.1:9/x"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
}
