//! The `shopify.inventoryChanged` trigger: verifying `inventory_levels/update` deliveries and
//! enriching them with the item's SKU and reserved quantity.

use std::time::Duration;

use handled_connector_core::{CallError, Json};
use handled_contract::TriggerConfig;
use handled_contract::sign::{Encoding, verify_hmac_sha256};
use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use serde_json::json;

use crate::api::{ShopifyConnector, quantity_named};
use crate::queries;

/// The topic taken when the trigger names no `events`.
pub const DEFAULT_TOPIC: &str = "inventory_levels/update";
/// How long an enrichment (SKU, reserved quantity) is reused.
pub(crate) const ENRICH_TTL: Duration = Duration::from_secs(30);

/// Verifies the HMAC (before parsing anything) and that the delivery comes from the trigger's
/// store (its `store`, or the connector's `SHOPIFY_STORE_URL`: an app's webhooks from every
/// shop are signed with the same secret), checks the topic, and finds the event id and time. The payload is the
/// body as sent (ids stay exact integers).
pub fn accept(
    secret: &str,
    store: &str,
    trigger: &TriggerConfig,
    request: &WebhookRequest,
) -> Result<IncomingEvent, WebhookError> {
    let Some(signature) = request.header("x-shopify-hmac-sha256") else {
        return Err(WebhookError::Signature(
            "missing X-Shopify-Hmac-Sha256".into(),
        ));
    };
    if signature.contains(',') {
        return Err(WebhookError::Signature(
            "X-Shopify-Hmac-Sha256 was sent more than once".into(),
        ));
    }
    verify_hmac_sha256(
        secret.as_bytes(),
        &request.body,
        signature,
        Encoding::Base64,
    )
    .map_err(|e| WebhookError::Signature(format!("X-Shopify-Hmac-Sha256: {e}")))?;
    // The shops this program is set up for: the trigger's `store` (when it names a host; in
    // sandbox mode an unset variable is a placeholder) and the connector's store (in sandbox
    // mode the emulator's shop). In production both are `SHOPIFY_STORE_URL`.
    let mut expected = vec![shop_domain(store)];
    if let Some(named) = trigger.string("store").map(shop_domain)
        && named.contains('.')
        && !expected.contains(&named)
    {
        expected.insert(0, named);
    }
    match request.header("x-shopify-shop-domain").map(shop_domain) {
        Some(shop) if expected.contains(&shop) => {}
        Some(shop) => {
            return Err(WebhookError::Signature(format!(
                "X-Shopify-Shop-Domain is {shop}, not this trigger's store {}",
                expected.join(" or ")
            )));
        }
        None => {
            return Err(WebhookError::Signature(format!(
                "missing X-Shopify-Shop-Domain (this trigger takes deliveries from {})",
                expected.join(" or ")
            )));
        }
    }
    let mut topics = trigger.strings("events");
    if topics.is_empty() {
        topics.push(DEFAULT_TOPIC.to_string());
    }
    let topic = request.header("x-shopify-topic").unwrap_or_default();
    if !topics.iter().any(|t| t == topic) {
        return Err(WebhookError::Ignored(format!(
            "topic `{topic}` is not one of {}",
            topics.join(", ")
        )));
    }
    let payload: Json = serde_json::from_slice(&request.body)
        .map_err(|e| WebhookError::Malformed(format!("body is not JSON: {e}")))?;
    if !payload.is_object() {
        return Err(WebhookError::Malformed("body is not a JSON object".into()));
    }
    if topic.starts_with("inventory_levels/") {
        check_level_shape(&payload)?;
    }
    let event_id = request
        .header("x-shopify-event-id")
        .or_else(|| request.header("x-shopify-webhook-id"))
        .map(str::to_string)
        .unwrap_or_else(|| handled_contract::webhook::body_hash(&request.body));
    let occurred_at_ms = request
        .header("x-shopify-triggered-at")
        .and_then(parse_time)
        .or_else(|| payload["updated_at"].as_str().and_then(parse_time));
    Ok(IncomingEvent {
        event_id,
        occurred_at_ms,
        payload,
    })
}

