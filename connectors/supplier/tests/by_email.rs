//! Purchase orders by email: the order email's content, one email per call however often the
//! call is repeated, a resumed call's email recognisable as the same order, SMTP failures'
//! classes, a template beside the program, and a connector that finds the mailbox of a
//! standalone sandbox server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use handled_connector_core::mail::{Mailer, Templates, message_id_for};
use handled_contract::{CallInfo, Env, ErrorClass};
use handled_supplier::by_email::DEFAULT_TEMPLATE;
use handled_supplier::config::OrderTemplate;
use handled_supplier::emulator::{EmulatorHandle, emulator_router};
use handled_supplier::{OrderMailer, PurchaseOrder, purchase_order_id_for};
use serde_json::{Value, json};

fn info(key: &str) -> CallInfo {
    CallInfo {
        idempotency_key: key.into(),
        run_id: "run-1".into(),
        attempt: 1,
        maybe_sent: false,
    }
}

fn resumed(key: &str) -> CallInfo {
    CallInfo {
        attempt: 2,
        maybe_sent: true,
        ..info(key)
    }
}

fn fixture() -> Value {
    json!({"orderEmails": {"Globex Ltd": "Globex Orders <orders@globex.example>",
                           "Initech": ["po@initech.example", "buyer@initech.example"]}})
}

fn order(supplier: &str, priority: Option<&str>) -> PurchaseOrder {
    PurchaseOrder {
        supplier_name: supplier.into(),
        sku: "MUG-WHT".into(),
        quantity: 50,
        priority: priority.map(str::to_string),
    }
}

/// A mailer on the emulator's mailbox, as the sandbox builds it (one per process).
fn mailer(handle: &EmulatorHandle, template: OrderTemplate) -> OrderMailer {
    let (smtp, from, suppliers) = handle.order_email().unwrap();
    let mailer = Mailer::new(
        "supplier",
        smtp,
        handled_supplier::config::RATE_LIMIT.default,
    );
    OrderMailer::with_mailer(suppliers, from.parse().unwrap(), template, mailer)
}

fn builtin() -> OrderTemplate {
    OrderTemplate::default_in(Templates::Embedded(Default::default()))
}

