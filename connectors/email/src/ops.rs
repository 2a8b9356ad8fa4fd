//! The email connector's table of ops: `send`.

use std::sync::Arc;

use handled_contract::{CallError, CallInfo, Channel, Handles, OpEntry, OpTable};

use crate::api::EmailClient;
use crate::types::{Send, SendParams, SendResult};

/// The email connector.
#[derive(Clone, Debug)]
pub struct EmailConnector {
    client: Arc<EmailClient>,
}

impl EmailConnector {
    /// A connector over this client.
    pub fn new(client: EmailClient) -> Self {
        EmailConnector {
            client: Arc::new(client),
        }
    }

    /// The client.
    pub fn client(&self) -> &EmailClient {
        &self.client
    }
}

impl Handles<Send> for EmailConnector {
    async fn handle(&self, p: SendParams, call: &CallInfo) -> Result<SendResult, CallError> {
        self.client.send(&p, &call.idempotency_key).await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<EmailConnector> = OpTable::new(crate::NAME, &[OpEntry::of::<Send>()]);

impl Channel for EmailConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }
}
