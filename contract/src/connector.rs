//! What a connector crate gives the runtime: typed ops, a factory that builds the connector
//! from the environment or as an in-process emulator, and the connector's calls.
//!
//! Generated code names ops by their Rust type (`handled_shopify::UpdateInventory`), builds the
//! typed params struct, and hands both to the engine, which journals the call, serializes the
//! params and sends them through [`Connector::call`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{CallError, CallInfo};
use crate::env::Env;
use crate::webhook::{IncomingEvent, TriggerConfig, WebhookError, WebhookRequest};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Any JSON value whose shape nothing declares (catalog shape `Json`).
pub type Json = serde_json::Value;

/// One op of one connector, as a type: the link between the catalog entry and its Rust types.
pub trait Op: Send + Sync + 'static {
    /// The connector's name (`shopify`).
    const CONNECTOR: &'static str;
    /// The op's name (`updateInventory`).
    const NAME: &'static str;
    /// The typed parameters (the catalog's params shape).
    type Params: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The typed result (the catalog's result shape).
    type Output: Serialize + DeserializeOwned + Send + Sync + 'static;
}

/// A live connector: talks to the real API, or to an emulator of it.
pub trait Connector: Send + Sync {
    /// The connector's name (`shopify`).
    fn name(&self) -> &'static str;

    /// Performs one op. `params` is the op's params struct serialized to JSON; the result is the
    /// op's output struct serialized to JSON.
    fn call<'a>(
        &'a self,
        op: &'a str,
        params: Json,
        info: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>>;

    /// The most calls of `op` that [`Connector::call_batch`] sends as one request: 1 unless the
    /// op has a bulk form.
    fn max_batch(&self, op: &str) -> usize {
        let _ = op;
        1
    }

    /// Whether calls of `op` made at once are gathered into the API's bulk form (the engine's
    /// wrapper says so when bulk calls are on): a forEach entry of such an op makes its items'
    /// calls together. False by default.
    fn gathers(&self, op: &str) -> bool {
        let _ = op;
        false
    }

    /// How long a bulk request of `op` of more than one call waits for the next call while
    /// calls keep coming (see [`crate::ops::HandlesBatch::LINGER`]); none by default.
    fn batch_linger(&self, op: &str) -> std::time::Duration {
        let _ = op;
        std::time::Duration::ZERO
    }

    /// Performs many calls of one op, as the API's bulk form where it has one; one result per
    /// call, in order, each the member's own (see [`crate::ops::HandlesBatch`]). The default
    /// makes the calls one after another.
    fn call_batch<'a>(
        &'a self,
        op: &'a str,
        calls: Vec<crate::ops::BatchCall<Json>>,
    ) -> BoxFuture<'a, Vec<Result<Json, CallError>>> {
        Box::pin(async move {
            let mut results = Vec::with_capacity(calls.len());
            for member in calls {
                results.push(self.call(op, member.params, &member.info).await);
            }
            results
        })
    }

    /// Checks a webhook for this connector's triggers and turns it into an event: verifies the
    /// signature over the raw body (in constant time), parses the body and finds the event id.
    /// `trigger` is the trigger's evaluated configuration.
    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        let _ = trigger;
        crate::webhook::accept_plain_json(request)
    }

    /// Completes a payload before its run starts (Shopify: `inventory_item_id` → SKU and
    /// reserved quantity, cached). The default returns it unchanged.
    fn enrich<'a>(
        &'a self,
        trigger: &'a TriggerConfig,
        payload: Json,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        let _ = trigger;
        Box::pin(async move { Ok(payload) })
    }

    /// Whether a successful write call changed nothing on the channel, so that the channel
    /// sends no webhook for it and no echo is to be waited for (the runtime's echo suppression). The default
    /// says no.
    fn changed_nothing(&self, op: &str, result: &Json) -> bool {
        let _ = (op, result);
        false
    }

    /// The (SKU, quantity) a successful write call set on this channel, for echo suppression
    /// (RUNTIME.md §1.3). The default reads `sku` and `quantity` from the params.
    fn written_quantity(&self, op: &str, params: &Json) -> Option<(String, i64)> {
        let _ = op;
        crate::quantity::sku_quantity(params, &["sku"], &["quantity"])
    }

    /// The (SKU, quantity) an incoming event of this channel reports, for echo suppression. The
    /// default reads `sku` or `inventory_item.sku`, and `quantity` or `available`.
    fn reported_quantity(&self, trigger: &TriggerConfig, payload: &Json) -> Option<(String, i64)> {
        let _ = trigger;
        crate::quantity::sku_quantity(
            payload,
            &["sku", "inventory_item.sku"],
            &["quantity", "available"],
        )
    }
}

/// A connector running against an in-process emulator of its API.
pub struct Sandboxed {
    /// The connector, pointed at the emulator.
    pub connector: Arc<dyn Connector>,
    /// The emulator's state as JSON (per SKU and location, the quantities; per op, requests
    /// received and applied), for `exec --sandbox` and tests.
    pub state: Arc<dyn Fn() -> Json + Send + Sync>,
    /// Sends a webhook as the channel would for a change it made (if it has webhooks).
    pub base_url: String,
}

/// Builds a connector: from the environment for the real API, or against an emulator.
pub trait ConnectorFactory: Send + Sync {
    /// The connector's name (`shopify`).
    fn name(&self) -> &'static str;

    /// The connector's table of ops, for checks against the catalog (every connector crate
    /// gives it; a test double may not).
    fn ops(&self) -> Option<&'static dyn crate::ops::OpList> {
        None
    }

    /// Builds the connector for the real API. On failure, names every missing or bad variable.
    #[allow(clippy::wrong_self_convention)]
    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>>;

    /// Starts an in-process emulator of the API (on a loopback port, so that the connector
    /// speaks real HTTP to it), seeded from the fixture's entry for this channel, and builds
    /// the connector against it. Of `env`, only settings that shape how the connector calls
    /// (its `*_RATE_LIMIT` pace) are read: credentials and hosts are the emulator's.
    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>>;

    /// Builds the connector against a standalone emulator server (`handled-sandbox`) at `url`,
    /// reading `env` as [`ConnectorFactory::sandbox`] does, and the credentials that
    /// [`ConnectorFactory::sandbox_credentials`] names from it when set (the emulator's
    /// defaults otherwise).
    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String>;

    /// The variables that an emulator of this API seeded from `fixture` (the channel's entry)
    /// expects of its clients and signs its webhooks with (a webhook secret, a token, a
    /// profile), with their values: what `handled-sandbox env` prints and `--sandbox-url`
    /// reads. None by default.
    fn sandbox_credentials(&self, fixture: Option<&Json>) -> Vec<(&'static str, String)> {
        let _ = fixture;
        Vec::new()
    }
}