#[tokio::test]
async fn the_sink_gets_one_order_email_however_often_the_call_is_repeated() {
    let sandbox = handled_supplier::connector()
        .sandbox(Some(fixture()), &Env::default())
        .await
        .unwrap();
    let params = json!({"data": {"supplierName": "  globex   LTD ", "sku": "MUG-WHT",
                                 "quantity": 50, "priority": "urgent"}});
    let key = "run-1:autoReorder:3";
    let first = sandbox
        .connector
        .call("createPurchaseOrder", params.clone(), &info(key))
        .await
        .unwrap();
    for _ in 0..2 {
        let again = sandbox
            .connector
            .call("createPurchaseOrder", params.clone(), &info(key))
            .await
            .unwrap();
        assert_eq!(again, first, "a repeated call answers with the same order");
    }
    let po = purchase_order_id_for(key);
    assert_eq!(first, json!({"purchaseOrderId": po}));

    let state = (sandbox.state)();
    let emails = state["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 1, "{state:#}");
    let m = &emails[0];
    assert_eq!(m["to"], json!(["orders@globex.example"]));
    assert_eq!(m["from"], "handled@sandbox.invalid");
    assert_eq!(
        m["subject"],
        format!("URGENT: Purchase order {po}: 50 x MUG-WHT")
    );
    assert_eq!(
        m["messageId"],
        message_id_for(key, "handled@sandbox.invalid")
    );
    let text = m["text"].as_str().unwrap();
    for line in [
        "Hello Globex Ltd,".to_string(),
        format!("Purchase order: {po}"),
        "SKU:            MUG-WHT".into(),
        "Quantity:       50".into(),
        "Priority:       urgent".into(),
    ] {
        assert!(text.contains(&line), "{line:?} missing from:\n{text}");
    }
    assert!(!text.contains("{{") && !text.contains("{%"), "{text}");
    assert_eq!(
        state["ops"]["createPurchaseOrder"],
        json!({"received": 1, "applied": 1})
    );
    assert_eq!(state["orders"], json!([]), "nothing went to the API");

    // A supplier that is not listed gets its order through the API, as before.
    let api = sandbox
        .connector
        .call(
            "createPurchaseOrder",
            json!({"data": {"supplierName": "Acme", "sku": "MUG-WHT", "quantity": 5}}),
            &info("run-2:autoReorder:0"),
        )
        .await
        .unwrap();
    assert_eq!(api, json!({"purchaseOrderId": "PO-1"}));
    let state = (sandbox.state)();
    assert_eq!(state["emails"].as_array().unwrap().len(), 1);
    assert_eq!(state["orders"][0]["supplierName"], "Acme");
}

#[tokio::test]
async fn every_address_of_a_supplier_gets_the_order_and_no_priority_is_no_line() {
    let (_router, handle) = emulator_router(Some(fixture())).unwrap();
    let mailer = mailer(&handle, builtin());
    let out = mailer
        .send(&order("Initech", None), &info("k-initech"))
        .await
        .unwrap();
    let m = &handle.emails()[0];
    assert_eq!(m.to, ["po@initech.example", "buyer@initech.example"]);
    assert_eq!(
        m.subject,
        format!("Purchase order {}: 50 x MUG-WHT", out.purchase_order_id)
    );
    let text = m.text.as_deref().unwrap();
    assert!(!text.contains("Priority"), "{text}");
    assert!(
        text.contains("Quantity:       50\n\nPlease quote"),
        "{text}"
    );
}

#[tokio::test]
async fn a_resumed_call_sends_the_same_order_under_the_same_number_and_message_id() {
    let (_router, handle) = emulator_router(Some(fixture())).unwrap();
    let key = "run-7:autoReorder:0";
    // The first process sent the email and stopped before the engine journaled the answer; the
    // second resumes the run with the same key, and nothing in it remembers the send.
    let before = mailer(&handle, builtin())
        .send(&order("Globex Ltd", Some("normal")), &info(key))
        .await
        .unwrap();
    let after = mailer(&handle, builtin())
        .send(&order("Globex Ltd", Some("normal")), &resumed(key))
        .await
        .unwrap();
    assert_eq!(before, after);
    let emails = handle.emails();
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[0].message_id, emails[1].message_id);
    assert_eq!(emails[0].subject, emails[1].subject);
    assert_eq!(emails[0].text, emails[1].text);
    assert!(!emails[0].duplicate && emails[1].duplicate);
    assert_eq!(handle.counts(), (2, 1), "received twice, applied once");
}

#[tokio::test]
async fn the_same_key_with_another_order_is_refused_and_bad_orders_are_not_sent() {
    let (_router, handle) = emulator_router(Some(fixture())).unwrap();
    let mailer = mailer(&handle, builtin());
    mailer
        .send(&order("Globex Ltd", None), &info("k1"))
        .await
        .unwrap();
    let mut other = order("Globex Ltd", None);
    other.quantity = 51;
    let e = mailer.send(&other, &info("k1")).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(
        e.message.contains("different purchase order"),
        "{}",
        e.message
    );

    other.quantity = 0;
    let e = mailer.send(&other, &info("k2")).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    let e = mailer
        .send(&order("Acme", None), &info("k3"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert_eq!(handle.emails().len(), 1);
}

#[tokio::test]
async fn smtp_failures_keep_their_class_and_a_retry_sends_the_same_email() {
    let (_router, handle) = emulator_router(Some(fixture())).unwrap();
    let mailer = mailer(&handle, builtin());
    let globex = order("Globex Ltd", Some("high"));
    handle.fail_next_email("451 4.3.0 Try again later", 1);
    let e = mailer.send(&globex, &info("k")).await.unwrap_err();
    assert_eq!((e.class, e.status), (ErrorClass::Retryable, Some(451)));
    assert!(
        e.message
            .starts_with("supplier.createPurchaseOrder by email to \"Globex Ltd\": SMTP:"),
        "{}",
        e.message
    );
    let out = mailer.send(&globex, &resumed("k")).await.unwrap();
    assert_eq!(out.purchase_order_id, purchase_order_id_for("k"));
    handle.fail_next_email("554 5.7.1 Rejected", 1);
    let e = mailer.send(&globex, &info("k2")).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    // The refused messages were received, not kept: one email, for the key that went through.
    let emails = handle.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(
        emails[0].message_id,
        message_id_for("k", "handled@sandbox.invalid")
    );
}

#[tokio::test]
async fn a_template_beside_the_program_replaces_the_built_in_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("purchase-order.txt"),
        "{% block subject %}Order {{ purchaseOrderId }} for {{ supplierName }}{% endblock %}\n{{ quantity }} of {{ sku }} ({{ priority or \"normal\" }})\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("purchase-order.html"),
        "<p>{{ quantity }} of <b>{{ sku }}</b></p>",
    )
    .unwrap();
    let (_router, handle) = emulator_router(Some(fixture())).unwrap();
    let template = OrderTemplate::default_in(Templates::Dir(dir.path().into()));
    let out = mailer(&handle, template)
        .send(&order("Globex Ltd", None), &info("k"))
        .await
        .unwrap();
    let m = &handle.emails()[0];
    assert_eq!(
        m.subject,
        format!("Order {} for Globex Ltd", out.purchase_order_id)
    );
    assert_eq!(
        m.text.as_deref().map(str::trim),
        Some("50 of MUG-WHT (normal)")
    );
    assert_eq!(m.html.as_deref(), Some("<p>50 of <b>MUG-WHT</b></p>"));

    // A template chosen by name that is not there is refused, not replaced.
    let missing = OrderTemplate {
        name: "po-v2".into(),
        templates: Templates::Dir(dir.path().into()),
        fallback: false,
    };
    let e = mailer(&handle, missing)
        .send(&order("Globex Ltd", None), &info("k9"))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Permanent);
    assert!(e.message.contains("no template po-v2.txt"), "{}", e.message);
}

