//! Every profile end to end against the emulator serving that profile's API: both ops, all
//! pages, error classes, idempotent replay, and webhooks as each warehouse sends them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_contract::lock;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use handled_connector_core::{CallInfo, ErrorClass, serve};
use handled_contract::webhook::{WebhookError, WebhookRequest};
use handled_contract::{Connector, Env, TriggerConfig};
use handled_wms::emulator::{EmulatorHandle, WebhookTarget, emulator_router};
use handled_wms::{Config, Profile, WmsConnector};
use serde_json::{Value, json};

fn items(n: usize, location: &str) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"sku": format!("S-{i:03}"), "quantity": i, "location": location}))
            .collect(),
    )
}

async fn start(profile: &str, fixture: Value) -> (WmsConnector, EmulatorHandle, String) {
    let mut fixture = fixture;
    fixture["profile"] = json!(profile);
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let (url, _t) = serve(router).await.unwrap();
    let env = Env::from_pairs([
        ("WMS_BASE_URL".to_string(), url.clone()),
        ("WMS_API_KEY".to_string(), handle.api_key().to_string()),
        (
            "WMS_WEBHOOK_SECRET".to_string(),
            handle.webhook_secret().to_string(),
        ),
        ("WMS_PROFILE".to_string(), profile.to_string()),
    ]);
    (
        WmsConnector::new(Config::from_env(&env).unwrap()).unwrap(),
        handle,
        url,
    )
}

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

fn trigger(events: &[&str]) -> TriggerConfig {
    let mut fields = BTreeMap::new();
    fields.insert("events".to_string(), json!(events));
    fields.insert("endpoint".to_string(), json!("/hooks/wms"));
    TriggerConfig {
        workflow: "w",
        connector: "wms",
        event: "inventoryChanged",
        fields,
    }
}

#[test]
fn from_env_names_every_problem() {
    let Err(p) = handled_wms::connector().from_env(&Env::default()) else {
        panic!()
    };
    assert_eq!(p.len(), 3, "{p:?}");
    let env = Env::from_pairs([
        ("WMS_BASE_URL".to_string(), "http://x".to_string()),
        ("WMS_API_KEY".to_string(), "k".to_string()),
        ("WMS_WEBHOOK_SECRET".to_string(), "s".to_string()),
        ("WMS_PROFILE".to_string(), "nope".to_string()),
    ]);
    let Err(p) = handled_wms::connector().from_env(&env) else {
        panic!()
    };
    assert!(p[0].contains("nope"), "{p:?}");
}

