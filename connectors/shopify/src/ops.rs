//! The shopify connector's table of ops (`findProduct`, `updateInventory`,
//! `getInventoryLevels`, `getAllInventory`, `updateProduct`) and its trigger's hooks.

use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{
    BatchCall, BoxFuture, CallError, CallInfo, Channel, Handles, HandlesBatch, Json, OpEntry,
    OpTable, TriggerConfig,
};

use crate::api::{ShopifyConnector, gid};
use crate::types::*;

impl Handles<FindProduct> for ShopifyConnector {
    async fn handle(
        &self,
        p: FindProductParams,
        _call: &CallInfo,
    ) -> Result<FindProductResult, CallError> {
        self.find_product(p).await
    }
}

impl Handles<UpdateInventory> for ShopifyConnector {
    async fn handle(
        &self,
        p: UpdateInventoryParams,
        call: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
        self.update_inventory(p, call).await
    }

    /// By `sku`, or by product and variant id once the variant was looked up (by `findProduct`
    /// or an earlier write): Shopify's webhook for the change names the SKU.
    fn written(&self, p: &UpdateInventoryParams) -> Option<(String, i64)> {
        let sku = match &p.sku {
            Some(sku) => sku.clone(),
            None => self.sku_of_variant(&gid("ProductVariant", p.variant_id.as_deref()?))?,
        };
        Some((sku, p.quantity))
    }

    /// The quantity it set was already there: Shopify reports no change, so no
    /// `inventory_levels/update` webhook follows. (Also when an earlier attempt of the same
    /// call had already set it; that attempt's webhook, if it comes, is then not recognised as
    /// an echo and starts one run, which writes what the other side holds.)
    fn changed_nothing(&self, output: &UpdateInventoryResult) -> bool {
        output.quantity == output.previous_quantity
    }
}

/// Many runs' lookups as one search per 50 SKUs (see [`crate::bulk`]).
impl HandlesBatch<FindProduct> for ShopifyConnector {
    const MAX_BATCH: usize = 250;

    async fn handle_batch(
        &self,
        calls: Vec<BatchCall<FindProductParams>>,
    ) -> Vec<Result<FindProductResult, CallError>> {
        self.find_product_batch(calls).await
    }
}

/// Many runs' writes as one `inventorySetQuantities` (see [`crate::bulk`]).
impl HandlesBatch<UpdateInventory> for ShopifyConnector {
    const MAX_BATCH: usize = crate::bulk::MAX_QUANTITIES;

    async fn handle_batch(
        &self,
        calls: Vec<BatchCall<UpdateInventoryParams>>,
    ) -> Vec<Result<UpdateInventoryResult, CallError>> {
        self.update_inventory_batch(calls).await
    }
}

impl Handles<GetInventoryLevels> for ShopifyConnector {
    async fn handle(
        &self,
        p: GetInventoryLevelsParams,
        _call: &CallInfo,
    ) -> Result<GetInventoryLevelsResult, CallError> {
        self.get_inventory_levels(p).await
    }
}

impl Handles<GetAllInventory> for ShopifyConnector {
    async fn handle(
        &self,
        p: GetAllInventoryParams,
        _call: &CallInfo,
    ) -> Result<GetAllInventoryResult, CallError> {
        self.get_all_inventory(p).await
    }
}

impl Handles<UpdateProduct> for ShopifyConnector {
    async fn handle(
        &self,
        p: UpdateProductParams,
        _call: &CallInfo,
    ) -> Result<UpdateProductResult, CallError> {
        self.update_product(p).await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<ShopifyConnector> = OpTable::new(
    crate::NAME,
    &[
        OpEntry::batched::<FindProduct>(),
        OpEntry::batched::<UpdateInventory>(),
        OpEntry::of::<GetInventoryLevels>(),
        OpEntry::of::<GetAllInventory>(),
        OpEntry::of::<UpdateProduct>(),
    ],
);

impl Channel for ShopifyConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }

    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        let event = crate::webhook::accept(
            &self.config.webhook_secret,
            &self.config.store,
            trigger,
            request,
        )?;
        crate::webhook::check_version(&self.config.api_version, request);
        Ok(event)
    }

    fn enrich<'a>(
        &'a self,
        _trigger: &'a TriggerConfig,
        payload: Json,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        Box::pin(crate::webhook::enrich(self, payload))
    }
}
