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

impl RunContext {
    /// Sends the call until it succeeds, fails for good or runs out of attempts, and returns
    /// its last answer. `Err`: the run stops (the store could not be written, or the process is
    /// stopping).
    pub(super) async fn send<O: Op>(
        &mut self,
        call: &mut Call,
    ) -> Result<Result<Json, CallError>, Stop> {
        let options = call.options();
        let policy = options.policy(self.engine.retry);
        let started = Instant::now();
        let mut attempt_here = 0u32;
        let mut throttles = 0u32;
        loop {
            attempt_here += 1;
            call.record.attempts += 1;
            match self.attempt::<O>(call, options.timeout_ms).await {
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
                    let delay = policy.delay(attempt_here, &e);
                    self.wait_to_retry(call, &e, delay).await?;
                }
                answer => return Ok(answer),
            }
        }
    }

    /// One attempt, within the action's timeout (no answer in time is retryable), measured in
    /// `handled_call_seconds`.
    async fn attempt<O: Op>(
        &self,
        call: &Call,
        timeout_ms: Option<u64>,
    ) -> Result<Json, CallError> {
        let call_info = CallInfo {
            idempotency_key: call.record.idempotency_key.clone(),
            run_id: self.run_id.clone(),
            attempt: call.record.attempts,
        };
        let started = Instant::now();
        let pending = call
            .connector
            .call(O::NAME, call.params.clone(), &call_info);
        let answer = match timeout_ms {
            Some(ms) => tokio::time::timeout(Duration::from_millis(ms), pending)
                .await
                .unwrap_or_else(|_| {
                    Err(CallError::retryable(format!(
                        "no answer within the action's timeout of {ms} ms"
                    )))
                }),
            None => pending.await,
        };
        let outcome = match &answer {
            Ok(_) => "ok",
            Err(e) => class_name(e.class),
        };
        metrics::histogram!("handled_call_seconds", "op" => call.op.clone(), "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        answer
    }

    /// Counts and logs a retry, journals a write's attempts so far, and waits `delay`. `Err`:
    /// the journal could not be written, or the process is stopping.
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
        if call.is_write {
            self.journal_call(call.record.clone());
            self.flush().await?;
        }
        let mut shutdown = self.engine.shutdown.clone();
        let stopping = tokio::select! {
            _ = tokio::time::sleep(delay) => false,
            _ = shutdown.wait_for(|stop| *stop) => true,
        };
        if stopping {
            return Err(Stop::interrupted("the process is stopping"));
        }
        Ok(())
    }
}
