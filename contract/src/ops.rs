//! How a connector crate declares what it does: one table of its ops keyed by the op's name
//! ([`OpTable`]), each entry the typed handler of one [`Op`] ([`Handles`]), and the
//! [`Channel`] trait that gives the connector its webhook hooks. Every connector that
//! implements [`Channel`] is a [`Connector`] by construction: the name of an op is matched in
//! one place (here), parameters and results cross the JSON boundary in one place, and every
//! call's outcome is logged and counted the same way for all connectors.
//!
//! ```ignore
//! impl Handles<SendMessage> for SlackConnector {
//!     async fn handle(&self, p: SendMessageParams, _call: &CallInfo) -> Result<SendMessageResult, CallError> {
//!         self.client.post_message(&p.channel, &p.message).await
//!     }
//! }
//! static OPS: OpTable<SlackConnector> = OpTable::new("slack", &[OpEntry::of::<SendMessage>()]);
//! impl Channel for SlackConnector {
//!     fn ops() -> &'static OpTable<Self> { &OPS }
//! }
//! ```

use std::future::Future;
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::{Deserialize as _, Serialize};

use crate::call::{CallError, CallInfo};
use crate::connector::{BoxFuture, Connector, Json, Op};
use crate::webhook::{IncomingEvent, TriggerConfig, WebhookError, WebhookRequest};

/// A connector's handler of one op, typed by the op's params and result.
pub trait Handles<O: Op>: Send + Sync {
    /// Performs the op once (one attempt: the engine retries by the error's class).
    fn handle(
        &self,
        params: O::Params,
        call: &CallInfo,
    ) -> impl Future<Output = Result<O::Output, CallError>> + Send;

    /// The (SKU, quantity) a successful call with these params set on the channel, for echo
    /// suppression (RUNTIME.md §1.3). Reads and ops that set no stock say `None` (the default).
    fn written(&self, params: &O::Params) -> Option<(String, i64)> {
        let _ = params;
        None
    }

    /// Whether a successful call that gave `output` changed nothing on the channel, so that the
    /// channel sends no webhook for it and no echo is to be waited for. Default: no.
    fn changed_nothing(&self, output: &O::Output) -> bool {
        let _ = output;
        false
    }
}

/// The bulk form of one op that a connector's API offers (Shopify's `inventorySetQuantities` of
/// up to 250 quantities, eBay's `bulkUpdatePriceQuantity` of up to 25, Segment's `batch`): the
/// engine gathers calls of the op from concurrent runs and sends them as one request
/// (RUNTIME.md §2).
///
/// Every member keeps its own result: an error that concerns one member (a Shopify
/// `userErrors` entry naming its index, an eBay per-SKU status) is that member's only, and the
/// handler sends the others again without it when the API applies a bulk request all or
/// nothing. An error of the whole request (throttled, unreachable) is every member's.
pub trait HandlesBatch<O: Op>: Handles<O> {
    /// The most calls one bulk request may carry (the API's limit).
    const MAX_BATCH: usize;

    /// How long a bulk request of more than one call waits for the next call while calls keep
    /// coming (none by default). Worth it where the bulk form is slow anyway and a second one
    /// costs much more than a wait: Amazon's listings feed, processed in minutes, of which only
    /// a few may be created an hour.
    const LINGER: std::time::Duration = std::time::Duration::ZERO;

    /// Performs `calls` at once; gives one result per call, in the same order.
    fn handle_batch(
        &self,
        calls: Vec<BatchCall<O::Params>>,
    ) -> impl Future<Output = Vec<Result<O::Output, CallError>>> + Send;
}

/// One member of a bulk call: its params and what the engine says about it.
#[derive(Clone, Debug)]
pub struct BatchCall<P> {
    /// The op's params.
    pub params: P,
    /// Its call's idempotency key, run and attempt.
    pub info: CallInfo,
}

type CallFn<C> = for<'a> fn(&'a C, Json, &'a CallInfo) -> BoxFuture<'a, Result<Json, CallError>>;
type BatchFn<C> =
    for<'a> fn(&'a C, Vec<BatchCall<Json>>) -> BoxFuture<'a, Vec<Result<Json, CallError>>>;
