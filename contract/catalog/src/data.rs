//! The catalog's contents: connectors, triggers and ops (CONNECTORS.md §1–§2, §4).

use crate::shape::{FieldDef, ObjectShape, Shape, opt, req};
use crate::{ConnectorDef, EnvVarDef, OpDef, TriggerDef};

const fn env(name: &'static str, required: bool, secret: bool, doc: &'static str) -> EnvVarDef {
    EnvVarDef {
        name,
        required,
        secret,
        doc,
    }
}

/// Every connector.
pub static CONNECTORS: &[ConnectorDef] = &[
    ConnectorDef {
        name: "shopify",
        crate_name: "handled_shopify",
        doc: "Shopify Admin GraphQL API: inventory, products, inventory webhooks",
        env: &[
            env(
                "SHOPIFY_STORE_URL",
                true,
                false,
                "the shop, such as `acme.myshopify.com`",
            ),
            env(
                "SHOPIFY_ACCESS_TOKEN",
                true,
                true,
                "Admin API access token (`shpat_…`)",
            ),
            env(
                "SHOPIFY_WEBHOOK_SECRET",
                true,
                true,
                "the app's client secret, for webhook HMACs",
            ),
            env(
                "SHOPIFY_API_VERSION",
                false,
                false,
                "Admin API version (default 2026-04)",
            ),
            env(
                "SHOPIFY_BASE_URL",
                false,
                false,
                "overrides `https://{store}` (tests, proxies)",
            ),
        ],
    },
    ConnectorDef {
        name: "wms",
        crate_name: "handled_wms",
        doc: "a warehouse system through a configurable REST and webhook profile",
        env: &[
            env("WMS_BASE_URL", true, false, "the warehouse API's base URL"),
            env("WMS_API_KEY", true, true, "the warehouse API key"),
            env(
                "WMS_WEBHOOK_SECRET",
                true,
                true,
                "the secret that signs the warehouse's webhooks",
            ),
            env(
                "WMS_PROFILE",
                false,
                false,
                "the warehouse profile (default `generic`)",
            ),
            env(
                "WMS_RATE_LIMIT",
                false,
                false,
                "client-side pace, e.g. `10/s` or `60/min,burst=5` (default: the profile's)",
            ),
        ],
    },
    ConnectorDef {
        name: "amazon",
        crate_name: "handled_amazon",
        doc: "Amazon Selling Partner API: listings, FBA inventory, listings feeds",
        env: &[
            env(
                "AMAZON_LWA_CLIENT_ID",
                true,
                false,
                "Login with Amazon client id",
            ),
            env(
                "AMAZON_LWA_CLIENT_SECRET",
                true,
                true,
                "Login with Amazon client secret",
            ),
            env(
                "AMAZON_LWA_REFRESH_TOKEN",
                true,
                true,
                "the seller's refresh token",
            ),
            env("AMAZON_SELLER_ID", false, false, "the default seller id"),
            env(
                "AMAZON_MARKETPLACE_ID",
                false,
                false,
                "the default marketplace id",
            ),
            env("AMAZON_BASE_URL", false, false, "overrides the SP-API host"),
            env(
                "AMAZON_LWA_URL",
                false,
                false,
                "overrides the token endpoint",
            ),
            env(
                "AMAZON_FEED_ABOVE",
                false,
                false,
                "bulk updates of more SKUs than this (default 100) go as one listings feed",
            ),
            env(
                "AMAZON_PRODUCT_TYPE",
                false,
                false,
                "the product type quantity patches name (default PRODUCT, Amazon's type for patching an existing listing; `lookup` reads each listing's own)",
            ),
        ],
    },
    ConnectorDef {
        name: "ebay",
        crate_name: "handled_ebay",
        doc: "eBay Sell Inventory API",
        env: &[
            env("EBAY_CLIENT_ID", true, false, "OAuth client id"),
            env("EBAY_CLIENT_SECRET", true, true, "OAuth client secret"),
            env(
                "EBAY_REFRESH_TOKEN",
                true,
                true,
                "the seller's refresh token",
            ),
            env(
                "EBAY_BASE_URL",
                false,
                false,
                "overrides `https://api.ebay.com`",
            ),
            env(
                "EBAY_RATE_LIMIT",
                false,
                false,
                "client-side pace, e.g. `50/s` (default `20/s`)",
            ),
        ],
    },
    ConnectorDef {
        name: "slack",
        crate_name: "handled_slack",
        doc: "Slack Web API chat.postMessage",
        env: &[
            env("SLACK_BOT_TOKEN", true, true, "bot token (`xoxb-…`)"),
            env(
                "SLACK_BASE_URL",
                false,
                false,
                "overrides `https://slack.com/api`",
            ),
            env(
                "SLACK_RATE_LIMIT",
                false,
                false,
                "client-side pace per channel (default `1/s`)",
            ),
        ],
    },
    ConnectorDef {
        name: "email",
        crate_name: "handled_email",
        doc: "email over SMTP, from templates beside the program",
        env: &[
            env(
                "SMTP_URL",
                true,
                true,
                "`smtp://user:pass@host:587` (STARTTLS) or `smtps://…`",
            ),
            env("EMAIL_FROM", true, false, "the sender address"),
            env(
                "EMAIL_TEMPLATES_DIR",
                false,
                false,
                "where templates are read (default `./templates`)",
            ),
            env(
                "EMAIL_RATE_LIMIT",
                false,
                false,
                "client-side pace (default `5/s,burst=10`)",
            ),
        ],
    },
    ConnectorDef {
        name: "analytics",
        crate_name: "handled_analytics",
        doc: "Segment HTTP Tracking API",
        env: &[
            env("SEGMENT_WRITE_KEY", true, true, "the source's write key"),
            env(
                "SEGMENT_BASE_URL",
                false,
                false,
                "overrides `https://api.segment.io`",
            ),
            env(
                "SEGMENT_RATE_LIMIT",
                false,
                false,
                "client-side pace (default `200/s`)",
            ),
        ],
    },
    ConnectorDef {
        name: "supplier",
        crate_name: "handled_supplier",
        doc: "purchase orders to a supplier's REST endpoint, or by email to a supplier without one",
        env: &[
            env(
                "SUPPLIER_API_URL",
                false,
                false,
                "where purchase orders are posted (required unless every supplier takes orders by \
                 email)",
            ),
            env(
                "SUPPLIER_ORDER_EMAILS",
                false,
                false,
                "suppliers that take orders by email: `Name=address[, address]` entries separated \
                 by `;` (sent through `SMTP_URL`, templated by `templates/purchase-order.txt`)",
            ),
            env(
                "SUPPLIER_ORDER_FROM",
                false,
                false,
                "the sender of order emails (default `EMAIL_FROM`)",
            ),
            env(
                "SUPPLIER_ORDER_TEMPLATE",
                false,
                false,
                "the order email's template name (default `purchase-order`)",
            ),
            env(
                "SUPPLIER_API_KEY",
                false,
                true,
                "bearer token for the supplier API",
            ),
            env(
                "SUPPLIER_RATE_LIMIT",
                false,
                false,
                "client-side pace (default `10/s`)",
            ),
        ],
    },
];

