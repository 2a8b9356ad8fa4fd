//! The emulated shop's data: locations, products, variants (one inventory item each) and
//! inventory levels, seeded from a fixture.

use std::collections::{BTreeMap, HashMap};

use handled_connector_core::Json;
use serde_json::json;

/// The location used when a fixture names none.
pub const DEFAULT_LOCATION_ID: u64 = 24_826_418;
/// First generated inventory item id: above 2^53, odd, so an f64 cannot hold it exactly.
const FIRST_ITEM_ID: u64 = 9_007_199_254_740_993;

/// A location.
#[derive(Clone, Debug)]
pub struct Location {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Whether it is the shop's primary location.
    pub primary: bool,
    /// Whether it is active.
    pub active: bool,
}

/// A product.
#[derive(Clone, Debug)]
pub struct Product {
    /// Numeric id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Vendor.
    pub vendor: String,
    /// Tags.
    pub tags: Vec<String>,
    /// ACTIVE, ARCHIVED, DRAFT or UNLISTED.
    pub status: String,
    /// Its variants (indexes into [`Shop::variants`]).
    pub variants: Vec<usize>,
}

/// A variant and its inventory item.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Numeric variant id.
    pub id: u64,
    /// SKU.
    pub sku: String,
    /// Its product (index into [`Shop::products`]).
    pub product: usize,
    /// Numeric inventory item id.
    pub item_id: u64,
    /// Whether Shopify tracks the item's inventory (fixture `"tracked": false`, or a merchant's
    /// change): an untracked item's webhooks say `"available": null`.
    pub tracked: bool,
}

/// Quantities of one item at one location.
#[derive(Clone, Debug, Default)]
pub struct Level {
    /// Available to sell.
    pub available: i64,
    /// Reserved.
    pub reserved: i64,
    /// Committed to orders.
    pub committed: i64,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
    /// How many sets of its available quantity were applied (a set to the same quantity
    /// counts; a replayed request does not).
    pub writes: u64,
}

impl Level {
    /// A named quantity (`available`, `on_hand`, …).
    pub fn quantity(&self, name: &str) -> Option<i64> {
        Some(match name {
            "available" => self.available,
            "reserved" => self.reserved,
            "committed" => self.committed,
            "on_hand" => self.available + self.committed + self.reserved,
            "incoming" | "damaged" | "safety_stock" | "quality_control" => 0,
            _ => return None,
        })
    }
}

/// The whole shop.
#[derive(Clone, Debug, Default)]
pub struct Shop {
    /// Locations.
    pub locations: Vec<Location>,
    /// Products.
    pub products: Vec<Product>,
    /// Variants.
    pub variants: Vec<Variant>,
    /// (item id, location id) → quantities.
    pub levels: BTreeMap<(u64, u64), Level>,
    /// Adjustment groups created so far.
    pub adjustments: u64,
}

