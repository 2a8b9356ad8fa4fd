//! The amazon connector's table of ops (`updateInventory`, `getAllInventory`) and its
//! trigger's hooks.

use std::sync::Arc;

use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{CallError, CallInfo, Channel, Handles, OpEntry, OpTable, TriggerConfig};

use crate::api::AmazonClient;
use crate::types::{
    GetAllInventory, GetAllInventoryParams, GetAllInventoryResult, UpdateInventory,
    UpdateInventoryParams, UpdateInventoryResult,
};

/// The amazon connector.
#[derive(Clone, Debug)]
pub struct AmazonConnector {
    client: Arc<AmazonClient>,
}

impl AmazonConnector {
    /// A connector over this client.
    pub fn new(client: AmazonClient) -> Self {
        AmazonConnector {
            client: Arc::new(client),
        }
    }

    /// The client (bulk updates through feeds, product types).
    pub fn client(&self) -> &AmazonClient {
        &self.client
    }
}

impl Handles<UpdateInventory> for AmazonConnector {
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

impl Handles<GetAllInventory> for AmazonConnector {
    async fn handle(
        &self,
        p: GetAllInventoryParams,
        _call: &CallInfo,
    ) -> Result<GetAllInventoryResult, CallError> {
        self.client.get_all_inventory(&p).await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<AmazonConnector> = OpTable::new(
    crate::NAME,
    &[
        OpEntry::of::<UpdateInventory>(),
        OpEntry::of::<GetAllInventory>(),
    ],
);

impl Channel for AmazonConnector {
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
