//! Bulk calls across runs (RUNTIME.md §2): calls of one op to one channel from concurrent runs
//! are gathered while they would otherwise wait and sent as the API's bulk form
//! ([`Connector::call_batch`]), each run still getting its own answer.
//!
//! [`Coalesced`] wraps a connector whose ops have a bulk form. For each such op it keeps a
//! queue and a task: the task takes the first call waiting, then (after the window, if one is
//! set) every call that queued meanwhile, up to the op's [`Connector::max_batch`], and sends
//! them as one request; an op whose bulk form is slow ([`Connector::batch_linger`]) keeps
//! taking a burst's calls while they keep coming. At most [`BulkSettings::in_flight`] requests of one op are on their way
//! at once; while they are (waiting for the connector's limiter or for the API's answer), the
//! calls that arrive gather for the next one. A lone call is sent at once: with no window and
//! nothing in flight, nothing waits.
//!
//! Nothing is journaled here: every member's intent and idempotency key are in the store
//! before its run hands it over (the call's parameters phase), and the connector derives the
//! bulk request's own key from its members', so that the same request sent again after a crash
//! is the same request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use handled_contract::{
    BatchCall, BoxFuture, CallError, CallInfo, Connector, IncomingEvent, Json, TriggerConfig,
    WebhookError, WebhookRequest, lock,
};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// How calls are gathered into bulk requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkSettings {
    /// Whether calls are gathered at all (`--bulk off` sends every call alone).
    pub enabled: bool,
    /// How long the first call of a bulk request waits for others (default none: a call waits
    /// only while earlier requests of its op are in flight).
    pub window: Duration,
    /// How many requests of one op may be on their way at once.
    pub in_flight: usize,
}

impl Default for BulkSettings {
    fn default() -> Self {
        BulkSettings {
            enabled: true,
            window: Duration::ZERO,
            in_flight: 4,
        }
    }
}

/// One call waiting for its bulk request.
struct Member {
    params: Json,
    info: CallInfo,
    answer: oneshot::Sender<Result<Json, CallError>>,
}

/// A connector whose bulk-capable ops go through a queue per op (see the module).
pub struct Coalesced {
    inner: Arc<dyn Connector>,
    settings: BulkSettings,
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Member>>>,
    /// Held while a batch of calls is queued, so that a request takes all of them or none.
    queuing: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Coalesced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalesced")
            .field("connector", &self.inner.name())
            .field("settings", &self.settings)
            .finish()
    }
}

impl Coalesced {
    /// `inner` with its bulk-capable ops gathered as `settings` say; `inner` itself when it has
    /// none of them or gathering is off.
    pub fn wrap(inner: Arc<dyn Connector>, settings: BulkSettings) -> Arc<dyn Connector> {
        if !settings.enabled {
            return inner;
        }
        Arc::new(Coalesced {
            inner,
            settings,
            queues: Mutex::new(HashMap::new()),
            queuing: Arc::new(Mutex::new(())),
        })
    }

