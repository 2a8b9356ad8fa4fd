//! The exchange recorder keeps every value of a repeated request header.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::routing::post;
use handled_connector_core::record::record;
use handled_connector_core::{HttpClient, serve};

#[tokio::test]
async fn a_repeated_header_is_recorded_once_per_value() {
    let router = Router::new().route("/x", post(|| async { "{}" }));
    let (router, log) = record(router);
    let (url, _task) = serve(router).await.unwrap();
    let http = HttpClient::new("test").unwrap();
    let doubled = http
        .post(format!("{url}/x"))
        .header("content-type", "application/json")
        .header("content-type", "application/json; charset=utf-8")
        .body("{}");
    http.send_raw(doubled).await.unwrap();
    let single = http
        .post(format!("{url}/x"))
        .header("content-type", "application/json")
        .body("{}");
    http.send_raw(single).await.unwrap();

    let exchanges = log.exchanges();
    assert_eq!(
        exchanges[0].header_values("Content-Type"),
        ["application/json", "application/json; charset=utf-8"]
    );
    assert_eq!(
        exchanges[0].content_type.as_deref(),
        Some("application/json, application/json; charset=utf-8")
    );
    assert_eq!(exchanges[0].repeated_headers(), ["content-type"]);
    assert_eq!(
        exchanges[1].content_type.as_deref(),
        Some("application/json")
    );
    assert!(exchanges[1].repeated_headers().is_empty());
}
