//! The supplier connector's table of ops: `createPurchaseOrder`, sent by email to a supplier
//! that takes orders by email and to the supplier API otherwise.

use std::sync::Arc;

use handled_connector_core::Pace;
use handled_contract::{CallError, CallInfo, Channel, Handles, OpEntry, OpTable};

use crate::api::SupplierClient;
use crate::by_email::{self, OrderMailer};
use crate::config::OrderTemplate;
use crate::types::{
    CreatePurchaseOrder, CreatePurchaseOrderParams, CreatePurchaseOrderResult, PurchaseOrder,
};

/// How the connector finds the suppliers that take orders by email.
#[derive(Debug)]
enum Email {
    /// None does.
    None,
    /// Known at start (the environment, an in-process sandbox).
    Known(OrderMailer),
    /// Asked of a standalone sandbox server at the first order.
    Discover {
        url: String,
        template: OrderTemplate,
        pace: Pace,
        found: tokio::sync::OnceCell<Option<OrderMailer>>,
    },
}

impl Email {
    /// The mailer, if any supplier takes orders by email.
    async fn mailer(&self) -> Result<Option<&OrderMailer>, CallError> {
        match self {
            Email::None => Ok(None),
            Email::Known(mailer) => Ok(Some(mailer)),
            Email::Discover {
                url,
                template,
                pace,
                found,
            } => {
                let found = found
                    .get_or_try_init(|| by_email::discover(url, template.clone(), *pace))
                    .await?;
                Ok(found.as_ref())
            }
        }
    }
}

/// The supplier connector: the supplier API, orders by email, or both.
#[derive(Clone, Debug)]
pub struct SupplierConnector {
    api: Option<SupplierClient>,
    email: Arc<Email>,
}

impl SupplierConnector {
    /// A connector over this API client, with no supplier taking orders by email.
    pub fn new(client: SupplierClient) -> Self {
        SupplierConnector {
            api: Some(client),
            email: Arc::new(Email::None),
        }
    }

    /// A connector that emails orders to the suppliers `mailer` knows and sends the others'
    /// to `api` (refused when there is none).
    pub fn with_email(api: Option<SupplierClient>, mailer: OrderMailer) -> Self {
        SupplierConnector {
            api,
            email: Arc::new(Email::Known(mailer)),
        }
    }

    /// A connector that asks a standalone sandbox server which suppliers take orders by
    /// email (`GET discovery_url`) at its first order, and sends the others' to `api`.
    pub fn discovering(
        api: SupplierClient,
        discovery_url: &str,
        template: OrderTemplate,
        pace: Pace,
    ) -> Self {
        SupplierConnector {
            api: Some(api),
            email: Arc::new(Email::Discover {
                url: discovery_url.to_string(),
                template,
                pace,
                found: tokio::sync::OnceCell::new(),
            }),
        }
    }

    /// The API client, for calls the catalog does not name.
    pub fn client(&self) -> Option<&SupplierClient> {
        self.api.as_ref()
    }

    /// Sends one order: by email when its supplier takes orders by email, else to the API.
    pub async fn create_purchase_order(
        &self,
        order: &PurchaseOrder,
        call: &CallInfo,
    ) -> Result<CreatePurchaseOrderResult, CallError> {
        order.check()?;
        if let Some(mailer) = self.email.mailer().await?
            && mailer.takes(&order.supplier_name)
        {
            return mailer.send(order, call).await;
        }
        let Some(api) = &self.api else {
            return Err(CallError::permanent(format!(
                "supplier.createPurchaseOrder: supplier {:?} is not in {} and no SUPPLIER_API_URL is set",
                order.supplier_name,
                crate::config::ORDER_EMAILS
            )));
        };
        api.create_purchase_order(order, &call.idempotency_key)
            .await
    }
}

impl Handles<CreatePurchaseOrder> for SupplierConnector {
    async fn handle(
        &self,
        p: CreatePurchaseOrderParams,
        call: &CallInfo,
    ) -> Result<CreatePurchaseOrderResult, CallError> {
        self.create_purchase_order(&p.data, call).await
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
