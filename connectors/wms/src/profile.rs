//! Warehouse profiles: how one warehouse system's API and webhooks look. The connector is
//! generic; a profile says where the SKU, quantity, location and event id are, how to write
//! and list stock, how to authenticate and how webhooks are signed.
//!
//! Built in (select with `WMS_PROFILE`; a JSON object in `WMS_PROFILE` is read as a profile):
//!
//! | profile | auth | webhook body (the payload) | write | list |
//! | --- | --- | --- | --- | --- |
//! | `generic` (default) | `Authorization: Bearer WMS_API_KEY` | `{"event_id","event":"stock.updated","product_sku","available_quantity","warehouse_location","updated_at"}`, `X-WMS-Signature` = hex HMAC-SHA256 of the raw body | `PUT /inventory/{sku}` `{"quantity","location"}` + `Idempotency-Key` | `GET /inventory?page=&pageSize=` → `{"items":[{"sku","quantity","location"}],"page","pageSize","total"}` |
//! | `shiphero` | Bearer | ShipHero's `Inventory Update` body (numeric strings; the moved warehouse in `inventory[0].updated_warehouse`), event type `webhook_type`, id `X-Shiphero-Message-ID`, `x-shiphero-hmac-sha256` = base64 HMAC | `POST /graphql` [`SHIPHERO_REPLACE`]: `inventory_replace(data: ReplaceInventoryInput!)` with `{sku, warehouse_id, quantity, reason}` (absolute, sets `on_hand`) | `POST /graphql` [`SHIPHERO_LIST`]: `warehouse_products { data(first:, after:) }`, cursor paging, `on_hand` per warehouse |
//! | `cin7` | `api-auth-accountid` + `api-auth-applicationkey` (`WMS_API_KEY` = `account:key`), 60 calls/min | `Stock/AvailableStockLevelChanged`: a bare JSON array `[{"SKU","Location","Available",…}]`, shared secret in `Authorization` | `POST /ExternalApi/v2/stockadjustment` `{"EffectiveDate","Status":"COMPLETED","Reference","Lines":[{"SKU","Location","Quantity","UnitCost":0}]}` (`Quantity` is the new level) | `GET /ExternalApi/v2/ref/productavailability?Page=&Limit=` (rows per SKU×location×bin×batch, summed) |
//!
//! The ShipHero documents are checked against ShipHero's published schema
//! (`specs/shiphero-inventory.graphql`), the Cin7 body against Cin7 Core's documented stock
//! adjustment (`specs/cin7-stockadjustment.json`); the emulator refuses what does not conform.
//!
//! Cin7 requires a `UnitCost` on every adjustment line, which values the stock a line adds; the
//! connector knows no cost, so the built-in profile sends 0. A deployment that cares about
//! stock valuation gives its own profile (`WMS_PROFILE` as JSON) with the cost it wants.

use serde::{Deserialize, Serialize};
use serde_json::json;

use handled_connector_core::Pace;
use handled_contract::Json;

/// How requests authenticate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Auth {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// `Authorization: Basic base64(<key>)` where the key is `user:password`.
    Basic,
    /// The key in one header.
    Header {
        /// The header's name.
        name: String,
    },
    /// The key is `<a>:<b>`; `a` goes in the first header, `b` in the second (Cin7 Core).
    HeaderPair {
        /// The first header (account id).
        first: String,
        /// The second header (application key).
        second: String,
    },
}

/// How webhooks prove where they come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Signature {
    /// HMAC-SHA256 of the raw body with the webhook secret, in a header.
    Hmac {
        /// The header's name.
        header: String,
        /// `base64` or `hex` (an optional `sha256=` prefix is accepted).
        encoding: String,
    },
    /// The secret itself in a header (`Bearer ` prefix allowed), compared in constant time.
    SharedSecret {
        /// The header's name.
        header: String,
    },
}

/// Where a value comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", content = "name", rename_all = "camelCase")]
pub enum Source {
    /// A dotted path in the body.
    Body(String),
    /// A header.
    Header(String),
    /// Always this value.
    Fixed(String),
    /// A SHA-256 of the raw body (event ids when the source gives none).
    BodyHash,
}

/// How the warehouse's webhooks look.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookShape {
    /// The signature check.
    pub signature: Signature,
    /// The event type (matched against the trigger's `events`).
    pub event_type: Source,
    /// The event id (deduplication).
    pub event_id: Source,
    /// Dotted path of the SKU.
    pub sku: String,
    /// Dotted path of the quantity (numeric strings accepted).
    pub quantity: String,
    /// Dotted path of the location.
    pub location: String,
    /// Dotted path of the change time (RFC 3339), if any.
    pub occurred_at: Option<String>,
}

