//! The `amazon.inventoryChanged` trigger: SP-API notifications turned into events.

use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{Json, TriggerConfig};

/// The notification types an `amazon.inventoryChanged` trigger takes when it names none.
pub const DEFAULT_NOTIFICATION_TYPES: &[&str] = &["LISTINGS_ITEM_MFN_QUANTITY_CHANGE"];

/// Turns an SP-API notification (as delivered through SQS/EventBridge and forwarded to the
/// program) into an event: its id is `NotificationMetadata.NotificationId` (else the
/// `X-Event-Id` header, else a hash of the body), its time `EventTime`; notification types
/// the trigger does not take are ignored.
pub fn accept_notification(
    trigger: &TriggerConfig,
    request: &WebhookRequest,
) -> Result<IncomingEvent, WebhookError> {
    let mut event = handled_contract::webhook::accept_plain_json(request)?;
    let body = &event.payload;
    let Some(kind) = body.get("NotificationType").and_then(Json::as_str) else {
        return Err(WebhookError::Malformed(
            "not an SP-API notification (no NotificationType)".into(),
        ));
    };
    let wanted = trigger.strings("events");
    let takes = if wanted.is_empty() {
        DEFAULT_NOTIFICATION_TYPES.contains(&kind)
    } else {
        wanted.iter().any(|w| w == kind)
    };
    if !takes {
        return Err(WebhookError::Ignored(format!("notification type {kind}")));
    }
    if let Some(id) = body
        .pointer("/NotificationMetadata/NotificationId")
        .and_then(Json::as_str)
    {
        event.event_id = id.to_string();
    }
    event.occurred_at_ms = body
        .get("EventTime")
        .and_then(Json::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis());
    Ok(event)
}
