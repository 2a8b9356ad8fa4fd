//! Every GraphQL document the connector sends. A test validates each against the Admin API
//! schema of the version it is meant for (`specs/`).

/// Variants whose SKU matches a search (`sku:"…"`, or several joined by `OR`), `first` at a
/// time; the caller compares SKUs exactly.
pub const FIND_VARIANTS: &str = r#"query FindVariantsBySku($query: String!, $first: Int!, $after: String) {
  productVariants(first: $first, query: $query, after: $after) {
    nodes {
      id
      sku
      product { id title status tags }
      inventoryItem { id }
    }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// Inventory items whose SKU matches a search (`sku:"…"`, or several joined by `OR`), with
/// nothing but their id and SKU (one point a node): what a write needs that has no compare
/// value to send.
pub const FIND_ITEMS: &str = r#"query FindItemsBySku($query: String!, $first: Int!, $after: String) {
  inventoryItems(first: $first, query: $query, after: $after) {
    nodes { id sku }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// The same search, with each variant's level at one location (the shop's primary location,
/// once known): a write that follows `findProduct` compares with the quantity read here and
/// needs no read of its own.
pub const FIND_VARIANTS_AT: &str = r#"query FindVariantsBySkuAt($query: String!, $first: Int!, $after: String, $location: ID!) {
  productVariants(first: $first, query: $query, after: $after) {
    nodes {
      id
      sku
      product { id title status tags }
      inventoryItem {
        id
        inventoryLevel(locationId: $location) {
          id
          quantities(names: ["available", "reserved"]) { name quantity }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// One variant by id, with its product, its inventory item and that item's level at one
/// location (its available quantity, read before a set): a write by product and variant id
/// needs one request before the set, not two.
pub const VARIANT_LEVEL: &str = r#"query VariantLevel($id: ID!, $location: ID!) {
  productVariant(id: $id) {
    id
    sku
    product { id title }
    inventoryItem {
      id
      inventoryLevel(locationId: $location) {
        id
        quantities(names: ["available", "reserved"]) { name quantity }
      }
    }
  }
}"#;

/// The shop's primary location (`location` without an id).
pub const PRIMARY_LOCATION: &str = r#"query PrimaryLocation {
  location { id name }
}"#;

/// Every active location.
pub const LOCATIONS: &str = r#"query Locations($after: String) {
  locations(first: 50, after: $after) {
    nodes { id name isActive }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// One item's level at one location: its available quantity (read before a set by SKU, and
/// again after a stale compare).
pub const ITEM_LEVEL: &str = r#"query ItemLevel($item: ID!, $location: ID!) {
  inventoryItem(id: $item) {
    id
    sku
    inventoryLevel(locationId: $location) {
      id
      quantities(names: ["available", "reserved"]) { name quantity }
    }
  }
}"#;

/// One page of a location's inventory levels, with each item's SKU and product (through
/// `InventoryItem.variants`: `variant` is deprecated from 2026-01, "Use `variants` instead").
pub const LOCATION_LEVELS: &str = r#"query LocationLevels($location: ID!, $after: String) {
  location(id: $location) {
    id
    inventoryLevels(first: 50, after: $after) {
      nodes {
        quantities(names: ["available"]) { name quantity }
        item {
          id
          sku
          variants(first: 1) { nodes { product { title vendor tags } } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}"#;

/// [`LOCATION_LEVELS`] for versions before 2026-01, whose `InventoryItem` has only `variant`.
pub const LOCATION_LEVELS_LEGACY: &str = r#"query LocationLevels($location: ID!, $after: String) {
  location(id: $location) {
    id
    inventoryLevels(first: 50, after: $after) {
      nodes {
        quantities(names: ["available"]) { name quantity }
        item {
          id
          sku
          variant { product { title vendor tags } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}"#;

/// Sets available quantities, compare-and-swap with `changeFromQuantity` (null: no compare),
/// idempotent by key (versions 2026-01 and later; required from 2026-04). Each change names its
/// item and location, so that a write learns the quantity it replaced (`quantityAfterChange -
/// delta`) without reading it first.
pub const SET_QUANTITIES: &str = r#"mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup {
      id
      reason
      referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { field message code }
  }
}"#;

/// Sets available quantities with `compareQuantity` (versions before 2026-01, no idempotency).
pub const SET_QUANTITIES_LEGACY: &str = r#"mutation SetAvailable($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup {
      id
      reason
      referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { field message code }
  }
}"#;

/// Changes a product's status and title.
pub const PRODUCT_UPDATE: &str = r#"mutation UpdateProduct($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id status tags title }
    userErrors { field message }
  }
}"#;

/// Adds tags to a product, keeping the existing ones.
pub const TAGS_ADD: &str = r#"mutation AddTags($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    node { id }
    userErrors { field message }
  }
}"#;

/// An inventory item's SKU and its reserved quantity at a location (webhook enrichment).
pub const ENRICH_ITEM: &str = r#"query EnrichItem($id: ID!, $location: ID!) {
  inventoryItem(id: $id) {
    id
    sku
    inventoryLevel(locationId: $location) {
      quantities(names: ["reserved"]) { name quantity }
    }
  }
}"#;

/// The bulk query that reads every inventory item's id and SKU (the catalog a large batch of
/// SKU lookups is answered from: one operation instead of a search per 50 SKUs).
pub const CATALOG_ITEMS: &str = r#"query CatalogItems {
  inventoryItems {
    edges { node { id sku } }
  }
}"#;

/// Starts a bulk query operation.
pub const RUN_BULK_QUERY: &str = r#"mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}"#;

/// A bulk operation's progress (`node` reads it in every version; `bulkOperation(id:)` only
/// from 2026-01).
pub const BULK_OPERATION: &str = r#"query BulkOperationStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url }
  }
}"#;