type WrittenFn<C> = fn(&C, &Json) -> Option<(String, i64)>;
type UnchangedFn<C> = fn(&C, &Json) -> bool;
type CheckFn = fn() -> Result<(), Vec<String>>;

/// One row of an [`OpTable`]: an op's name and its handler, with the JSON boundary erased.
pub struct OpEntry<C: 'static> {
    name: &'static str,
    call: CallFn<C>,
    batch: Option<(BatchFn<C>, usize)>,
    linger: std::time::Duration,
    written: WrittenFn<C>,
    changed_nothing: UnchangedFn<C>,
    connector: &'static str,
    check: CheckFn,
}

impl<C: 'static> OpEntry<C> {
    /// The entry of op `O`, handled by `C`'s [`Handles<O>`].
    pub const fn of<O: Op>() -> Self
    where
        C: Handles<O>,
    {
        OpEntry {
            name: O::NAME,
            call: call_typed::<C, O>,
            batch: None,
            linger: std::time::Duration::ZERO,
            written: written_typed::<C, O>,
            changed_nothing: unchanged_typed::<C, O>,
            connector: O::CONNECTOR,
            check: crate::conformance::check_op::<O>,
        }
    }

    /// The entry of op `O` with its bulk form, handled by `C`'s [`HandlesBatch<O>`].
    pub const fn batched<O: Op>() -> Self
    where
        C: HandlesBatch<O>,
    {
        let mut entry = Self::of::<O>();
        entry.batch = Some((batch_typed::<C, O>, C::MAX_BATCH));
        entry.linger = C::LINGER;
        entry
    }

    /// The op's name (`updateInventory`).
    pub fn name(&self) -> &'static str {
        self.name
    }
}

fn call_typed<'a, C: Handles<O>, O: Op>(
    connector: &'a C,
    params: Json,
    call: &'a CallInfo,
) -> BoxFuture<'a, Result<Json, CallError>> {
    Box::pin(async move {
        let params: O::Params = parse_params(O::CONNECTOR, O::NAME, params)?;
        let output = connector.handle(params, call).await?;
        to_json(&output)
    })
}

fn batch_typed<C: HandlesBatch<O>, O: Op>(
    connector: &C,
    calls: Vec<BatchCall<Json>>,
) -> BoxFuture<'_, Vec<Result<Json, CallError>>> {
    Box::pin(async move {
        let count = calls.len();
        // Members whose params do not parse get their error; the others go in one request.
        let mut results: Vec<Option<Result<Json, CallError>>> = Vec::with_capacity(count);
        let mut sent = Vec::new();
        for (i, member) in calls.into_iter().enumerate() {
            match parse_params::<O::Params>(O::CONNECTOR, O::NAME, member.params) {
                Ok(params) => {
                    results.push(None);
                    sent.push((
                        i,
                        BatchCall {
                            params,
                            info: member.info,
                        },
                    ));
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        let (indices, sent): (Vec<usize>, Vec<_>) = sent.into_iter().unzip();
        let answers = if sent.is_empty() {
            Vec::new()
        } else {
            connector.handle_batch(sent).await
        };
        let mut answers = answers.into_iter();
        for i in indices {
            results[i] = Some(match answers.next() {
                Some(answer) => answer.and_then(|output| to_json(&output)),
                None => Err(CallError::retryable(format!(
                    "{}.{}: the bulk request gave fewer results than it had calls",
                    O::CONNECTOR,
                    O::NAME
                ))),
            });
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(CallError::permanent("no result"))))
            .collect()
    })
}

fn written_typed<C: Handles<O>, O: Op>(connector: &C, params: &Json) -> Option<(String, i64)> {
    let params = O::Params::deserialize(params).ok()?;
    connector.written(&params)
}

fn unchanged_typed<C: Handles<O>, O: Op>(connector: &C, output: &Json) -> bool {
    O::Output::deserialize(output).is_ok_and(|output| connector.changed_nothing(&output))
}

/// Parses an op's params JSON into its params struct; a mismatch is a permanent error.
pub fn parse_params<T: DeserializeOwned>(
    connector: &str,
    op: &str,
    params: Json,
) -> Result<T, CallError> {
    serde_json::from_value(params)
        .map_err(|e| CallError::permanent(format!("{connector}.{op}: bad parameters: {e}")))
}

/// Serializes an op's result struct to JSON.
pub fn to_json<T: Serialize>(value: &T) -> Result<Json, CallError> {
    serde_json::to_value(value)
        .map_err(|e| CallError::permanent(format!("cannot serialize the result: {e}")))
}

/// Every op of one connector, keyed by the op's name: the one place a call's op name is matched.
pub struct OpTable<C: 'static> {
    connector: &'static str,
    entries: &'static [OpEntry<C>],
}