// ---------------------------------------------------------------------------------------------
// Shapes shared by several entries.

static STRING: Shape = Shape::String;
static INTEGER: Shape = Shape::Integer;

static SKU_QUANTITY: ObjectShape = ObjectShape {
    rust_path: "handled_runtime::types::SkuQuantity",
    fields: &[
        req("sku", Shape::String, "the SKU"),
        req("quantity", Shape::Integer, "the quantity"),
    ],
};
static SKU_QUANTITY_SHAPE: Shape = Shape::Object(&SKU_QUANTITY);

static INVENTORY_LIST_FIELDS: [FieldDef; 1] = [req(
    "items",
    Shape::Array(&SKU_QUANTITY_SHAPE),
    "every SKU, all pages",
)];

const fn inventory_list(rust_path: &'static str) -> ObjectShape {
    ObjectShape {
        rust_path,
        fields: &INVENTORY_LIST_FIELDS,
    }
}

// ---------------------------------------------------------------------------------------------
// Triggers.

static SHOPIFY_INVENTORY_ITEM: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::InventoryItemRef",
    fields: &[
        req("id", Shape::Number, "the inventory item's numeric id"),
        req(
            "sku",
            Shape::String,
            "the item's SKU (looked up by the trigger, cached)",
        ),
    ],
};

