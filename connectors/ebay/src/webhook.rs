//! The `ebay.inventoryChanged` trigger: eBay platform notifications turned into events.

use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{Json, TriggerConfig};

/// Turns an eBay platform notification (`{"metadata":{"topic",…},"notification":
/// {"notificationId","eventDate","data",…}}`) into an event: its id is
/// `notification.notificationId` (else the `X-Event-Id` header, else a hash of the body), its
/// time `notification.eventDate`; topics the trigger does not name are ignored. eBay's
/// `X-EBAY-SIGNATURE` (an ECDSA signature checked against a key fetched from eBay) is not
/// verified here.
pub fn accept_notification(
    trigger: &TriggerConfig,
    request: &WebhookRequest,
) -> Result<IncomingEvent, WebhookError> {
    let mut event = handled_contract::webhook::accept_plain_json(request)?;
    let body = &event.payload;
    let wanted = trigger.strings("events");
    if let Some(topic) = body.pointer("/metadata/topic").and_then(Json::as_str)
        && !wanted.is_empty()
        && !wanted.iter().any(|w| w == topic)
    {
        return Err(WebhookError::Ignored(format!("topic {topic}")));
    }
    if let Some(id) = body
        .pointer("/notification/notificationId")
        .and_then(Json::as_str)
    {
        event.event_id = id.to_string();
    }
    event.occurred_at_ms = body
        .pointer("/notification/eventDate")
        .and_then(Json::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis());
    Ok(event)
}