impl<C: Sync + 'static> OpTable<C> {
    /// The table of connector `connector` (`shopify`).
    pub const fn new(connector: &'static str, entries: &'static [OpEntry<C>]) -> Self {
        OpTable { connector, entries }
    }

    /// The connector's name.
    pub fn connector(&self) -> &'static str {
        self.connector
    }

    /// The names of its ops, in the table's order.
    pub fn names(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.name).collect()
    }

    fn entry(&self, op: &str) -> Option<&OpEntry<C>> {
        self.entries.iter().find(|e| e.name == op)
    }

    /// Performs op `op` with JSON params, through its typed handler, and logs and counts the
    /// outcome (`handled_connector_calls_total{connector, op, outcome}`, one `tracing` event:
    /// debug on success, warn with the error class and status on failure).
    pub fn call<'a>(
        &'a self,
        connector: &'a C,
        op: &'a str,
        params: Json,
        call: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = match self.entry(op) {
                Some(entry) => (entry.call)(connector, params, call).await,
                None => Err(CallError::permanent(format!(
                    "{} has no op `{op}`",
                    self.connector
                ))),
            };
            log_outcome(self.connector, op, call, started, &result);
            result
        })
    }

    /// The most calls of `op` one request may carry: its bulk form's limit, or 1 when the op
    /// has none (or the table does not have it).
    pub fn max_batch(&self, op: &str) -> usize {
        self.entry(op)
            .and_then(|e| e.batch)
            .map_or(1, |(_, max)| max.max(1))
    }

    /// How long a bulk request of `op` waits for more calls while they keep coming
    /// ([`HandlesBatch::LINGER`]; none when the op has no bulk form).
    pub fn batch_linger(&self, op: &str) -> std::time::Duration {
        self.entry(op)
            .filter(|e| e.batch.is_some())
            .map_or(std::time::Duration::ZERO, |e| e.linger)
    }

    /// Performs many calls of `op` as its bulk form (one call at a time when it has none); one
    /// result per call, in order, each logged and counted as [`OpTable::call`] does, with the
    /// size of the bulk request it went in.
    pub fn call_batch<'a>(
        &'a self,
        connector: &'a C,
        op: &'a str,
        calls: Vec<BatchCall<Json>>,
    ) -> BoxFuture<'a, Vec<Result<Json, CallError>>> {
        Box::pin(async move {
            let started = Instant::now();
            let infos: Vec<CallInfo> = calls.iter().map(|c| c.info.clone()).collect();
            let results = match self.entry(op) {
                Some(OpEntry {
                    batch: Some((batch, _)),
                    ..
                }) if calls.len() > 1 => batch(connector, calls).await,
                Some(entry) => {
                    let mut results = Vec::with_capacity(calls.len());
                    for member in calls {
                        results.push((entry.call)(connector, member.params, &member.info).await);
                    }
                    results
                }
                None => calls
                    .iter()
                    .map(|_| {
                        Err(CallError::permanent(format!(
                            "{} has no op `{op}`",
                            self.connector
                        )))
                    })
                    .collect(),
            };
            if infos.len() > 1 {
                metrics::counter!(
                    "handled_connector_bulk_requests_total",
                    "connector" => self.connector,
                    "op" => op.to_string()
                )
                .increment(1);
                tracing::debug!(
                    connector = self.connector,
                    op,
                    calls = infos.len(),
                    "bulk request"
                );
            }
            for (info, result) in infos.iter().zip(&results) {
                log_outcome(self.connector, op, info, started, result);
            }
            results
        })
    }

    /// Whether the table is the catalog's list of this connector's ops: each entry's op type
    /// agrees with its catalog entry ([`crate::conformance::check_op`]) and belongs to this
    /// connector, no op is listed twice, and every op the catalog lists for the connector has
    /// an entry. Every disagreement is reported.
    pub fn conformance(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            if entry.connector != self.connector {
                errors.push(format!(
                    "{}'s table lists {}.{}, an op of another connector",
                    self.connector, entry.connector, entry.name
                ));
            }
            if self.entries[..i].iter().any(|e| e.name == entry.name) {
                errors.push(format!("{}.{} is listed twice", self.connector, entry.name));
            }
            if let Some((_, 0)) = entry.batch {
                errors.push(format!(
                    "{}.{}'s bulk form takes no calls (MAX_BATCH is 0)",
                    self.connector, entry.name
                ));
            }
            if let Err(mut e) = (entry.check)() {
                errors.append(&mut e);
            }
        }
        for def in handled_catalog::ops_of(self.connector) {
            if self.entry(def.name).is_none() {
                errors.push(format!(
                    "{}.{} is in the catalog but not in the connector's table of ops",
                    self.connector, def.name
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// What a successful call of `op` with these params set on the channel (see
    /// [`Handles::written`]).
    pub fn written(&self, connector: &C, op: &str, params: &Json) -> Option<(String, i64)> {
        (self.entry(op)?.written)(connector, params)
    }

    /// Whether a successful call of `op` that gave `output` changed nothing (see
    /// [`Handles::changed_nothing`]).
    pub fn changed_nothing(&self, connector: &C, op: &str, output: &Json) -> bool {
        self.entry(op)
            .is_some_and(|e| (e.changed_nothing)(connector, output))
    }
}

/// What can be asked of any connector's table without knowing the connector's type.
pub trait OpList: Send + Sync {
    /// The connector's name.
    fn connector(&self) -> &'static str;
    /// The names of its ops, in the table's order.
    fn names(&self) -> Vec<&'static str>;
    /// See [`OpTable::conformance`].
    fn conformance(&self) -> Result<(), Vec<String>>;
}

impl<C: Sync + 'static> OpList for OpTable<C> {
    fn connector(&self) -> &'static str {
        self.connector
    }

    fn names(&self) -> Vec<&'static str> {
        OpTable::names(self)
    }

    fn conformance(&self) -> Result<(), Vec<String>> {
        OpTable::conformance(self)
    }
}

