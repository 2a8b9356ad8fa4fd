//! The amazon connector's table of ops (`updateInventory`, `getAllInventory`) and its
//! trigger's hooks.

use std::sync::Arc;

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
        _call: &CallInfo,
    ) -> Result<UpdateInventoryResult, CallError> {
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

    async fn handle_batch(
        &self,
        calls: Vec<BatchCall<UpdateInventoryParams>>,
    ) -> Vec<Result<UpdateInventoryResult, CallError>> {
        let mut results: Vec<Option<Result<UpdateInventoryResult, CallError>>> =
            (0..calls.len()).map(|_| None).collect();
        let mut groups: Vec<(Option<&crate::types::AmazonConfig>, Vec<usize>)> = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            let config = call.params.config.as_ref();
            match groups.iter_mut().find(|(c, _)| *c == config) {
                Some((_, members)) => members.push(i),
                None => groups.push((config, vec![i])),
            }
        }
        for (config, members) in groups {
            if members.len() <= self.client.settings().feed_above {
                for i in members {
                    results[i] = Some(self.client.update_inventory(&calls[i].params).await);
                }
                continue;
            }
            // Feeds in which each SKU appears once, in the calls' order.
            let mut feeds: Vec<Vec<usize>> = Vec::new();
            for i in members {
                let sku = &calls[i].params.sku;
                let after = feeds
                    .iter()
                    .rposition(|f| f.iter().any(|&j| calls[j].params.sku == *sku))
                    .map_or(0, |f| f + 1);
                match feeds.get_mut(after) {
                    Some(feed) => feed.push(i),
                    None => feeds.push(vec![i]),
                }
            }
            for feed in feeds {
                let items = feed
                    .iter()
                    .map(|&i| (calls[i].params.sku.clone(), calls[i].params.quantity))
                    .collect();
                match self.client.bulk_update(items, config).await {
                    Ok(outcomes) => {
                        for (i, (_, outcome)) in feed.into_iter().zip(outcomes) {
                            results[i] = Some(outcome);
                        }
                    }
                    Err(e) => {
                        for i in feed {
                            results[i] = Some(Err(e.clone()));
                        }
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(CallError::permanent("amazon: no result"))))
            .collect()
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
