//! The ebay connector's table of ops (`updateInventory`) and its trigger's hooks.

use std::sync::Arc;

use handled_contract::batch::{Results, groups_by};
use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{
    BatchCall, CallError, CallInfo, Channel, Handles, HandlesBatch, OpEntry, OpTable, TriggerConfig,
};

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
        call: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
        self.client
            .update_inventory_resuming(&p, call.maybe_sent)
            .await
    }

    fn written(&self, p: &UpdateInventoryParams) -> Option<(String, i64)> {
        Some((p.sku.clone(), p.quantity))
    }
}

/// Many runs' writes as one `bulkUpdatePriceQuantity` of up to
/// [`MAX_BULK_ENTRIES`](crate::api::MAX_BULK_ENTRIES) SKUs, each SKU with its own status in the
/// answer. Calls with different static credentials go in requests of their own.
impl HandlesBatch<UpdateInventory> for EbayConnector {
    const MAX_BATCH: usize = crate::api::MAX_BULK_ENTRIES;

    async fn handle_batch(
        &self,
        calls: Vec<BatchCall<UpdateInventoryParams>>,
    ) -> Vec<Result<UpdateInventoryResult, CallError>> {
        let mut results = Results::new(calls.len());
        // By credentials (none: the OAuth refresh flow), in the calls' order.
        for (config, members) in groups_by(&calls, |c| c.params.config.as_ref()) {
            let items = members
                .iter()
                .map(|&i| (calls[i].params.sku.clone(), calls[i].params.quantity))
                .collect();
            let maybe_sent: Vec<bool> = members.iter().map(|&i| calls[i].info.maybe_sent).collect();
            let outcome = self
                .client
                .bulk_update_resuming(items, config, &maybe_sent)
                .await;
            for (i, (_, result)) in members.into_iter().zip(outcome) {
                results.set(i, result);
            }
        }
        results.finish("ebay")
    }
}

/// Every op of the connector.
pub static OPS: OpTable<EbayConnector> =
    OpTable::new(crate::NAME, &[OpEntry::batched::<UpdateInventory>()]);

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