#[test]
fn the_built_in_template_is_well_formed() {
    assert_eq!(
        handled_connector_core::mail::check_templates(Some(DEFAULT_TEMPLATE), None),
        Ok(())
    );
}

/// The emulator mounted as the standalone server mounts it, and that server's URL.
async fn standalone(fixture: Value) -> (EmulatorHandle, String) {
    let (router, handle) = emulator_router(Some(fixture)).unwrap();
    let server = Router::new().nest("/supplier", router);
    let (url, _task) = handled_connector_core::serve(server).await.unwrap();
    (handle, url)
}

#[tokio::test]
async fn a_connector_pointed_at_a_standalone_server_finds_its_mailbox() {
    let (handle, url) = standalone(fixture()).await;
    let connector = handled_supplier::connector()
        .sandbox_url(&url, &Env::default())
        .unwrap();
    let params = json!({"data": {"supplierName": "Initech", "sku": "CAP-BLK", "quantity": 7}});
    let out = connector
        .call("createPurchaseOrder", params, &info("k-url"))
        .await
        .unwrap();
    assert_eq!(out["purchaseOrderId"], purchase_order_id_for("k-url"));
    assert_eq!(handle.emails().len(), 1);
    assert_eq!(handle.emails()[0].to[0], "po@initech.example");
    let api = connector
        .call(
            "createPurchaseOrder",
            json!({"data": {"supplierName": "Acme", "sku": "CAP-BLK", "quantity": 7}}),
            &info("k-api"),
        )
        .await
        .unwrap();
    assert_eq!(api["purchaseOrderId"], "PO-1");

    // Without `orderEmails` there is no mailbox, and every order goes to the API.
    let (plain, url) = standalone(json!({})).await;
    let connector = handled_supplier::connector()
        .sandbox_url(&url, &Env::default())
        .unwrap();
    let params = json!({"data": {"supplierName": "Initech", "sku": "CAP-BLK", "quantity": 7}});
    let out = connector
        .call("createPurchaseOrder", params, &info("k"))
        .await
        .unwrap();
    assert_eq!(out["purchaseOrderId"], "PO-1");
    assert!(plain.emails().is_empty());
    assert!(plain.state().get("emails").is_none());
}

#[test]
fn a_bad_order_emails_fixture_is_refused_naming_the_field() {
    for (fixture, needle) in [
        (
            json!({"orderEmails": {"Globex": "not an address"}}),
            "Globex",
        ),
        (json!({"orderEmails": {"Globex": 5}}), "orderEmails"),
        (json!({"orderEmails": ["a@b.example"]}), "orderEmails"),
        (
            json!({"orderEmails": {"Globex": "a@b.example"}, "orderFrom": "nobody"}),
            "orderFrom",
        ),
    ] {
        let e = emulator_router(Some(fixture)).err().unwrap();
        assert!(
            e.starts_with("supplier fixture") && e.contains(needle),
            "{e}"
        );
    }
}