static SHOPIFY_INVENTORY_EVENT: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::InventoryLevelEvent",
    fields: &[
        req(
            "inventory_item_id",
            Shape::Number,
            "numeric inventory item id",
        ),
        req("location_id", Shape::Number, "numeric location id"),
        req(
            "available",
            Shape::Nullable(&INTEGER),
            "available quantity; null for untracked items",
        ),
        req(
            "updated_at",
            Shape::String,
            "when the level changed (ISO 8601)",
        ),
        req(
            "admin_graphql_api_id",
            Shape::String,
            "the InventoryLevel GID",
        ),
        req(
            "inventory_item",
            Shape::Object(&SHOPIFY_INVENTORY_ITEM),
            "the item (enriched)",
        ),
        req(
            "reserved_quantity",
            Shape::Integer,
            "reserved units at the location (enriched)",
        ),
    ],
};

static TICK: ObjectShape = ObjectShape {
    rust_path: "handled_runtime::types::Tick",
    fields: &[
        req(
            "scheduledAt",
            Shape::String,
            "the tick's scheduled time (ISO 8601, UTC)",
        ),
        req(
            "firedAt",
            Shape::String,
            "when the run actually started (ISO 8601, UTC)",
        ),
    ],
};

static EVENTS: Shape = Shape::Array(&STRING);

/// Every trigger.
pub static TRIGGERS: &[TriggerDef] = &[
    TriggerDef {
        connector: "shopify",
        event: "inventoryChanged",
        fields: &[
            opt("store", Shape::String, "the shop whose webhooks start runs"),
            opt(
                "events",
                EVENTS,
                "webhook topics (default [\"inventory_levels/update\"])",
            ),
            opt(
                "path",
                Shape::String,
                "the webhook path (default /hooks/<workflow>)",
            ),
        ],
        aliases: &["inventoryData"],
        payload: Shape::Object(&SHOPIFY_INVENTORY_EVENT),
        is_event: true,
        natural_key: Some("inventory_item.sku"),
        doc: "Shopify's inventory_levels webhook, enriched with the item's SKU and reserved quantity",
    },
    TriggerDef {
        connector: "wms",
        event: "inventoryChanged",
        fields: &[
            req(
                "endpoint",
                Shape::String,
                "the path or URL the warehouse posts to",
            ),
            req("events", EVENTS, "event names, such as [\"stock.updated\"]"),
        ],
        aliases: &["wmsData", "inventoryData"],
        payload: Shape::Json,
        is_event: true,
        natural_key: Some("sku"),
        doc: "the warehouse's stock webhook; the body is the warehouse's own JSON",
    },
    TriggerDef {
        connector: "amazon",
        event: "inventoryChanged",
        fields: &[
            opt(
                "path",
                Shape::String,
                "the notification path (default /hooks/<workflow>)",
            ),
            opt(
                "events",
                EVENTS,
                "notification types (default [\"LISTINGS_ITEM_MFN_QUANTITY_CHANGE\"])",
            ),
        ],
        aliases: &["inventoryData"],
        payload: Shape::Json,
        is_event: true,
        natural_key: Some("Payload.Sku"),
        doc: "SP-API notifications about listing quantities",
    },
    TriggerDef {
        connector: "ebay",
        event: "inventoryChanged",
        fields: &[
            opt(
                "path",
                Shape::String,
                "the notification path (default /hooks/<workflow>)",
            ),
            opt("events", EVENTS, "notification topics"),
        ],
        aliases: &["inventoryData"],
        payload: Shape::Json,
        is_event: true,
        natural_key: Some("sku"),
        doc: "eBay notifications about inventory items",
    },
    TriggerDef {
        connector: "webhook",
        event: "received",
        fields: &[
            req("path", Shape::String, "the path to serve"),
            opt(
                "secret",
                Shape::String,
                "HMAC-SHA256 secret for the raw body",
            ),
            opt(
                "signatureHeader",
                Shape::String,
                "the signature header (default X-Signature)",
            ),
            opt(
                "idField",
                Shape::String,
                "dotted path of the event id in the body",
            ),
        ],
        aliases: &["body"],
        payload: Shape::Json,
        is_event: true,
        natural_key: None,
        doc: "any JSON webhook",
    },
    TriggerDef {
        connector: "schedule",
        event: "cron",
        fields: &[
            req(
                "expression",
                Shape::String,
                "cron with 5 fields, or 6 with seconds first",
            ),
            opt("timezone", Shape::String, "an IANA time zone (default UTC)"),
        ],
        aliases: &["tick"],
        payload: Shape::Object(&TICK),
        is_event: false,
        natural_key: None,
        doc: "a cron schedule in a time zone",
    },
];

// ---------------------------------------------------------------------------------------------
// Ops.

static PRODUCT_STATUS: &[&str] = &["ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED"];

