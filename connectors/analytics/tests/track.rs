//! The connector against its emulator over loopback HTTP: track, deterministic messageIds,
//! size limits, batching, error classes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_analytics::api::{message_id, track_message};
use handled_analytics::emulator::emulator_router;
use handled_analytics::{AnalyticsConnector, Config};
use handled_connector_core::{CallInfo, ErrorClass, serve};
use handled_contract::{Connector, Env};
use serde_json::json;

async fn start(
    key: &str,
) -> (
    AnalyticsConnector,
    handled_analytics::emulator::EmulatorHandle,
    String,
) {
    let (router, h) = emulator_router(Some(json!({}))).unwrap();
    let (url, _t) = serve(router).await.unwrap();
    let env = Env::from_pairs([
        ("SEGMENT_WRITE_KEY".to_string(), key.to_string()),
        ("SEGMENT_BASE_URL".to_string(), url.clone()),
    ]);
    (
        AnalyticsConnector::new(Config::from_env(&env).unwrap()).unwrap(),
        h,
        url,
    )
}

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.into(),
        run_id: "r".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

#[test]
fn without_its_variables_the_connector_is_not_built() {
    assert!(
        handled_analytics::connector()
            .from_env(&Env::default())
            .is_err()
    );
}

#[tokio::test]
async fn tracks_and_deduplicates() {
    let (c, h, _) = start(handled_analytics::emulator::SANDBOX_WRITE_KEY).await;
    let p = json!({"event": "Inventory Synced", "properties": {"sku": "A-1", "quantity": 3}});
    assert_eq!(
        c.call("track", p.clone(), &info("run-1/step-2"))
            .await
            .unwrap(),
        json!({"accepted": true})
    );
    // A retry of the same call carries the same messageId.
    c.call("track", p.clone(), &info("run-1/step-2"))
        .await
        .unwrap();
    c.call(
        "track",
        json!({"event": "Low Stock", "properties": {"userId": 42}}),
        &info("run-2"),
    )
    .await
    .unwrap();
    let s = h.state();
    assert_eq!(s["ops"]["track"], json!({"received": 3, "applied": 2}));
    let events = s["events"].as_array().unwrap();
    assert_eq!(events[0]["anonymousId"], "handled");
    assert_eq!(events[0]["messageId"], message_id("run-1/step-2"));
    assert_eq!(events[0]["properties"]["sku"], "A-1");
    assert_eq!(events[1]["userId"], "42");
    assert!(events[1].get("anonymousId").is_none());
}