/// The one event and the one metric of every connector call.
fn log_outcome(
    connector: &'static str,
    op: &str,
    call: &CallInfo,
    started: Instant,
    result: &Result<Json, CallError>,
) {
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let outcome = match result {
        Ok(_) => "ok",
        Err(e) => e.class.as_str(),
    };
    metrics::counter!(
        "handled_connector_calls_total",
        "connector" => connector,
        "op" => op.to_string(),
        "outcome" => outcome
    )
    .increment(1);
    match result {
        Ok(_) => tracing::debug!(
            connector,
            op,
            run = %call.run_id,
            attempt = call.attempt,
            elapsed_ms,
            "call succeeded"
        ),
        Err(e) => tracing::warn!(
            connector,
            op,
            run = %call.run_id,
            attempt = call.attempt,
            elapsed_ms,
            class = e.class.as_str(),
            status = ?e.status,
            retry_after_ms = ?e.retry_after.map(|d| d.as_millis() as u64),
            error = %e.message,
            "call failed"
        ),
    }
}

/// A connector as its crate writes it: its name, its table of ops, and the hooks of its
/// webhook trigger (when it has one). Every `Channel` is a [`Connector`].
pub trait Channel: Send + Sync + Sized + 'static {
    /// The connector's name (`shopify`), as the catalog names it.
    const NAME: &'static str;

    /// Its ops.
    fn ops() -> &'static OpTable<Self>;

    /// See [`Connector::accept_webhook`]. The default accepts unsigned JSON.
    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        let _ = trigger;
        crate::webhook::accept_plain_json(request)
    }

    /// See [`Connector::enrich`]. The default returns the payload unchanged.
    fn enrich<'a>(
        &'a self,
        trigger: &'a TriggerConfig,
        payload: Json,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        let _ = trigger;
        Box::pin(std::future::ready(Ok(payload)))
    }

    /// See [`Connector::reported_quantity`]. The default reads `sku` or `inventory_item.sku`,
    /// and `quantity` or `available`.
    fn reported_quantity(&self, trigger: &TriggerConfig, payload: &Json) -> Option<(String, i64)> {
        let _ = trigger;
        crate::quantity::sku_quantity(
            payload,
            &["sku", "inventory_item.sku"],
            &["quantity", "available"],
        )
    }
}

