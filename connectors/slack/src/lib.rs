//! The slack connector: `chat.postMessage` with a bot token, paced at one message a second per
//! channel, and an emulator of that part of the Slack Web API.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`).
//! - [`SendMessage`] is the op type; [`SendMessageParams`] and [`SendMessageResult`] match the
//!   catalog.
//! - [`emulator::emulator_router`] builds the emulator (fixture format in [`emulator`]).
//!
//! Each request carries every header once: one `Authorization: Bearer …` and one
//! `Content-Type`, [`api::JSON_CONTENT_TYPE`] (`application/json; charset=utf-8`, what Slack
//! documents for JSON bodies). The emulator refuses a request that repeats either, as a strict
//! server would (`invalid_post_type`, `invalid_auth`: see [`emulator`]), and the contract test
//! reads every value of every header, so a header appended twice fails it.

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