#[tokio::test]
async fn size_limits_and_errors() {
    let (c, _, url) = start(handled_analytics::emulator::SANDBOX_WRITE_KEY).await;
    let big = "x".repeat(40 * 1024);
    let e = c
        .call(
            "track",
            json!({"event": "E", "properties": {"blob": big}}),
            &info("k"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("32768"), "{}", e.message);
    // The emulator refuses it too.
    #[allow(clippy::disallowed_methods)] // a client from outside, talking to the emulator
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{url}/v1/track"))
        .basic_auth(handled_analytics::emulator::SANDBOX_WRITE_KEY, Some(""))
        .body(format!(
            "{{\"event\":\"E\",\"anonymousId\":\"a\",\"properties\":{{\"b\":\"{big}\"}}}}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .post(format!("{url}/v1/track"))
        .basic_auth("sandbox-write-key", Some(""))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let e = c
        .call("track", json!({"event": "", "properties": {}}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);

    http.post(format!("{url}/_faults"))
        .json(&json!({"status": 503}))
        .send()
        .await
        .unwrap();
    let e = c
        .call("track", json!({"event": "E", "properties": {}}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
    http.post(format!("{url}/_faults"))
        .json(&json!({"status": 429, "retryAfter": 3}))
        .send()
        .await
        .unwrap();
    let e = c
        .call("track", json!({"event": "E", "properties": {}}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled);

    let (bad, _, _) = start("wrong-key").await;
    let e = bad
        .call("track", json!({"event": "E", "properties": {}}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(!e.message.contains("wrong-key"));
}

#[tokio::test]
async fn batches() {
    let (c, h, _) = start(handled_analytics::emulator::SANDBOX_WRITE_KEY).await;
    let msgs: Vec<_> = (0..10)
        .map(|i| {
            track_message(
                "E",
                &json!({"i": i}),
                &message_id(&format!("k{i}")),
                "2026-01-01T00:00:00Z",
            )
        })
        .collect();
    assert!(c.batch(&msgs).await.unwrap());
    assert_eq!(
        h.state()["ops"]["track"],
        json!({"received": 10, "applied": 10})
    );
    let chunk = "y".repeat(30 * 1024);
    let heavy: Vec<_> = (0..20)
        .map(|i| {
            track_message(
                "E",
                &json!({"c": chunk}),
                &message_id(&format!("h{i}")),
                "t",
            )
        })
        .collect();
    let e = c.batch(&heavy).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("512000"), "{}", e.message);
}

#[tokio::test]
async fn sandbox_factory() {
    let s = handled_analytics::connector()
        .sandbox(None, &handled_contract::Env::default())
        .await
        .unwrap();
    s.connector
        .call("track", json!({"event": "E", "properties": {}}), &info("k"))
        .await
        .unwrap();
    assert_eq!((s.state)()["events"].as_array().unwrap().len(), 1);
    // The standalone sandbox server mounts each emulator under `/{connector}`.
    let (router, handle) = handled_analytics::emulator::emulator_router(None).unwrap();
    let (url, _task) =
        handled_connector_core::serve(axum::Router::new().nest("/analytics", router))
            .await
            .unwrap();
    let c = handled_analytics::connector()
        .sandbox_url(&url, &handled_contract::Env::default())
        .unwrap();
    assert!(
        c.call(
            "track",
            json!({"event": "F", "properties": {}}),
            &info("k2")
        )
        .await
        .is_ok()
    );
    assert_eq!(handle.state()["events"][0]["event"], "F");
}

#[tokio::test]
async fn bulk_calls_are_batches_under_500_kb_each_member_with_its_own_result() {
    use handled_contract::BatchCall;
    let (c, h, _) = start(handled_analytics::emulator::SANDBOX_WRITE_KEY).await;
    assert_eq!(c.max_batch("track"), 250);
    let chunk = "y".repeat(30 * 1024);
    let member = |event: &str, properties: serde_json::Value, i: usize| BatchCall {
        params: json!({"event": event, "properties": properties}),
        info: info(&format!("bulk-{i}")),
    };
    // 20 events of 30 KB (600 KB: two requests), one empty event, one over 32 KB.
    let mut calls: Vec<_> = (0..20)
        .map(|i| member("E", json!({"c": chunk}), i))
        .collect();
    calls.push(member("", json!({}), 20));
    calls.push(member("E", json!({"c": "z".repeat(40 * 1024)}), 21));
    calls.push(member("E", json!({"i": 22}), 22));
    let results = c.call_batch("track", calls).await;
    assert_eq!(results.len(), 23);
    for r in results.iter().take(20) {
        assert_eq!(r.as_ref().unwrap(), &json!({"accepted": true}));
    }
    assert!(
        results[20]
            .as_ref()
            .unwrap_err()
            .message
            .contains("`event` must not be empty")
    );
    assert!(
        results[21]
            .as_ref()
            .unwrap_err()
            .message
            .contains("bytes; Segment takes at most")
    );
    assert!(results[22].is_ok());
    let state = h.state();
    assert_eq!(
        state["ops"]["track"],
        json!({"received": 21, "applied": 21})
    );
    // Each member's messageId is its own idempotency key's.
    let ids: Vec<&str> = state["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["messageId"].as_str())
        .collect();
    assert!(ids.contains(&message_id("bulk-22").as_str()));
}
