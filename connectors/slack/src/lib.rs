//! The slack connector: `chat.postMessage` with a bot token, paced at one message a second per
//! channel, and an emulator of that part of the Slack Web API.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - [`SendMessage`] is the op type; [`SendMessageParams`] and [`SendMessageResult`] match the
//!   catalog.
//! - [`emulator::emulator_router`] builds the emulator (fixture format in [`emulator`]).

pub mod api;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod types;

pub use api::{SlackClient, classify_slack_error};
pub use config::SlackConfig;
pub use ops::SlackConnector;
pub use types::{SendMessage, SendMessageParams, SendMessageResult};

/// The connector's name in HandledScript.
pub const NAME: &str = "slack";

/// The factory the runtime uses to build this connector.
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::SlackFactory)
}
