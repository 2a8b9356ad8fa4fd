//! The supplier API client: purchase orders posted with the call's idempotency key.

use handled_connector_core::http::classify_status;
use handled_connector_core::{HttpClient, HttpResponse, RateLimiter};
use handled_contract::CallError;

use crate::config::SupplierConfig;
use crate::types::{CreatePurchaseOrderResult, ErrorBody, PurchaseOrder, PurchaseOrderResponse};

/// The header that carries the call's idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Talks to the supplier's purchase-order endpoint.
#[derive(Clone, Debug)]
pub struct SupplierClient {
    http: HttpClient,
    config: SupplierConfig,
    limiter: RateLimiter,
}

impl SupplierClient {
    /// A client for this config, paced at `config.pace`.
    pub fn new(config: SupplierConfig) -> Result<Self, CallError> {
        let http = HttpClient::new(crate::NAME)?.with_secrets(config.api_key.clone());
        let limiter = RateLimiter::at(config.pace);
        Ok(SupplierClient {
            http,
            config,
            limiter,
        })
    }

    /// Sends a purchase order. A repeated key is answered with the order first created with
    /// it (a 2xx replay, or 409 `duplicate` carrying its id), so retries never order twice.
    pub async fn create_purchase_order(
        &self,
        order: &PurchaseOrder,
        idempotency_key: &str,
    ) -> Result<CreatePurchaseOrderResult, CallError> {
        order.check()?;
        self.limiter.acquire().await;
        let url = format!("{}/purchase-orders", self.config.base_url);
        let mut request = self
            .http
            .post(&url)
            .header(IDEMPOTENCY_HEADER, idempotency_key)
            .json(order);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = self.http.send_raw(request).await?;
        if response.is_success() {
            let body: PurchaseOrderResponse = response.json()?;
            return Ok(CreatePurchaseOrderResult {
                purchase_order_id: body.purchase_order_id,
            });
        }
        if response.status == 409
            && let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(&response.body)
            && let Some(id) = error.purchase_order_id
        {
            return Ok(CreatePurchaseOrderResult {
                purchase_order_id: id,
            });
        }
        Err(self.failure(&response))
    }

    fn failure(&self, response: &HttpResponse) -> CallError {
        let error = classify_status(
            response.status,
            &response.headers,
            &response.body,
            handled_contract::clock::wall_now(),
        );
        if let Some(wait) = error.retry_after {
            self.limiter.pause_for(wait);
        }
        let message = self.http.redact(&format!(
            "{}: POST /purchase-orders: {}",
            crate::NAME,
            error.message
        ));
        CallError { message, ..error }
    }
}
