//! The slack connector's table of ops: `sendMessage` (`chat.postMessage`).

use handled_contract::{CallError, CallInfo, Channel, Handles, OpEntry, OpTable};

use crate::api::SlackClient;
use crate::types::{SendMessage, SendMessageParams, SendMessageResult};

/// The slack connector.
#[derive(Clone, Debug)]
pub struct SlackConnector {
    client: SlackClient,
}

impl SlackConnector {
    /// A connector over this client.
    pub fn new(client: SlackClient) -> Self {
        SlackConnector { client }
    }

    /// The client.
    pub fn client(&self) -> &SlackClient {
        &self.client
    }
}

impl Handles<SendMessage> for SlackConnector {
    async fn handle(
        &self,
        p: SendMessageParams,
        _call: &CallInfo,
    ) -> Result<SendMessageResult, CallError> {
        self.client.post_message(&p.channel, &p.message).await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<SlackConnector> =
    OpTable::new(crate::NAME, &[OpEntry::of::<SendMessage>()]);

impl Channel for SlackConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }
}
