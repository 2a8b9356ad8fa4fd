//! The supplier connector: purchase orders posted as JSON to a supplier's REST endpoint
//! (`POST {SUPPLIER_API_URL}/purchase-orders`, the call's idempotency key in the
//! `Idempotency-Key` header), and an emulator of that endpoint.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - [`CreatePurchaseOrder`] is the op type; [`CreatePurchaseOrderParams`] and
//!   [`CreatePurchaseOrderResult`] match the catalog.
//! - [`emulator::emulator_router`] builds the emulator (fixture format in [`emulator`]).

pub mod api;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod types;

pub use api::SupplierClient;
pub use config::SupplierConfig;
pub use ops::SupplierConnector;
pub use types::{
    CreatePurchaseOrder, CreatePurchaseOrderParams, CreatePurchaseOrderResult, PurchaseOrder,
};

/// The connector's name in HandledScript.
pub const NAME: &str = "supplier";

/// The factory the runtime uses to build this connector.
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::SupplierFactory)
}