/// An `inventory_levels/*` body has what the trigger's payload type declares (the catalog's
/// `InventoryLevelEvent`, before enrichment): integer `inventory_item_id` and `location_id`
/// (or the level's GID naming them) and `available`, an integer or null (untracked). What can
/// never run is refused with the field's name, before anything is stored.
/// Warns (once per version seen) when a delivery's `X-Shopify-API-Version` is not the version
/// the connector calls: the app's webhook subscriptions are set to another version, whose
/// payloads may name fields differently. Shopify still signs it, so it is not refused.
pub fn check_version(configured: &str, request: &WebhookRequest) {
    static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let Some(sent) = request.header("x-shopify-api-version") else {
        return;
    };
    if sent == configured {
        return;
    }
    let mut warned = handled_contract::lock(&WARNED);
    if !warned.iter().any(|v| v == sent) {
        warned.push(sent.to_string());
        tracing::warn!(
            webhook_version = sent,
            configured,
            "Shopify webhooks arrive in API version {sent}, not the configured {configured}: \
             set the app's webhook API version to {configured}"
        );
    }
}

fn check_level_shape(payload: &Json) -> Result<(), WebhookError> {
    if item_and_location(payload).is_none() {
        let missing = if payload.get("inventory_item_id").is_none() {
            "inventory_item_id is missing"
        } else if payload.get("location_id").is_none() {
            "location_id is missing"
        } else {
            "inventory_item_id and location_id must be integers"
        };
        return Err(WebhookError::Malformed(format!(
            "{missing} (an inventory_levels webhook names its item and location)"
        )));
    }
    match payload.get("available") {
        None => Err(WebhookError::Malformed(
            "available is missing (an integer, or null for an untracked item)".into(),
        )),
        Some(Json::Null) => Ok(()),
        Some(Json::Number(n)) if n.is_i64() => Ok(()),
        Some(other) => Err(WebhookError::Malformed(format!(
            "available must be an integer or null, not {other}"
        ))),
    }
}

/// A shop's `*.myshopify.com` host as a store setting or the header names it: no scheme, path
/// or trailing dot, lowercase.
fn shop_domain(store: &str) -> String {
    let s = store.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    s.split('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.timestamp_millis())
}

/// The body of Shopify's `inventory_levels/update` webhook for one inventory item at one
/// location (what the emulator sends, and what tools that feed a program send).
pub fn inventory_level_body(item: u64, location: u64, available: i64, updated_at: &str) -> Json {
    serde_json::json!({
        "inventory_item_id": item,
        "location_id": location,
        "available": available,
        "updated_at": updated_at,
        "admin_graphql_api_id": format!("gid://shopify/InventoryLevel/{location}?inventory_item_id={item}"),
    })
}

/// The exact numeric ids of an `inventory_levels/*` body: taken as JSON integers (never via
/// f64), else from `admin_graphql_api_id` (`gid://shopify/InventoryLevel/{loc}?inventory_item_id={item}`).
pub fn item_and_location(payload: &Json) -> Option<(u64, u64)> {
    let from_gid = || {
        let gid = payload["admin_graphql_api_id"].as_str()?;
        let rest = gid.strip_prefix("gid://shopify/InventoryLevel/")?;
        let (loc, query) = rest.split_once('?')?;
        let item = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("inventory_item_id="))?;
        Some((item.parse().ok()?, loc.parse().ok()?))
    };
    let exact = |v: &Json| match v {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    };
    match (
        exact(&payload["inventory_item_id"]),
        exact(&payload["location_id"]),
    ) {
        (Some(item), Some(loc)) => Some((item, loc)),
        _ => from_gid(),
    }
}

/// Adds `inventory_item: {id, sku}` and `reserved_quantity` (cached per item and location).
pub async fn enrich(connector: &ShopifyConnector, mut payload: Json) -> Result<Json, CallError> {
    let Some((item, location)) = item_and_location(&payload) else {
        return Ok(payload);
    };
    let (sku, reserved) = match connector.enriched.get(&(item, location)) {
        Some(hit) => hit,
        None => {
            let vars = json!({
                "id": format!("gid://shopify/InventoryItem/{item}"),
                "location": format!("gid://shopify/Location/{location}"),
            });
            let data = connector.graphql(queries::ENRICH_ITEM, vars).await?;
            let node = &data["inventoryItem"];
            if node.is_null() {
                return Err(CallError::permanent(format!(
                    "shopify: no inventory item {item}"
                )));
            }
            let sku = node["sku"].as_str().unwrap_or_default().to_string();
            let reserved = quantity_named(&node["inventoryLevel"], "reserved").unwrap_or(0);
            connector
                .enriched
                .put((item, location), (sku.clone(), reserved));
            (sku, reserved)
        }
    };
    if let Some(obj) = payload.as_object_mut() {
        obj.insert("inventory_item".into(), json!({"id": item, "sku": sku}));
        obj.insert("reserved_quantity".into(), json!(reserved));
    }
    Ok(payload)
}
