//! The email connector against the SMTP sink over loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use handled_contract::{CallInfo, Env, ErrorClass};
use handled_email::emulator::start_sink;
use handled_email::{EmailClient, EmailConfig, SendParams, Templates, message_id_for};
use serde_json::json;

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

fn templates() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert(
        "inventory-reconciliation-report.txt".into(),
        include_str!("fixtures/templates/inventory-reconciliation-report.txt").into(),
    );
    m.insert(
        "low-stock.txt".into(),
        include_str!("fixtures/templates/low-stock.txt").into(),
    );
    m.insert(
        "low-stock.html".into(),
        include_str!("fixtures/templates/low-stock.html").into(),
    );
    m
}

fn params(to: &str, template: &str) -> SendParams {
    SendParams {
        to: to.into(),
        template: template.into(),
        data: json!({"sku": "A-1", "quantity": 2, "title": "Mug ☕",
        "date": "2026-11-28", "totalDiscrepancies": 1, "discrepancies": [{"sku": "A-1", "shopifyQty": 3, "wmsQty": 2, "amazonQty": 2}]}),
    }
}

#[tokio::test]
async fn sandbox_sends_the_seed_report() {
    let sandbox = handled_email::connector_with_templates(templates())
        .sandbox(None, &handled_contract::Env::default())
        .await
        .unwrap();
    let p = json!({"to": "manager@example.com", "template": "inventory-reconciliation-report",
        "data": {"date": "2026-11-28", "totalDiscrepancies": 1,
                 "discrepancies": [{"sku": "A-1", "shopifyQty": 3, "wmsQty": 2, "amazonQty": 2}]}});
    let out = sandbox
        .connector
        .call("send", p.clone(), &info("run-1:report:0"))
        .await
        .unwrap();
    let id = out["messageId"].as_str().unwrap().to_string();
    assert_eq!(
        id,
        message_id_for("run-1:report:0", "handled@sandbox.invalid")
    );
    // A retry of the same call carries the same Message-ID: received, not applied.
    let again = sandbox
        .connector
        .call("send", p, &info("run-1:report:0"))
        .await
        .unwrap();
    assert_eq!(again["messageId"], id.as_str());
    let state = (sandbox.state)();
    assert_eq!(state["ops"]["send"], json!({"received": 2, "applied": 1}));
    let m = &state["messages"][0];
    assert_eq!(m["to"], json!(["manager@example.com"]));
    assert_eq!(
        m["subject"],
        "Inventory reconciliation 2026-11-28: 1 discrepancies"
    );
    assert_eq!(m["messageId"], id.as_str());
    assert!(
        m["text"]
            .as_str()
            .unwrap()
            .contains("- A-1: Shopify 3, warehouse 2, Amazon 2"),
        "{m}"
    );
    assert_eq!(state["messages"][1]["duplicate"], true);
}

#[tokio::test]
async fn multipart_alternative_and_http_api() {
    let (router, handle) = start_sink(None).await.unwrap();
    let (url, _task) = handled_connector_core::serve(router).await.unwrap();
    let client = EmailClient::new(EmailConfig {
        smtp: handle.smtp_settings(),
        from: "Stock Bot <bot@shop.example>".into(),
        templates: Templates::Embedded(templates()),
        pace: handled_email::config::RATE_LIMIT.default,
    });
    client
        .send(&params("ops@example.com", "low-stock"), "k1")
        .await
        .unwrap();
    let m = &handle.messages()[0];
    assert_eq!(m.subject, "Low stock: A-1");
    assert_eq!(
        m.text.as_deref().map(str::trim),
        Some("Only 2 left of Mug ☕.")
    );
    assert!(m.html.as_deref().unwrap().contains("<b>2</b>"));
    assert!(m.raw.contains("multipart/alternative"));
    assert!(m.message_id.ends_with("@shop.example"));

    let http = handled_connector_core::HttpClient::new("test").unwrap();
    let listed: serde_json::Value = http
        .send_json(http.get(format!("{url}/messages")))
        .await
        .unwrap();
    assert_eq!(listed["messages"][0]["subject"], "Low stock: A-1");
    let info: serde_json::Value = http
        .send_json(http.get(format!("{url}/_smtp")))
        .await
        .unwrap();
    assert_eq!(info["port"], handle.smtp_port());
}

#[tokio::test]
async fn error_classes() {
    let (_router, handle) =
        start_sink(Some(json!({"rejectRecipients": ["nobody@example.com"], "deferRecipients": ["busy@example.com"]})))
            .await
            .unwrap();
    let config = |password: &str| {
        let mut smtp = handle.smtp_settings();
        smtp.password = Some(password.into());
        EmailConfig {
            smtp,
            from: "bot@shop.example".into(),
            templates: Templates::Embedded(templates()),
            pace: handled_email::config::RATE_LIMIT.default,
        }
    };
    let client = EmailClient::new(config("sandbox-password"));
    let e = client
        .send(&params("nobody@example.com", "low-stock"), "k")
        .await
        .unwrap_err();
    assert_eq!((e.class, e.status), (ErrorClass::Permanent, Some(550)));
    let e = client
        .send(&params("busy@example.com", "low-stock"), "k")
        .await
        .unwrap_err();
    assert_eq!((e.class, e.status), (ErrorClass::Retryable, Some(450)));
    handle.fail_next("451 4.3.0 Try again later", 1);
    let e = client
        .send(&params("ok@example.com", "low-stock"), "k")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Retryable);
    client
        .send(&params("ok@example.com", "low-stock"), "k")
        .await
        .unwrap();
    handle.fail_next("554 5.7.1 Rejected as spam", 1);
    assert_eq!(
        client
            .send(&params("ok@example.com", "low-stock"), "k2")
            .await
            .unwrap_err()
            .class,
        ErrorClass::Permanent
    );

    let e = client
        .send(&params("not an address", "low-stock"), "k")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    let e = client
        .send(&params("ok@example.com", "no-such-template"), "k")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);

    let wrong = EmailClient::new(config("wrong-password-value"));
    let e = wrong
        .send(&params("ok@example.com", "low-stock"), "k")
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Auth);
    assert!(!e.message.contains("wrong-password-value"), "{}", e.message);

    // Nothing listens here: a connection failure is retryable.
    let mut smtp = handle.smtp_settings();
    smtp.port = 1;
    let dead = EmailClient::new(EmailConfig {
        smtp,
        from: "bot@shop.example".into(),
        templates: Templates::Embedded(templates()),
        pace: handled_email::config::RATE_LIMIT.default,
    });
    assert_eq!(
        dead.send(&params("ok@example.com", "low-stock"), "k")
            .await
            .unwrap_err()
            .class,
        ErrorClass::Retryable
    );
}

#[test]
fn from_env_names_every_missing_variable() {
    let e = handled_email::connector()
        .from_env(&Env::from_pairs([]))
        .err()
        .unwrap();
    assert!(
        e.iter().any(|m| m.contains("SMTP_URL")) && e.iter().any(|m| m.contains("EMAIL_FROM")),
        "{e:?}"
    );
    let env = Env::from_pairs([
        (
            "SMTP_URL".to_string(),
            "smtp://u:p@mail.example.com".to_string(),
        ),
        ("EMAIL_FROM".to_string(), "bot@shop.example".to_string()),
    ]);
    assert!(handled_email::connector().from_env(&env).is_ok());
}