async fn round_trip(profile: &str, location: &str) {
    let (c, h, _) = start(profile, json!({"items": items(230, location)})).await;
    let all = c
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap();
    let list = all["items"].as_array().unwrap();
    assert_eq!(list.len(), 230, "{profile}");
    assert_eq!(
        list[17],
        json!({"sku": "S-017", "quantity": 17}),
        "{profile}"
    );
    let r = c
        .call(
            "updateInventory",
            json!({"sku": "S-005", "quantity": 42, "location": location}),
            &info("w1"),
        )
        .await
        .unwrap();
    assert_eq!(r, json!({"sku": "S-005", "quantity": 42}), "{profile}");
    assert_eq!(h.state()["inventory"]["S-005"]["quantity"], 42, "{profile}");
    // Another location: summed, unless one location is asked for.
    c.call(
        "updateInventory",
        json!({"sku": "S-006", "quantity": 100, "location": "OTHER"}),
        &info("w2"),
    )
    .await
    .unwrap();
    let sku6 = |r: Value| {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku"] == "S-006")
            .cloned()
            .unwrap()
    };
    assert_eq!(
        sku6(
            c.call("getAllInventory", json!({}), &info("k"))
                .await
                .unwrap()
        )["quantity"],
        106,
        "{profile}"
    );
    let only = c
        .call("getAllInventory", json!({"location": location}), &info("k"))
        .await
        .unwrap();
    assert_eq!(
        sku6(only)["quantity"],
        6,
        "{profile}: the other location is not counted"
    );
    // The profile's default location.
    c.call(
        "updateInventory",
        json!({"sku": "S-007", "quantity": 1}),
        &info("w5"),
    )
    .await
    .unwrap();
    assert_eq!(
        h.state()["inventory"]["S-007"]["locations"][location],
        1,
        "{profile}"
    );
    let e = c
        .call(
            "updateInventory",
            json!({"sku": "NOPE", "quantity": 1}),
            &info("w3"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent, "{profile}: {}", e.message);
    let e = c
        .call(
            "updateInventory",
            json!({"sku": "S-001", "quantity": -1}),
            &info("w4"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
}

#[tokio::test]
async fn generic_end_to_end() {
    round_trip("generic", "MAIN").await;
}

#[tokio::test]
async fn shiphero_end_to_end() {
    round_trip("shiphero", "V2FyZWhvdXNlOjE=").await;
}

#[tokio::test]
async fn cin7_end_to_end() {
    round_trip("cin7", "Main Warehouse").await;
}

#[tokio::test]
async fn generic_replays_idempotency_keys_and_classifies_errors() {
    let (c, h, url) = start("generic", json!({"items": items(3, "MAIN")})).await;
    c.call(
        "updateInventory",
        json!({"sku": "S-001", "quantity": 9}),
        &info("same"),
    )
    .await
    .unwrap();
    c.call(
        "updateInventory",
        json!({"sku": "S-001", "quantity": 9}),
        &info("same"),
    )
    .await
    .unwrap();
    assert_eq!(
        h.state()["ops"]["updateInventory"],
        json!({"received": 2, "applied": 1})
    );

    let env = Env::from_pairs([
        ("WMS_BASE_URL".to_string(), url.clone()),
        ("WMS_API_KEY".to_string(), "wrong-key".to_string()),
        ("WMS_WEBHOOK_SECRET".to_string(), "s".to_string()),
    ]);
    let bad = WmsConnector::new(Config::from_env(&env).unwrap()).unwrap();
    let e = bad
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(!e.message.contains("wrong-key"));

    let http = outside_client();
    http.post(format!("{url}/_faults"))
        .json(&json!({"status": 429, "retryAfter": 1}))
        .send()
        .await
        .unwrap();
    let e = c
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.class, e.retry_after),
        (ErrorClass::Throttled, Some(Duration::from_secs(1)))
    );
    http.post(format!("{url}/_faults"))
        .json(&json!({"status": 502}))
        .send()
        .await
        .unwrap();
    let e = c
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
}

#[tokio::test]
async fn cin7_rate_limit_is_throttled() {
    let (c, _, _) = start(
        "cin7",
        json!({"items": items(2, "Main Warehouse"), "rateLimitPerMinute": 2}),
    )
    .await;
    c.call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap();
    c.call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap();
    let e = c
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Throttled);
    assert!(e.retry_after.is_some());
}

async fn webhooks_for(profile: &str, location: &str, events: &[&str]) {
    let got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let sink = got.clone();
    let receiver = Router::new().route(
        "/hooks/wms",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                lock(&sink).push((headers, body));
                "ok"
            }
        }),
    );
    let (hook_url, _t) = serve(receiver).await.unwrap();
    let (c, h, _) = start(profile, json!({"items": items(3, location)})).await;
    h.set_webhook_target(Some(WebhookTarget {
        url: format!("{hook_url}/hooks/wms"),
        duplicate: true,
        reorder: false,
    }));
    c.call(
        "updateInventory",
        json!({"sku": "S-002", "quantity": 11}),
        &info("w"),
    )
    .await
    .unwrap();
    for _ in 0..50 {
        if lock(&got).len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = lock(&got).clone();
    assert_eq!(got.len(), 2, "{profile}: {}", h.state());
    let mut ids = Vec::new();
    for (headers, body) in &got {
        let req = WebhookRequest {
            headers: headers
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
                .collect(),
            body: body.to_vec(),
        };
        let ev = c.accept_webhook(&trigger(events), &req).unwrap();
        let p = &h.profile().webhook;
        assert_eq!(
            handled_wms::path::get_string(&ev.payload, &p.sku).as_deref(),
            Some("S-002"),
            "{profile}"
        );
        assert_eq!(
            handled_wms::path::get_quantity(&ev.payload, &p.quantity),
            Some(11),
            "{profile}"
        );
        assert_eq!(
            handled_wms::path::get_string(&ev.payload, &p.location).as_deref(),
            Some(location),
            "{profile}"
        );
        assert_eq!(
            ev.payload,
            serde_json::from_slice::<Value>(body).unwrap(),
            "the payload is the warehouse's body"
        );
        ids.push(ev.event_id);
        assert!(matches!(
            c.accept_webhook(&trigger(&["something.else"]), &req),
            Err(WebhookError::Ignored(_))
        ));
        let (header, covers_body) = match &p.signature {
            handled_wms::profile::Signature::Hmac { header, .. } => {
                (header.to_ascii_lowercase(), true)
            }
            handled_wms::profile::Signature::SharedSecret { header } => {
                (header.to_ascii_lowercase(), false)
            }
        };
        if covers_body {
            let mut tampered = req.clone();
            tampered.body.insert(0, b' ');
            assert!(
                matches!(
                    c.accept_webhook(&trigger(events), &tampered),
                    Err(WebhookError::Signature(_))
                ),
                "{profile}"
            );
        }
        let mut wrong = req.clone();
        wrong
            .headers
            .insert(header.clone(), "c2hhMjU2PXdyb25n".into());
        assert!(
            matches!(
                c.accept_webhook(&trigger(events), &wrong),
                Err(WebhookError::Signature(_))
            ),
            "{profile}"
        );
        let mut unsigned = req.clone();
        unsigned.headers.remove(&header);
        assert!(
            matches!(
                c.accept_webhook(&trigger(events), &unsigned),
                Err(WebhookError::Signature(_))
            ),
            "{profile}"
        );
    }
    assert_eq!(ids[0], ids[1], "{profile}: duplicates share the event id");
}