impl<C: Channel> Connector for C {
    fn name(&self) -> &'static str {
        C::NAME
    }

    fn call<'a>(
        &'a self,
        op: &'a str,
        params: Json,
        info: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        C::ops().call(self, op, params, info)
    }

    fn max_batch(&self, op: &str) -> usize {
        C::ops().max_batch(op)
    }

    fn batch_linger(&self, op: &str) -> std::time::Duration {
        C::ops().batch_linger(op)
    }

    fn call_batch<'a>(
        &'a self,
        op: &'a str,
        calls: Vec<BatchCall<Json>>,
    ) -> BoxFuture<'a, Vec<Result<Json, CallError>>> {
        C::ops().call_batch(self, op, calls)
    }

    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        Channel::accept_webhook(self, trigger, request)
    }

    fn enrich<'a>(
        &'a self,
        trigger: &'a TriggerConfig,
        payload: Json,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        Channel::enrich(self, trigger, payload)
    }

    fn changed_nothing(&self, op: &str, result: &Json) -> bool {
        C::ops().changed_nothing(self, op, result)
    }

    fn written_quantity(&self, op: &str, params: &Json) -> Option<(String, i64)> {
        C::ops().written(self, op, params)
    }

    fn reported_quantity(&self, trigger: &TriggerConfig, payload: &Json) -> Option<(String, i64)> {
        Channel::reported_quantity(self, trigger, payload)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize)]
    struct SetParams {
        sku: String,
        quantity: i64,
    }

    #[derive(Serialize, Deserialize)]
    struct SetResult {
        changed: bool,
    }

    struct Set;
    impl Op for Set {
        const CONNECTOR: &'static str = "toy";
        const NAME: &'static str = "set";
        type Params = SetParams;
        type Output = SetResult;
    }

    struct Toy;

    impl Handles<Set> for Toy {
        async fn handle(&self, p: SetParams, _call: &CallInfo) -> Result<SetResult, CallError> {
            if p.quantity < 0 {
                return Err(CallError::permanent("negative"));
            }
            Ok(SetResult {
                changed: p.quantity != 0,
            })
        }

        fn written(&self, p: &SetParams) -> Option<(String, i64)> {
            Some((p.sku.clone(), p.quantity))
        }

        fn changed_nothing(&self, output: &SetResult) -> bool {
            !output.changed
        }
    }

    static OPS: OpTable<Toy> = OpTable::new("toy", &[OpEntry::of::<Set>()]);

    impl Channel for Toy {
        const NAME: &'static str = "toy";
        fn ops() -> &'static OpTable<Self> {
            &OPS
        }
    }

    fn info() -> CallInfo {
        CallInfo {
            idempotency_key: "r:1".into(),
            run_id: "r".into(),
            attempt: 1,
            maybe_sent: false,
        }
    }

    fn block<T>(f: impl Future<Output = T>) -> T {
        // The toy handler never waits: one poll finishes it.
        let mut f = std::pin::pin!(f);
        let waker = std::task::Waker::noop();
        match f.as_mut().poll(&mut std::task::Context::from_waker(waker)) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the toy op waited"),
        }
    }

    #[test]
    fn a_table_dispatches_by_name_and_types_the_boundary() {
        let toy: &dyn Connector = &Toy;
        let info = info();
        let ok = block(toy.call("set", serde_json::json!({"sku": "A", "quantity": 3}), &info));
        assert_eq!(ok.unwrap(), serde_json::json!({"changed": true}));
        let unknown = block(toy.call("get", serde_json::json!({}), &info)).unwrap_err();
        assert_eq!(unknown.message, "toy has no op `get`");
        let bad = block(toy.call("set", serde_json::json!({"sku": 1}), &info)).unwrap_err();
        assert!(
            bad.message.starts_with("toy.set: bad parameters"),
            "{}",
            bad.message
        );
        let refused = block(toy.call(
            "set",
            serde_json::json!({"sku": "A", "quantity": -1}),
            &info,
        ));
        assert_eq!(refused.unwrap_err().message, "negative");
        assert_eq!(
            toy.written_quantity("set", &serde_json::json!({"sku": "A", "quantity": 3})),
            Some(("A".to_string(), 3))
        );
        assert_eq!(toy.written_quantity("get", &serde_json::json!({})), None);
        assert!(toy.changed_nothing("set", &serde_json::json!({"changed": false})));
        assert!(!toy.changed_nothing("set", &serde_json::json!({"changed": true})));
        assert_eq!(OPS.names(), vec!["set"]);
        assert_eq!(toy.name(), "toy");
    }

    /// A toy with a bulk form: it counts its bulk requests, and refuses negative quantities
    /// member by member.
    #[derive(Default)]
    struct BulkToy {
        requests: std::sync::atomic::AtomicUsize,
    }

    impl Handles<Set> for BulkToy {
        async fn handle(&self, p: SetParams, call: &CallInfo) -> Result<SetResult, CallError> {
            Toy.handle(p, call).await
        }
    }

    impl HandlesBatch<Set> for BulkToy {
        const MAX_BATCH: usize = 3;

        async fn handle_batch(
            &self,
            calls: Vec<BatchCall<SetParams>>,
        ) -> Vec<Result<SetResult, CallError>> {
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            calls
                .into_iter()
                .map(|c| match c.params.quantity {
                    q if q < 0 => Err(CallError::permanent(format!(
                        "{} is negative",
                        c.params.sku
                    ))),
                    q => Ok(SetResult { changed: q != 0 }),
                })
                .collect()
        }
    }

    static BULK_OPS: OpTable<BulkToy> = OpTable::new("toy", &[OpEntry::batched::<Set>()]);

    impl Channel for BulkToy {
        const NAME: &'static str = "toy";
        fn ops() -> &'static OpTable<Self> {
            &BULK_OPS
        }
    }

    fn member(params: Json, key: &str) -> BatchCall<Json> {
        BatchCall {
            params,
            info: CallInfo {
                idempotency_key: key.into(),
                run_id: key.into(),
                attempt: 1,
                maybe_sent: false,
            },
        }
    }

    #[test]
    fn a_bulk_call_gives_each_member_its_own_result_in_order() {
        let bulk = BulkToy::default();
        let connector: &dyn Connector = &bulk;
        assert_eq!(connector.max_batch("set"), 3);
        assert_eq!(connector.max_batch("get"), 1);
        assert_eq!(Connector::max_batch(&Toy, "set"), 1);
        let results = block(connector.call_batch(
            "set",
            vec![
                member(serde_json::json!({"sku": "A", "quantity": 2}), "a"),
                member(serde_json::json!({"sku": "B", "quantity": -1}), "b"),
                member(serde_json::json!({"sku": 7}), "c"),
                member(serde_json::json!({"sku": "D", "quantity": 0}), "d"),
            ],
        ));
        assert_eq!(results.len(), 4);
        assert_eq!(
            results[0].as_ref().unwrap(),
            &serde_json::json!({"changed": true})
        );
        assert_eq!(results[1].as_ref().unwrap_err().message, "B is negative");
        assert!(
            results[2]
                .as_ref()
                .unwrap_err()
                .message
                .starts_with("toy.set: bad parameters")
        );
        assert_eq!(
            results[3].as_ref().unwrap(),
            &serde_json::json!({"changed": false})
        );
        // One request for the three members whose params parsed.
        assert_eq!(bulk.requests.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert!(
            BULK_OPS.conformance().is_err(),
            "the toy op is not in the catalog"
        );
        // An op without a bulk form is called once per member.
        let plain: &dyn Connector = &Toy;
        let results = block(plain.call_batch(
            "set",
            vec![
                member(serde_json::json!({"sku": "A", "quantity": 1}), "a"),
                member(serde_json::json!({"sku": "B", "quantity": -1}), "b"),
            ],
        ));
        assert!(results[0].is_ok());
        assert_eq!(results[1].as_ref().unwrap_err().message, "negative");
    }
}
