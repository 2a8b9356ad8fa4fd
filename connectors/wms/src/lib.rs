//! The wms connector: one generic REST + webhook connector for warehouse systems, shaped per
//! warehouse by a [`profile::Profile`] (`WMS_PROFILE`: `generic` (default), `shiphero`, `cin7`,
//! or a profile as JSON), and an emulator that serves the chosen profile's API.
//!
//! - [`connector()`]: the factory (`from_env`, `sandbox`, `sandbox_url`). In the sandbox the
//!   profile is the fixture's `profile` field (default `generic`).
//! - Ops ([`types`]): [`UpdateInventory`], [`GetAllInventory`].
//! - [`webhook`]: the `wms.inventoryChanged` trigger (signature, `events` filter, event id); the
//!   payload is the warehouse's own body.
//! - [`emulator`]: [`emulator::emulator_router`] and [`emulator::EmulatorHandle`]. The ShipHero
//!   and Cin7 emulators check every request against the vendor's published description kept in
//!   `specs/` (ShipHero's GraphQL schema, Cin7 Core's stock adjustment model) and refuse what
//!   the vendor refuses, in the vendor's error shape.

pub mod api;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod path;
pub mod profile;
pub mod types;
pub mod webhook;

pub use api::WmsConnector;
pub use config::Config;
pub use profile::Profile;
pub use types::*;

/// The connector's name in HandledScript.
pub const NAME: &str = "wms";

/// The factory of the wms connector.
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::WmsFactory)
}
