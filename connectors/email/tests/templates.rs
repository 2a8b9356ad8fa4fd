//! Templates: the seed's reconciliation report, subject blocks, HTML escaping, and the
//! I/O-free checks the code generator uses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_email::template::render_sources;
use handled_email::{SmtpSecurity, SmtpSettings, Templates, check_template, check_templates};
use serde_json::json;

const REPORT: &str = include_str!("fixtures/templates/inventory-reconciliation-report.txt");

#[test]
fn the_seed_report_renders() {
    let data = json!({"date": "2026-11-28", "totalDiscrepancies": 2, "discrepancies": [
        {"sku": "A-1", "shopifyQty": 5, "wmsQty": 4, "amazonQty": 4},
        {"sku": "B-2", "shopifyQty": 0, "wmsQty": 1, "amazonQty": 0}]});
    let r = render_sources("inventory-reconciliation-report", Some(REPORT), None, &data).unwrap();
    assert_eq!(
        r.subject,
        "Inventory reconciliation 2026-11-28: 2 discrepancies"
    );
    let text = r.text.unwrap();
    assert!(
        text.starts_with("Inventory reconciliation for 2026-11-28"),
        "{text}"
    );
    assert!(
        !text.contains("discrepancies\nInventory"),
        "the subject is not in the body"
    );
    assert!(text.contains("- A-1: Shopify 5, warehouse 4, Amazon 4"));
    assert!(text.contains("- B-2: Shopify 0, warehouse 1, Amazon 0"));
    assert!(r.html.is_none());
    assert_eq!(check_template(REPORT), Ok(()));
    assert_eq!(check_templates(Some(REPORT), None), Ok(()));
}

#[test]
fn html_escapes_and_subject_comes_from_text_first() {
    let r = render_sources(
        "t",
        Some("{% block subject %}Hi {{ name }}{% endblock %}\ntext {{ name }}"),
        Some("{% block subject %}ignored{% endblock %}<p>{{ name }}</p>"),
        &json!({"name": "<Tom & Jerry>"}),
    )
    .unwrap();
    assert_eq!(r.subject, "Hi <Tom & Jerry>");
    assert_eq!(r.text.as_deref(), Some("text <Tom & Jerry>"));
    assert_eq!(r.html.as_deref(), Some("<p>&lt;Tom &amp; Jerry&gt;</p>"));
}

#[test]
fn checks_find_mistakes_without_io() {
    assert!(check_template("{% for x in items %}{{ x }}").is_err());
    assert!(check_template("{{ a }").is_err());
    assert_eq!(
        check_templates(None, None).unwrap_err(),
        "neither NAME.txt nor NAME.html"
    );
    assert!(
        check_templates(Some("no subject here"), None)
            .unwrap_err()
            .contains("subject")
    );
    assert!(
        check_templates(
            Some("body only"),
            Some("{% block subject %}S{% endblock %}<p>x</p>")
        )
        .is_ok()
    );
    assert!(render_sources("t", Some("no subject"), None, &json!({})).is_err());
    assert!(
        render_sources(
            "t",
            Some("{% block subject %} {% endblock %}x"),
            None,
            &json!({})
        )
        .is_err()
    );
}

#[tokio::test]
async fn templates_from_a_directory_and_bad_names() {
    let dir =
        Templates::Dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/templates").into());
    let r = dir
        .render(
            "low-stock",
            &json!({"sku": "A-1", "quantity": 2, "title": "Mug"}),
        )
        .await
        .unwrap();
    assert_eq!(r.subject, "Low stock: A-1");
    assert_eq!(r.text.as_deref(), Some("Only 2 left of Mug."));
    assert!(r.html.unwrap().contains("<b>2</b>"));
    assert!(dir.render("missing", &json!({})).await.is_err());
    assert!(dir.render("../etc/passwd", &json!({})).await.is_err());
}

#[test]
fn smtp_urls() {
    let s = SmtpSettings::parse("smtp://user%40x.com:p%3Ass@mail.example.com").unwrap();
    assert_eq!(
        (s.host.as_str(), s.port, s.security),
        ("mail.example.com", 587, SmtpSecurity::StartTls)
    );
    assert_eq!(
        (s.username.as_deref(), s.password.as_deref()),
        (Some("user@x.com"), Some("p:ss"))
    );
    let s = SmtpSettings::parse("smtps://mail.example.com").unwrap();
    assert_eq!(
        (s.port, s.security, s.username),
        (465, SmtpSecurity::Implicit, None)
    );
    let s = SmtpSettings::parse("smtp://127.0.0.1:1025?tls=none").unwrap();
    assert_eq!((s.port, s.security), (1025, SmtpSecurity::None));
    let e = SmtpSettings::parse("http://u:topsecret@x").unwrap_err();
    assert!(!e.contains("topsecret"));
    assert!(SmtpSettings::parse("smtp://h:notaport").is_err());
}
