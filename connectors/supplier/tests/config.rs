//! The supplier connector's environment: the API, the suppliers that take orders by email, or
//! both; every missing or bad variable named at once; and a connector built from it that
//! emails the listed suppliers' orders and refuses the others' when there is no API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_contract::{CallInfo, Env, ErrorClass};
use handled_supplier::emulator::emulator_router;
use handled_supplier::{EmailSuppliers, Settings};
use serde_json::json;

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn problems(pairs: &[(&str, &str)]) -> String {
    Settings::from_env(&env(pairs)).err().unwrap().join("\n")
}

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

#[test]
fn nothing_set_names_the_api_and_the_email_alternative() {
    let text = problems(&[]);
    assert!(
        text.contains("SUPPLIER_API_URL") && text.contains("SUPPLIER_ORDER_EMAILS"),
        "{text}"
    );
}

#[test]
fn orders_by_email_need_a_mail_server_and_a_sender_but_no_api() {
    let text = problems(&[("SUPPLIER_ORDER_EMAILS", "Globex=orders@globex.example")]);
    assert!(text.contains("SMTP_URL"), "{text}");
    assert!(
        text.contains("SUPPLIER_ORDER_FROM") && text.contains("EMAIL_FROM"),
        "{text}"
    );
    assert!(!text.contains("SUPPLIER_API_URL"), "{text}");
}

#[test]
fn every_bad_variable_is_named_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = problems(&[
        (
            "SUPPLIER_ORDER_EMAILS",
            "Acme; Globex=not an address; =x@y.example; Initech=a@i.example; initech =b@i.example; Hooli=",
        ),
        ("SUPPLIER_API_URL", "ftp://supplier.example"),
        ("SMTP_URL", "http://mail.example.com"),
        ("SUPPLIER_ORDER_FROM", "purchasing"),
        ("SUPPLIER_RATE_LIMIT", "fast"),
        ("SUPPLIER_ORDER_TEMPLATE", "po-v2"),
        ("EMAIL_TEMPLATES_DIR", dir.path().to_str().unwrap()),
    ]);
    for needle in [
        "entry 1 (\"Acme\")",
        "supplier \"Globex\"",
        "an entry has no supplier name",
        "supplier \"initech\" is named twice",
        "supplier \"Hooli\" has no email address",
        "SUPPLIER_API_URL must be an http:// or https:// URL",
        "SMTP_URL must start with smtp://",
        "SUPPLIER_ORDER_FROM is not an email address",
        "SUPPLIER_RATE_LIMIT",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    assert!(
        text.contains("SUPPLIER_ORDER_TEMPLATE: no template po-v2.txt or po-v2.html"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 10, "{text}");
}

#[test]
fn a_broken_order_template_beside_the_program_is_named_at_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("purchase-order.txt"), "no subject {{ sku }").unwrap();
    let text = problems(&[
        ("SUPPLIER_ORDER_EMAILS", "Globex=orders@globex.example"),
        ("SMTP_URL", "smtp://u:p@mail.example.com"),
        ("EMAIL_FROM", "buyer@shop.example"),
        ("EMAIL_TEMPLATES_DIR", dir.path().to_str().unwrap()),
    ]);
    assert!(
        text.contains("order email template purchase-order"),
        "{text}"
    );
    let text = problems(&[
        ("SUPPLIER_ORDER_EMAILS", "Globex=orders@globex.example"),
        ("SMTP_URL", "smtp://u:p@mail.example.com"),
        ("EMAIL_FROM", "buyer@shop.example"),
        ("SUPPLIER_ORDER_TEMPLATE", "../secrets"),
    ]);
    assert!(
        text.contains("SUPPLIER_ORDER_TEMPLATE: template names"),
        "{text}"
    );
}

#[test]
fn an_api_key_without_an_api_is_a_mistake() {
    let text = problems(&[
        ("SUPPLIER_ORDER_EMAILS", "Globex=orders@globex.example"),
        ("SMTP_URL", "smtp://u:p@mail.example.com"),
        ("EMAIL_FROM", "buyer@shop.example"),
        ("SUPPLIER_API_KEY", "key"),
    ]);
    assert!(
        text.contains("SUPPLIER_API_KEY is set but SUPPLIER_API_URL is not"),
        "{text}"
    );
}

