//! The slack connector against its emulator over loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use handled_connector_core::emulator::FaultSpec;
use handled_contract::{CallInfo, ErrorClass};
use handled_slack::emulator::emulator_router;
use handled_slack::{SlackClient, SlackConfig, classify_slack_error};
use serde_json::json;

fn info() -> CallInfo {
    CallInfo {
        idempotency_key: "run-1:alert:0".into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

async fn start(
    fixture: serde_json::Value,
    token: Option<&str>,
) -> (SlackClient, handled_slack::emulator::EmulatorHandle) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let token = token.map(str::to_string).unwrap_or_else(|| handle.token());
    (
        SlackClient::new(SlackConfig::new(&format!("{url}/api"), &token)).unwrap(),
        handle,
    )
}

#[tokio::test]
async fn sandbox_posts_to_fixture_channels() {
    let sandbox = handled_slack::connector()
        .sandbox(
            Some(json!({"channels": ["#inventory-alerts"]})),
            &handled_contract::Env::default(),
        )
        .await
        .unwrap();
    let out = sandbox
        .connector
        .call(
            "sendMessage",
            json!({"channel": "#inventory-alerts", "message": "Low stock: A-1"}),
            &info(),
        )
        .await
        .unwrap();
    assert_eq!(out["channel"], "C0000000001");
    assert!(out["ts"].as_str().unwrap().contains('.'));
    let state = (sandbox.state)();
    assert_eq!(
        state["channels"]["#inventory-alerts"]["messages"][0]["text"],
        "Low stock: A-1"
    );
    assert_eq!(
        state["ops"]["sendMessage"],
        json!({"received": 1, "applied": 1})
    );

    let e = sandbox
        .connector
        .call(
            "sendMessage",
            json!({"channel": "#nowhere", "message": "x"}),
            &info(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("channel_not_found"), "{}", e.message);

    let e = sandbox
        .connector
        .call(
            "sendMessage",
            json!({"channel": "#inventory-alerts"}),
            &info(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
}

#[tokio::test]
async fn paces_one_message_a_second_per_channel() {
    let (client, handle) = start(json!({"channels": ["#a", "#b"]}), None).await;
    let start = Instant::now();
    for i in 0..3 {
        client.post_message("#a", &format!("a{i}")).await.unwrap();
    }
    client.post_message("#b", "b0").await.unwrap();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1900),
        "three messages in one channel took {took:?}"
    );
    assert!(took < Duration::from_millis(3500), "{took:?}");
    assert_eq!(handle.messages("#a"), vec!["a0", "a1", "a2"]);
    assert_eq!(handle.messages("b"), vec!["b0"]);
}

#[tokio::test]
async fn emulator_enforces_the_channel_rate_with_429() {
    let (router, handle) = emulator_router(None).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let http = handled_connector_core::HttpClient::new("test").unwrap();
    let send = || {
        http.post(format!("{url}/api/chat.postMessage"))
            .bearer_auth(handle.token())
            .json(&json!({"channel": "#general", "text": "hi"}))
    };
    assert_eq!(http.send_raw(send()).await.unwrap().status, 200);
    let second = http.send_raw(send()).await.unwrap();
    assert_eq!(second.status, 429);
    assert_eq!(second.header("retry-after"), Some("1"));
    assert_eq!(
        second.json::<serde_json::Value>().unwrap()["error"],
        "rate_limited"
    );
    assert_eq!(
        handle.state()["ops"]["sendMessage"],
        json!({"received": 2, "applied": 1})
    );
}

#[tokio::test]
async fn error_classes() {
    let (client, handle) = start(json!({}), Some("xoxb-wrong-token-123")).await;
    let e = client.post_message("#general", "hi").await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(e.message.contains("invalid_auth"));
    assert!(!e.message.contains("xoxb-wrong-token-123"));
    drop(handle);

    let (client, handle) = start(json!({}), None).await;
    handle.faults().add(FaultSpec {
        status: Some(429),
        retry_after: Some(2),
        ..Default::default()
    });
    let e = client.post_message("#general", "hi").await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled);
    assert_eq!(e.retry_after, Some(Duration::from_secs(2)));

    let (client, handle) = start(json!({}), None).await;
    handle.faults().add(FaultSpec {
        status: Some(503),
        ..Default::default()
    });
    assert_eq!(
        client
            .post_message("#general", "hi")
            .await
            .unwrap_err()
            .class,
        ErrorClass::Retryable
    );
    handle.faults().add(FaultSpec {
        status: Some(200),
        body: Some(json!({"ok": false, "error": "ratelimited"})),
        ..Default::default()
    });
    let e = client.post_message("#general", "hi").await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled);
    assert!(e.retry_after.is_some());

    assert_eq!(classify_slack_error("token_revoked"), ErrorClass::Auth);
    assert_eq!(classify_slack_error("not_authed"), ErrorClass::Auth);
    assert_eq!(classify_slack_error("account_inactive"), ErrorClass::Auth);
    assert_eq!(
        classify_slack_error("internal_error"),
        ErrorClass::Retryable
    );
    assert_eq!(classify_slack_error("fatal_error"), ErrorClass::Retryable);
    assert_eq!(classify_slack_error("rate_limited"), ErrorClass::Throttled);
    assert_eq!(classify_slack_error("is_archived"), ErrorClass::Permanent);
}

#[test]
fn from_env_names_every_missing_variable() {
    let e = handled_slack::connector()
        .from_env(&handled_contract::Env::from_pairs([]))
        .err()
        .unwrap();
    assert!(e.iter().any(|m| m.contains("SLACK_BOT_TOKEN")), "{e:?}");
}

/// Sends `chat.postMessage` with these headers (each pair sent as given, repeats included) and
/// a JSON body to `#general`; returns the answer's `error` (`None` when it was posted).
async fn post_with_headers(url: &str, headers: &[(&str, &str)]) -> Option<String> {
    let http = handled_connector_core::HttpClient::new("test").unwrap();
    let mut request = http
        .post(format!("{url}/api/chat.postMessage"))
        .body(r##"{"channel":"#general","text":"hello"}"##);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer: serde_json::Value = http.send_raw(request).await.unwrap().json().unwrap();
    answer["error"].as_str().map(str::to_string)
}

#[tokio::test]
async fn a_header_sent_twice_is_refused_as_a_strict_server_would() {
    let (router, handle) = emulator_router(Some(json!({"perChannelPerSecond": 1000}))).unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let bearer = format!("Bearer {}", handle.token());
    let json_type = ("content-type", "application/json; charset=utf-8");
    let auth = ("authorization", bearer.as_str());

    let doubled_type = [("content-type", "application/json"), json_type, auth];
    assert_eq!(
        post_with_headers(&url, &doubled_type).await.as_deref(),
        Some("invalid_post_type")
    );
    let doubled_auth = [json_type, auth, auth];
    assert_eq!(
        post_with_headers(&url, &doubled_auth).await.as_deref(),
        Some("invalid_auth")
    );
    assert_eq!(
        post_with_headers(&url, &[auth]).await.as_deref(),
        Some("missing_post_type")
    );
    let latin2 = [
        ("content-type", "application/json; charset=iso-8859-2"),
        auth,
    ];
    assert_eq!(
        post_with_headers(&url, &latin2).await.as_deref(),
        Some("invalid_charset")
    );
    assert!(handle.messages("#general").is_empty());

    assert_eq!(post_with_headers(&url, &[json_type, auth]).await, None);
    assert_eq!(handle.messages("#general"), ["hello"]);
    assert_eq!(
        handle.state()["ops"]["sendMessage"],
        json!({"received": 5, "applied": 1})
    );
}