static FIND_PRODUCT_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::FindProductParams",
    fields: &[req(
        "sku",
        Shape::String,
        "the SKU to look up (exact match)",
    )],
};
static FIND_PRODUCT_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::FindProductResult",
    fields: &[
        req("productId", Shape::String, "the product GID"),
        req("variantId", Shape::String, "the variant GID"),
        req("inventoryItemId", Shape::String, "the inventory item GID"),
        req("sku", Shape::String, "the SKU"),
        req("title", Shape::String, "the product's title"),
    ],
};

static SHOPIFY_UPDATE_INVENTORY_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::UpdateInventoryParams",
    fields: &[
        req("quantity", Shape::Integer, "the available quantity to set"),
        opt(
            "sku",
            Shape::String,
            "the SKU (or give productId and variantId)",
        ),
        opt("productId", Shape::String, "the product id or GID"),
        opt("variantId", Shape::String, "the variant id or GID"),
        opt(
            "location",
            Shape::String,
            "\"primary\" or a location id (default primary)",
        ),
    ],
};
static SHOPIFY_UPDATE_INVENTORY_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::UpdateInventoryResult",
    fields: &[
        req("inventoryItemId", Shape::String, "the inventory item GID"),
        req("locationId", Shape::String, "the location GID"),
        req("quantity", Shape::Integer, "the quantity now available"),
        req(
            "previousQuantity",
            Shape::Integer,
            "the quantity before the write",
        ),
    ],
};

static PRODUCT_SUMMARY: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::ProductSummary",
    fields: &[
        req("title", Shape::String, "the product's title"),
        req("vendor", Shape::String, "the product's vendor"),
        req("tags", Shape::Array(&STRING), "the product's tags"),
    ],
};
static INVENTORY_LEVEL_ITEM: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::InventoryLevelItem",
    fields: &[
        req("sku", Shape::String, "the SKU"),
        req(
            "available",
            Shape::Integer,
            "available units at the location",
        ),
        req(
            "product",
            Shape::Object(&PRODUCT_SUMMARY),
            "the item's product",
        ),
    ],
};
static INVENTORY_LEVEL_ITEM_SHAPE: Shape = Shape::Object(&INVENTORY_LEVEL_ITEM);

static GET_INVENTORY_LEVELS_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::GetInventoryLevelsParams",
    fields: &[
        opt(
            "store",
            Shape::String,
            "the shop (default SHOPIFY_STORE_URL)",
        ),
        opt(
            "location",
            Shape::String,
            "\"primary\" or a location id (default primary)",
        ),
    ],
};
static GET_INVENTORY_LEVELS_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::GetInventoryLevelsResult",
    fields: &[req(
        "items",
        Shape::Array(&INVENTORY_LEVEL_ITEM_SHAPE),
        "every item, all pages",
    )],
};

static SHOPIFY_GET_ALL_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::GetAllInventoryParams",
    fields: &[
        opt(
            "store",
            Shape::String,
            "the shop (default SHOPIFY_STORE_URL)",
        ),
        opt(
            "location",
            Shape::String,
            "one location; default: all locations summed",
        ),
    ],
};
static SHOPIFY_GET_ALL_RESULT: ObjectShape =
    inventory_list("handled_shopify::GetAllInventoryResult");

static PRODUCT_DATA: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::ProductData",
    fields: &[
        opt(
            "published",
            Shape::Boolean,
            "false sets the product to DRAFT, true to ACTIVE",
        ),
        opt(
            "tags",
            Shape::Json,
            "a tag, comma-separated tags, or a list of tags (added)",
        ),
        opt("title", Shape::String, "the new title"),
        opt(
            "status",
            Shape::Enum(PRODUCT_STATUS),
            "ACTIVE, ARCHIVED, DRAFT or UNLISTED",
        ),
    ],
};
static UPDATE_PRODUCT_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::UpdateProductParams",
    fields: &[
        req(
            "productSku",
            Shape::String,
            "the SKU of one of the product's variants",
        ),
        req("data", Shape::Object(&PRODUCT_DATA), "what to change"),
    ],
};
static UPDATE_PRODUCT_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_shopify::UpdateProductResult",
    fields: &[req("productId", Shape::String, "the product GID")],
};