/// How a quantity is written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteShape {
    /// `PUT`, `POST`, `PATCH`.
    pub method: String,
    /// Path template under the base URL (`/inventory/{sku}`).
    pub url: String,
    /// Body template (`{sku}`, `{quantity}`, `{location}`, `{key}`, `{date}`).
    pub body: Json,
    /// Whether the write sets an absolute quantity (all built-in profiles do).
    pub absolute: bool,
    /// Header carrying the call's idempotency key, if the API takes one.
    pub idempotency_header: Option<String>,
    /// Dotted path of the quantity in the response, if it reports it.
    pub result_quantity: Option<String>,
    /// Dotted path that, when present and not null/empty in a 2xx body, means failure.
    pub error_path: Option<String>,
}

/// How the inventory is paged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Paging {
    /// Page numbers: `{page}` and `{size}` in the URL or body; stops on a short page or at `total`.
    Pages {
        /// The first page number (0 or 1).
        first: u64,
        /// The page size.
        size: u64,
        /// Dotted path of the total item count, if given.
        total: Option<String>,
    },
    /// A cursor: `{cursor}` in the URL or body (null at first).
    Cursor {
        /// Dotted path of the next cursor.
        next: String,
        /// Dotted path of "more pages follow".
        has_more: String,
        /// The page size (`{size}`).
        size: u64,
    },
}

/// How the inventory is listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListShape {
    /// `GET` or `POST`.
    pub method: String,
    /// Path template (`/inventory?page={page}&pageSize={size}`).
    pub url: String,
    /// Body template for POST.
    pub body: Option<Json>,
    /// Paging.
    pub paging: Paging,
    /// Dotted path of the rows.
    pub items: String,
    /// Path of the SKU within a row.
    pub sku: String,
    /// Path of the quantity within a row.
    pub quantity: String,
    /// Path of the location within a row.
    pub location: String,
    /// Dotted path that, when present and not null/empty, means failure.
    pub error_path: Option<String>,
}

/// One warehouse system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Its name (`generic`).
    pub name: String,
    /// Authentication.
    pub auth: Auth,
    /// Webhooks.
    pub webhook: WebhookShape,
    /// Writing a quantity.
    pub write: WriteShape,
    /// Listing the inventory.
    pub list: ListShape,
    /// The location used when a call names none.
    pub default_location: String,
    /// Client-side pacing: calls per second and burst.
    pub rate_per_second: f64,
    /// Burst size.
    pub burst: u32,
}

/// The built-in profile names.
pub const BUILT_IN: &[&str] = &["generic", "shiphero", "cin7"];

/// ShipHero's absolute write: `inventory_replace` takes a `ReplaceInventoryInput!` and answers an
/// `UpdateInventoryOutput`, whose `warehouse_product.on_hand` is the quantity now held.
pub const SHIPHERO_REPLACE: &str = "mutation Replace($data: ReplaceInventoryInput!) { inventory_replace(data: $data) { request_id complexity warehouse_product { sku warehouse_id on_hand } } }";
/// ShipHero's listing: `warehouse_products` (one node per SKU and warehouse), paged by the
/// `first`/`after` arguments of its `data` connection.
pub const SHIPHERO_LIST: &str = "query Products($first: Int, $after: String) { warehouse_products(analyze: false) { request_id complexity data(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { sku warehouse_id on_hand } } } } }";

impl Profile {
    /// A built-in profile by name.
    pub fn built_in(name: &str) -> Option<Profile> {
        match name {
            "generic" => Some(Self::generic()),
            "shiphero" => Some(Self::shiphero()),
            "cin7" => Some(Self::cin7()),
            _ => None,
        }
    }

    /// The default profile (the seed programs' shape).
    pub fn generic() -> Profile {
        Profile {
            name: "generic".into(),
            auth: Auth::Bearer,
            webhook: WebhookShape {
                signature: Signature::Hmac {
                    header: "X-WMS-Signature".into(),
                    encoding: "hex".into(),
                },
                event_type: Source::Body("event".into()),
                event_id: Source::Body("event_id".into()),
                sku: "product_sku".into(),
                quantity: "available_quantity".into(),
                location: "warehouse_location".into(),
                occurred_at: Some("updated_at".into()),
            },
            write: WriteShape {
                method: "PUT".into(),
                url: "/inventory/{sku}".into(),
                body: json!({"quantity": "{quantity}", "location": "{location}"}),
                absolute: true,
                idempotency_header: Some("Idempotency-Key".into()),
                result_quantity: Some("quantity".into()),
                error_path: None,
            },
            list: ListShape {
                method: "GET".into(),
                url: "/inventory?page={page}&pageSize={size}".into(),
                body: None,
                paging: Paging::Pages {
                    first: 1,
                    size: 100,
                    total: Some("total".into()),
                },
                items: "items".into(),
                sku: "sku".into(),
                quantity: "quantity".into(),
                location: "location".into(),
                error_path: None,
            },
            default_location: "MAIN".into(),
            rate_per_second: 10.0,
            burst: 10,
        }
    }

