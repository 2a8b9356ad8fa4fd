//! The slack op's parameter and result types (they match the catalog exactly) and the Web API
//! wire types the connector and the emulator share.

use handled_contract::Op;
use serde::{Deserialize, Serialize};

/// Parameters of `slack.sendMessage`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendMessageParams {
    /// A channel id (`C123…`) or `#name`.
    pub channel: String,
    /// The message text.
    pub message: String,
}

/// Result of `slack.sendMessage`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageResult {
    /// The channel id the message went to.
    pub channel: String,
    /// The message's timestamp id (a string such as `1503435956.000247`).
    pub ts: String,
}

/// The op `slack.sendMessage` (`chat.postMessage`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SendMessage;

impl Op for SendMessage {
    const CONNECTOR: &'static str = "slack";
    const NAME: &'static str = "sendMessage";
    type Params = SendMessageParams;
    type Output = SendMessageResult;
}

/// The JSON body of `chat.postMessage` as this connector sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostMessageRequest {
    /// Channel id or name.
    pub channel: String,
    /// The text.
    pub text: String,
}

/// The body of a `chat.postMessage` answer (success or `ok:false`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostMessageResponse {
    /// Whether the call succeeded.
    pub ok: bool,
    /// The error code when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    /// The message as posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<serde_json::Value>,
    /// For `missing_scope`: the scope needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<String>,
}
