//! The door, from outside: pattern 1, built with hs2rs and served against the emulators.
//!
//! - Shopify deliveries it must refuse although they are validly signed (an app's secret signs
//!   every shop's webhooks): one from another shop, and one carrying its signature header twice,
//!   are answered 401 with the reason, and nothing is stored; one from the trigger's store is
//!   taken.
//! - Deliveries whose body cannot have the trigger's payload shape (Shopify's level without
//!   `available`, or a JSON array; a warehouse body without a SKU) are answered 400 naming the
//!   field, and nothing is stored.
//! - A delivery for an inventory item the shop does not have can never run: it is recorded as
//!   refused (a failed run that says so) and answered 200, so that Shopify does not retry it for
//!   days; its redelivery is a duplicate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use handled_bench::emulators::{Emulators, fixture, shopify_item_id};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{self, Delivery, Sender};
use handled_contract::sign::hmac_sha256_base64;
use serde_json::{Value, json};

const PREFIX: &str = "DR";

/// Pattern 1, built once for this file's tests.
fn program_path() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            program::build_pattern1(Path::new(env!("CARGO_TARGET_TMPDIR")), "door-pattern1")
                .unwrap()
        })
        .clone()
}

/// Pattern 1 served against fresh emulators, and a sender to it.
async fn served() -> (Emulators, tempfile::TempDir, Program, Sender) {
    let emulators = Emulators::start(&fixture(PREFIX, 4)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &program_path(),
        &dir.path().join("handled.db"),
        &emulators.url,
        4,
        dir.path(),
    )
    .unwrap();
    program.start().await.unwrap();
    let sender = Sender::new(&program.base_url()).unwrap();
    (emulators, dir, program, sender)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_from_another_shop_or_signed_twice_are_refused() {
    let (_emulators, _dir, mut program, sender) = served().await;
    let location = handled_shopify::emulator::DEFAULT_LOCATION_ID;
    let delivery = |id: &str| {
        webhooks::shopify_inventory(
            id,
            shopify_item_id(1),
            location,
            5,
            &webhooks::event_time(1),
        )
    };

    let mut elsewhere = delivery("dr-1");
    for (k, v) in &mut elsewhere.headers {
        if k.eq_ignore_ascii_case("x-shopify-shop-domain") {
            *v = "another-shop.myshopify.com".to_string();
        }
    }
    let (status, answer) = sender.send_once(&elsewhere).await.unwrap();
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer.to_string().contains("another-shop.myshopify.com"),
        "{answer}"
    );

    let mut twice = delivery("dr-2");
    let signature = twice
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-shopify-hmac-sha256"))
        .map(|(_, v)| v.clone())
        .unwrap();
    twice
        .headers
        .push(("X-Shopify-Hmac-Sha256".to_string(), signature));
    let (status, answer) = sender.send_once(&twice).await.unwrap();
    assert_eq!(status, 401, "{answer}");
    assert!(answer.to_string().contains("more than once"), "{answer}");

    let runs = tokio::task::block_in_place(|| program.runs()).unwrap();
    assert!(
        runs.is_empty(),
        "refused deliveries started runs: {runs:#?}"
    );

    // From the trigger's store, signed once: taken.
    let ack = sender
        .deliver(
            &delivery("dr-3"),
            Duration::from_millis(20),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(ack.answer["status"], "queued", "{}", ack.answer);
    program.stop().unwrap();
}

/// `delivery` with another body, signed again with the sandbox's secret.
fn with_body(mut delivery: Delivery, body: &Value) -> Delivery {
    delivery.body = serde_json::to_vec(body).unwrap();
    let hmac = hmac_sha256_base64(
        handled_shopify::emulator::SANDBOX_WEBHOOK_SECRET.as_bytes(),
        &delivery.body,
    );
    for (k, v) in &mut delivery.headers {
        if k.eq_ignore_ascii_case("x-shopify-hmac-sha256") {
            *v = hmac.clone();
        }
    }
    delivery
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_can_never_run_is_refused_and_not_retried() {
    let (_emulators, _dir, mut program, sender) = served().await;
    let location = handled_shopify::emulator::DEFAULT_LOCATION_ID;
    let level = |id: &str, item: u64| {
        webhooks::shopify_inventory(id, item, location, 5, &webhooks::event_time(1))
    };

    // The shape the trigger declares.
    let mut body: Value = serde_json::from_slice(&level("x", shopify_item_id(1)).body).unwrap();
    body.as_object_mut().unwrap().remove("available");
    let (status, answer) = sender
        .send_once(&with_body(level("dr-10", shopify_item_id(1)), &body))
        .await
        .unwrap();
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.to_string().contains("available is missing"),
        "{answer}"
    );
    let (status, answer) = sender
        .send_once(&with_body(
            level("dr-11", shopify_item_id(1)),
            &json!([1, 2]),
        ))
        .await
        .unwrap();
    assert_eq!(status, 400, "{answer}");
    let mut no_sku = webhooks::wms_stock("dr-12", "DR-0001", 3, &webhooks::event_time(2));
    let mut wms_body: Value = serde_json::from_slice(&no_sku.body).unwrap();
    let sku_field = wms_body
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v.as_str() == Some("DR-0001"))
        .map(|(k, _)| k.clone())
        .unwrap();
    wms_body.as_object_mut().unwrap().remove(&sku_field);
    no_sku = webhooks::wms_stock_body("dr-12", &wms_body);
    let (status, answer) = sender.send_once(&no_sku).await.unwrap();
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("SKU"), "{answer}");
    let runs = tokio::task::block_in_place(|| program.runs()).unwrap();
    assert!(
        runs.is_empty(),
        "refused deliveries started runs: {runs:#?}"
    );

    // An item the shop does not have: refused for good, answered 200, recorded.
    let unknown = level("dr-13", 77);
    let (status, answer) = sender.send_once(&unknown).await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "refused", "{answer}");
    assert!(
        answer["message"]
            .to_string()
            .contains("no inventory item 77"),
        "{answer}"
    );
    let (status, again) = sender.send_once(&unknown).await.unwrap();
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["status"], "duplicate", "{again}");
    let runs = tokio::task::block_in_place(|| program.runs()).unwrap();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0]["runId"], answer["runId"]);
    assert_eq!(runs[0]["status"], "failed");
    assert!(
        runs[0].to_string().contains("refused at the door"),
        "{:#}",
        runs[0]
    );
    program.stop().unwrap();
}
