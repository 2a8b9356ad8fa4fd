//! Reading a SKU and an integer quantity out of a JSON value by dotted paths: how connectors
//! say what a write set and what an event reports, for echo suppression (RUNTIME.md §1.3).

use crate::Json;

/// Reads a SKU and an integer quantity from the first of the given dotted paths that exist.
pub fn sku_quantity(
    value: &Json,
    sku_paths: &[&str],
    quantity_paths: &[&str],
) -> Option<(String, i64)> {
    let sku = sku_paths.iter().find_map(|p| match at_path(value, p)? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    })?;
    let quantity = quantity_paths.iter().find_map(|p| {
        let n = at_path(value, p)?;
        n.as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    })?;
    Some((sku, quantity))
}

/// The value at a dotted path (`inventory_item.sku`), if every step exists.
pub fn at_path<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    let mut at = value;
    for part in path.split('.') {
        at = at.get(part)?;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sku_and_quantity_from_the_usual_places() {
        let shopify = serde_json::json!({ "inventory_item": { "sku": "A" }, "available": 4 });
        assert_eq!(
            sku_quantity(
                &shopify,
                &["sku", "inventory_item.sku"],
                &["quantity", "available"]
            ),
            Some(("A".to_string(), 4))
        );
        assert_eq!(
            sku_quantity(&serde_json::json!({ "sku": "A" }), &["sku"], &["quantity"]),
            None
        );
        assert_eq!(
            sku_quantity(
                &serde_json::json!({ "sku": 12, "quantity": 3.0 }),
                &["sku"],
                &["quantity"]
            ),
            Some(("12".to_string(), 3))
        );
    }
}
