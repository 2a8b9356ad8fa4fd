//! The contract between connectors and everything else: what a connector is ([`Connector`],
//! [`ConnectorFactory`]; a crate writes one as a [`Channel`] with an [`OpTable`] of
//! [`Handles`]), what an op is ([`Op`]), a call ([`CallInfo`], [`CallError`] and its
//! [`ErrorClass`]), an incoming webhook ([`WebhookRequest`] → [`IncomingEvent`] or
//! [`WebhookError`]), the environment ([`Env`]), and the generic pieces every side shares,
//! each written once: HMAC signing ([`sign`]), redaction of secrets ([`redact`]), durations
//! ([`duration`]), locking ([`sync`]) and the clock ([`clock`]).
//!
//! Connector crates, the runtime and the code generator depend on this crate; it depends on
//! none of them, and on no database, HTTP stack or async runtime: compiling a connector does
//! not compile the engine. The catalog of every op and trigger ([`catalog`]) is its data.

pub mod batch;
pub mod call;
pub mod clock;
pub mod conformance;
pub mod connector;
pub mod duration;
pub mod env;
pub mod ops;
pub mod quantity;
pub mod redact;
pub mod sign;
pub mod sync;
pub mod types;
pub mod webhook;

pub use handled_catalog as catalog;

pub use call::{CallError, CallInfo, ErrorClass};
pub use clock::{Clock, ManualClock, SystemClock};
pub use connector::{BoxFuture, Connector, ConnectorFactory, Json, Op, Sandboxed};
pub use env::{Env, is_secret_name};
pub use ops::{BatchCall, Channel, Handles, HandlesBatch, OpEntry, OpTable};
pub use sync::lock;
pub use types::{SkuQuantity, Tick};
pub use webhook::{IncomingEvent, TriggerConfig, WebhookError, WebhookRequest};
