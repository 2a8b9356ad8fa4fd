//! The supplier API client and the [`Connector`] built on it.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::http::classify_status;
use handled_connector_core::{HttpClient, HttpResponse, RateLimiter, params};
use handled_contract::{
    BoxFuture, CallError, CallInfo, Connector, ConnectorFactory, Env, Json, Sandboxed,
};

use crate::config::SupplierConfig;
use crate::emulator;
use crate::types::{
    CreatePurchaseOrderParams, CreatePurchaseOrderResult, ErrorBody, PRIORITIES, PurchaseOrder,
    PurchaseOrderResponse,
};

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
        validate(order)?;
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

fn validate(order: &PurchaseOrder) -> Result<(), CallError> {
    if order.quantity <= 0 {
        return Err(CallError::permanent(format!(
            "supplier.createPurchaseOrder: quantity must be at least 1 (got {})",
            order.quantity
        )));
    }
    if order.sku.trim().is_empty() {
        return Err(CallError::permanent(
            "supplier.createPurchaseOrder: sku must not be empty",
        ));
    }
    if let Some(p) = &order.priority
        && !PRIORITIES.contains(&p.as_str())
    {
        return Err(CallError::permanent(format!(
            "supplier.createPurchaseOrder: priority must be one of {} (got {p:?})",
            PRIORITIES.join(", ")
        )));
    }
    Ok(())
}

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

impl Connector for SupplierConnector {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn call<'a>(
        &'a self,
        op: &'a str,
        params: Json,
        info: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        Box::pin(async move {
            let result = match op {
                "createPurchaseOrder" => {
                    let p: CreatePurchaseOrderParams =
                        params::parse("supplier.createPurchaseOrder", params)?;
                    let result = self
                        .client
                        .create_purchase_order(&p.data, &info.idempotency_key)
                        .await?;
                    params::output(&result)
                }
                other => Err(params::unknown_op(crate::NAME, other)),
            };
            log_outcome(op, &result);
            result
        })
    }
}

/// Builds [`SupplierConnector`]s for the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct SupplierFactory;

impl ConnectorFactory for SupplierFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = SupplierConfig::from_env(env)?;
        let client = SupplierClient::new(config).map_err(|e| vec![e.message])?;
        Ok(Arc::new(SupplierConnector::new(client)))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        Box::pin(sandboxed(
            crate::NAME,
            fixture,
            crate::config::RATE_LIMIT.or_default(env),
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
            |base, h, pace| {
                let client =
                    SupplierClient::new(SupplierConfig::new(base, h.api_key()).with_pace(pace))
                        .map_err(|e| e.message)?;
                Ok(Arc::new(SupplierConnector::new(client)))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let base = sandbox_base(url, crate::NAME);
        let config =
            SupplierConfig::new(&base, None).with_pace(crate::config::RATE_LIMIT.or_default(env)?);
        let client = SupplierClient::new(config).map_err(|e| e.message)?;
        Ok(Arc::new(SupplierConnector::new(client)))
    }
}

/// The connector's structured event for one call: debug on success, warn with the error class
/// and status on failure (messages never hold secrets).
fn log_outcome(op: &str, result: &Result<Json, CallError>) {
    match result {
        Ok(_) => tracing::debug!(connector = crate::NAME, op, "call succeeded"),
        Err(e) => tracing::warn!(
            connector = crate::NAME,
            op,
            class = ?e.class,
            status = ?e.status,
            retry_after_ms = ?e.retry_after.map(|d| d.as_millis()),
            error = %e.message,
            "call failed"
        ),
    }
}
