//! The `wms.inventoryChanged` trigger: checks the profile's signature over the raw body,
//! filters on the trigger's `events`, and finds the event id; the payload is the warehouse's
//! own body. Also builds signed webhooks as each warehouse sends them (for the emulator).

use handled_connector_core::Json;
use handled_contract::TriggerConfig;
use handled_contract::sign::{
    Encoding, constant_time_eq, hmac_sha256_base64, hmac_sha256_hex, verify_hmac_sha256,
};
use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest, body_hash};
use serde_json::json;

use crate::path;
use crate::profile::{Profile, Signature, Source};

fn source(src: &Source, request: &WebhookRequest, body: &Json) -> Option<String> {
    match src {
        Source::Body(p) => path::get_string(body, p),
        Source::Header(h) => request.header(h).map(str::to_string),
        Source::Fixed(v) => Some(v.clone()),
        Source::BodyHash => Some(body_hash(&request.body)),
    }
}

/// Verifies, filters and turns a delivery into an event.
pub fn accept(
    profile: &Profile,
    secret: &str,
    trigger: &TriggerConfig,
    request: &WebhookRequest,
) -> Result<IncomingEvent, WebhookError> {
    let shape = &profile.webhook;
    match &shape.signature {
        Signature::Hmac { header, encoding } => {
            let Some(sig) = request.header(header) else {
                return Err(WebhookError::Signature(format!("missing {header}")));
            };
            let enc = if encoding == "hex" {
                Encoding::Hex
            } else {
                Encoding::Base64
            };
            verify_hmac_sha256(secret.as_bytes(), &request.body, sig, enc)
                .map_err(|e| WebhookError::Signature(format!("{header}: {e}")))?;
        }
        Signature::SharedSecret { header } => {
            let Some(given) = request.header(header) else {
                return Err(WebhookError::Signature(format!("missing {header}")));
            };
            let given = given.trim();
            let given = given.strip_prefix("Bearer ").unwrap_or(given);
            if !constant_time_eq(given.as_bytes(), secret.as_bytes()) {
                return Err(WebhookError::Signature(format!(
                    "{header} is not the shared secret"
                )));
            }
        }
    }
    let body: Json = serde_json::from_slice(&request.body)
        .map_err(|e| WebhookError::Malformed(format!("body is not JSON: {e}")))?;
    if !body.is_object() && !body.is_array() {
        return Err(WebhookError::Malformed(
            "body is neither an object nor an array".into(),
        ));
    }
    let event_type = source(&shape.event_type, request, &body).unwrap_or_default();
    let events = trigger.strings("events");
    if !events.is_empty() && !events.contains(&event_type) {
        return Err(WebhookError::Ignored(format!(
            "event `{event_type}` is not one of {}",
            events.join(", ")
        )));
    }
    if path::get_string(&body, &shape.sku).is_none() {
        return Err(WebhookError::Malformed(format!(
            "no SKU at `{}`",
            shape.sku
        )));
    }
    let event_id = source(&shape.event_id, request, &body)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| body_hash(&request.body));
    let occurred_at_ms = shape
        .occurred_at
        .as_deref()
        .and_then(|p| path::get_string(&body, p))
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t.trim()).ok())
        .map(|d| d.timestamp_millis());
    Ok(IncomingEvent {
        event_id,
        occurred_at_ms,
        payload: body,
    })
}

/// The body a warehouse of this profile sends when a SKU's quantity changes.
pub fn event_body(
    profile: &Profile,
    event_id: &str,
    sku: &str,
    quantity: i64,
    location: &str,
    at: &str,
) -> Json {
    match profile.name.as_str() {
        "shiphero" => json!({
            "account_id": 63898, "account_uuid": "QWNjb3VudDo2Mzg5OA==", "webhook_type": "Inventory Update",
            "inventory": [{"sku": sku, "inventory": quantity.to_string(), "backorder_quantity": "0",
                "on_hand": quantity.to_string(), "virtual": false, "sell_ahead": 0, "qty_in_totes": 0, "reserve": 0,
                "non_sellable": 0,
                "updated_warehouse": {"warehouse_id": location, "warehouse_uuid": location, "identifier": "Primary",
                    "inventory": quantity.to_string(), "backorder_quantity": "0", "on_hand": quantity.to_string(),
                    "sell_ahead": 0, "qty_in_totes": 0, "reserve": 0, "non_sellable": 0}}]
        }),
        "cin7" => {
            json!([{"SKU": sku, "Location": location, "Available": quantity, "OnHand": quantity,
            "Allocated": 0, "OnOrder": 0, "Bin": null, "Batch": null, "ProductID": event_id}])
        }
        _ => json!({"event_id": event_id, "event": "stock.updated", "product_sku": sku,
            "available_quantity": quantity, "warehouse_location": location, "updated_at": at}),
    }
}

/// The headers that sign `body` as a warehouse of this profile does (plus the event id header
/// when the profile takes the id from a header).
pub fn signed_headers(
    profile: &Profile,
    secret: &str,
    body: &[u8],
    event_id: &str,
) -> Vec<(String, String)> {
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    match &profile.webhook.signature {
        Signature::Hmac { header, encoding } => {
            let sig = if encoding == "hex" {
                hmac_sha256_hex(secret.as_bytes(), body)
            } else {
                hmac_sha256_base64(secret.as_bytes(), body)
            };
            headers.push((header.clone(), sig));
        }
        Signature::SharedSecret { header } => headers.push((header.clone(), secret.to_string())),
    }
    if let Source::Header(h) = &profile.webhook.event_id {
        headers.push((h.clone(), event_id.to_string()));
    }
    headers
}

/// The (SKU, quantity) a delivery of this profile reports, read where the profile's webhook
/// shape says.
pub fn reported_quantity(profile: &Profile, payload: &Json) -> Option<(String, i64)> {
    let shape = &profile.webhook;
    Some((
        path::get_string(payload, &shape.sku)?,
        path::get_quantity(payload, &shape.quantity)?,
    ))
}
