//! Signed webhook deliveries as the channels send them, and a sender that redelivers until it is
//! acknowledged, as a real webhook sender does (a redelivery keeps the event id).

use std::time::{Duration, Instant};

use handled_contract::sign::hmac_sha256_base64;
use serde_json::Value;

/// The path the program serves Shopify's inventory webhooks on (pattern 1's trigger names none).
pub const SHOPIFY_PATH: &str = "/hooks/ShopifyToWmsSync";
/// The path the program serves the warehouse's webhooks on (`WMS_WEBHOOK_ENDPOINT`).
pub const WMS_PATH: &str = "/hooks/wms";

/// One webhook: where it goes, its headers and raw body.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The event id every redelivery shares.
    pub event_id: String,
    /// The program's path.
    pub path: &'static str,
    /// The headers, signature included.
    pub headers: Vec<(String, String)>,
    /// The raw body the signature covers.
    pub body: Vec<u8>,
}

/// Shopify's `inventory_levels/update` for one item and location, signed with
/// `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body) with the sandbox's secret.
pub fn shopify_inventory(
    event_id: &str,
    item_id: u64,
    location_id: u64,
    available: i64,
    updated_at: &str,
) -> Delivery {
    let body =
        handled_shopify::webhook::inventory_level_body(item_id, location_id, available, updated_at);
    let body = body.to_string().into_bytes();
    let secret = handled_shopify::emulator::SANDBOX_WEBHOOK_SECRET;
    let hmac = hmac_sha256_base64(secret.as_bytes(), &body);
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Shopify-Topic", "inventory_levels/update"),
        ("X-Shopify-Hmac-Sha256", hmac.as_str()),
        (
            "X-Shopify-Shop-Domain",
            handled_shopify::emulator::SANDBOX_SHOP,
        ),
        ("X-Shopify-API-Version", "2026-04"),
        ("X-Shopify-Webhook-Id", event_id),
        ("X-Shopify-Event-Id", event_id),
        ("X-Shopify-Triggered-At", updated_at),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Delivery {
        event_id: event_id.to_string(),
        path: SHOPIFY_PATH,
        headers,
        body,
    }
}

/// The warehouse's `stock.updated` (generic profile), signed as the wms connector verifies it.
pub fn wms_stock(event_id: &str, sku: &str, quantity: i64, updated_at: &str) -> Delivery {
    let profile = handled_wms::Profile::generic();
    let body = handled_wms::webhook::event_body(
        &profile,
        event_id,
        sku,
        quantity,
        &profile.default_location,
        updated_at,
    );
    wms_stock_body(event_id, &body)
}

/// A warehouse delivery of this body (of the generic profile's shape or not), signed.
pub fn wms_stock_body(event_id: &str, body: &Value) -> Delivery {
    let profile = handled_wms::Profile::generic();
    let body = body.to_string().into_bytes();
    let headers = handled_wms::webhook::signed_headers(
        &profile,
        handled_wms::emulator::SANDBOX_WEBHOOK_SECRET,
        &body,
        event_id,
    );
    Delivery {
        event_id: event_id.to_string(),
        path: WMS_PATH,
        headers,
        body,
    }
}

/// An RFC 3339 time `ms` milliseconds after a fixed start: event times that only grow.
pub fn event_time(ms: u64) -> String {
    let start = chrono::DateTime::from_timestamp_millis(1_795_000_000_000).unwrap_or_default();
    (start + chrono::Duration::milliseconds(ms as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How one delivery ended: acknowledged with this answer after this many attempts.
#[derive(Clone, Debug)]
pub struct Acknowledged {
    /// The 2xx status.
    pub status: u16,
    /// The answer's JSON (`{"status":"queued","runId":…}`, `{"status":"duplicate"}`, …).
    pub answer: Value,
    /// Requests sent, the acknowledged one included.
    pub attempts: u32,
    /// When the first attempt was sent.
    pub first_sent: Instant,
}

/// Sends webhooks to a program, redelivering on a connection error or a non-2xx answer.
#[derive(Clone, Debug)]
pub struct Sender {
    client: reqwest::Client,
    base: String,
}

impl Sender {
    /// A sender to the program listening at `base` (`http://127.0.0.1:PORT`).
    // The senders are clients from outside the program, not connectors.
    #[allow(clippy::disallowed_methods)]
    pub fn new(base: &str) -> anyhow::Result<Sender> {
        handled_connector_core::http::install_crypto_provider();
        // The senders are clients from outside the program, not a connector.
        #[allow(clippy::disallowed_methods)]
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Sender {
            client,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    /// Sends once; `Ok` with the status and answer when an answer came back.
    pub async fn send_once(&self, delivery: &Delivery) -> Result<(u16, Value), String> {
        let mut request = self
            .client
            .post(format!("{}{}", self.base, delivery.path))
            .body(delivery.body.clone());
        for (k, v) in &delivery.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// Sends until a 2xx answer, waiting `backoff` between attempts; gives up after `deadline`.
    pub async fn deliver(
        &self,
        delivery: &Delivery,
        backoff: Duration,
        deadline: Duration,
    ) -> anyhow::Result<Acknowledged> {
        let first_sent = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let outcome = self.send_once(delivery).await;
            match outcome {
                Ok((status, answer)) if (200..300).contains(&status) => {
                    return Ok(Acknowledged {
                        status,
                        answer,
                        attempts,
                        first_sent,
                    });
                }
                Ok((status, answer)) if (400..500).contains(&status) => {
                    anyhow::bail!(
                        "event {} refused with {status}: {answer}",
                        delivery.event_id
                    );
                }
                other => {
                    if first_sent.elapsed() > deadline {
                        anyhow::bail!(
                            "event {} not acknowledged after {attempts} attempts: {other:?}",
                            delivery.event_id
                        );
                    }
                    tokio::time::sleep(backoff).await;
                }
            }
        }
    }
}