/// Every document sent to versions 2026-01 and later, by name.
pub const CURRENT: &[(&str, &str)] = &[
    ("FIND_VARIANTS", FIND_VARIANTS),
    ("FIND_ITEMS", FIND_ITEMS),
    ("FIND_VARIANTS_AT", FIND_VARIANTS_AT),
    ("VARIANT_LEVEL", VARIANT_LEVEL),
    ("PRIMARY_LOCATION", PRIMARY_LOCATION),
    ("LOCATIONS", LOCATIONS),
    ("ITEM_LEVEL", ITEM_LEVEL),
    ("LOCATION_LEVELS", LOCATION_LEVELS),
    ("SET_QUANTITIES", SET_QUANTITIES),
    ("PRODUCT_UPDATE", PRODUCT_UPDATE),
    ("TAGS_ADD", TAGS_ADD),
    ("ENRICH_ITEM", ENRICH_ITEM),
    ("CATALOG_ITEMS", CATALOG_ITEMS),
    ("RUN_BULK_QUERY", RUN_BULK_QUERY),
    ("BULK_OPERATION", BULK_OPERATION),
];

/// Every document sent to versions before 2026-01, by name.
pub const LEGACY: &[(&str, &str)] = &[
    ("FIND_VARIANTS", FIND_VARIANTS),
    ("FIND_ITEMS", FIND_ITEMS),
    ("FIND_VARIANTS_AT", FIND_VARIANTS_AT),
    ("VARIANT_LEVEL", VARIANT_LEVEL),
    ("PRIMARY_LOCATION", PRIMARY_LOCATION),
    ("LOCATIONS", LOCATIONS),
    ("ITEM_LEVEL", ITEM_LEVEL),
    ("LOCATION_LEVELS_LEGACY", LOCATION_LEVELS_LEGACY),
    ("SET_QUANTITIES_LEGACY", SET_QUANTITIES_LEGACY),
    ("PRODUCT_UPDATE", PRODUCT_UPDATE),
    ("TAGS_ADD", TAGS_ADD),
    ("ENRICH_ITEM", ENRICH_ITEM),
    ("CATALOG_ITEMS", CATALOG_ITEMS),
    ("RUN_BULK_QUERY", RUN_BULK_QUERY),
    ("BULK_OPERATION", BULK_OPERATION),
];
