//! Send: the call with its retries. A retryable failure is sent again after the policy's delay
//! (the channel's `retry-after` when it gave one) until the action's attempts run out; a
//! write's attempts are journaled before each wait, and the process stopping ends the wait.
//!
//! A throttle is not a failure: the API says when to come back, and the call waits and is
//! sent again without spending an attempt, for as long as it takes (within the action's
//! `timeout`, counted from the first attempt, when one is set).

use std::time::{Duration, Instant};

use super::super::{RunContext, Stop, class_name};
use super::Call;
use crate::connector::{CallError, CallInfo, ErrorClass, Json, Op};
use handled_contract::BatchCall;

impl RunContext {
    /// Sends the call until it succeeds, fails for good or runs out of attempts, and returns
    /// its last answer. `Err`: the run stops (the store could not be written, or the process is
    /// stopping).
    pub(super) async fn send<O: Op>(
        &mut self,
        call: &mut Call,
    ) -> Result<Result<Json, CallError>, Stop> {
        self.send_from::<O>(call, None).await
    }

    /// [`RunContext::send`], the first attempt's answer given when it was made already (counted
    /// in the call's attempts).
    pub(super) async fn send_from<O: Op>(
        &mut self,
        call: &mut Call,
        mut first: Option<Result<Json, CallError>>,
    ) -> Result<Result<Json, CallError>, Stop> {
        let options = call.options();
        let policy = options.policy(self.engine.retry);
        let started = Instant::now();
        let mut attempt_here = 0u32;
        let mut throttles = 0u32;
        loop {
            attempt_here += 1;
            let answer = match first.take() {
                Some(answer) => answer,
                None => {
                    call.record.attempts += 1;
                    self.attempt::<O>(call, options.timeout_ms).await
                }
            };
            match answer {
                Err(e) if e.class == ErrorClass::Throttled => {
                    throttles += 1;
                    let delay = policy.delay(throttles.min(8), &e);
                    let out_of_time = options
                        .timeout_ms
                        .is_some_and(|ms| started.elapsed() + delay > Duration::from_millis(ms));
                    if out_of_time {
                        return Ok(Err(e));
                    }
                    // Not an attempt spent: the same attempt, later.
                    attempt_here -= 1;
                    self.wait_to_retry(call, &e, delay).await?;
                }
                Err(e) if e.class.is_retryable() && attempt_here < policy.attempts => {
                    // A timeout or a 5xx does not say the write was not applied.
                    call.maybe_sent |= call.is_write;
                    let delay = policy.delay(attempt_here, &e);
                    self.wait_to_retry(call, &e, delay).await?;
                }
                answer => return Ok(answer),
            }
        }
    }

    /// One attempt, within the action's timeout (no answer in time is retryable), measured in
    /// `handled_call_seconds`.
    pub(super) async fn attempt<O: Op>(
        &self,
        call: &Call,
        timeout_ms: Option<u64>,
    ) -> Result<Json, CallError> {
        let call_info = self.call_info(call);
        let started = Instant::now();
        let pending = call
            .connector
            .call(O::NAME, call.params.clone(), &call_info);
        let answer = within(timeout_ms, pending).await;
        observe(call, started, &answer);
        answer
    }

    /// The first attempts of calls of one op and one action (a forEach entry's), handed to the
    /// connector at once as one batch ([`Connector::call_batch`]; its bulk wrapper gathers them
    /// with other runs' calls), within the action's timeout; one answer per call, in order.
    pub(super) async fn attempt_all<O: Op>(&self, calls: &[&Call]) -> Vec<Result<Json, CallError>> {
        let Some(first) = calls.first() else {
            return Vec::new();
        };
        let timeout_ms = first.options().timeout_ms;
        let members = calls
            .iter()
            .map(|call| BatchCall {
                params: call.params.clone(),
                info: self.call_info(call),
            })
            .collect();
        let started = Instant::now();
        let pending = first.connector.call_batch(O::NAME, members);
        let answers = match timeout_ms {
            Some(ms) => tokio::time::timeout(Duration::from_millis(ms), pending)
                .await
                .unwrap_or_default(),
            None => pending.await,
        };
        let mut answers = answers.into_iter();
        calls
            .iter()
            .map(|call| {
                let answer = answers.next().unwrap_or_else(|| {
                    Err(CallError::retryable(match timeout_ms {
                        Some(ms) => format!("no answer within the action's timeout of {ms} ms"),
                        None => "the batch gave no answer for this call".to_string(),
                    }))
                });
                observe(call, started, &answer);
                answer
            })
            .collect()
    }

    /// What the connector is told about an attempt of `call`.
    fn call_info(&self, call: &Call) -> CallInfo {
        CallInfo {
            idempotency_key: call.record.idempotency_key.clone(),
            run_id: self.run_id.clone(),
            attempt: call.record.attempts,
            maybe_sent: call.maybe_sent,
        }
    }

    /// Counts and logs a retry, waits `delay`, and journals a write's attempts with the one about
    /// to be made (a crash during the wait leaves only those sent counted; one during the next
    /// attempt, that attempt too). `Err`: the journal could not be written, or the process is
    /// stopping.
    async fn wait_to_retry(
        &mut self,
        call: &Call,
        e: &CallError,
        delay: Duration,
    ) -> Result<(), Stop> {
        metrics::counter!("handled_call_retries_total", "op" => call.op.clone(), "class" => class_name(e.class))
            .increment(1);
        tracing::info!(
            run = %self.run_id, op = %call.op, attempt = call.record.attempts, class = class_name(e.class),
            delay_ms = delay.as_millis() as u64, error = %self.engine.redactor.text(&e.message),
            "call failed, retrying"
        );
        let mut shutdown = self.engine.shutdown.clone();
        let stopping = tokio::select! {
            _ = tokio::time::sleep(delay) => false,
            _ = shutdown.wait_for(|stop| *stop) => true,
        };
        if stopping {
            return Err(Stop::interrupted("the process is stopping"));
        }
        if call.is_write {
            let mut next = call.record.clone();
            next.attempts += 1;
            self.journal_call(next);
            self.flush().await?;
        }
        Ok(())
    }
}

/// `pending` within `timeout_ms` (no answer in time is retryable).
async fn within(
    timeout_ms: Option<u64>,
    pending: impl std::future::Future<Output = Result<Json, CallError>>,
) -> Result<Json, CallError> {
    match timeout_ms {
        Some(ms) => tokio::time::timeout(Duration::from_millis(ms), pending)
            .await
            .unwrap_or_else(|_| {
                Err(CallError::retryable(format!(
                    "no answer within the action's timeout of {ms} ms"
                )))
            }),
        None => pending.await,
    }
}

/// Measures one attempt in `handled_call_seconds`.
fn observe(call: &Call, started: Instant, answer: &Result<Json, CallError>) {
    let outcome = match answer {
        Ok(_) => "ok",
        Err(e) => class_name(e.class),
    };
    metrics::histogram!("handled_call_seconds", "op" => call.op.clone(), "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
}