static WMS_UPDATE_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_wms::UpdateInventoryParams",
    fields: &[
        req("sku", Shape::String, "the SKU"),
        req("quantity", Shape::Integer, "the quantity to set"),
        opt(
            "location",
            Shape::String,
            "the warehouse location (default: the profile's)",
        ),
    ],
};
static WMS_UPDATE_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_wms::UpdateInventoryResult",
    fields: &[
        req("sku", Shape::String, "the SKU"),
        req(
            "quantity",
            Shape::Integer,
            "the quantity the warehouse now holds",
        ),
    ],
};
static WMS_GET_ALL_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_wms::GetAllInventoryParams",
    fields: &[opt("location", Shape::String, "one location; default: all")],
};
static WMS_GET_ALL_RESULT: ObjectShape = inventory_list("handled_wms::GetAllInventoryResult");

static AMAZON_CONFIG: ObjectShape = ObjectShape {
    rust_path: "handled_amazon::AmazonConfig",
    fields: &[
        req("sellerId", Shape::String, "the seller id"),
        req("marketplaceId", Shape::String, "the marketplace id"),
    ],
};
static AMAZON_UPDATE_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_amazon::UpdateInventoryParams",
    fields: &[
        req("sku", Shape::String, "the seller SKU"),
        req(
            "quantity",
            Shape::Integer,
            "the merchant-fulfilled quantity to set",
        ),
        opt(
            "config",
            Shape::Object(&AMAZON_CONFIG),
            "seller and marketplace (default AMAZON_SELLER_ID, AMAZON_MARKETPLACE_ID)",
        ),
    ],
};
static AMAZON_UPDATE_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_amazon::UpdateInventoryResult",
    fields: &[
        req("sku", Shape::String, "the seller SKU"),
        req("status", Shape::String, "ACCEPTED (queued) or INVALID"),
        req(
            "submissionId",
            Shape::String,
            "Amazon's submission id (empty when the listing held the quantity already: a write resumed after a stop, not sent again)",
        ),
    ],
};
static AMAZON_GET_ALL_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_amazon::GetAllInventoryParams",
    fields: &[opt(
        "sellerId",
        Shape::String,
        "the seller id (default AMAZON_SELLER_ID)",
    )],
};
static AMAZON_GET_ALL_RESULT: ObjectShape = inventory_list("handled_amazon::GetAllInventoryResult");

static EBAY_CONFIG: ObjectShape = ObjectShape {
    rust_path: "handled_ebay::EbayConfig",
    fields: &[
        req("apiKey", Shape::String, "the application key"),
        req("token", Shape::String, "a user access token"),
    ],
};
static EBAY_UPDATE_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_ebay::UpdateInventoryParams",
    fields: &[
        req("sku", Shape::String, "the inventory item SKU"),
        req(
            "quantity",
            Shape::Integer,
            "the quantity to set (item and its offers)",
        ),
        opt(
            "config",
            Shape::Object(&EBAY_CONFIG),
            "credentials (default: the OAuth refresh flow)",
        ),
    ],
};
static EBAY_UPDATE_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_ebay::UpdateInventoryResult",
    fields: &[
        req("sku", Shape::String, "the SKU"),
        req("statusCode", Shape::Integer, "eBay's per-SKU status code"),
    ],
};

static TRACK_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_analytics::TrackParams",
    fields: &[
        req("event", Shape::String, "the event name"),
        req("properties", Shape::Json, "the event's properties"),
    ],
};
static TRACK_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_analytics::TrackResult",
    fields: &[req(
        "accepted",
        Shape::Boolean,
        "whether Segment accepted the event",
    )],
};

static SEND_MESSAGE_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_slack::SendMessageParams",
    fields: &[
        req("channel", Shape::String, "a channel id or #name"),
        req("message", Shape::String, "the message text"),
    ],
};
static SEND_MESSAGE_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_slack::SendMessageResult",
    fields: &[
        req("channel", Shape::String, "the channel id"),
        req("ts", Shape::String, "the message's timestamp id"),
    ],
};

static PURCHASE_ORDER: ObjectShape = ObjectShape {
    rust_path: "handled_supplier::PurchaseOrder",
    fields: &[
        req("supplierName", Shape::String, "the supplier"),
        req("sku", Shape::String, "the SKU to order"),
        req("quantity", Shape::Integer, "how many units"),
        opt(
            "priority",
            Shape::Enum(&["urgent", "high", "normal", "low"]),
            "the order's priority",
        ),
    ],
};
static CREATE_PO_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_supplier::CreatePurchaseOrderParams",
    fields: &[req("data", Shape::Object(&PURCHASE_ORDER), "the order")],
};
static CREATE_PO_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_supplier::CreatePurchaseOrderResult",
    fields: &[req(
        "purchaseOrderId",
        Shape::String,
        "the supplier's order id",
    )],
};

