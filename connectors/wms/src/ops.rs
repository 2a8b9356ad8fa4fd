//! The wms connector's table of ops (`updateInventory`, `getAllInventory`) and its trigger's
//! hooks.

use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{
    CallError, CallInfo, Channel, Handles, Json, OpEntry, OpTable, TriggerConfig,
};

use crate::api::WmsConnector;
use crate::types::{
    GetAllInventory, GetAllInventoryParams, GetAllInventoryResult, UpdateInventory,
    UpdateInventoryParams, UpdateInventoryResult,
};

impl Handles<UpdateInventory> for WmsConnector {
    async fn handle(
        &self,
        p: UpdateInventoryParams,
        call: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
        self.update_inventory(p, call).await
    }

    fn written(&self, p: &UpdateInventoryParams) -> Option<(String, i64)> {
        Some((p.sku.clone(), p.quantity))
    }
}

impl Handles<GetAllInventory> for WmsConnector {
    async fn handle(
        &self,
        p: GetAllInventoryParams,
        _call: &CallInfo,
    ) -> Result<GetAllInventoryResult, CallError> {
        self.get_all_inventory(p).await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<WmsConnector> = OpTable::new(
    crate::NAME,
    &[
        OpEntry::of::<UpdateInventory>(),
        OpEntry::of::<GetAllInventory>(),
    ],
);

impl Channel for WmsConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }

    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        crate::webhook::accept(
            &self.config.profile,
            &self.config.webhook_secret,
            trigger,
            request,
        )
    }

    fn reported_quantity(&self, _trigger: &TriggerConfig, payload: &Json) -> Option<(String, i64)> {
        crate::webhook::reported_quantity(&self.config.profile, payload)
    }
}
