//! `--state FILE`: what the emulators hold, written back into the fixture's own shape, so that
//! a restarted server seeded from that file starts where the last one stopped.
//!
//! Kept: Shopify's levels per SKU and location (available, reserved, committed), the
//! warehouse's stock per SKU and location, Amazon's and eBay's quantities (and eBay's offer
//! quantities), the supplier's purchase orders. Not kept (the emulators have no way to load
//! them): request counters, idempotency keys already answered, issued OAuth tokens, Slack
//! messages, emails and analytics events received, Shopify's throttle bucket.

use std::path::Path;

use handled_connector_core::Json;
use serde_json::json;

fn entry_mut<'a>(fixture: &'a mut Json, name: &str) -> Option<&'a mut Json> {
    if fixture.get("channels").and_then(|c| c.get(name)).is_some() {
        return fixture.get_mut("channels")?.get_mut(name);
    }
    let obj = fixture.as_object_mut()?;
    Some(obj.entry(name).or_insert_with(|| json!({})))
}

/// The fixture with the stock in `state` (a `GET /_state` answer) written into it.
pub fn snapshot(fixture: &Json, state: &Json) -> Json {
    let mut out = if fixture.is_object() {
        fixture.clone()
    } else {
        json!({})
    };
    if let Some(shopify) = entry_mut(&mut out, "shopify") {
        let key = if shopify.get("products").is_some() {
            "products"
        } else {
            "items"
        };
        if let Some(Json::Array(products)) = shopify.get_mut(key) {
            for p in products.iter_mut() {
                let Some(sku) = p["sku"].as_str().map(str::to_string) else {
                    continue;
                };
                let Some(Json::Object(locations)) =
                    state["shopify"]["inventory"][sku.as_str()].get("locations")
                else {
                    continue;
                };
                let levels: serde_json::Map<String, Json> = locations
                    .iter()
                    .map(|(loc, l)| {
                        (
                            loc.clone(),
                            json!({"available": l["available"], "reserved": l["reserved"],
                                   "committed": l["committed"]}),
                        )
                    })
                    .collect();
                if let Some(obj) = p.as_object_mut() {
                    for k in ["available", "quantity", "reserved"] {
                        obj.remove(k);
                    }
                    obj.insert("levels".into(), Json::Object(levels));
                }
            }
        }
    }
    if let (Some(wms), Some(Json::Object(inventory))) =
        (entry_mut(&mut out, "wms"), state["wms"].get("inventory"))
    {
        let items: Vec<Json> = inventory
            .iter()
            .flat_map(|(sku, e)| {
                e["locations"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(move |(loc, q)| json!({"sku": sku, "quantity": q, "location": loc}))
            })
            .collect();
        if let Some(obj) = wms.as_object_mut() {
            obj.insert("items".into(), Json::Array(items));
        }
    }
    if let Some(amazon) = entry_mut(&mut out, "amazon")
        && let Some(Json::Array(items)) = amazon.get_mut("items")
    {
        for item in items.iter_mut() {
            let Some(sku) = item["sku"].as_str().map(str::to_string) else {
                continue;
            };
            let now = &state["amazon"]["items"][sku.as_str()];
            if let (Some(q), Some(obj)) = (now["quantity"].as_i64(), item.as_object_mut()) {
                obj.insert("quantity".into(), json!(q));
                if obj.contains_key("fbaQuantity") {
                    obj.insert("fbaQuantity".into(), now["fbaQuantity"].clone());
                }
            }
        }
    }
    if let Some(ebay) = entry_mut(&mut out, "ebay")
        && let Some(Json::Array(items)) = ebay.get_mut("items")
    {
        for item in items.iter_mut() {
            let Some(sku) = item["sku"].as_str().map(str::to_string) else {
                continue;
            };
            let now = state["ebay"]["items"][sku.as_str()].clone();
            if let Some(q) = now["quantity"].as_i64() {
                item["quantity"] = json!(q);
            }
            if let Some(Json::Array(offers)) = item.get_mut("offers") {
                for offer in offers.iter_mut() {
                    let Some(id) = offer["offerId"].as_str().map(str::to_string) else {
                        continue;
                    };
                    let available = &now["offers"][id.as_str()]["availableQuantity"];
                    if !available.is_null() {
                        offer["availableQuantity"] = available.clone();
                    }
                }
            }
        }
    }
    if let (Some(supplier), Some(Json::Array(orders))) = (
        entry_mut(&mut out, "supplier"),
        state["supplier"].get("orders"),
    ) && let Some(obj) = supplier.as_object_mut()
    {
        obj.insert("orders".into(), Json::Array(orders.clone()));
    }
    out
}

/// Writes `value` to `path` atomically (a temporary file beside it, then a rename).
pub fn write(path: &Path, value: &Json) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stock_is_written_back_into_the_fixture() {
        let fixture = json!({
            "env": {"X": "1"},
            "shopify": {"products": [{"sku": "A", "title": "Alpha", "available": 4}]},
            "wms": {"items": [{"sku": "A", "quantity": 5, "location": "primary"}]},
            "amazon": {"items": [{"sku": "A", "quantity": 3, "productType": "SHIRT"}]},
            "ebay": {"items": [{"sku": "A", "quantity": 3, "offers": [{"offerId": "5001", "availableQuantity": 3}]}]},
        });
        let state = json!({
            "shopify": {"inventory": {"A": {"available": 9, "locations": {"24826418": {"available": 9, "reserved": 1, "committed": 0}}}}},
            "wms": {"inventory": {"A": {"quantity": 12, "locations": {"primary": 12}}}},
            "amazon": {"items": {"A": {"quantity": 7, "fbaQuantity": 7}}},
            "ebay": {"items": {"A": {"quantity": 2, "offers": {"5001": {"availableQuantity": 2}}}}},
            "supplier": {"orders": [{"purchaseOrderId": "PO-1", "supplierName": "Acme", "sku": "A", "quantity": 5}]},
        });
        let out = snapshot(&fixture, &state);
        assert_eq!(out["env"]["X"], "1");
        assert_eq!(out["shopify"]["products"][0]["title"], "Alpha");
        assert_eq!(
            out["shopify"]["products"][0]["levels"]["24826418"]["available"],
            9
        );
        assert!(out["shopify"]["products"][0].get("available").is_none());
        assert_eq!(
            out["wms"]["items"],
            json!([{"sku": "A", "quantity": 12, "location": "primary"}])
        );
        assert_eq!(out["amazon"]["items"][0]["quantity"], 7);
        assert_eq!(out["ebay"]["items"][0]["offers"][0]["availableQuantity"], 2);
        assert_eq!(out["supplier"]["orders"][0]["purchaseOrderId"], "PO-1");
    }
}
