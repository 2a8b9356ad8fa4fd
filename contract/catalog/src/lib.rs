//! The catalog: every connector, trigger and op that a HandledScript workflow can name, with
//! the shapes of their parameters, payloads and results, as plain data (no I/O).
//!
//! This is the one source of truth: the checker and code generator read it to check programs
//! and to emit typed calls, and each connector crate's tests prove that its Rust types agree
//! with it.

mod data;
mod shape;

pub use data::{CONNECTORS, OPS, TRIGGERS};
pub use shape::{FieldDef, ObjectShape, Shape, opt, req, rust_field_name};

/// A connector: one channel's crate, its environment and its ops.
#[derive(Clone, Copy, Debug)]
pub struct ConnectorDef {
    /// The name used in HandledScript (`shopify`).
    pub name: &'static str,
    /// The Rust crate that implements it (`handled_shopify`).
    pub crate_name: &'static str,
    /// The environment variables it reads (credentials, endpoints).
    pub env: &'static [EnvVarDef],
    /// One line for documentation.
    pub doc: &'static str,
}

impl ConnectorDef {
    /// Where its crate lives in the source tree, relative to the workspace root
    /// (`connectors/shopify`): every connector crate sits at `connectors/<name>`.
    pub fn crate_dir(&self) -> String {
        format!("connectors/{}", self.name)
    }

    /// Its crate's package name as Cargo spells it (`handled-shopify`).
    pub fn package_name(&self) -> String {
        self.crate_name.replace('_', "-")
    }
}

/// The connector implemented by the Rust crate `crate_name` (`handled_shopify`).
pub fn connector_by_crate(crate_name: &str) -> Option<&'static ConnectorDef> {
    CONNECTORS.iter().find(|c| c.crate_name == crate_name)
}

/// An environment variable a connector reads.
#[derive(Clone, Copy, Debug)]
pub struct EnvVarDef {
    /// Its name (`SHOPIFY_ACCESS_TOKEN`).
    pub name: &'static str,
    /// Whether the connector cannot talk to the real API without it.
    pub required: bool,
    /// Whether it is a secret (never logged, journaled or printed).
    pub secret: bool,
    /// What it holds.
    pub doc: &'static str,
}

/// An op: something an `action` step can do.
#[derive(Clone, Copy, Debug)]
pub struct OpDef {
    /// The connector (`shopify`).
    pub connector: &'static str,
    /// The op (`updateInventory`).
    pub name: &'static str,
    /// Its parameters (the Rust params struct is [`ObjectShape::rust_path`]).
    pub params: &'static ObjectShape,
    /// Its result (the Rust result struct).
    pub result: &'static ObjectShape,
    /// Groups of parameters of which exactly one group must be given in full (for
    /// `shopify.updateInventory`: `sku`, or `productId` with `variantId`). Empty when every
    /// required parameter is simply marked required.
    pub one_of: &'static [&'static [&'static str]],
    /// Whether the real API applies a repeated call with the same idempotency key once.
    pub idempotent: bool,
    /// Whether a call is a read (safe to repeat, never an echo source).
    pub read_only: bool,
    /// One line for documentation and diagnostics.
    pub doc: &'static str,
}

impl OpDef {
    /// `connector.op`.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.connector, self.name)
    }

    /// The Rust type implementing the op in the connector crate (`UpdateInventory`).
    pub fn rust_type(&self) -> String {
        pascal_case(self.name)
    }
}

/// A trigger: what starts a run.
#[derive(Clone, Copy, Debug)]
pub struct TriggerDef {
    /// The connector (`shopify`, or `webhook`/`schedule` for the built-in ones).
    pub connector: &'static str,
    /// The event (`inventoryChanged`).
    pub event: &'static str,
    /// Its configuration fields (besides the common [`EVENT_OPTIONS`]).
    pub fields: &'static [FieldDef],
    /// The names under which `trigger.<alias>` reaches the payload (`payload` always works).
    pub aliases: &'static [&'static str],
    /// The payload's shape.
    pub payload: Shape,
    /// Whether it is an event trigger (webhook), which takes `key` and `coalesce`.
    pub is_event: bool,
    /// The payload's natural key (dotted path) used when no `key` is given.
    pub natural_key: Option<&'static str>,
    /// One line for documentation.
    pub doc: &'static str,
}

impl TriggerDef {
    /// `connector.event`.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.connector, self.event)
    }
}

/// Options every event trigger accepts (LANGUAGE.md §6).
pub static EVENT_OPTIONS: &[FieldDef] = &[
    opt(
        "key",
        Shape::Json,
        "an expression over the payload that orders and serializes runs; default: the connector's natural key",
    ),
    opt(
        "coalesce",
        Shape::String,
        "a duration such as \"5s\": events for one key within it become one run of the newest",
    ),
];

/// Options every action accepts besides the op's parameters (LANGUAGE.md §6).
pub static ACTION_OPTIONS: &[FieldDef] = &[
    opt(
        "condition",
        Shape::Boolean,
        "a falsy value skips the action",
    ),
    opt(
        "retry",
        Shape::Json,
        "`{ attempts, backoff }`: how often and how to retry",
    ),
    opt("timeout", Shape::String, "a duration such as \"30s\""),
];

/// The connector with this name.
pub fn connector(name: &str) -> Option<&'static ConnectorDef> {
    CONNECTORS.iter().find(|c| c.name == name)
}

/// The op `connector.name`.
pub fn op(connector: &str, name: &str) -> Option<&'static OpDef> {
    OPS.iter()
        .find(|o| o.connector == connector && o.name == name)
}

/// The ops of one connector.
pub fn ops_of(connector: &str) -> impl Iterator<Item = &'static OpDef> + '_ {
    OPS.iter().filter(move |o| o.connector == connector)
}

/// The trigger `connector.event`.
pub fn trigger(connector: &str, event: &str) -> Option<&'static TriggerDef> {
    TRIGGERS
        .iter()
        .find(|t| t.connector == connector && t.event == event)
}

/// `updateInventory` → `UpdateInventory`.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || c == ' ' {
            upper = true;
            continue;
        }
        if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