    /// The queue of `op`, its task started on first use.
    fn queue(&self, op: &str, max: usize) -> mpsc::UnboundedSender<Member> {
        let mut queues = lock(&self.queues);
        if let Some(queue) = queues.get(op).filter(|q| !q.is_closed()) {
            return queue.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(gather(
            self.inner.clone(),
            op.to_string(),
            max,
            self.inner.batch_linger(op),
            self.settings,
            Arc::clone(&self.queuing),
            rx,
        ));
        queues.insert(op.to_string(), tx.clone());
        tx
    }
}

/// The longest a bulk request lingers for a burst's calls ([`Connector::batch_linger`]).
const LINGER_CAP: Duration = Duration::from_secs(30);

/// Moves what is queued into `members`, up to `max`.
fn take_queued(queue: &mut mpsc::UnboundedReceiver<Member>, members: &mut Vec<Member>, max: usize) {
    while members.len() < max {
        match queue.try_recv() {
            Ok(member) => members.push(member),
            Err(_) => break,
        }
    }
}

/// The task of one op: takes what queued, sends it as one request, hands out the answers.
async fn gather(
    connector: Arc<dyn Connector>,
    op: String,
    max: usize,
    linger: Duration,
    settings: BulkSettings,
    queuing: Arc<Mutex<()>>,
    mut queue: mpsc::UnboundedReceiver<Member>,
) {
    let in_flight = Arc::new(Semaphore::new(settings.in_flight.max(1)));
    let op: Arc<str> = op.into();
    while let Some(first) = queue.recv().await {
        // Waiting for a request to come back is when the next one fills.
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        if !settings.window.is_zero() {
            tokio::time::sleep(settings.window).await;
        }
        // A batch being queued (a forEach's items) goes whole into this request.
        drop(lock(&queuing));
        let mut members = vec![first];
        take_queued(&mut queue, &mut members, max);
        if members.len() > 1 && !linger.is_zero() {
            // A burst: wait for its next calls while they keep coming (at most LINGER_CAP).
            let until = tokio::time::Instant::now() + LINGER_CAP;
            while members.len() < max {
                let wait = linger.min(until.saturating_duration_since(tokio::time::Instant::now()));
                match tokio::time::timeout(wait, queue.recv()).await {
                    Ok(Some(member)) => {
                        members.push(member);
                        take_queued(&mut queue, &mut members, max);
                    }
                    Ok(None) | Err(_) => break,
                }
            }
        }
        // A member whose run gave up (its action's timeout) is not sent.
        members.retain(|m| !m.answer.is_closed());
        if members.is_empty() {
            continue;
        }
        metrics::histogram!("handled_bulk_calls", "connector" => connector.name(), "op" => op.to_string())
            .record(members.len() as f64);
        let connector = connector.clone();
        let op = op.clone();
        tokio::spawn(async move {
            let (calls, answers): (Vec<BatchCall<Json>>, Vec<_>) = members
                .into_iter()
                .map(|m| {
                    (
                        BatchCall {
                            params: m.params,
                            info: m.info,
                        },
                        m.answer,
                    )
                })
                .unzip();
            let results = connector.call_batch(&op, calls).await;
            let mut results = results.into_iter();
            for answer in answers {
                let result = results.next().unwrap_or_else(|| {
                    Err(CallError::retryable(format!(
                        "{}.{op}: the bulk request gave fewer answers than it had calls",
                        connector.name()
                    )))
                });
                // The run may have stopped waiting (its timeout): nothing to hand the answer to.
                let _ = answer.send(result);
            }
            drop(permit);
        });
    }
}

impl Connector for Coalesced {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn call<'a>(
        &'a self,
        op: &'a str,
        params: Json,
        info: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        let max = self.inner.max_batch(op);
        if max <= 1 {
            return self.inner.call(op, params, info);
        }
        Box::pin(async move {
            let (answer, answered) = oneshot::channel();
            let member = Member {
                params,
                info: info.clone(),
                answer,
            };
            if let Err(refused) = self.queue(op, max).send(member) {
                // The op's task is gone (the runtime is shutting down): send it alone.
                let member = refused.0;
                return self.inner.call(op, member.params, info).await;
            }
            answered.await.unwrap_or_else(|_| {
                Err(CallError::retryable(format!(
                    "{}.{op}: the bulk request was dropped before it answered",
                    self.inner.name()
                )))
            })
        })
    }

    fn max_batch(&self, op: &str) -> usize {
        self.inner.max_batch(op)
    }

    fn batch_linger(&self, op: &str) -> Duration {
        self.inner.batch_linger(op)
    }

    fn gathers(&self, op: &str) -> bool {
        self.inner.max_batch(op) > 1
    }

