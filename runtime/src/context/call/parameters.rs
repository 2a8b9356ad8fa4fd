//! Parameters: the params a call sends (the journaled ones when the run resumes, so that a
//! retry after a crash or a replay sends the same bytes; otherwise freshly evaluated), its
//! idempotency key, and, for a write, its intent and echo record stored before it is sent.

use std::time::Instant;

use super::super::{CallOutcome, RunContext, Scope, StepError, slot_name};
use super::Call;
use crate::connector::{Json, Op};
use crate::state::{CallEvent, next_call};
use crate::store::{CallRecord, CallStatus, StepSlot, StepStatus};
use crate::workflow::{StepInfo, StepKind};

impl RunContext {
    /// The call ready to be sent, with everything a write depends on (the steps before it, its
    /// intent, its echo record) in the store. `Err`: the step is skipped (its condition is
    /// false) or failed (its params did not evaluate, its connector is missing, the store could
    /// not be written).
    pub(super) async fn prepare<O: Op, F>(
        &mut self,
        slot: StepSlot,
        info: StepInfo,
        op: String,
        f: F,
    ) -> Result<Call, CallOutcome<O::Output>>
    where
        F: FnOnce(&Scope<'_>) -> Result<Option<O::Params>, StepError> + Send,
    {
        let call = self.prepare_unflushed::<O, F>(slot, info, op, f)?;
        if call.is_write {
            self.flush().await.map_err(CallOutcome::Failed)?;
        }
        Ok(call)
    }

    /// [`RunContext::prepare`] without storing the journal: the caller flushes it before the
    /// call is sent (many calls' intents in one write).
    pub(super) fn prepare_unflushed<O: Op, F>(
        &mut self,
        slot: StepSlot,
        info: StepInfo,
        op: String,
        f: F,
    ) -> Result<Call, CallOutcome<O::Output>>
    where
        F: FnOnce(&Scope<'_>) -> Result<Option<O::Params>, StepError> + Send,
    {
        let (params, prior_attempts, journaled) = self.params::<O, F>(slot, info, &op, f)?;
        let record = self.intent(slot, &op, &params, prior_attempts);
        // A read has no effect to protect: it is journaled with its result, and the journal
        // entries before it travel with the next write or the run's end.
        let is_write = crate::echo::is_write(O::CONNECTOR, O::NAME);
        if is_write {
            // The journal counts the attempt about to be made: a crash while it is in flight
            // leaves it counted (it may have been sent).
            let mut started = record.clone();
            started.attempts += 1;
            self.journal_call(started);
        }
        let Some(connector) = self.engine.connectors.get(O::CONNECTOR).cloned() else {
            let message = format!(
                "the connector `{}` is not registered in this program",
                O::CONNECTOR
            );
            let stop = self.fail_step(slot, info, Some(params), message, info.location);
            return Err(CallOutcome::Failed(stop));
        };
        // A write is recorded for echo suppression before it is sent: the channel's webhook
        // reporting it may arrive before the call returns.
        let mut recorded_before = None;
        if is_write && let Some(written) = connector.written_quantity(O::NAME, &params) {
            recorded_before = Some(self.record_write(O::CONNECTOR, written));
        }
        Ok(Call {
            slot,
            info,
            op,
            params,
            record,
            is_write,
            connector,
            recorded_before,
            // An intent an earlier start journaled may have been sent: the process stopped
            // before its answer was journaled.
            maybe_sent: journaled && is_write,
        })
    }

    /// The params to send, the attempts already made and whether they come from the journal:
    /// those of a call of the same op that the journal holds and that may be sent again (not
    /// one that succeeded), or else `f` evaluated (no attempts yet).
    fn params<O: Op, F>(
        &mut self,
        slot: StepSlot,
        info: StepInfo,
        op: &str,
        f: F,
    ) -> Result<(Json, u32, bool), CallOutcome<O::Output>>
    where
        F: FnOnce(&Scope<'_>) -> Result<Option<O::Params>, StepError> + Send,
    {
        let journaled = self
            .calls
            .get(&slot)
            .filter(|c| c.op == op && next_call(c.status, CallEvent::Send).is_ok())
            .map(|c| (self.engine.redactor.restore(&c.params), c.attempts, true));
        if let Some(found) = journaled {
            return Ok(found);
        }
        let started = Instant::now();
        let evaluated = f(&self.scope());
        self.observe_step(info, started);
        let params = match evaluated {
            Ok(Some(params)) => params,
            Ok(None) => return Err(self.skip_call(slot, info)),
            Err(e) => {
                let stop = self.fail_step(slot, info, None, e.message, e.location);
                return Err(CallOutcome::Failed(stop));
            }
        };
        serde_json::to_value(&params)
            .map(|json| (json, 0, false))
            .map_err(|e| {
                let message = format!("the params of {op} cannot be serialized: {e}");
                CallOutcome::Failed(self.fail_step(slot, info, None, message, info.location))
            })
    }

    /// Journals the step skipped: its condition is false.
    fn skip_call<T>(&mut self, slot: StepSlot, info: StepInfo) -> CallOutcome<T> {
        let record = self.step_record(
            slot,
            slot_name(info, slot),
            StepKind::Action,
            StepStatus::Skipped,
            None,
            None,
            None,
        );
        self.journal_step(record);
        self.actions_skipped += 1;
        CallOutcome::Skipped
    }

    /// The call's record before it is sent: its intent, with the params redacted.
    fn intent(&self, slot: StepSlot, op: &str, params: &Json, attempts: u32) -> CallRecord {
        let (stored_params, redacted) = self.engine.redactor.json(params);
        CallRecord {
            run_id: self.run_id.clone(),
            slot,
            op: op.to_string(),
            idempotency_key: idempotency_key(&self.run_id, slot),
            params: stored_params,
            status: CallStatus::FIRST,
            result: None,
            error: None,
            attempts,
            redacted,
        }
    }
}

/// The key every attempt of the call at `slot` is sent with, in every start of the run:
/// `RUN:STEP`, or `RUN:STEP:ITEM:ENTRY` for a forEach item's action.
fn idempotency_key(run_id: &str, slot: StepSlot) -> String {
    match (slot.item, slot.entry) {
        (Some(item), Some(entry)) => format!("{run_id}:{}:{item}:{entry}", slot.step),
        _ => format!("{run_id}:{}", slot.step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_name_the_run_the_step_and_the_item() {
        assert_eq!(idempotency_key("r1", StepSlot::step(2)), "r1:2");
        assert_eq!(idempotency_key("r1", StepSlot::item(2, 5, 1)), "r1:2:5:1");
    }
}