    /// A ShipHero-shaped warehouse.
    pub fn shiphero() -> Profile {
        Profile {
            name: "shiphero".into(),
            auth: Auth::Bearer,
            webhook: WebhookShape {
                signature: Signature::Hmac {
                    header: "x-shiphero-hmac-sha256".into(),
                    encoding: "base64".into(),
                },
                event_type: Source::Body("webhook_type".into()),
                event_id: Source::Header("X-Shiphero-Message-ID".into()),
                sku: "inventory.0.sku".into(),
                quantity: "inventory.0.updated_warehouse.inventory".into(),
                location: "inventory.0.updated_warehouse.warehouse_id".into(),
                occurred_at: None,
            },
            write: WriteShape {
                method: "POST".into(),
                url: "/graphql".into(),
                body: json!({"query": SHIPHERO_REPLACE, "variables": {"data": {
                    "sku": "{sku}", "warehouse_id": "{location}", "quantity": "{quantity}", "reason": "handled sync {key}"}}}),
                absolute: true,
                idempotency_header: None,
                result_quantity: Some("data.inventory_replace.warehouse_product.on_hand".into()),
                error_path: Some("errors".into()),
            },
            list: ListShape {
                method: "POST".into(),
                url: "/graphql".into(),
                body: Some(
                    json!({"query": SHIPHERO_LIST, "variables": {"first": "{size}", "after": "{cursor}"}}),
                ),
                paging: Paging::Cursor {
                    next: "data.warehouse_products.data.pageInfo.endCursor".into(),
                    has_more: "data.warehouse_products.data.pageInfo.hasNextPage".into(),
                    size: 100,
                },
                items: "data.warehouse_products.data.edges".into(),
                sku: "node.sku".into(),
                quantity: "node.on_hand".into(),
                location: "node.warehouse_id".into(),
                error_path: Some("errors".into()),
            },
            default_location: "V2FyZWhvdXNlOjE=".into(),
            rate_per_second: 5.0,
            burst: 10,
        }
    }

    /// A Cin7-Core-shaped warehouse.
    pub fn cin7() -> Profile {
        Profile {
            name: "cin7".into(),
            auth: Auth::HeaderPair {
                first: "api-auth-accountid".into(),
                second: "api-auth-applicationkey".into(),
            },
            webhook: WebhookShape {
                signature: Signature::SharedSecret {
                    header: "Authorization".into(),
                },
                event_type: Source::Fixed("Stock/AvailableStockLevelChanged".into()),
                event_id: Source::BodyHash,
                sku: "0.SKU".into(),
                quantity: "0.Available".into(),
                location: "0.Location".into(),
                occurred_at: None,
            },
            write: WriteShape {
                method: "POST".into(),
                url: "/ExternalApi/v2/stockadjustment".into(),
                body: json!({"EffectiveDate": "{date}", "Status": "COMPLETED", "Reference": "{key}",
                    "Lines": [{"SKU": "{sku}", "Location": "{location}", "Quantity": "{quantity}", "UnitCost": 0}]}),
                absolute: true,
                idempotency_header: None,
                // The answer splits the lines into ExistingStockLines and NewStockLines.
                result_quantity: None,
                error_path: None,
            },
            list: ListShape {
                method: "GET".into(),
                url: "/ExternalApi/v2/ref/productavailability?Page={page}&Limit={size}".into(),
                body: None,
                paging: Paging::Pages {
                    first: 1,
                    size: 100,
                    total: Some("Total".into()),
                },
                items: "ProductAvailabilityList".into(),
                sku: "SKU".into(),
                quantity: "Available".into(),
                location: "Location".into(),
                error_path: None,
            },
            default_location: "Main Warehouse".into(),
            rate_per_second: 1.0,
            burst: 60,
        }
    }

    /// The profile's client-side pace.
    pub fn pace(&self) -> Pace {
        Pace::new(self.rate_per_second, self.burst)
    }

    /// The same profile at another client-side pace (`WMS_RATE_LIMIT`).
    pub fn with_pace(mut self, pace: Pace) -> Profile {
        self.rate_per_second = pace.per_second;
        self.burst = pace.burst;
        self
    }

    /// A profile from `WMS_PROFILE`: a built-in name, or a JSON object.
    pub fn from_setting(setting: &str) -> Result<Profile, String> {
        let s = setting.trim();
        if s.starts_with('{') {
            return serde_json::from_str(s)
                .map_err(|e| format!("WMS_PROFILE is not a valid profile: {e}"));
        }
        Self::built_in(s)
            .ok_or_else(|| format!("WMS_PROFILE `{s}` is not one of {}", BUILT_IN.join(", ")))
    }
}
