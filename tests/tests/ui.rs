//! The run history page over HTTP: pattern 1, built with hs2rs and served with an admin token
//! against the emulators, gets warehouse changes of a few SKUs and one Shopify change of an
//! untracked item (its run fails). A browser's requests, made by hand:
//! - without signing in, a page sends it to `/ui/login`; signing in sets a `Secure; HttpOnly;
//!   SameSite=Strict` cookie, and a wrong cookie is not let in;
//! - the runs list pages newest first and filters by status, workflow and SKU;
//! - a run shows its event, steps (the failed one with its `.hs` location) and calls; a replay
//!   without the form's CSRF token is refused, with it the run is queued again;
//! - a SKU's page shows each channel's last written value, which is what the channel holds;
//! - no page holds a secret (the admin token, the webhook secrets, the API tokens).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use handled_bench::emulators::{Emulators, fixture};
use handled_bench::program::{self, Program};
use handled_bench::webhooks::{self, Sender};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

const PREFIX: &str = "UI";
const TOKEN: &str = "ui-admin-token-4242";
/// Warehouse changes sent: more than one page of runs (50).
const CHANGES: usize = 56;

/// A browser's client that does not follow redirects (to see them).
#[allow(clippy::disallowed_methods)] // the connectors' client follows redirects
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(base: &str, path: &str, cookie: &str) -> (StatusCode, String) {
    let response = client()
        .get(format!("{base}{path}"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, unescape(&response.text().await.unwrap()))
}

/// The text of a page as a browser reads it (minijinja escapes `/`, `&`, quotes and brackets).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\u{22}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The run ids a list page shows, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("data-run=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_history_pages_answer_why_a_channel_holds_its_number() {
    let binary =
        program::build_pattern1(Path::new(env!("CARGO_TARGET_TMPDIR")), "kill9-pattern1").unwrap();
    // The fourth SKU gets no warehouse change: its Shopify webhook cannot be stale.
    let emulators = Emulators::start(&fixture(PREFIX, 4)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut program = Program::new(
        &binary,
        &dir.path().join("handled.db"),
        &emulators.url,
        4,
        dir.path(),
    )
    .unwrap();
    program
        .env
        .push(("HANDLED_ADMIN_TOKEN".to_string(), TOKEN.to_string()));
    program.start().await.unwrap();
    let base = program.base_url();

    // Signing in.
    let (status, _) = page(&base, "/ui/runs", "").await;
    assert!(status.is_redirection(), "{status}");
    let response = client()
        .get(format!("{base}/ui/runs"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/ui/login");
    let (status, _) = page(&base, "/ui/runs", "handled_admin=wrong").await;
    assert!(
        status.is_redirection(),
        "a wrong token is not let in: {status}"
    );
    let response = client()
        .post(format!("{base}/ui/login"))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(set.contains(attribute), "{set}");
    }
    let cookie = set.split(';').next().unwrap().to_string();

    // Warehouse changes of three SKUs, then an untracked Shopify item.
    let sender = Sender::new(&base).unwrap();
    for i in 0..CHANGES {
        let sku = format!("{PREFIX}-{:04}", i % 3);
        let d = webhooks::wms_stock(
            &format!("ui-{i}"),
            &sku,
            100 + i as i64,
            &webhooks::event_time(i as u64),
        );
        sender
            .deliver(&d, Duration::from_millis(20), Duration::from_secs(30))
            .await
            .unwrap();
    }
    emulators
        .shopify
        .set_webhook_target(Some(handled_shopify::emulator::WebhookTarget {
            url: format!("{base}{}", webhooks::SHOPIFY_PATH),
            ..Default::default()
        }));
    emulators
        .shopify
        .set_tracked(&format!("{PREFIX}-0003"), false)
        .unwrap();
    let runs =
        common::ended_runs(&program, CHANGES + 1, Duration::from_secs(60), String::new).await;
    let failed: Vec<&serde_json::Value> = runs.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{runs:#?}");
    let failed_id = failed[0]["runId"].as_str().unwrap().to_string();

    // The list: newest first, 50 a page, the next page after the first's last run.
    let (status, first) = page(&base, "/ui/runs", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !first.contains("value=\"None\""),
        "an empty filter is an empty field"
    );
    let shown = listed(&first);
    let newest: Vec<String> = runs
        .iter()
        .take(50)
        .map(|r| r["runId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown, newest);
    let older = first
        .split("id=\"older\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let (_, second) = page(&base, &older, &cookie).await;
    let rest: Vec<String> = runs
        .iter()
        .skip(50)
        .map(|r| r["runId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed(&second), rest);
    assert!(!second.contains("id=\"older\""), "no page after the last");

    // Filters.
    let (_, only_failed) = page(&base, "/ui/runs?status=failed", &cookie).await;
    assert_eq!(listed(&only_failed), vec![failed_id.clone()]);
    let (_, of_workflow) = page(&base, "/ui/runs?workflow=ShopifyToWmsSync", &cookie).await;
    assert_eq!(listed(&of_workflow), vec![failed_id.clone()]);
    let sku0 = format!("{PREFIX}-0000");
    let (_, of_sku) = page(&base, &format!("/ui/runs?key={sku0}"), &cookie).await;
    let expected: Vec<String> = runs
        .iter()
        .filter(|r| r["key"] == sku0.as_str())
        .map(|r| r["runId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed(&of_sku), expected);
    let (_, bad) = page(&base, "/ui/runs?status=nope", &cookie).await;
    assert!(bad.contains("unknown status"), "{bad}");

    // A failed run, and its replay.
    let (status, run) = page(&base, &format!("/ui/runs/{failed_id}"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(run.contains("needs an integer, got null"), "{run}");
    assert!(
        run.contains("at examples/pattern1_bidirectional_shopify_wms.hs:"),
        "{run}"
    );
    assert!(
        run.contains("inventory_item_id"),
        "the event is shown: {run}"
    );
    let csrf = run
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let replay = |csrf: String| {
        let url = format!("{base}/ui/runs/{failed_id}/replay");
        let cookie = cookie.clone();
        async move {
            client()
                .post(url)
                .header(COOKIE, cookie)
                .form(&[("csrf", csrf)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(replay("forged".to_string()).await, StatusCode::FORBIDDEN);
    assert_eq!(replay(csrf).await, StatusCode::SEE_OTHER);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let shown = tokio::task::block_in_place(|| program.show(&failed_id)).unwrap();
        if shown["attempt"] == 2 && shown["status"] == "failed" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not replayed: {shown:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Why Shopify holds what it holds for a SKU.
    let (_, sku_page) = page(&base, &format!("/ui/skus/{sku0}"), &cookie).await;
    let held = emulators.shopify.state()["inventory"][&sku0]["available"].clone();
    let row = sku_page
        .split("data-channel=\"shopify\"")
        .nth(1)
        .expect("a Shopify row");
    let quantity = row
        .split("class=\"quantity\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap();
    assert_eq!(quantity, held.to_string(), "{sku_page}");

    // No secret on any page.
    let (_, login) = page(&base, "/ui/login", "").await;
    let secrets = [
        TOKEN,
        handled_wms::emulator::SANDBOX_WEBHOOK_SECRET,
        handled_shopify::emulator::SANDBOX_WEBHOOK_SECRET,
        handled_shopify::emulator::SANDBOX_TOKEN,
    ];
    for html in [&first, &second, &only_failed, &run, &sku_page, &login] {
        for secret in secrets {
            assert!(!html.contains(secret), "a page holds {secret}");
        }
    }
    program.stop().unwrap();
}
