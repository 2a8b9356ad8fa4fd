//! The supplier connector's table of ops: `createPurchaseOrder`.

use handled_contract::{CallError, CallInfo, Channel, Handles, OpEntry, OpTable};

use crate::api::SupplierClient;
use crate::types::{CreatePurchaseOrder, CreatePurchaseOrderParams, CreatePurchaseOrderResult};

/// The supplier connector.
#[derive(Clone, Debug)]
pub struct SupplierConnector {
    client: SupplierClient,
}

impl SupplierConnector {
    /// A connector over this client.
    pub fn new(client: SupplierClient) -> Self {
        SupplierConnector { client }
    }

    /// The client, for calls the catalog does not name.
    pub fn client(&self) -> &SupplierClient {
        &self.client
    }
}

impl Handles<CreatePurchaseOrder> for SupplierConnector {
    async fn handle(
        &self,
        p: CreatePurchaseOrderParams,
        call: &CallInfo,
    ) -> Result<CreatePurchaseOrderResult, CallError> {
        self.client
            .create_purchase_order(&p.data, &call.idempotency_key)
            .await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<SupplierConnector> =
    OpTable::new(crate::NAME, &[OpEntry::of::<CreatePurchaseOrder>()]);

impl Channel for SupplierConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }
}