pub(crate) fn now() -> String {
    handled_contract::clock::utc_now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Now, to the nanosecond, as `X-Shopify-Triggered-At` carries it.
pub(crate) fn now_precise() -> String {
    handled_contract::clock::utc_now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn id_of(v: &Json) -> Option<u64> {
    match v {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.rsplit('/').next()?.parse().ok(),
        _ => None,
    }
}

impl Shop {
    /// A shop from the fixture (format in the module doc of [`crate::emulator`]).
    pub fn from_fixture(fixture: &Json) -> Result<Shop, String> {
        let mut shop = Shop::default();
        match fixture.get("locations") {
            Some(Json::Array(locs)) if !locs.is_empty() => {
                for (i, l) in locs.iter().enumerate() {
                    let id = id_of(&l["id"])
                        .ok_or_else(|| format!("locations[{i}]: `id` must be a number"))?;
                    shop.locations.push(Location {
                        id,
                        name: l["name"].as_str().unwrap_or("Location").to_string(),
                        primary: l["primary"].as_bool().unwrap_or(false),
                        active: l["active"].as_bool().unwrap_or(true),
                    });
                }
                if !shop.locations.iter().any(|l| l.primary) {
                    shop.locations[0].primary = true;
                }
            }
            None | Some(Json::Null) | Some(Json::Array(_)) => shop.locations.push(Location {
                id: DEFAULT_LOCATION_ID,
                name: "Primary".into(),
                primary: true,
                active: true,
            }),
            Some(_) => return Err("`locations` must be a list".into()),
        }
        let primary = shop.primary().id;
        let entries = match fixture.get("products").or_else(|| fixture.get("items")) {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(items)) => items.clone(),
            Some(_) => return Err("`products` must be a list".into()),
        };
        let mut groups: HashMap<String, usize> = HashMap::new();
        let at = now();
        for (i, p) in entries.iter().enumerate() {
            let Some(sku) = p["sku"].as_str() else {
                return Err(format!("products[{i}]: `sku` must be a string"));
            };
            let group = p["product"].as_str().map(str::to_string);
            let product = match group.as_ref().and_then(|g| groups.get(g)) {
                Some(&idx) => idx,
                None => {
                    let tags = match &p["tags"] {
                        Json::Array(t) => t
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                        Json::String(s) => s
                            .split(',')
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty())
                            .collect(),
                        _ => Vec::new(),
                    };
                    shop.products.push(Product {
                        id: id_of(&p["productId"]).unwrap_or(7_000_000_000_001 + i as u64),
                        title: p["title"].as_str().unwrap_or(sku).to_string(),
                        vendor: p["vendor"].as_str().unwrap_or("").to_string(),
                        tags,
                        status: p["status"].as_str().unwrap_or("ACTIVE").to_string(),
                        variants: Vec::new(),
                    });
                    let idx = shop.products.len() - 1;
                    if let Some(g) = group {
                        groups.insert(g, idx);
                    }
                    idx
                }
            };
            let item_id = id_of(&p["inventoryItemId"]).unwrap_or(FIRST_ITEM_ID + 2 * i as u64);
            shop.variants.push(Variant {
                id: id_of(&p["variantId"]).unwrap_or(44_000_000_000_001 + i as u64),
                sku: sku.to_string(),
                product,
                item_id,
                tracked: p["tracked"].as_bool().unwrap_or(true),
            });
            let v = shop.variants.len() - 1;
            shop.products[product].variants.push(v);
            let reserved = p["reserved"].as_i64().unwrap_or(0);
            match &p["levels"] {
                Json::Object(levels) => {
                    for (loc, q) in levels {
                        let loc: u64 = loc
                            .rsplit('/')
                            .next()
                            .and_then(|s| s.parse().ok())
                            .ok_or_else(|| {
                                format!("products[{i}].levels: `{loc}` is not a location id")
                            })?;
                        if !shop.locations.iter().any(|l| l.id == loc) {
                            return Err(format!("products[{i}].levels: no location {loc}"));
                        }
                        let level = match q {
                            Json::Number(_) => Level {
                                available: q.as_i64().unwrap_or(0),
                                ..Level::default()
                            },
                            Json::Object(_) => Level {
                                available: q["available"].as_i64().unwrap_or(0),
                                reserved: q["reserved"].as_i64().unwrap_or(0),
                                committed: q["committed"].as_i64().unwrap_or(0),
                                ..Level::default()
                            },
                            _ => {
                                return Err(format!(
                                    "products[{i}].levels.{loc}: a quantity or an object"
                                ));
                            }
                        };
                        shop.levels.insert(
                            (item_id, loc),
                            Level {
                                updated_at: at.clone(),
                                ..level
                            },
                        );
                    }
                }
                _ => {
                    let available = p["available"]
                        .as_i64()
                        .or_else(|| p["quantity"].as_i64())
                        .unwrap_or(0);
                    shop.levels.insert(
                        (item_id, primary),
                        Level {
                            available,
                            reserved,
                            committed: 0,
                            updated_at: at.clone(),
                            writes: 0,
                        },
                    );
                }
            }
        }
        Ok(shop)
    }

    /// The primary location.
    pub fn primary(&self) -> &Location {
        self.locations
            .iter()
            .find(|l| l.primary)
            .unwrap_or(&self.locations[0])
    }

    /// The variant whose inventory item has this id.
    pub fn variant_by_item(&self, item: u64) -> Option<usize> {
        self.variants.iter().position(|v| v.item_id == item)
    }

    /// The variant with exactly this SKU.
    pub fn variant_by_sku(&self, sku: &str) -> Option<usize> {
        self.variants.iter().position(|v| v.sku == sku)
    }

    /// The state as JSON: per SKU, the total and per-location quantities and the sets applied
    /// to them; per SKU the product.
    pub fn to_json(&self) -> Json {
        let mut by_item: HashMap<u64, Vec<(u64, &Level)>> = HashMap::new();
        for ((item, loc), level) in &self.levels {
            by_item.entry(*item).or_default().push((*loc, level));
        }
        let mut inventory = serde_json::Map::new();
        let mut products = serde_json::Map::new();
        for v in &self.variants {
            let mut locations = serde_json::Map::new();
            let mut total = 0;
            let mut writes = 0;
            for (loc, level) in by_item.get(&v.item_id).into_iter().flatten() {
                total += level.available;
                writes += level.writes;
                locations.insert(
                    loc.to_string(),
                    json!({"available": level.available, "reserved": level.reserved,
                           "committed": level.committed, "writes": level.writes}),
                );
            }
            inventory.insert(
                v.sku.clone(),
                json!({"available": total, "locations": locations, "writes": writes}),
            );
            if let Some(p) = self.products.get(v.product) {
                products.insert(
                    v.sku.clone(),
                    json!({"productId": format!("gid://shopify/Product/{}", p.id), "title": p.title,
                           "status": p.status, "tags": p.tags, "vendor": p.vendor}),
                );
            }
        }
        json!({"inventory": inventory, "products": products})
    }
}
