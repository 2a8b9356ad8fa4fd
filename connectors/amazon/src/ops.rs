//! The amazon connector's table of ops (`updateInventory`, `getAllInventory`) and its
//! trigger's hooks.

use std::sync::Arc;

use handled_contract::batch::{Results, groups_by, waves_by};
use handled_contract::webhook::{IncomingEvent, WebhookError, WebhookRequest};
use handled_contract::{
    BatchCall, CallError, CallInfo, Channel, Handles, HandlesBatch, OpEntry, OpTable, TriggerConfig,
};

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
        call: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
        if call.maybe_sent {
            let (seller, marketplace) = self.client.seller_and_marketplace(p.config.as_ref())?;
            let item = [(p.sku.clone(), p.quantity)];
            if !self
                .client
                .already_held(&seller, &marketplace, &item)
                .await
                .is_empty()
            {
                return Ok(held(&p.sku));
            }
        }
        self.client.update_inventory(&p).await
    }

    fn written(&self, p: &UpdateInventoryParams) -> Option<(String, i64)> {
        Some((p.sku.clone(), p.quantity))
    }
}

/// Many runs' writes: one Listings Items patch each while they are few (at most
/// `feed_above`), else one `JSON_LISTINGS_FEED` of up to 25,000 messages, polled to `DONE`,
/// its processing report mapped back to each member (a refused message fails that member
/// only). A SKU appears at most once per feed (a second write of it goes in the next feed);
/// calls with different sellers or marketplaces go separately.
impl HandlesBatch<UpdateInventory> for AmazonConnector {
    const MAX_BATCH: usize = crate::api::MAX_FEED_MESSAGES;
    /// A feed takes minutes and `createFeed` allows 15 then one every two minutes: while a
    /// burst keeps coming, two more seconds make one feed of what would have been many.
    const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

    async fn handle_batch(
        &self,
        calls: Vec<BatchCall<UpdateInventoryParams>>,
    ) -> Vec<Result<UpdateInventoryResult, CallError>> {
        let mut results = Results::new(calls.len());
        for (config, members) in groups_by(&calls, |c| c.params.config.as_ref()) {
            // Members an earlier attempt may have written unanswered: not written twice.
            let resumed: Vec<(String, i64)> = members
                .iter()
                .filter(|&&i| calls[i].info.maybe_sent)
                .map(|&i| (calls[i].params.sku.clone(), calls[i].params.quantity))
                .collect();
            let members = if resumed.is_empty() {
                members
            } else {
                let held_now = match self.client.seller_and_marketplace(config) {
                    Ok((seller, marketplace)) => {
                        self.client
                            .already_held(&seller, &marketplace, &resumed)
                            .await
                    }
                    Err(_) => Default::default(),
                };
                let mut rest = Vec::new();
                for i in members {
                    let p = &calls[i].params;
                    if calls[i].info.maybe_sent && held_now.contains(&p.sku) {
                        results.set(i, Ok(held(&p.sku)));
                    } else {
                        rest.push(i);
                    }
                }
                rest
            };
            if members.is_empty() {
                continue;
            }
            if members.len() <= self.client.settings().feed_above {
                for i in members {
                    results.set(i, self.client.update_inventory(&calls[i].params).await);
                }
                continue;
            }
            // Feeds in which each SKU appears once, in the calls' order.
            for feed in waves_by(&members, |i| calls[i].params.sku.as_str()) {
                let items = feed
                    .iter()
                    .map(|&i| (calls[i].params.sku.clone(), calls[i].params.quantity))
                    .collect();
                match self.client.bulk_update(items, config).await {
                    Ok(outcomes) => {
                        for (i, (_, outcome)) in feed.into_iter().zip(outcomes) {
                            results.set(i, outcome);
                        }
                    }
                    Err(e) => {
                        for i in feed {
                            results.set(i, Err(e.clone()));
                        }
                    }
                }
            }
        }
        results.finish("amazon")
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

/// The result of a write the listing held already (a resumed write not sent again): accepted,
/// with no submission of its own.
fn held(sku: &str) -> UpdateInventoryResult {
    UpdateInventoryResult {
        sku: sku.to_string(),
        status: "ACCEPTED".into(),
        submission_id: String::new(),
    }
}

/// Every op of the connector.
pub static OPS: OpTable<AmazonConnector> = OpTable::new(
    crate::NAME,
    &[
        OpEntry::batched::<UpdateInventory>(),
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
