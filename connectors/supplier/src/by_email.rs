//! Purchase orders by email, for suppliers without an API: the order rendered from a template
//! (`purchase-order.txt` beside the program, else [`DEFAULT_TEMPLATE`]) and sent over SMTP
//! by the same machinery as the email connector (`handled_connector_core::mail`).
//!
//! Idempotency: the order's number ([`purchase_order_id_for`]) and the email's Message-ID
//! (`message_id_for`) both come from the call's idempotency key, so every attempt of a call
//! sends the same order under the same number and Message-ID. A call repeated in the same
//! process after its email was accepted is answered with the order already sent and sends
//! nothing (the same key with another order is refused, as the API refuses it). A run resumed
//! in another process after a crash sends the email again, identical: mail servers have no
//! idempotency key, and the Message-ID and order number are what let the supplier's mail
//! system (and the sandbox's sink, which counts it as received, not applied) recognise it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use handled_connector_core::mail::{Letter, Mailbox, Mailer, Rendered, Sources, message_id_for};
use handled_contract::{CallError, CallInfo, lock};
use serde_json::json;
use sha2::Digest as _;

use crate::config::{EmailSuppliers, OrderEmailConfig, OrderTemplate};
use crate::types::{CreatePurchaseOrderResult, PurchaseOrder};

/// The built-in order email (`templates/purchase-order.txt` of this crate): subject and text
/// with the order's number, supplier, SKU, quantity and priority. A `purchase-order.txt`
/// and/or `.html` in the templates directory takes its place.
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/purchase-order.txt");

/// How many calls' orders a mailer remembers, to answer a repeated call without sending.
const REMEMBERED: usize = 10_000;

/// The purchase order number of the call with this idempotency key: `PO-` and 12 hex
/// digits, the same on every attempt and after a restart.
pub fn purchase_order_id_for(idempotency_key: &str) -> String {
    let digest = sha2::Sha256::digest(format!("purchase-order\0{idempotency_key}").as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02X}")).collect();
    format!("PO-{hex}")
}

/// What the template of an order email is rendered with: `purchaseOrderId`, `supplierName`
/// (as `SUPPLIER_ORDER_EMAILS` writes it), `sku`, `quantity` and `priority` (null when the
/// order has none).
pub fn template_data(
    order: &PurchaseOrder,
    supplier: &str,
    purchase_order_id: &str,
) -> handled_contract::Json {
    json!({
        "purchaseOrderId": purchase_order_id,
        "supplierName": supplier,
        "sku": order.sku,
        "quantity": order.quantity,
        "priority": order.priority,
    })
}

/// The orders this process has emailed, by idempotency key: the order (as JSON) and its
/// number. The oldest are forgotten past [`REMEMBERED`].
#[derive(Debug, Default)]
struct Sent {
    by_key: HashMap<String, (String, String)>,
    order: VecDeque<String>,
}

/// What a key was sent with before.
enum Seen {
    New,
    Same(String),
    Other,
}

impl Sent {
    fn check(&self, key: &str, fingerprint: &str) -> Seen {
        match self.by_key.get(key) {
            None => Seen::New,
            Some((f, id)) if f == fingerprint => Seen::Same(id.clone()),
            Some(_) => Seen::Other,
        }
    }

    fn remember(&mut self, key: &str, fingerprint: String, id: String) {
        if self
            .by_key
            .insert(key.to_string(), (fingerprint, id))
            .is_none()
        {
            self.order.push_back(key.to_string());
        }
        while self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.by_key.remove(&old);
            }
        }
    }
}

/// The same error, its message saying which order it was about.
fn about(supplier: &str, e: CallError) -> CallError {
    CallError {
        message: format!(
            "supplier.createPurchaseOrder by email to {supplier:?}: {}",
            e.message
        ),
        ..e
    }
}

/// Emails purchase orders to the suppliers that take them by email.
#[derive(Debug)]
pub struct OrderMailer {
    suppliers: EmailSuppliers,
    from: Mailbox,
    template: OrderTemplate,
    mailer: Mailer,
    sent: Mutex<Sent>,
}

impl OrderMailer {
    /// A mailer for this config (the SMTP connection is opened at the first order).
    pub fn new(config: OrderEmailConfig) -> Self {
        let mailer = Mailer::new(crate::NAME, config.smtp, config.pace);
        OrderMailer::with_mailer(config.suppliers, config.from, config.template, mailer)
    }

    /// A mailer sending through `mailer` (a sandbox's sink, found at the first order).
    pub fn with_mailer(
        suppliers: EmailSuppliers,
        from: Mailbox,
        template: OrderTemplate,
        mailer: Mailer,
    ) -> Self {
        OrderMailer {
            suppliers,
            from,
            template,
            mailer,
            sent: Mutex::new(Sent::default()),
        }
    }

    /// Whether orders for `supplier` go by email.
    pub fn takes(&self, supplier: &str) -> bool {
        self.suppliers.recipients(supplier).is_some()
    }