static EMAIL_PARAMS: ObjectShape = ObjectShape {
    rust_path: "handled_email::SendParams",
    fields: &[
        req("to", Shape::String, "the recipient"),
        req(
            "template",
            Shape::String,
            "the template's name (templates/NAME.txt or .html)",
        ),
        req("data", Shape::Json, "the template's variables"),
    ],
};
static EMAIL_RESULT: ObjectShape = ObjectShape {
    rust_path: "handled_email::SendResult",
    fields: &[req("messageId", Shape::String, "the message's Message-ID")],
};

const fn op(
    connector: &'static str,
    name: &'static str,
    params: &'static ObjectShape,
    result: &'static ObjectShape,
    read_only: bool,
    doc: &'static str,
) -> OpDef {
    OpDef {
        connector,
        name,
        params,
        result,
        one_of: &[],
        idempotent: !read_only,
        read_only,
        doc,
    }
}

/// Every op.
pub static OPS: &[OpDef] = &[
    op(
        "shopify",
        "findProduct",
        &FIND_PRODUCT_PARAMS,
        &FIND_PRODUCT_RESULT,
        true,
        "finds the product variant with this exact SKU; an unknown SKU fails the run",
    ),
    OpDef {
        one_of: &[&["sku"], &["productId", "variantId"]],
        ..op(
            "shopify",
            "updateInventory",
            &SHOPIFY_UPDATE_INVENTORY_PARAMS,
            &SHOPIFY_UPDATE_INVENTORY_RESULT,
            false,
            "sets an item's available quantity at a location (inventorySetQuantities)",
        )
    },
    op(
        "shopify",
        "getInventoryLevels",
        &GET_INVENTORY_LEVELS_PARAMS,
        &GET_INVENTORY_LEVELS_RESULT,
        true,
        "every inventory level at a location, with its product",
    ),
    op(
        "shopify",
        "getAllInventory",
        &SHOPIFY_GET_ALL_PARAMS,
        &SHOPIFY_GET_ALL_RESULT,
        true,
        "every SKU's available quantity",
    ),
    op(
        "shopify",
        "updateProduct",
        &UPDATE_PRODUCT_PARAMS,
        &UPDATE_PRODUCT_RESULT,
        false,
        "changes a product's status, tags or title (productUpdate)",
    ),
    op(
        "wms",
        "updateInventory",
        &WMS_UPDATE_PARAMS,
        &WMS_UPDATE_RESULT,
        false,
        "sets a SKU's quantity in the warehouse",
    ),
    op(
        "wms",
        "getAllInventory",
        &WMS_GET_ALL_PARAMS,
        &WMS_GET_ALL_RESULT,
        true,
        "every SKU's quantity in the warehouse",
    ),
    op(
        "amazon",
        "updateInventory",
        &AMAZON_UPDATE_PARAMS,
        &AMAZON_UPDATE_RESULT,
        false,
        "sets a listing's merchant-fulfilled quantity (Listings Items patch)",
    ),
    op(
        "amazon",
        "getAllInventory",
        &AMAZON_GET_ALL_PARAMS,
        &AMAZON_GET_ALL_RESULT,
        true,
        "every listing's merchant-fulfilled quantity, the one updateInventory sets (searchListingsItems)",
    ),
    op(
        "ebay",
        "updateInventory",
        &EBAY_UPDATE_PARAMS,
        &EBAY_UPDATE_RESULT,
        false,
        "sets a SKU's quantity (bulkUpdatePriceQuantity)",
    ),
    op(
        "analytics",
        "track",
        &TRACK_PARAMS,
        &TRACK_RESULT,
        false,
        "records an event (Segment track)",
    ),
    op(
        "slack",
        "sendMessage",
        &SEND_MESSAGE_PARAMS,
        &SEND_MESSAGE_RESULT,
        false,
        "posts a message to a channel (chat.postMessage)",
    ),
    op(
        "supplier",
        "createPurchaseOrder",
        &CREATE_PO_PARAMS,
        &CREATE_PO_RESULT,
        false,
        "sends a purchase order to the supplier",
    ),
    op(
        "email",
        "send",
        &EMAIL_PARAMS,
        &EMAIL_RESULT,
        false,
        "sends an email rendered from a template beside the program",
    ),
];
