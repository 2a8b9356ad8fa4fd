//! The supplier connector: purchase orders posted as JSON to a supplier's REST endpoint
//! (`POST {SUPPLIER_API_URL}/purchase-orders`, the call's idempotency key in the
//! `Idempotency-Key` header), or, for the suppliers named in `SUPPLIER_ORDER_EMAILS`, emailed
//! to them from a template over the email connector's SMTP server, numbered and identified
//! from the same key ([`by_email`]); and an emulator of that endpoint with a mailbox for the
//! suppliers that take orders by email.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - [`CreatePurchaseOrder`] is the op type; [`CreatePurchaseOrderParams`] and
//!   [`CreatePurchaseOrderResult`] match the catalog.
//! - [`config::Settings::from_env`] lists the variables; [`by_email::DEFAULT_TEMPLATE`] is the
//!   order email unless a `purchase-order.txt` beside the program replaces it.
//! - [`emulator::emulator_router`] builds the emulator (fixture format in [`emulator`]).

pub mod api;
pub mod by_email;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod types;

pub use api::SupplierClient;
pub use by_email::{OrderMailer, purchase_order_id_for};
pub use config::{EmailSuppliers, OrderEmailConfig, Settings, SupplierConfig};
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
