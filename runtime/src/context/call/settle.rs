//! Settle: a call's outcome journaled with its step. A write that succeeded completes its echo
//! record (a quantity learnt only while writing is recorded now) or takes it back (a write
//! that changed nothing makes no webhook); a failure is journaled with its error class.

use super::super::{CallOutcome, RunContext, class_name, slot_name};
use super::Call;
use crate::connector::{CallError, Json, Op};
use crate::state::CallEvent;
use crate::store::{JournalOp, StepStatus};
use crate::workflow::StepKind;

impl RunContext {
    /// Journals the call's last answer and ends its step.
    pub(super) async fn settle<O: Op>(
        &mut self,
        call: Call,
        answer: Result<Json, CallError>,
    ) -> CallOutcome<O::Output> {
        match answer {
            Ok(json) => self.settle_ok::<O>(call, json).await,
            Err(e) => self.settle_error(call, &e),
        }
    }

    /// A call that succeeded: done, unless its result is not of the op's shape.
    async fn settle_ok<O: Op>(&mut self, mut call: Call, json: Json) -> CallOutcome<O::Output> {
        let output = match serde_json::from_value::<O::Output>(json.clone()) {
            Ok(output) => output,
            Err(e) => {
                let message = format!("{} returned a result of an unexpected shape: {e}", call.op);
                let error = serde_json::json!({ "class": "permanent", "message": message });
                return self.fail_call(call, error, message);
            }
        };
        let (result, result_redacted) = self.engine.redactor.json(&json);
        let learnt = self.echo_after::<O>(&mut call, &json);
        call.record.status = CallEvent::Succeed.target();
        call.record.result = Some(result);
        call.record.redacted |= result_redacted;
        let step = self.step_record(
            call.slot,
            slot_name(call.info, call.slot),
            StepKind::Action,
            StepStatus::Done,
            Some(call.params),
            Some(json),
            None,
        );
        self.journal_call(call.record);
        self.journal_step(step);
        if let Some(written) = learnt {
            // Learnt only now: stored at once, since its echo may be on its way.
            self.record_write(O::CONNECTOR, written);
            if let Err(stop) = self.flush().await {
                return CallOutcome::Failed(stop);
            }
        }
        self.actions_done += 1;
        CallOutcome::Done(output)
    }

    /// What a write that succeeded leaves to echo suppression: when it changed nothing, the
    /// record made before it was sent is taken back (no webhook will report it); when no record
    /// could be made before, the SKU and quantity the connector knows now are returned, to be
    /// recorded.
    fn echo_after<O: Op>(&mut self, call: &mut Call, json: &Json) -> Option<(String, i64)> {
        if !call.is_write {
            return None;
        }
        if call.connector.changed_nothing(O::NAME, json) {
            if let Some(write) = call.recorded_before.take() {
                self.pending.push(JournalOp::ForgetWrite(write));
            }
            return None;
        }
        if call.recorded_before.is_some() {
            return None;
        }
        call.connector.written_quantity(O::NAME, &call.params)
    }

    /// A call that failed for good: its error class, HTTP status and message, redacted.
    fn settle_error<T>(&mut self, call: Call, e: &CallError) -> CallOutcome<T> {
        let detail = self.engine.redactor.text(&e.message);
        let class = class_name(e.class);
        let message = match e.status {
            Some(status) => format!("{} failed ({class}, HTTP {status}): {detail}", call.op),
            None => format!("{} failed ({class}): {detail}", call.op),
        };
        if e.class.is_retryable() {
            tracing::warn!(run = %self.run_id, op = %call.op, attempts = call.record.attempts, "retries exhausted");
        }
        let error = serde_json::json!({
            "class": class,
            "message": detail,
            "status": e.status,
        });
        self.fail_call(call, error, message)
    }

    /// Journals a call that failed for good (`error` as stored) and fails its step.
    fn fail_call<T>(&mut self, mut call: Call, error: Json, message: String) -> CallOutcome<T> {
        call.record.status = CallEvent::Fail.target();
        call.record.error = Some(error);
        self.journal_call(call.record);
        let location = call.info.location;
        let stop = self.fail_step(call.slot, call.info, Some(call.params), message, location);
        CallOutcome::Failed(stop)
    }
}
