//! The email op's parameter and result types (they match the catalog exactly).

use handled_contract::{Json, Op};
use serde::{Deserialize, Serialize};

/// Parameters of `email.send`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendParams {
    /// The recipient.
    pub to: String,
    /// The template's name (`templates/NAME.txt` and/or `templates/NAME.html`).
    pub template: String,
    /// The template's variables.
    pub data: Json,
}

/// Result of `email.send`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    /// The message's `Message-ID` (without angle brackets).
    pub message_id: String,
}

/// The op `email.send`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Send;

impl Op for Send {
    const CONNECTOR: &'static str = "email";
    const NAME: &'static str = "send";
    type Params = SendParams;
    type Output = SendResult;
}