    /// The calls queued at once (they go in the same request, with other runs' calls that
    /// queued meanwhile, up to the op's limit); one answer each, in order.
    fn call_batch<'a>(
        &'a self,
        op: &'a str,
        calls: Vec<BatchCall<Json>>,
    ) -> BoxFuture<'a, Vec<Result<Json, CallError>>> {
        let max = self.inner.max_batch(op);
        if max <= 1 {
            return self.inner.call_batch(op, calls);
        }
        Box::pin(async move {
            let queue = self.queue(op, max);
            let mut answers = Vec::with_capacity(calls.len());
            let mut refused = Vec::new();
            {
                let _queuing = lock(&self.queuing);
                for call in calls {
                    let (answer, answered) = oneshot::channel();
                    let member = Member {
                        params: call.params,
                        info: call.info,
                        answer,
                    };
                    match queue.send(member) {
                        Ok(()) => answers.push(Some(answered)),
                        Err(back) => {
                            refused.push((answers.len(), back.0));
                            answers.push(None);
                        }
                    }
                }
            }
            let mut out = Vec::with_capacity(answers.len());
            let mut refused = refused.into_iter().peekable();
            for (at, answered) in answers.into_iter().enumerate() {
                let result = match answered {
                    Some(answered) => answered.await.unwrap_or_else(|_| {
                        Err(CallError::retryable(format!(
                            "{}.{op}: the bulk request was dropped before it answered",
                            self.inner.name()
                        )))
                    }),
                    None => match refused.next_if(|(k, _)| *k == at) {
                        // The op's task is gone (the runtime is shutting down): sent alone.
                        Some((_, m)) => self.inner.call(op, m.params, &m.info).await,
                        None => Err(CallError::retryable("not queued")),
                    },
                };
                out.push(result);
            }
            out
        })
    }

    fn accept_webhook(
        &self,
        trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        self.inner.accept_webhook(trigger, request)
    }

    fn enrich<'a>(
        &'a self,
        trigger: &'a TriggerConfig,
        payload: Json,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        self.inner.enrich(trigger, payload)
    }

    fn changed_nothing(&self, op: &str, result: &Json) -> bool {
        self.inner.changed_nothing(op, result)
    }

    fn written_quantity(&self, op: &str, params: &Json) -> Option<(String, i64)> {
        self.inner.written_quantity(op, params)
    }

    fn reported_quantity(&self, trigger: &TriggerConfig, payload: &Json) -> Option<(String, i64)> {
        self.inner.reported_quantity(trigger, payload)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A connector whose `set` takes bulk calls of up to 10 and answers after 20 ms; it
    /// records the size of every request.
    #[derive(Default)]
    struct Slow {
        sizes: Mutex<Vec<usize>>,
        singles: AtomicUsize,
        linger: Duration,
    }

    impl Connector for Slow {
        fn name(&self) -> &'static str {
            "slow"
        }

        fn call<'a>(
            &'a self,
            _op: &'a str,
            params: Json,
            _info: &'a CallInfo,
        ) -> BoxFuture<'a, Result<Json, CallError>> {
            self.singles.fetch_add(1, Ordering::Relaxed);
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(params)
            })
        }

        fn max_batch(&self, op: &str) -> usize {
            if op == "set" { 10 } else { 1 }
        }

        fn batch_linger(&self, _op: &str) -> Duration {
            self.linger
        }

        fn call_batch<'a>(
            &'a self,
            _op: &'a str,
            calls: Vec<BatchCall<Json>>,
        ) -> BoxFuture<'a, Vec<Result<Json, CallError>>> {
            lock(&self.sizes).push(calls.len());
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                calls
                    .into_iter()
                    .map(|c| match c.params["n"].as_i64() {
                        Some(n) if n % 7 == 3 => Err(CallError::permanent(format!("{n} refused"))),
                        _ => Ok(c.params),
                    })
                    .collect()
            })
        }
    }

    fn info(n: usize) -> CallInfo {
        CallInfo {
            idempotency_key: format!("r{n}:1"),
            run_id: format!("r{n}"),
            attempt: 1,
            maybe_sent: false,
        }
    }

    #[tokio::test]
    async fn concurrent_calls_gather_while_requests_are_in_flight() {
        let slow = Arc::new(Slow::default());
        let settings = BulkSettings {
            in_flight: 1,
            ..BulkSettings::default()
        };
        let c = Coalesced::wrap(slow.clone(), settings);
        let calls = (0..45).map(|n| {
            let c = c.clone();
            async move {
                let info = info(n);
                c.call("set", serde_json::json!({"n": n}), &info).await
            }
        });
        let results = futures::future::join_all(calls).await;
        for (n, r) in results.iter().enumerate() {
            if n % 7 == 3 {
                assert_eq!(r.as_ref().unwrap_err().message, format!("{n} refused"));
            } else {
                assert_eq!(r.as_ref().unwrap()["n"], n);
            }
        }
        let sizes = lock(&slow.sizes).clone();
        let singles = slow.singles.load(Ordering::Relaxed);
        // All 45 queued before the first request left: 10 at most per request, one request
        // in flight at a time.
        assert_eq!(singles, 0);
        assert_eq!(sizes, vec![10, 10, 10, 10, 5]);
    }

    #[tokio::test]
    async fn a_lone_call_goes_at_once_and_other_ops_are_not_queued() {
        let slow = Arc::new(Slow::default());
        let c = Coalesced::wrap(slow.clone(), BulkSettings::default());
        let started = tokio::time::Instant::now();
        let r = c.call("set", serde_json::json!({"n": 1}), &info(1)).await;
        assert_eq!(r.unwrap()["n"], 1);
        assert!(started.elapsed() < Duration::from_millis(200));
        assert_eq!(lock(&slow.sizes).clone(), vec![1]);
        let r = c.call("get", serde_json::json!({"n": 2}), &info(2)).await;
        assert_eq!(r.unwrap()["n"], 2);
        assert_eq!(
            slow.singles.load(Ordering::Relaxed),
            1,
            "`get` has no bulk form"
        );
        // Off: every call alone.
        let off = Coalesced::wrap(
            slow.clone(),
            BulkSettings {
                enabled: false,
                ..BulkSettings::default()
            },
        );
        let calls = (0..5).map(|n| {
            let off = off.clone();
            async move { off.call("set", serde_json::json!({"n": n}), &info(n)).await }
        });
        futures::future::join_all(calls).await;
        assert_eq!(lock(&slow.sizes).clone(), vec![1]);
        assert_eq!(slow.singles.load(Ordering::Relaxed), 6);
    }

    #[tokio::test]
    async fn calls_arriving_during_a_request_go_together_in_the_next() {
        let slow = Arc::new(Slow::default());
        let settings = BulkSettings {
            in_flight: 1,
            ..BulkSettings::default()
        };
        let c = Coalesced::wrap(slow.clone(), settings);
        let first = {
            let c = c.clone();
            tokio::spawn(async move { c.call("set", serde_json::json!({"n": 0}), &info(0)).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        let later = (1..10).map(|n| {
            let c = c.clone();
            async move { c.call("set", serde_json::json!({"n": n}), &info(n)).await }
        });
        let later = futures::future::join_all(later).await;
        assert_eq!(first.await.unwrap().unwrap()["n"], 0);
        assert!(
            later
                .iter()
                .enumerate()
                .all(|(i, r)| (i + 1) % 7 == 3 || r.is_ok())
        );
        assert_eq!(lock(&slow.sizes).clone(), vec![1, 9]);
    }

    #[tokio::test]
    async fn a_slow_bulk_form_lingers_for_a_bursts_calls_but_not_for_a_lone_one() {
        let slow = Arc::new(Slow {
            linger: Duration::from_millis(60),
            ..Slow::default()
        });
        let c = Coalesced::wrap(slow.clone(), BulkSettings::default());
        // A lone call goes at once.
        let started = tokio::time::Instant::now();
        c.call("set", serde_json::json!({"n": 0}), &info(0))
            .await
            .unwrap();
        assert!(started.elapsed() < Duration::from_millis(55));
        // A burst: two at once, then one every 20 ms; all 8 go together.
        let burst = (1..9).map(|n| {
            let c = c.clone();
            async move {
                if n > 2 {
                    tokio::time::sleep(Duration::from_millis(20 * (n as u64 - 2))).await;
                }
                c.call("set", serde_json::json!({"n": n}), &info(n)).await
            }
        });
        for r in futures::future::join_all(burst).await {
            assert!(r.is_ok() || r.unwrap_err().message.contains("refused"));
        }
        let sizes = lock(&slow.sizes).clone();
        assert_eq!(sizes, vec![1, 8], "{sizes:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_queued_as_one_batch_go_in_one_request() {
        let slow = Arc::new(Slow::default());
        let c = Coalesced::wrap(slow.clone(), BulkSettings::default());
        for round in 0..20 {
            let calls = (0..8)
                .map(|n| BatchCall {
                    params: serde_json::json!({"n": n}),
                    info: info(n),
                })
                .collect();
            let results = c.call_batch("set", calls).await;
            assert_eq!(results.len(), 8);
            assert_eq!(results[0].as_ref().unwrap()["n"], 0);
            assert!(results[3].is_err(), "3 is refused, alone");
            assert_eq!(lock(&slow.sizes).last(), Some(&8), "round {round}");
        }
        assert_eq!(slow.singles.load(Ordering::Relaxed), 0);
    }
}