    /// Renders the order email of `order` to `supplier` (its name as listed) numbered
    /// `purchase_order_id`, without sending it.
    pub async fn render(
        &self,
        order: &PurchaseOrder,
        supplier: &str,
        purchase_order_id: &str,
    ) -> Result<Rendered, CallError> {
        let t = &self.template;
        let sources = match t.templates.find(&t.name).await? {
            Some(sources) => sources,
            None if t.fallback => Sources {
                txt: Some(DEFAULT_TEMPLATE.into()),
                html: None,
            },
            None => {
                return Err(CallError::permanent(format!(
                    "no template {0}.txt or {0}.html{1}",
                    t.name,
                    t.templates.place()
                )));
            }
        };
        sources.render(&t.name, &template_data(order, supplier, purchase_order_id))
    }

    /// Emails `order` to its supplier's addresses, numbered and identified from the call's
    /// idempotency key (module doc); a supplier not listed is refused for good.
    pub async fn send(
        &self,
        order: &PurchaseOrder,
        call: &CallInfo,
    ) -> Result<CreatePurchaseOrderResult, CallError> {
        order.check()?;
        let supplier = order.supplier_name.as_str();
        self.send_checked(order, call)
            .await
            .map_err(|e| about(supplier, e))
    }

    async fn send_checked(
        &self,
        order: &PurchaseOrder,
        call: &CallInfo,
    ) -> Result<CreatePurchaseOrderResult, CallError> {
        let Some((supplier, to)) = self.suppliers.get(&order.supplier_name) else {
            return Err(CallError::permanent(
                "the supplier does not take orders by email",
            ));
        };
        let key = call.idempotency_key.as_str();
        let fingerprint = serde_json::to_string(order).unwrap_or_default();
        match lock(&self.sent).check(key, &fingerprint) {
            Seen::Same(purchase_order_id) => {
                return Ok(CreatePurchaseOrderResult { purchase_order_id });
            }
            Seen::Other => {
                return Err(CallError::permanent(
                    "this call's idempotency key was used with a different purchase order",
                ));
            }
            Seen::New => {}
        }
        let purchase_order_id = purchase_order_id_for(key);
        if call.maybe_sent {
            tracing::info!(
                purchase_order = %purchase_order_id,
                "an earlier attempt may have emailed this order: sent again, same number and Message-ID"
            );
        }
        let rendered = self.render(order, supplier, &purchase_order_id).await?;
        let letter = Letter {
            from: self.from.clone(),
            to: to.to_vec(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: message_id_for(key, self.from.email.as_ref()),
        };
        self.mailer.send(letter).await?;
        lock(&self.sent).remember(key, fingerprint, purchase_order_id.clone());
        Ok(CreatePurchaseOrderResult { purchase_order_id })
    }
}

/// The order mailer of a standalone sandbox server's supplier emulator, asked of it
/// (`GET {discovery_url}`: the sink's `{host, port, username, password}` with `from` and
/// `orderEmails`); `None` when no supplier there takes orders by email (404).
pub async fn discover(
    discovery_url: &str,
    template: OrderTemplate,
    pace: handled_connector_core::Pace,
) -> Result<Option<OrderMailer>, CallError> {
    let http = handled_connector_core::HttpClient::new(crate::NAME)?;
    let response = http.send_raw(http.get(discovery_url)).await?;
    if response.status == 404 {
        return Ok(None);
    }
    if !response.is_success() {
        return Err(CallError::retryable(format!(
            "{discovery_url} answered {}",
            response.status
        )));
    }
    let info: handled_contract::Json = response.json()?;
    let refused = |what: &str| CallError::permanent(format!("{discovery_url} did not say {what}"));
    let settings = handled_connector_core::mail::SmtpSettings::from_sink_info(&info)
        .ok_or_else(|| refused("where the SMTP sink listens"))?;
    let from: Mailbox = info["from"]
        .as_str()
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| refused("the sender of order emails"))?;
    let suppliers = EmailSuppliers::from_json(&info["orderEmails"]).map_err(|e| {
        refused(&format!(
            "which suppliers take orders by email ({})",
            e.join("; ")
        ))
    })?;
    let mailer = Mailer::new(crate::NAME, settings, pace);
    Ok(Some(OrderMailer::with_mailer(
        suppliers, from, template, mailer,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_number_is_the_keys() {
        let a = purchase_order_id_for("run-1:reorder:0");
        assert_eq!(a, purchase_order_id_for("run-1:reorder:0"));
        assert_ne!(a, purchase_order_id_for("run-1:reorder:1"));
        assert!(a.starts_with("PO-") && a.len() == 15, "{a}");
        assert!(
            a[3..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
    }

    #[test]
    fn the_oldest_orders_are_forgotten() {
        let mut sent = Sent::default();
        for i in 0..=REMEMBERED {
            sent.remember(&format!("k{i}"), "o".into(), format!("PO-{i}"));
        }
        assert!(matches!(sent.check("k0", "o"), Seen::New));
        assert!(matches!(sent.check("k1", "o"), Seen::Same(id) if id == "PO-1"));
        assert!(matches!(sent.check("k1", "other"), Seen::Other));
        assert_eq!(sent.by_key.len(), REMEMBERED);
    }
}
