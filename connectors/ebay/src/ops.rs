//! The ebay connector's table of ops (`updateInventory`) and its trigger's hooks.

use std::sync::Arc;

use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{CallError, CallInfo, Channel, Handles, OpEntry, OpTable, TriggerConfig};

use crate::api::EbayClient;
use crate::types::{UpdateInventory, UpdateInventoryParams, UpdateInventoryResult};

/// The ebay connector.
#[derive(Clone, Debug)]
pub struct EbayConnector {
    client: Arc<EbayClient>,
}

impl EbayConnector {
    /// A connector over this client.
    pub fn new(client: EbayClient) -> Self {
        EbayConnector {
            client: Arc::new(client),
        }
    }

    /// The client (bulk updates, inventory listing).
    pub fn client(&self) -> &EbayClient {
        &self.client
    }
}

impl Handles<UpdateInventory> for EbayConnector {
    async fn handle(
        &self,
        p: UpdateInventoryParams,
        _call: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
        self.client.update_inventory(&p).await
    }

    fn written(&self, p: &UpdateInventoryParams) -> Option<(String, i64)> {
        Some((p.sku.clone(), p.quantity))
    }
}

/// Every op of the connector.
pub static OPS: OpTable<EbayConnector> =
    OpTable::new(crate::NAME, &[OpEntry::of::<UpdateInventory>()]);

impl Channel for EbayConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }

    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        crate::webhook::accept_notification(trigger, request)
    }
}