#[tokio::test]
async fn generic_webhooks() {
    webhooks_for("generic", "MAIN", &["stock.updated", "stock.allocated"]).await;
}

#[tokio::test]
async fn shiphero_webhooks() {
    webhooks_for("shiphero", "V2FyZWhvdXNlOjE=", &["Inventory Update"]).await;
}

#[tokio::test]
async fn cin7_webhooks() {
    webhooks_for(
        "cin7",
        "Main Warehouse",
        &["Stock/AvailableStockLevelChanged"],
    )
    .await;
}

#[tokio::test]
async fn generic_body_fields_are_what_the_seed_programs_read() {
    let (c, _, _) = start("generic", json!({})).await;
    let body = br#"{"event_id":"e-1","event":"stock.updated","product_sku":"A-1","available_quantity":"7","warehouse_location":"MAIN","updated_at":"2026-03-01T10:00:00Z"}"#;
    let sig = handled_contract::sign::hmac_sha256_hex(
        handled_wms::emulator::SANDBOX_WEBHOOK_SECRET.as_bytes(),
        body,
    );
    let mut headers = BTreeMap::new();
    headers.insert("x-wms-signature".to_string(), format!("sha256={sig}"));
    let ev = c
        .accept_webhook(
            &trigger(&["stock.updated"]),
            &WebhookRequest {
                headers,
                body: body.to_vec(),
            },
        )
        .unwrap();
    assert_eq!(ev.event_id, "e-1");
    assert_eq!(ev.occurred_at_ms, Some(1_772_359_200_000));
    assert_eq!(ev.payload["product_sku"], "A-1");
    assert_eq!(
        handled_wms::path::get_quantity(&ev.payload, "available_quantity"),
        Some(7)
    );
}

#[tokio::test]
async fn custom_profile_from_json() {
    let mut p = Profile::generic();
    p.name = "custom".into();
    p.webhook.event_type = handled_wms::profile::Source::Header("X-Event".into());
    let text = serde_json::to_string(&p).unwrap();
    assert_eq!(Profile::from_setting(&text).unwrap(), p);
}

#[tokio::test]
async fn sandbox_factory() {
    let s = handled_wms::connector()
        .sandbox(
            Some(json!({"items": items(2, "MAIN")})),
            &handled_contract::Env::default(),
        )
        .await
        .unwrap();
    let r = s
        .connector
        .call("getAllInventory", json!({}), &info("k"))
        .await
        .unwrap();
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    assert_eq!((s.state)()["inventory"]["S-001"]["quantity"], 1);
    // The standalone sandbox server mounts each emulator under `/{connector}`.
    let (router, handle) =
        handled_wms::emulator::emulator_router(Some(json!({"items": items(2, "MAIN")}))).unwrap();
    let (url, _task) = serve(Router::new().nest("/wms", router)).await.unwrap();
    let c = handled_wms::connector()
        .sandbox_url(&url, &handled_contract::Env::default())
        .unwrap();
    c.call(
        "updateInventory",
        json!({"sku": "S-001", "quantity": 3}),
        &info("k"),
    )
    .await
    .unwrap();
    assert_eq!(handle.state()["inventory"]["S-001"]["quantity"], 3);
}

/// A client from outside the connector (a test talking to the emulator directly).
fn outside_client() -> reqwest::Client {
    #[allow(clippy::disallowed_methods)]
    reqwest::Client::new()
}