#[test]
fn both_the_api_and_orders_by_email_can_be_set() {
    let settings = Settings::from_env(&env(&[
        ("SUPPLIER_API_URL", "https://supplier.example/api/"),
        ("SUPPLIER_API_KEY", "key"),
        (
            "SUPPLIER_ORDER_EMAILS",
            "Globex Ltd=Globex Orders <orders@globex.example>\nInitech=po@initech.example, buyer@initech.example;",
        ),
        ("SMTP_URL", "smtps://u:p@mail.example.com"),
        ("EMAIL_FROM", "reports@shop.example"),
        ("SUPPLIER_ORDER_FROM", "Purchasing <purchasing@shop.example>"),
        ("SUPPLIER_RATE_LIMIT", "2/s"),
    ]))
    .unwrap();
    assert_eq!(
        settings.api.as_ref().map(|a| a.base_url.as_str()),
        Some("https://supplier.example/api")
    );
    let email = settings.email.unwrap();
    assert_eq!(email.from.email.to_string(), "purchasing@shop.example");
    assert_eq!(email.smtp.port, 465);
    assert_eq!(email.template.name, "purchase-order");
    assert!(email.template.fallback);
    assert_eq!(email.pace, settings.api.unwrap().pace);
    let to: Vec<String> = email
        .suppliers
        .recipients("initech")
        .unwrap()
        .iter()
        .map(|m| m.email.to_string())
        .collect();
    assert_eq!(to, ["po@initech.example", "buyer@initech.example"]);
    assert!(email.suppliers.recipients("GLOBEX  LTD").is_some());
    assert!(email.suppliers.recipients("Globex").is_none());
}

#[test]
fn a_list_of_suppliers_reads_the_same_from_the_environment_and_a_fixture() {
    let from_env =
        EmailSuppliers::parse("Globex=orders@globex.example; Initech=a@i.example, b@i.example")
            .unwrap();
    let from_json = EmailSuppliers::from_json(&json!({"Globex": "orders@globex.example",
        "Initech": ["a@i.example", "b@i.example"]}))
    .unwrap();
    assert_eq!(from_env, from_json);
    assert_eq!(
        EmailSuppliers::from_json(&from_env.to_json()).unwrap(),
        from_env
    );
}

#[tokio::test]
async fn a_connector_from_the_environment_emails_the_listed_suppliers() {
    let (_router, handle) = emulator_router(Some(
        json!({"orderEmails": {"Globex": "inbox@globex.example"}}),
    ))
    .unwrap();
    let (smtp, _, _) = handle.order_email().unwrap();
    let url = format!(
        "smtp://{}:{}@127.0.0.1:{}?tls=none",
        smtp.username.unwrap(),
        smtp.password.unwrap(),
        smtp.port
    );
    let connector = handled_supplier::connector()
        .from_env(&env(&[
            ("SUPPLIER_ORDER_EMAILS", "Globex=orders@globex.example"),
            ("SMTP_URL", &url),
            ("EMAIL_FROM", "buyer@shop.example"),
        ]))
        .unwrap();
    let out = connector
        .call(
            "createPurchaseOrder",
            json!({"data": {"supplierName": "Globex", "sku": "A-1", "quantity": 3}}),
            &info("run-1:reorder:0"),
        )
        .await
        .unwrap();
    assert_eq!(
        out["purchaseOrderId"],
        handled_supplier::purchase_order_id_for("run-1:reorder:0")
    );
    let m = &handle.emails()[0];
    assert_eq!(
        (m.from.as_str(), m.to.as_slice()),
        (
            "buyer@shop.example",
            &["orders@globex.example".to_string()][..]
        )
    );
    assert!(m.message_id.ends_with("@shop.example"), "{}", m.message_id);

    let e = connector
        .call(
            "createPurchaseOrder",
            json!({"data": {"supplierName": "Acme", "sku": "A-1", "quantity": 3}}),
            &info("run-1:reorder:1"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(
        e.message
            .contains("\"Acme\" is not in SUPPLIER_ORDER_EMAILS"),
        "{}",
        e.message
    );
    assert_eq!(handle.emails().len(), 1);
}
